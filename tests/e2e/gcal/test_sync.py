"""Google Calendar sync end to end: the API, the outbox relay, the Dramatiq broker of the runtime
(Redis on the production runtime, the stub broker embedded) with a worker, the real adapter
and client library, and a fake Google on loopback."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta
from typing import Any

import dramatiq
import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from scheduler.adapters.gcal import actors
from scheduler.adapters.gcal.models import BusyBlock, CalendarConnection, CalendarFeed
from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.gcal.flow import APPOINTMENTS, book, drain, signed_in, slot_starts, staff
from tests.gcal_fake import PRIMARY, FakeGoogle

pytestmark = pytest.mark.django_db(transaction=True)


# -- push ---------------------------------------------------------------------------------------


def test_book_inserts_reschedule_patches_cancel_deletes_one_event(
    doctor: rows.Doctor, clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    start = factories.slot_start(clinic, hour=10)
    booked = book(doctor, start)
    assert booked.status_code == 201, booked.data
    appointment_id = uuid.UUID(booked.json()["id"])
    drain(worker)

    (insert,) = google.api_calls("POST")
    assert insert.calendar == PRIMARY
    assert insert.body["id"] == appointment_id.hex  # derived: a retry cannot duplicate
    assert datetime.fromisoformat(insert.body["start"]["dateTime"]) == start
    assert insert.body["summary"] == "Appointment · Sara · Chest pain after running"
    assert "Sara" not in insert.body["description"]  # no more than the chosen detail
    assert list(google.live_events()) == [appointment_id.hex]

    later = factories.slot_start(clinic, hour=15)
    moved = staff(doctor).post(
        f"{APPOINTMENTS}{appointment_id}/reschedule/", {"start": later.isoformat()}, format="json"
    )
    assert moved.status_code == 200, moved.data
    drain(worker)

    (patch,) = google.api_calls("PATCH")
    assert patch.path.endswith(f"/events/{appointment_id.hex}")
    assert datetime.fromisoformat(patch.body["start"]["dateTime"]) == later
    assert datetime.fromisoformat(patch.body["end"]["dateTime"]) == later + timedelta(minutes=30)

    cancelled = staff(doctor).post(f"{APPOINTMENTS}{appointment_id}/cancel/", {}, format="json")
    assert cancelled.status_code == 200, cancelled.data
    drain(worker)

    (delete,) = google.api_calls("DELETE")
    assert delete.path.endswith(f"/events/{appointment_id.hex}")
    assert google.live_events() == {}
    connection = CalendarConnection.objects.get(doctor=doctor)
    assert connection.last_success_at is not None and connection.last_error == ""


def test_the_same_job_run_twice_leaves_one_event(
    doctor: rows.Doctor, clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    appointment_id = uuid.UUID(book(doctor, factories.slot_start(clinic)).json()["id"])
    drain(worker)

    actors.push_appointment.send(str(appointment_id))
    actors.push_appointment.send(str(appointment_id))
    drain(worker)

    assert list(google.live_events()) == [appointment_id.hex]
    assert [call.method for call in google.api_calls()] == [
        "POST",  # the booking's job inserts
        "PATCH",  # each rerun: the event is known to be there, so it updates
        "PATCH",
    ]


def test_a_google_outage_never_blocks_a_booking_and_the_job_catches_up(
    doctor: rows.Doctor, clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    google.fail_next(503, times=2)
    google.fail_next(429, "rateLimitExceeded")
    google.fail_next(403, "userRateLimitExceeded")

    booked = book(doctor, factories.slot_start(clinic))
    assert booked.status_code == 201
    drain(worker)

    assert [call.method for call in google.api_calls()] == ["POST"] * 5  # 4 faults, 1 insert
    assert list(google.live_events()) == [uuid.UUID(booked.json()["id"]).hex]


def test_revoked_access_marks_the_connection_broken_and_bookings_go_on(
    doctor: rows.Doctor, clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    google.revoked = True  # the doctor removed Nobat in their Google account
    google.access_tokens.clear()

    assert book(doctor, factories.slot_start(clinic, hour=10)).status_code == 201
    drain(worker)

    connection = CalendarConnection.objects.get(doctor=doctor)
    assert connection.state == CalendarConnection.State.BROKEN
    assert "invalid_grant" in connection.last_error
    refreshes = [call for call in google.calls if call.path == "/token"]
    assert len(refreshes) == 1  # not retried: it will not get better by itself

    tried = len(google.calls)
    assert book(doctor, factories.slot_start(clinic, hour=11)).status_code == 201
    drain(worker)
    assert len(google.calls) == tried  # nothing more is tried until the doctor reconnects


def test_an_expired_access_token_is_refreshed_and_stored_sealed(
    doctor: rows.Doctor, clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    before = CalendarConnection.objects.get(doctor=doctor).access_token
    google.access_tokens.clear()  # Google expired the access token: 401, then refresh

    assert book(doctor, factories.slot_start(clinic)).status_code == 201
    drain(worker)

    assert [call.path for call in google.calls if call.path == "/token"] == ["/token"]
    assert len(google.live_events()) == 1
    stored = CalendarConnection.objects.get(doctor=doctor).access_token
    assert stored != before
    assert not any(token in stored for token in google.access_tokens)  # sealed, not plain


# -- pull ---------------------------------------------------------------------------------------


def test_a_busy_time_pulled_from_google_removes_the_overlapping_slots(
    doctor: rows.Doctor, clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    eleven = factories.slot_start(clinic, hour=11)
    day = eleven.date().isoformat()
    slots_url = f"/api/doctors/{doctor.pk}/slots/?from={day}&to={day}"
    assert eleven in slot_starts(APIClient().get(slots_url))
    google.put_busy(PRIMARY, "dentist", eleven, eleven + timedelta(minutes=45))
    google.put_busy(PRIMARY, "free-lunch", eleven, eleven, transparency="transparent")

    actors.pull_busy_times.send(doctor.pk)
    drain(worker)

    free = slot_starts(APIClient().get(slots_url))
    assert eleven not in free
    assert eleven + timedelta(minutes=30) not in free  # overlapped by 15 minutes
    assert eleven - timedelta(minutes=30) in free
    assert eleven + timedelta(minutes=60) in free
    refused = book(doctor, eleven)
    assert refused.status_code == 400
    assert refused.json()["code"] == "doctor_away"
    changed = rows.StoredEvent.objects.get(type="AvailabilityChanged")
    assert changed.payload["doctor_id"] == doctor.pk

    google.remove(PRIMARY, "dentist")
    actors.pull_busy_times.send(doctor.pk)
    drain(worker)

    assert eleven in slot_starts(APIClient().get(slots_url))
    assert not BusyBlock.objects.filter(doctor=doctor).exists()
    assert rows.StoredEvent.objects.filter(type="AvailabilityChanged").count() == 2


def test_the_pull_reads_every_page_and_resyncs_when_the_token_is_gone(
    doctor: rows.Doctor, clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    google.page_size = 2
    for hour in range(10, 15):
        start = factories.slot_start(clinic, hour=hour)
        google.put_busy(PRIMARY, f"busy{hour}", start, start + timedelta(minutes=20))
    actors.pull_busy_times.send(doctor.pk)
    drain(worker)
    assert BusyBlock.objects.filter(doctor=doctor).count() == 5
    lists = google.api_calls("GET")
    assert [call.query.get("pageToken") for call in lists] == [None, ["2"], ["4"]]

    google.sync_tokens_expired = True
    google.remove(PRIMARY, "busy10")
    actors.pull_busy_times.send(doctor.pk)
    drain(worker)

    assert BusyBlock.objects.filter(doctor=doctor).count() == 4
    resync = google.api_calls("GET")[3:]
    assert "syncToken" in resync[0].query  # answered 410 Gone
    assert all("syncToken" not in call.query for call in resync[1:])  # then a full read


def test_the_sync_command_pulls_every_connected_doctor(
    doctor: rows.Doctor, clinic: rows.Clinic, google: FakeGoogle
) -> None:
    start = factories.slot_start(clinic, hour=12)
    google.put_busy(PRIMARY, "meeting", start, start + timedelta(hours=1))
    out = io.StringIO()

    call_command("gcal_sync", stdout=out)

    assert f"doctor {doctor.pk}: pulled" in out.getvalue()
    assert BusyBlock.objects.filter(doctor=doctor, event_id="meeting").exists()


def test_the_workers_periodic_sweep_queues_a_pull_per_connected_doctor(
    doctor: rows.Doctor, clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    start = factories.slot_start(clinic, hour=12)
    google.put_busy(PRIMARY, "meeting", start, start + timedelta(hours=1))

    actors.queue_pull_all()  # what the worker's calendar thread does every GCAL_SYNC_SECONDS
    drain(worker)

    assert BusyBlock.objects.filter(doctor=doctor, event_id="meeting").exists()


def test_push_notifications_are_verified_and_queue_a_pull(
    settings: Any,
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    google: FakeGoogle,
    worker: dramatiq.Worker,
) -> None:
    settings.GCAL_PUBLIC_BASE_URL = "https://nobat.example.test"
    actors.pull_busy_times.send(doctor.pk)  # the first pull opens the channel
    drain(worker)
    feed = CalendarFeed.objects.get(connection__doctor=doctor)
    (watch,) = [call for call in google.api_calls("POST") if call.path.endswith("/watch")]
    assert watch.body["address"] == "https://nobat.example.test/api/gcal/notifications/"
    assert watch.body["id"] == feed.channel_id and feed.channel_expires_at is not None

    headers = {
        "HTTP_X_GOOG_CHANNEL_ID": feed.channel_id,
        "HTTP_X_GOOG_RESOURCE_STATE": "exists",
        "HTTP_X_GOOG_RESOURCE_ID": feed.channel_resource_id,
    }
    forged = Client().post("/api/gcal/notifications/", HTTP_X_GOOG_CHANNEL_TOKEN="guess", **headers)
    assert forged.status_code == 403

    eleven = factories.slot_start(clinic, hour=11)
    google.put_busy(PRIMARY, "surgery", eleven, eleven + timedelta(hours=2))
    notified = Client().post(
        "/api/gcal/notifications/", HTTP_X_GOOG_CHANNEL_TOKEN=watch.body["token"], **headers
    )
    assert notified.status_code == 204
    drain(worker)

    assert BusyBlock.objects.filter(doctor=doctor, event_id="surgery").exists()


# -- the doctor's page --------------------------------------------------------------------------


def test_the_page_needs_a_signed_in_doctor(google: FakeGoogle) -> None:
    assert Client().get("/doctor/calendar/")["Location"] == "/login/?next=/doctor/calendar/"
    assert signed_in(factories.patient().user).get("/doctor/calendar/").status_code == 403


def test_connect_choose_and_disconnect(
    clinic: rows.Clinic, google: FakeGoogle, worker: dramatiq.Worker
) -> None:
    doctor = factories.doctor(clinic)
    page = signed_in(doctor.user)
    assert b"Connect Google Calendar" in page.get("/doctor/calendar/").content

    consent = page.post("/doctor/calendar/connect/")
    assert consent.status_code == 302
    url = consent["Location"]
    assert url.startswith(f"{google.base_url}/auth?")
    for part in ("access_type=offline", "code_challenge_method=S256", "calendar.events"):
        assert part in url
    state = url.split("state=")[1].split("&")[0]

    wrong = page.get("/doctor/calendar/callback/", {"state": "forged", "code": "good-code"})
    assert wrong.status_code == 302
    assert not CalendarConnection.objects.exists()

    consent = page.post("/doctor/calendar/connect/")
    state = consent["Location"].split("state=")[1].split("&")[0]
    page.get("/doctor/calendar/callback/", {"state": state, "code": "good-code"})
    connection = CalendarConnection.objects.get(doctor=doctor)
    assert connection.account == PRIMARY
    assert google.refresh_token not in connection.refresh_token  # sealed at rest
    status = page.get("/doctor/calendar/").content.decode()
    assert "Connected" in status and "Family" in status and "Dr Test" in status

    chosen = page.post(
        "/doctor/calendar/calendars/",
        {
            "target": PRIMARY,
            "busy": [PRIMARY, "family@group.calendar.test"],
            "detail": "first_name",
        },
    )
    assert chosen.status_code == 302
    connection.refresh_from_db()
    assert (connection.target_calendar, connection.detail) == (PRIMARY, "first_name")
    assert set(connection.feeds.values_list("calendar_id", flat=True)) == {
        PRIMARY,
        "family@group.calendar.test",
    }
    start = factories.slot_start(clinic, hour=12)
    google.put_busy("family@group.calendar.test", "school", start, start + timedelta(hours=1))
    drain(worker)
    assert BusyBlock.objects.filter(doctor=doctor).count() == 1
    CalendarConnection.objects.filter(pk=connection.pk).update(last_error="HTTP 500 backendError")
    status = page.get("/doctor/calendar/").content.decode()
    assert "HTTP 500 backendError" in status  # the last error, in words and as Google said it
    assert "Times are in <bdi>Iran Time</bdi>" in status  # the clinic's, not UTC

    page.post("/doctor/calendar/disconnect/")
    revoke = [call for call in google.calls if call.path == "/revoke"]
    assert [call.body["token"] for call in revoke] == [google.refresh_token]
    assert not CalendarConnection.objects.exists()
    assert not BusyBlock.objects.exists()
    assert b"Connect Google Calendar" in page.get("/doctor/calendar/").content


def test_a_broken_connection_is_shown_with_a_way_back(
    doctor: rows.Doctor, google: FakeGoogle
) -> None:
    CalendarConnection.objects.filter(doctor=doctor).update(
        state=CalendarConnection.State.BROKEN, last_error="CalendarAccessRevoked: invalid_grant"
    )
    page = signed_in(doctor.user).get("/doctor/calendar/").content.decode()
    assert "Broken" in page and "Connect again" in page and "invalid_grant" in page
