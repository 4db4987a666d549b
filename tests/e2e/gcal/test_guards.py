"""What people and attackers did to the calendar page and the push webhook, and what must hold:
no 500 for odd bytes, replays and bursts cost one pull, a stray link does not end a sign-in, a
form never changes more than it says, and no appointment is left out of the chosen calendar."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import dramatiq
import pytest
from django.test import Client

from scheduler.adapters.gcal import actors, sync, watch
from scheduler.adapters.gcal.models import CalendarConnection, CalendarFeed
from scheduler.adapters.orm import models as rows
from tests import factories, gcal_fake
from tests.e2e.gcal.flow import book, drain, signed_in
from tests.gcal_fake import PRIMARY, FakeGoogle

pytestmark = pytest.mark.django_db(transaction=True)

WORK = "work@group.calendar.test"
FAMILY = "family@group.calendar.test"
WEBHOOK = "/api/gcal/notifications/"


@pytest.fixture
def watched(settings: Any, doctor: rows.Doctor, worker: dramatiq.Worker) -> CalendarFeed:
    """The doctor's primary calendar with a push channel open."""
    settings.GCAL_PUBLIC_BASE_URL = "https://nobat.example.test"
    actors.pull_busy_times.send(doctor.pk)
    drain(worker)
    return CalendarFeed.objects.get(connection__doctor=doctor)


def notify(feed: CalendarFeed, **headers: str) -> int:
    sent = {
        "HTTP_X_GOOG_CHANNEL_ID": feed.channel_id,
        "HTTP_X_GOOG_CHANNEL_TOKEN": watch.channel_token(feed.channel_id),
        "HTTP_X_GOOG_RESOURCE_ID": feed.channel_resource_id,
        "HTTP_X_GOOG_RESOURCE_STATE": "exists",
        **headers,
    }
    return Client().post(WEBHOOK, **sent).status_code  # type: ignore[arg-type]


# -- the webhook --------------------------------------------------------------------------------


def test_odd_bytes_in_a_notification_token_are_refused_not_a_500(watched: CalendarFeed) -> None:
    assert notify(watched, HTTP_X_GOOG_CHANNEL_TOKEN="\xe9") == 403
    assert notify(watched, HTTP_X_GOOG_CHANNEL_TOKEN="\xff" * 64) == 403
    assert notify(watched) == 204


def test_a_notification_must_name_the_channels_resource_and_come_while_it_is_open(
    watched: CalendarFeed,
) -> None:
    assert notify(watched, HTTP_X_GOOG_RESOURCE_ID="another-resource") == 403
    CalendarFeed.objects.filter(pk=watched.pk).update(
        channel_expires_at=datetime.now(UTC) - timedelta(days=2)
    )
    assert notify(watched) == 403


def test_a_burst_of_notifications_or_clicks_queues_one_pull_until_it_starts(
    doctor: rows.Doctor, google: FakeGoogle
) -> None:
    try:
        assert [actors.request_pull(doctor.pk) for _ in range(5)] == [True] + [False] * 4
        sync.pull(doctor.pk)  # the queued pull starts: a change after it needs one more
        assert actors.request_pull(doctor.pk)
        CalendarConnection.objects.filter(doctor=doctor).update(
            pull_queued_at=datetime.now(UTC) - timedelta(hours=1)
        )
        assert actors.request_pull(doctor.pk)  # one lost with Redis holds nothing back for long
    finally:
        dramatiq.get_broker().flush(actors.QUEUE)


def test_a_channel_opened_for_a_calendar_unchosen_meanwhile_is_stopped_at_once(
    settings: Any, doctor: rows.Doctor, google: FakeGoogle
) -> None:
    settings.GCAL_PUBLIC_BASE_URL = "https://nobat.example.test"
    google.on_watch = lambda _: CalendarFeed.objects.filter(connection__doctor=doctor).delete()

    sync.pull(doctor.pk)  # the doctor saved "no busy calendars" while Google opened the channel

    (opened,) = [call for call in google.api_calls("POST") if call.path.endswith("/watch")]
    stops = [call for call in google.calls if call.path.endswith("/channels/stop")]
    assert [stop.body["id"] for stop in stops] == [opened.body["id"]]


