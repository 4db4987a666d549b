"""The sync against a fake Google that refuses what Google refuses: a lost calendar, a calendar
without push, an event deleted in the web UI, declined invitations, an endless series, key
rotation, a new target calendar, access roles and Retry-After. Each is a way one bad calendar
(or one bad answer) could blind the sync to the others, or lose an appointment's event."""

from __future__ import annotations

import uuid
from datetime import UTC, timedelta
from typing import Any

import dramatiq
import pytest
from django.test import Client

from scheduler.adapters.gcal import actors, sealing, sync
from scheduler.adapters.gcal.models import (
    BusyBlock,
    CalendarConnection,
    CalendarFeed,
    MirroredEvent,
)
from scheduler.adapters.orm import models as rows
from scheduler.services.calendar_sync import CalendarUnavailable
from tests import factories, gcal_fake
from tests.e2e.gcal.flow import APPOINTMENTS, book, drain, free_on, signed_in, staff
from tests.gcal_fake import PRIMARY, FakeGoogle

pytestmark = pytest.mark.django_db(transaction=True)

FAMILY = "family@group.calendar.test"
WORK = "work@group.calendar.test"
LEFT = "old-team@group.calendar.test"
HOLIDAYS = "en.ir#holiday@group.v.calendar.google.com"
PUBLIC_URL = "https://nobat.example.test"


def feeds(doctor: rows.Doctor) -> dict[str, CalendarFeed]:
    return {
        feed.calendar_id: feed for feed in CalendarFeed.objects.filter(connection__doctor=doctor)
    }


def pull(doctor: rows.Doctor, worker: dramatiq.Worker) -> None:
    actors.pull_busy_times.send(doctor.pk)
    drain(worker)


# -- one calendar lost --------------------------------------------------------------------------


