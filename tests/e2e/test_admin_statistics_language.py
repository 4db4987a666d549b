"""The statistics page speaks the reader's language: in Persian its days are Jalali and its
numbers Persian, its weekdays named from Saturday; in English Gregorian with Latin digits. The
CSV downloads stay ISO whatever the page's language, and say so."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from scheduler.adapters.orm import models as rows
from scheduler.entrypoints.web import charts
from tests import factories

pytestmark = pytest.mark.django_db

TEHRAN = ZoneInfo("Asia/Tehran")
DECEMBER = "/admin/statistics/?from=2026-12-01&to=2026-12-31"


def statistics_page(language: str, query: str = DECEMBER) -> str:
    clinic = factories.clinic()
    doctor = factories.doctor(clinic)
    rows.Specialty.objects.filter(pk=doctor.specialty_id).update(name_fa="قلب و عروق")
    for day in (7, 8, 8):  # Monday 7 December 2026 is دوشنبه ۱۶ آذر ۱۴۰۵
        visit = datetime(2026, 12, day, 10 + day, 30, tzinfo=TEHRAN)
        factories.appointment(doctor, factories.patient(), visit, status="fulfilled")
    admin = factories.admin()
    rows.User.objects.filter(pk=admin.pk).update(language=language)
    client = Client()
    client.force_login(admin)
    answer = client.get(query)
    assert answer.status_code == 200
    return answer.content.decode()


def cells(html: str) -> list[str]:
    return re.findall(r"<td>([^<]*)</td>", html)


def test_in_persian_the_days_are_jalali_and_the_numbers_persian() -> None:
    html = statistics_page("fa")

    assert '<html lang="fa" dir="rtl">' in html
    assert "از سه‌شنبه ۱۰ آذر ۱۴۰۵ تا پنج‌شنبه ۱۰ دی ۱۴۰۵" in html
    assert "<td>۱۶ آذر</td><td>۱</td>" in html
    assert "<td>۱۷ آذر</td><td>۲</td>" in html
    assert '<span class="stats-total">۳</span>' in html
    assert "<td>۱۰۰٪</td>" in html  # every visit fulfilled
    assert "شلوغ‌ترین ساعت‌ها" in html
    names = re.findall(r'<th scope="row">([^<]+)</th><td>', html)
    assert names[-7:] == ["شنبه", "یک‌شنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنج‌شنبه", "جمعه"]
    assert not re.search(r"<td>[0-9]", html), "a Latin digit in a Persian table"
    assert "CSV (تاریخ ISO)" in html
    # Found in review: the specialties kept their English names on a Persian page.
    assert '<th scope="row">قلب و عروق</th><td>۳</td>' in html and "Cardiology" not in html
    # The date fields are the app's Jalali picker now, not the browser's calendar.
    assert "تاریخ هجری شمسی" in html and "تقویم مرورگر" not in html


def test_in_english_the_days_are_gregorian_and_the_weeks_start_on_monday() -> None:
    html = statistics_page("en")

    assert "From Tuesday 1 December 2026 to Thursday 31 December 2026" in html
    assert "<td>7 December</td><td>1</td>" in html
    names = re.findall(r'<th scope="row">([^<]+)</th><td>', html)
    assert names[-7:] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    assert "CSV (ISO dates)" in html
    assert '<th scope="row">Cardiology</th><td>3</td>' in html
    assert "Gregorian ones on an English page" in html and "browser’s calendar" not in html


def test_a_month_is_named_by_its_gregorian_days_for_a_persian_reader() -> None:
    # The counts are per Gregorian month: calling December "آذر" would be wrong by ten days.
    html = statistics_page("fa", DECEMBER + "&period=month")

    assert "<td>۱۰ آذر–۱۰ دی</td>" in html


@pytest.mark.parametrize(
    ("value", "language", "shown"),
    [
        (1234, "fa", "۱۲۳۴"),
        (8.3, "fa", "۸٫۳"),
        (8.3, "en", "8.3"),
        (None, "fa", "–"),
    ],
)
def test_numbers_are_in_the_readers_digits(value: float | None, language: str, shown: str) -> None:
    assert charts.number(value, language) == shown


def test_shares_are_in_the_readers_digits_and_sign() -> None:
    assert charts.percent(0.456, "fa") == "۴۶٪"
    assert charts.percent(0.456, "en") == "46%"
    assert charts.percent(None, "en") == "–"


@pytest.mark.parametrize(
    ("top", "ticks"), [(0, ["1", "0"]), (1, ["1", "0"]), (3, ["3", "0"]), (14, ["14", "7", "0"])]
)
def test_a_charts_axis_labels_only_whole_numbers_where_they_stand(
    top: int, ticks: list[str]
) -> None:
    # Found in review: an empty chart's axis read "1, 0, 0", the half of 1 rounded to 0.
    chart = charts.bars("Appointments", [("7 December", top)], language="en")
    assert re.findall(r'<text class="tick"[^>]*>([^<]+)</text>', chart) == ticks