# -- the page -----------------------------------------------------------------------------------


def test_signing_in_again_after_a_form_post_comes_back_to_the_page(google: FakeGoogle) -> None:
    refused = Client().post("/doctor/calendar/sync/")

    assert refused["Location"] == "/login/?next=/doctor/calendar/"


def test_a_stray_callback_does_not_end_a_sign_in_under_way_nor_answer_500(
    clinic: rows.Clinic, google: FakeGoogle
) -> None:
    doctor = factories.doctor(clinic)
    page = signed_in(doctor.user)
    consent = page.post("/doctor/calendar/connect/")
    state = consent["Location"].split("state=")[1].split("&")[0]

    for stray in ("\xe9", "forged"):
        answer = page.get("/doctor/calendar/callback/", {"state": stray, "code": "good-code"})
        assert answer.status_code == 302
    page.get("/doctor/calendar/callback/", {"state": state, "code": "good-code"})

    assert CalendarConnection.objects.filter(doctor=doctor).exists()
    replay = page.get("/doctor/calendar/callback/", {"state": state, "code": "good-code"})
    assert replay.status_code == 302  # used once: refused again, with a message
    assert len([call for call in google.calls if call.path == "/token"]) == 1


def test_a_form_changes_no_more_than_it_says(doctor: rows.Doctor, google: FakeGoogle) -> None:
    page = signed_in(doctor.user)
    CalendarConnection.objects.filter(doctor=doctor).update(detail="none")

    page.post("/doctor/calendar/calendars/", {"busy": [PRIMARY]})  # no target chosen
    connection = CalendarConnection.objects.get(doctor=doctor)
    assert connection.target_calendar == PRIMARY
    status = page.get("/doctor/calendar/").content.decode()
    assert "Choose which calendar receives your appointments" in status

    page.post("/doctor/calendar/calendars/", {"target": PRIMARY, "detail": "everything"})
    assert CalendarConnection.objects.get(doctor=doctor).detail == "none"

    page.post("/doctor/calendar/calendars/", {"target": PRIMARY, "busy": [PRIMARY]})
    assert CalendarConnection.objects.get(doctor=doctor).detail == "none"  # kept, not widened


def test_appointments_booked_before_connecting_reach_the_calendar(
    clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    doctor = factories.doctor(clinic)
    earlier = uuid.UUID(book(doctor, factories.slot_start(clinic, hour=10)).json()["id"])
    drain(worker)
    page = signed_in(doctor.user)
    consent = page.post("/doctor/calendar/connect/")
    state = consent["Location"].split("state=")[1].split("&")[0]

    page.get("/doctor/calendar/callback/", {"state": state, "code": "good-code"})
    drain(worker)

    assert list(google.live_events()) == [earlier.hex]


def test_when_the_receiving_calendar_is_lost_the_page_says_so_and_a_new_one_gets_them_all(
    clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    doctor = factories.doctor(clinic)
    google.add_calendar(WORK, "Clinic appointments", role="writer")
    gcal_fake.connect(doctor, google, target=WORK)
    first = uuid.UUID(book(doctor, factories.slot_start(clinic, hour=10)).json()["id"])
    drain(worker)
    google.lose(WORK)
    second = uuid.UUID(book(doctor, factories.slot_start(clinic, hour=11)).json()["id"])
    drain(worker)

    page = signed_in(doctor.user)
    status = page.get("/doctor/calendar/").content.decode()
    assert 'id="target-lost"' in status
    assert "Google no longer has this calendar" in status
    page.post("/doctor/calendar/calendars/", {"target": PRIMARY, "busy": [PRIMARY]})
    drain(worker)

    assert set(google.live_events(PRIMARY)) == {first.hex, second.hex}
    assert 'id="target-lost"' not in page.get("/doctor/calendar/").content.decode()
