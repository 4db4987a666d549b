"""Which language a reader gets: their stored choice, the switcher's cookie, the browser's
Accept-Language, the clinic's default on a page about one clinic, then the site's default."""

from __future__ import annotations

import pytest
from django.test import Client

from scheduler.adapters.orm import models as rows
from tests import factories

pytestmark = pytest.mark.django_db


def html_tag(client: Client, path: str = "/", **headers: str) -> str:
    page = client.get(path, **headers).content.decode()
    start = page.index("<html")
    return page[start : page.index(">", start) + 1]


PERSIAN = '<html lang="fa" dir="rtl">'
ENGLISH = '<html lang="en" dir="ltr">'


def test_nothing_asked_is_the_sites_default_and_a_persian_browser_gets_persian() -> None:
    assert html_tag(Client()) == ENGLISH
    assert html_tag(Client(), HTTP_ACCEPT_LANGUAGE="fa-IR,fa;q=0.9,en;q=0.5") == PERSIAN
    assert html_tag(Client(), HTTP_ACCEPT_LANGUAGE="de-DE,fa;q=0.5") == PERSIAN
    assert html_tag(Client(), HTTP_ACCEPT_LANGUAGE="de-DE") == ENGLISH
    assert html_tag(Client(), HTTP_ACCEPT_LANGUAGE="fa;q=0, de") == ENGLISH  # q=0: not Persian


def test_the_answer_says_what_it_depends_on() -> None:
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="fa")

    assert response.headers["Content-Language"] == "fa"
    assert {"Accept-Language", "Cookie", "Authorization"} <= {
        value.strip() for value in response.headers["Vary"].split(",")
    }


def test_the_switcher_beats_the_browser_and_stays() -> None:
    client = Client()
    answer = client.post("/language/", {"language": "fa", "next": "/doctors/?x=1"})

    assert (answer.status_code, answer.headers["Location"]) == (302, "/doctors/?x=1")
    assert html_tag(client, HTTP_ACCEPT_LANGUAGE="en-US") == PERSIAN
    client.post("/language/", {"language": "en", "next": "/"})
    assert html_tag(client, HTTP_ACCEPT_LANGUAGE="fa") == ENGLISH


def test_the_switcher_goes_back_only_to_this_site_and_knows_its_languages() -> None:
    client = Client()

    away = client.post("/language/", {"language": "fa", "next": "https://evil.example/"})
    unknown = client.post("/language/", {"language": "xx", "next": "/"})

    assert away.headers["Location"] == "/"
    assert unknown.headers["Location"] == "/" and "django_language" not in unknown.cookies
    assert client.get("/language/").status_code == 405


def test_a_signed_in_readers_choice_is_kept_on_the_account_through_a_command() -> None:
    patient = factories.patient()
    client = Client()
    client.force_login(patient.user)

    client.post("/language/", {"language": "fa", "next": "/"})

    patient.user.refresh_from_db()
    assert patient.user.language == "fa"
    event = rows.StoredEvent.objects.filter(type="ProfileUpdated").latest("id")
    assert event.payload["fields"] == ["language"]
    # On another device with an English browser and no cookie: still their choice.
    elsewhere = Client()
    elsewhere.force_login(patient.user)
    assert html_tag(elsewhere, HTTP_ACCEPT_LANGUAGE="en") == PERSIAN


def test_a_choice_made_before_signing_in_goes_on_the_account_unless_it_holds_one() -> None:
    chose_nothing, chose_english = factories.patient().user, factories.patient().user
    rows.User.objects.filter(pk=chose_english.pk).update(language="en")
    for user in (chose_nothing, chose_english):
        client = Client()
        client.post("/language/", {"language": "fa", "next": "/"})
        signed_in = client.post(
            "/login/", {"username": user.username, "password": factories.PASSWORD}
        )
        assert signed_in.status_code == 302
        user.refresh_from_db()

    assert (chose_nothing.language, chose_english.language) == ("fa", "en")


def test_a_page_about_a_clinic_speaks_its_language_unless_the_reader_asked() -> None:
    persian = factories.clinic(language="fa")
    doctor = factories.doctor(persian)
    page = f"/doctors/{doctor.pk}/"

    assert html_tag(Client(), page) == PERSIAN
    assert html_tag(Client(), page, HTTP_ACCEPT_LANGUAGE="en-US,en") == ENGLISH
    assert html_tag(Client(), "/") == ENGLISH  # not about one clinic


@pytest.mark.parametrize(
    ("accept", "said"),
    [("en", "Times are in <bdi>Iran Time</bdi>."), ("fa", "ساعت‌ها به <bdi>وقت ایران</bdi> است.")],
)
def test_the_doctors_page_names_the_clinics_clock_in_the_readers_words(
    accept: str, said: str
) -> None:
    """Found in review: "Asia/Tehran" in the middle of a Persian sentence."""
    doctor = factories.doctor(factories.clinic())  # in Tehran, as the factories' clinics are

    page = Client().get(f"/doctors/{doctor.pk}/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()

    assert said in page
    assert ">Asia/Tehran<" not in page
