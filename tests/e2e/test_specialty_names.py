"""Specialties named in the reader's language: Persian where it is set, on every page and in
the API, and found by either name whatever the keyboard typed."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from scheduler.entrypoints import demo_seed
from tests import factories

pytestmark = pytest.mark.django_db


def persian_cardiology() -> rows.Specialty:
    heart = factories.specialty("cardiology")
    heart.name, heart.name_fa = "Cardiology", "قلب و عروق"
    heart.save()
    return heart


def test_a_specialty_is_named_in_the_active_language_when_it_has_that_name() -> None:
    heart = persian_cardiology()
    skin = factories.specialty("dermatology")  # no Persian name: the English one stands in

    with translation.override("fa"):
        assert (str(heart), str(skin)) == ("قلب و عروق", "Dermatology")
    with translation.override("en"):
        assert str(heart) == "Cardiology"


def test_the_search_finds_a_specialty_by_either_name_and_names_it_for_the_reader(
    visitor: APIClient,
) -> None:
    persian_cardiology()
    doctor = factories.doctor(factories.clinic())

    for words in ("قلب", "عروق", "cardio", "CARDIOLOGY"):
        found = visitor.get("/api/doctors/", {"q": words}).json()["results"]
        assert [hit["id"] for hit in found] == [doctor.pk], words
    # Arabic kaf and yeh, as an Arabic keyboard types them, are the Persian letters.
    kids = factories.specialty("pediatrics")
    kids.name_fa = "کودکان"
    kids.save()
    rows.Doctor.objects.filter(pk=doctor.pk).update(specialty=kids)
    assert [
        hit["id"] for hit in visitor.get("/api/doctors/", {"q": "كودكان"}).json()["results"]
    ] == [doctor.pk]

    persian = visitor.get("/api/doctors/", HTTP_ACCEPT_LANGUAGE="fa").json()["results"][0]
    english = visitor.get("/api/doctors/", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    translation.activate("en")
    assert persian["specialty"] == {
        "slug": "pediatrics",
        "name": "Pediatrics",
        "name_display": "کودکان",
    }
    assert english["specialty"]["name_display"] == "Pediatrics"


def test_pages_show_the_persian_name() -> None:
    persian_cardiology()
    doctor = factories.doctor(factories.clinic())

    home = Client(HTTP_ACCEPT_LANGUAGE="fa").get("/").content.decode()
    profile = Client(HTTP_ACCEPT_LANGUAGE="fa").get(f"/doctors/{doctor.pk}/").content.decode()
    translation.activate("en")

    assert home.count("قلب و عروق") >= 2  # the filter's choice and the result
    assert "قلب و عروق" in profile


def test_the_admin_edits_the_persian_name() -> None:
    heart = factories.specialty("cardiology")
    admin = Client()
    admin.force_login(factories.admin())

    form = admin.get(f"/admin/orm/specialty/{heart.pk}/change/").content.decode()
    response = admin.post(
        f"/admin/orm/specialty/{heart.pk}/change/",
        {"name": "Cardiology", "name_fa": "قلب و عروق", "slug": "cardiology"},
    )

    assert 'name="name_fa"' in form
    assert response.status_code == 302
    heart.refresh_from_db()
    assert heart.name_fa == "قلب و عروق"
    assert "قلب" in heart.search_name


def test_the_demo_names_its_specialties_in_persian() -> None:
    demo_seed.seed(out=io.StringIO())

    assert dict(rows.Specialty.objects.values_list("slug", "name_fa")) == {
        "cardiology": "قلب و عروق",
        "dermatology": "پوست",
        "pediatrics": "کودکان",
        "general-practice": "پزشک عمومی",
    }
