"""The admin shows a visit at the clinic's time, with the zone named, and weekly hours by the
day's name: the desk's 14:30 visit was "11 a.m." (UTC) and Monday was "0"."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_page() -> Client:
    client = Client()
    client.force_login(factories.admin())
    return client


def test_a_visit_is_listed_and_shown_at_the_clinics_time(admin_page: Client) -> None:
    clinic = factories.clinic()  # Tehran, UTC+03:30
    visit = factories.appointment(
        factories.doctor(clinic),
        factories.patient(),
        factories.slot_start(clinic, days_ahead=2, hour=14, minute=30),
    )

    listed = admin_page.get("/admin/orm/appointment/").content.decode()
    shown = admin_page.get(f"/admin/orm/appointment/{visit.pk}/change/").content.decode()

    for page in (listed, shown):
        assert "2:30 p.m. (Asia/Tehran)" in page
    assert "11 a.m." not in listed


def test_weekly_hours_name_their_day(admin_page: Client) -> None:
    factories.doctor(factories.clinic())  # hours on weekdays

    listed = admin_page.get("/admin/orm/weeklyinterval/").content.decode()

    assert "Monday" in listed