def test_three_busy_calendars_the_first_lost_the_other_two_still_block_slots(
    clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    doctor = factories.doctor(clinic)
    google.add_calendar(LEFT, "Old team", role="reader")
    google.add_calendar(WORK, "Work", role="reader")
    gcal_fake.connect(doctor, google, busy=(LEFT, WORK, FAMILY))
    ten, eleven, twelve = (factories.slot_start(clinic, hour=hour) for hour in (10, 11, 12))
    google.put_busy(WORK, "clinic-meeting", ten, ten + timedelta(hours=1))
    google.put_busy(FAMILY, "school-run", twelve, twelve + timedelta(hours=1))
    google.lose(LEFT)  # the doctor unsubscribed: Google answers 404 notFound

    pull(doctor, worker)

    free = free_on(doctor, ten)
    assert ten not in free and twelve not in free
    assert eleven in free
    found = feeds(doctor)
    assert found[LEFT].gone and "notFound" in found[LEFT].last_error
    assert not found[WORK].gone and found[WORK].last_read_at is not None
    assert found[FAMILY].last_read_at is not None and found[FAMILY].last_error == ""
    connection = CalendarConnection.objects.get(doctor=doctor)
    assert connection.last_error == "" and connection.last_success_at is not None

    # Gone for good: not read again, the others still are.
    asked = len(google.api_calls("GET"))
    google.put_busy(WORK, "new-meeting", eleven, eleven + timedelta(minutes=30))
    pull(doctor, worker)
    assert {call.calendar for call in google.api_calls("GET")[asked:]} == {WORK, FAMILY}
    assert eleven not in free_on(doctor, ten)

    # The doctor sees which calendar and why; choosing it again (shared again) reads it again.
    page = signed_in(doctor.user).get("/doctor/calendar/").content.decode()
    assert f'data-calendar="{LEFT}" data-state="gone"' in page
    assert "no longer has this calendar" in page
    google.calendars[LEFT]["lost"] = False
    signed_in(doctor.user).post(
        "/doctor/calendar/calendars/", {"target": PRIMARY, "busy": [LEFT, WORK, FAMILY]}
    )
    drain(worker)
    assert not feeds(doctor)[LEFT].gone and feeds(doctor)[LEFT].last_read_at is not None


# -- what counts as busy ------------------------------------------------------------------------


def test_a_declined_invitation_leaves_its_slots_bookable(
    doctor: rows.Doctor, clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    eleven, two = factories.slot_start(clinic, hour=11), factories.slot_start(clinic, hour=14)
    invitation = {"email": "chief@example.test", "organizer": True, "responseStatus": "accepted"}
    google.put_busy(
        PRIMARY,
        "board",
        eleven,
        eleven + timedelta(hours=1),
        attendees=[invitation, {"email": PRIMARY, "self": True, "responseStatus": "declined"}],
    )
    google.put_busy(
        PRIMARY,
        "ward-round",
        two,
        two + timedelta(hours=1),
        attendees=[invitation, {"email": PRIMARY, "self": True, "responseStatus": "accepted"}],
    )

    pull(doctor, worker)

    free = free_on(doctor, eleven)
    assert eleven in free  # declined: the doctor will not be there
    assert two not in free
    assert book(doctor, eleven).status_code == 201


def test_an_endless_daily_series_is_kept_only_up_to_the_booking_horizon(
    doctor: rows.Doctor, clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    nine = factories.slot_start(clinic, days_ahead=0, hour=9)
    google.put_daily_series(PRIMARY, "standup", nine, nine + timedelta(minutes=15))
    bound = 60 + 7 + 1  # the horizon, the margin, and today

    pull(doctor, worker)

    (full,) = google.api_calls("GET")
    assert "timeMax" in full.query  # without it Google expands the series for years
    stored = BusyBlock.objects.filter(doctor=doctor).count()
    assert 60 <= stored <= bound

    # An incremental read cannot be bounded: the changed series comes back whole (730 here).
    google.put_daily_series(PRIMARY, "standup", nine, nine + timedelta(minutes=20))
    pull(doctor, worker)
    assert "syncToken" in google.api_calls("GET")[-1].query
    assert BusyBlock.objects.filter(doctor=doctor).count() == stored
    assert not BusyBlock.objects.filter(
        doctor=doctor, start__gt=feeds(doctor)[PRIMARY].read_until
    ).exists()


# -- push channels ------------------------------------------------------------------------------


def test_calendars_google_cannot_watch_are_polled_and_the_others_get_channels(
    settings: Any, clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    settings.GCAL_PUBLIC_BASE_URL = PUBLIC_URL
    doctor = factories.doctor(clinic)
    google.add_calendar(HOLIDAYS, "Holidays in Iran", role="reader", push=False)
    google.add_calendar(WORK, "Work (imported)", role="reader", push=False)
    gcal_fake.connect(doctor, google, busy=(HOLIDAYS, WORK, FAMILY, PRIMARY))

    pull(doctor, worker)

    watched = [call.calendar for call in google.api_calls("POST") if call.path.endswith("/watch")]
    assert watched == [WORK, FAMILY, PRIMARY]  # a generated calendar is not even asked
    found = feeds(doctor)
    assert not found[WORK].pushes_changes and not found[WORK].channel_id
    assert found[FAMILY].channel_id and found[PRIMARY].channel_id
    assert CalendarConnection.objects.get(doctor=doctor).last_error == ""

    pull(doctor, worker)  # channels fresh, the others polled: no watch at all
    assert len([call for call in google.api_calls("POST") if call.path.endswith("/watch")]) == 3
    page = signed_in(doctor.user).get("/doctor/calendar/").content.decode()
    assert "checked every few minutes" in page


def test_channels_opened_before_the_token_key_rotated_still_notify(
    settings: Any, clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    old, new = sealing.derived_key("old").decode(), sealing.derived_key("new").decode()
    settings.GCAL_TOKEN_KEY = old
    settings.GCAL_PUBLIC_BASE_URL = PUBLIC_URL
    doctor = factories.doctor(clinic)
    gcal_fake.connect(doctor, google)
    pull(doctor, worker)
    feed = feeds(doctor)[PRIMARY]
    (watch,) = [call for call in google.api_calls("POST") if call.path.endswith("/watch")]

    settings.GCAL_TOKEN_KEY = f"{new},{old}"  # the documented rotation: the new key first
    eleven = factories.slot_start(clinic, hour=11)
    google.put_busy(PRIMARY, "surgery", eleven, eleven + timedelta(hours=2))
    headers = {
        "HTTP_X_GOOG_CHANNEL_ID": feed.channel_id,
        "HTTP_X_GOOG_RESOURCE_ID": feed.channel_resource_id,
        "HTTP_X_GOOG_RESOURCE_STATE": "exists",
        "HTTP_X_GOOG_CHANNEL_TOKEN": watch.body["token"],
    }
    assert Client().post("/api/gcal/notifications/", **headers).status_code == 204
    drain(worker)
    assert BusyBlock.objects.filter(doctor=doctor, event_id="surgery").exists()

    settings.GCAL_TOKEN_KEY = new  # the old key retired: its channels are no longer believed
    assert Client().post("/api/gcal/notifications/", **headers).status_code == 403


# -- the appointment's event --------------------------------------------------------------------


def test_an_event_deleted_in_the_google_web_ui_comes_back_when_the_appointment_moves(
    doctor: rows.Doctor, clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    booked = book(doctor, factories.slot_start(clinic, hour=10))
    appointment_id = uuid.UUID(booked.json()["id"])
    drain(worker)
    google.delete_in_web_ui(PRIMARY, appointment_id.hex)

    later = factories.slot_start(clinic, hour=15)
    moved = staff(doctor).post(
        f"{APPOINTMENTS}{appointment_id}/reschedule/", {"start": later.isoformat()}, format="json"
    )
    assert moved.status_code == 200, moved.data
    drain(worker)

    revived = f"{appointment_id.hex}v1"
    assert list(google.live_events()) == [revived]
    assert google.live_events()[revived]["start"]["dateTime"].startswith(
        later.astimezone(UTC).isoformat()[:16]
    )
    assert MirroredEvent.objects.get(appointment_id=appointment_id).generation == 1
    assert CalendarConnection.objects.get(doctor=doctor).last_error == ""

    cancelled = staff(doctor).post(f"{APPOINTMENTS}{appointment_id}/cancel/", {}, format="json")
    assert cancelled.status_code == 200
    drain(worker)
    assert google.live_events() == {}
    assert google.api_calls("DELETE")[-1].path.endswith(f"/events/{revived}")


def test_a_new_target_calendar_takes_the_events_along_and_deletes_go_where_they_are(
    doctor: rows.Doctor, clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    google.add_calendar(WORK, "Work", role="writer")
    first = uuid.UUID(book(doctor, factories.slot_start(clinic, hour=10)).json()["id"])
    second = uuid.UUID(book(doctor, factories.slot_start(clinic, hour=11)).json()["id"])
    drain(worker)
    assert set(google.live_events(PRIMARY)) == {first.hex, second.hex}

    page = signed_in(doctor.user)
    page.post("/doctor/calendar/calendars/", {"target": WORK, "busy": [PRIMARY]})
    drain(worker)

    assert google.live_events(PRIMARY) == {}
    assert set(google.live_events(WORK)) == {first.hex, second.hex}
    staff(doctor).post(f"{APPOINTMENTS}{first}/cancel/", {}, format="json")
    drain(worker)
    assert set(google.live_events(WORK)) == {second.hex}  # not left behind in the old one

    page.post("/doctor/calendar/calendars/", {"target": "", "busy": [PRIMARY]})
    drain(worker)
    assert google.live_events(WORK) == {} and google.live_events(PRIMARY) == {}


# -- access roles -------------------------------------------------------------------------------


def test_a_writer_without_private_access_may_receive_and_free_busy_calendars_block_slots(
    doctor: rows.Doctor, clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    google.add_calendar(WORK, "Clinic shared", role="writerWithoutPrivateAccess")
    colleague = "colleague@example.test"
    google.add_calendar(colleague, "Dr Karimi", role="freeBusyReader")
    page = signed_in(doctor.user)
    assert f'name="target" value="{WORK}"' in page.get("/doctor/calendar/").content.decode()

    page.post("/doctor/calendar/calendars/", {"target": WORK, "busy": [colleague]})
    eleven = factories.slot_start(clinic, hour=11)
    google.put_busy(colleague, "shared-surgery", eleven, eleven + timedelta(hours=1))
    pull(doctor, worker)

    assert eleven not in free_on(doctor, eleven)
    assert feeds(doctor)[colleague].free_busy_only
    asked = [call for call in google.api_calls() if call.path.endswith("/freeBusy")]
    assert asked and asked[-1].body["items"] == [{"id": colleague}]
    assert not [call for call in google.api_calls("GET") if call.calendar == colleague]
    booked = uuid.UUID(book(doctor, factories.slot_start(clinic, hour=15)).json()["id"])
    drain(worker)
    assert list(google.live_events(WORK)) == [booked.hex]


# -- rate limits --------------------------------------------------------------------------------


def test_a_rate_limit_tells_the_job_how_long_google_asked_it_to_wait(
    doctor: rows.Doctor, google: FakeGoogle
) -> None:
    google.fail_next(429, "rateLimitExceeded", retry_after="3600")

    with pytest.raises(CalendarUnavailable) as raised:
        sync.pull(doctor.pk)

    assert raised.value.retry_after == 3600
    assert "rateLimitExceeded" in CalendarConnection.objects.get(doctor=doctor).last_error
