"""The home page, the doctor search, rendered by the server: it works without JavaScript, the
URL holds the whole query, and a page costs the same queries whatever it shows."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation

from scheduler.adapters.orm import models as rows
from scheduler.domain.profiles import SPOKEN_LANGUAGES
from tests import factories

pytestmark = pytest.mark.django_db

TEHRAN = ZoneInfo("Asia/Tehran")


def test_home_lists_verified_doctors_with_a_link_to_their_page() -> None:
    at = factories.clinic()
    shown = factories.doctor(at)
    hidden = factories.doctor(at, verified=False)

    page = Client().get("/").content.decode()

    assert f"/doctors/{shown.pk}/?clinic={at.pk}" in page
    assert f"/doctors/{hidden.pk}/" not in page
    assert "/slots/" not in page  # no raw JSON links for people


def test_the_next_free_slot_is_one_click_away_and_none_is_said() -> None:
    at = factories.clinic()
    free, full = factories.doctor(at, horizon_days=30), factories.doctor(at, horizon_days=30)
    rows.NextFreeSlot.objects.all().delete()
    start = datetime.combine(datetime.now(TEHRAN).date() + timedelta(days=2), time(10), TEHRAN)
    rows.NextFreeSlot.objects.create(
        doctor=free, clinic=at, start=start, end=start + timedelta(minutes=30), refreshed_at=start
    )

    page = Client().get("/").content.decode()

    utc = start.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S")
    assert f'href="/doctors/{free.pk}/?clinic={at.pk}&amp;slot={utc}Z"' in page
    assert "No free slot within 30 days." in page
    assert page.index(f"/doctors/{free.pk}/") < page.index(f"/doctors/{full.pk}/")


def test_the_form_shows_the_query_it_ran() -> None:
    tehran = factories.clinic(city="Tehran")
    factories.clinic(city="Shiraz")
    factories.doctor(tehran)
    day = (datetime.now(TEHRAN).date() + timedelta(days=1)).isoformat()

    page = (
        Client()
        .get(
            "/",
            {"q": "card", "city": "Tehran", "free_from": day, "part": ["morning", "evening"]},
        )
        .content.decode()
    )

    assert 'name="q" value="card"' in page
    assert '<option value="Tehran" selected>' in page
    assert f'value="{day}"' in page
    assert 'value="morning" checked' in page and 'value="evening" checked' in page
    assert 'value="afternoon" checked' not in page
    assert "Filters (2 chosen)" in page


def test_pages_of_results_keep_the_query() -> None:
    at = factories.clinic(city="Tehran")
    for _ in range(21):
        factories.doctor(at)

    first = Client().get("/", {"city": "Tehran"}).content.decode()
    second = Client().get("/", {"city": "Tehran", "page": 2}).content.decode()

    assert "Doctors found: 21" in first
    assert 'href="?city=Tehran&amp;page=2"' in first
    assert second.count('class="result"') == 1
    assert 'href="?city=Tehran&amp;page=1"' in second


def test_a_bad_query_is_a_400_page_naming_the_fields() -> None:
    response = Client().get("/", {"near": "95,10", "part": "night", "q": "kept"})

    page = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in page
    assert "Near" in page and "Part of the day" in page
    assert 'name="q" value="kept"' in page
    assert 'class="results"' not in page


def test_persian_page_has_jalali_dates_and_persian_digits() -> None:
    at = factories.clinic(language="fa")
    doctor = factories.doctor(at)
    rows.NextFreeSlot.objects.all().delete()
    start = datetime.combine(datetime.now(TEHRAN).date() + timedelta(days=2), time(10), TEHRAN)
    rows.NextFreeSlot.objects.create(
        doctor=doctor, clinic=at, start=start, end=start + timedelta(minutes=30), refreshed_at=start
    )

    page = Client(HTTP_ACCEPT_LANGUAGE="fa").get("/").content.decode()
    translation.activate("en")

    assert 'dir="rtl"' in page
    assert "۱۰:۰۰" in page
    assert "۱۴۰" in page  # a Solar Hijri year


def test_a_page_costs_the_same_queries_whatever_it_shows(
    django_assert_max_num_queries: Any,
) -> None:
    one, two = factories.clinic(), factories.clinic()
    rows.Clinic.objects.filter(pk=one.pk).update(latitude=35.7, longitude=51.4)
    for n in range(25):
        factories.doctor(one if n % 2 else two).clinics.add(one)
    query = {"near": "35.7,51.4", "sort": "distance", "language": ""}

    # Specialties, cities, the count, the page (two), the doctors' clinics, the clinics' places.
    with django_assert_max_num_queries(7):
        Client().get("/", query)
    with django_assert_max_num_queries(7):
        Client().get("/", {**query, "page": 2})


def test_a_location_can_be_forgotten_keeping_the_rest_of_the_query() -> None:
    page = Client().get("/", {"q": "x", "near": "35.7,51.4", "sort": "distance"}).content.decode()

    assert '<a href="?q=x">Forget my location</a>' in page


def test_a_search_with_no_result_says_so_with_a_way_out() -> None:
    factories.doctor(factories.clinic(city="Tehran"))

    page = Client().get("/", {"q": "nobody-by-this-name"}).content.decode()

    assert "Doctors found: 0" in page
    assert "No doctor matches this search." in page
    assert '<a href="/">Clear all</a>' in page.split('class="card empty"')[1]


def test_days_backwards_are_a_400_naming_the_last_day() -> None:
    today = datetime.now(TEHRAN).date()
    response = Client().get(
        "/", {"free_from": today + timedelta(days=3), "free_to": today + timedelta(days=1)}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Free until" in page and "The last day comes before the first." in page
    assert "No doctor matches" not in page


def test_with_days_asked_a_card_offers_the_first_asked_day_not_the_next_slot() -> None:
    at = factories.clinic()
    doctor = factories.doctor(at)
    rows.NextFreeSlot.objects.all().delete()
    rows.FreeDay.objects.all().delete()
    today = datetime.now(TEHRAN).date()
    soon, later = today + timedelta(days=1), today + timedelta(days=3)
    start = datetime.combine(soon, time(9), TEHRAN)
    rows.NextFreeSlot.objects.create(
        doctor=doctor, clinic=at, start=start, end=start + timedelta(minutes=30), refreshed_at=start
    )
    rows.FreeDay.objects.create(doctor=doctor, clinic=at, day=soon, morning_last=start)
    rows.FreeDay.objects.create(
        doctor=doctor, clinic=at, day=later, evening_last=datetime.combine(later, time(20), TEHRAN)
    )

    page = (
        Client()
        .get("/", {"free_from": soon + timedelta(days=1), "free_to": later, "part": "evening"})
        .content.decode()
    )

    assert "slot=" not in page
    assert f'href="/doctors/{doctor.pk}/?clinic={at.pk}&amp;from={later.isoformat()}"' in page
    assert "Free on " in page and "(evening)" in page


def test_a_chosen_city_is_measured_from_its_centre() -> None:
    tehran = factories.clinic(city="Tehran")
    rows.Clinic.objects.filter(pk=tehran.pk).update(latitude=35.7, longitude=51.4)
    factories.doctor(tehran)

    response = Client().get("/", {"city": "Tehran", "sort": "distance"})

    page = response.content.decode()
    assert response.status_code == 200
    assert '<select form="search" id="search-radius" name="radius_km">' in page
    assert '<option value="distance" selected>' in page
    assert "0 km from the city centre" in page


def test_every_language_a_doctor_may_declare_is_offered_in_the_readers_language() -> None:
    english = Client().get("/").content.decode()
    persian = Client(HTTP_ACCEPT_LANGUAGE="fa").get("/").content.decode()
    translation.activate("en")

    offered = english.split('id="search-language"')[1].split("</select>")[0]
    codes = re.findall(r'<option value="([a-z]+)"', offered)
    assert codes == list(SPOKEN_LANGUAGES)
    assert ">Kurdish<" in offered and ">Armenian<" in offered
    assert ">کردی<" in persian.split('id="search-language"')[1].split("</select>")[0]
