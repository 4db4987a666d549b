"""A calendar sync that fails is counted in the metrics (nobat_calendar_sync_errors_total)."""

from __future__ import annotations

import pytest

from scheduler.adapters.gcal import sync
from scheduler.adapters.gcal.models import CalendarConnection
from scheduler.adapters.orm import models as rows
from tests.e2e.metrics_scrape import value
from tests.gcal_fake import FakeGoogle

pytestmark = pytest.mark.django_db


def test_a_pull_google_refuses_counts_a_sync_error(doctor: rows.Doctor, google: FakeGoogle) -> None:
    google.revoked = True  # the doctor removed Nobat in their Google account
    google.access_tokens.clear()
    before = value("nobat_calendar_sync_errors_total", scope="connection")

    sync.pull(doctor.pk)

    assert CalendarConnection.objects.get(doctor=doctor).state == CalendarConnection.State.BROKEN
    assert value("nobat_calendar_sync_errors_total", scope="connection") == before + 1
