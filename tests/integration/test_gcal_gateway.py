"""The Google Calendar adapter against googleapiclient's own HttpMockSequence: real requests
built by the client library from the shipped discovery document, real-shaped responses, and
google-auth refreshing through the same transport."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.http import HttpMockSequence

from scheduler.adapters.gcal import actors, oauth, sealing
from scheduler.adapters.gcal.gateway import (
    APPOINTMENT_PROPERTY,
    GoogleCalendarGateway,
    discovery_document,
)
from scheduler.domain.intervals import Interval
from scheduler.services.calendar_sync import (
    CalendarAccessRevoked,
    CalendarEntry,
    CalendarRejected,
    CalendarUnavailable,
    EventExists,
    EventMissing,
    SyncTokenExpired,
)

TEHRAN = ZoneInfo("Asia/Tehran")
APPOINTMENT = uuid.UUID("0b0e6c1e-3c1f-4a57-9f55-6f0d2a3b4c5d")
START = datetime(2026, 6, 2, 10, 0, tzinfo=TEHRAN)
ENTRY = CalendarEntry(
    event_id=APPOINTMENT.hex,
    appointment_id=APPOINTMENT,
    start=START,
    end=START + timedelta(minutes=30),
    summary="Appointment · Sara · Chest pain",
    description="Booked through Nobat.",
)
EVENT = {
    "kind": "calendar#event",
    "etag": '"3390000000000000"',
    "id": APPOINTMENT.hex,
    "status": "confirmed",
    "htmlLink": "https://www.google.com/calendar/event?eid=abc",
    "created": "2026-06-01T08:00:00.000Z",
    "updated": "2026-06-01T08:00:00.000Z",
    "summary": ENTRY.summary,
    "start": {"dateTime": "2026-06-02T06:30:00Z"},
    "end": {"dateTime": "2026-06-02T07:00:00Z"},
    "iCalUID": f"{APPOINTMENT.hex}@google.com",
    "sequence": 0,
}


def ok(body: Any = None, status: str = "200") -> tuple[dict[str, str], str]:
    return {"status": status, "content-type": "application/json"}, json.dumps(body or {})


def error(status: int, reason: str = "", message: str = "failure") -> tuple[dict[str, str], str]:
    errors = [{"domain": "global", "reason": reason, "message": message}] if reason else []
    body = {"error": {"code": status, "message": message, "errors": errors}}
    return {"status": str(status), "content-type": "application/json"}, json.dumps(body)


def credentials(*, token: str | None = "access-1", expired: bool = False) -> Credentials:
    return oauth.credentials(
        access_token=token or "",
        refresh_token="refresh-1",
        expiry=datetime.now(UTC) + (timedelta(hours=-1) if expired else timedelta(hours=1)),
        scopes=oauth.SCOPES,
    )


def gateway(
    *responses: tuple[dict[str, str], str], creds: Credentials | None = None, **kw: Any
) -> tuple[GoogleCalendarGateway, HttpMockSequence]:
    http = HttpMockSequence(list(responses))
    return GoogleCalendarGateway(creds or credentials(), http=http, **kw), http


def sent(http: HttpMockSequence, index: int = -1) -> tuple[str, str, Any]:
    uri, method, body, _ = http.request_sequence[index]
    return uri, method, json.loads(body) if body else None


# -- building ---------------------------------------------------------------------------------


def test_the_client_is_built_from_the_shipped_discovery_document_without_a_request() -> None:
    document = json.loads(discovery_document())
    assert (document["name"], document["version"]) == ("calendar", "v3")

    _, http = gateway()  # an empty sequence: any request would fail

    assert http.request_sequence == []


# -- push ---------------------------------------------------------------------------------------


def test_insert_sends_the_derived_id_times_and_the_appointment_marker() -> None:
    calendar, http = gateway(ok(EVENT))

    calendar.insert_event("primary", ENTRY)

    uri, method, body = sent(http)
    assert method == "POST"
    assert urlparse(uri).path == "/calendar/v3/calendars/primary/events"
    assert body["id"] == APPOINTMENT.hex
    assert body["start"] == {"dateTime": "2026-06-02T06:30:00+00:00"}
    assert body["end"] == {"dateTime": "2026-06-02T07:00:00+00:00"}
    assert body["extendedProperties"] == {"private": {APPOINTMENT_PROPERTY: str(APPOINTMENT)}}
    assert http.request_sequence[-1][3]["authorization"] == "Bearer access-1"


def test_insert_of_a_taken_id_is_event_exists() -> None:
    calendar, _ = gateway(error(409, "duplicate", "The requested identifier already exists."))

    with pytest.raises(EventExists):
        calendar.insert_event("primary", ENTRY)


def test_patch_sends_the_new_times_and_revives_a_deleted_event() -> None:
    calendar, http = gateway(ok(EVENT))
    moved = CalendarEntry(**{**ENTRY.__dict__, "start": START + timedelta(hours=1)})

    calendar.patch_event("dr@example.test", moved)

    uri, method, body = sent(http)
    assert method == "PATCH"
    assert (
        urlparse(uri).path == f"/calendar/v3/calendars/dr%40example.test/events/{APPOINTMENT.hex}"
    )
    assert body["start"] == {"dateTime": "2026-06-02T07:30:00+00:00"}
    assert body["status"] == "confirmed"
    assert "id" not in body


def test_patch_of_an_unknown_event_is_event_missing() -> None:
    calendar, _ = gateway(error(404, "notFound", "Not Found"))

    with pytest.raises(EventMissing):
        calendar.patch_event("primary", ENTRY)


@pytest.mark.parametrize(
    "answer",
    [
        ({"status": "204"}, ""),
        error(404, "notFound", "Not Found"),
        error(410, "deleted", "Resource has been deleted"),
    ],
    ids=["deleted", "not found", "gone"],
)
def test_delete_succeeds_also_when_the_event_is_gone_already(
    answer: tuple[dict[str, str], str],
) -> None:
    calendar, http = gateway(answer)

    calendar.delete_event("primary", APPOINTMENT.hex)

    uri, method, _ = sent(http)
    assert (method, urlparse(uri).path) == (
        "DELETE",
        f"/calendar/v3/calendars/primary/events/{APPOINTMENT.hex}",
    )


# -- pull ---------------------------------------------------------------------------------------


def test_a_full_read_follows_every_page_and_keeps_the_sync_token() -> None:
    first = {
        "kind": "calendar#events",
        "timeZone": "Asia/Tehran",
        "nextPageToken": "page-2",
        "items": [
            {
                "id": "dentist",
                "status": "confirmed",
                "start": {"dateTime": "2026-06-02T11:00:00+03:30"},
                "end": {"dateTime": "2026-06-02T12:00:00+03:30"},
            },
            {
                "id": "holiday",
                "status": "confirmed",
                "start": {"date": "2026-06-03"},
                "end": {"date": "2026-06-04"},
            },
        ],
    }
    second = {
        "kind": "calendar#events",
        "timeZone": "Asia/Tehran",
        "nextSyncToken": "CPDAlvWDx70CEPDAlvWDx70CGAU=",
        "items": [
            {
                "id": "reminder",
                "status": "confirmed",
                "transparency": "transparent",
                "start": {"dateTime": "2026-06-02T13:00:00+03:30"},
                "end": {"dateTime": "2026-06-02T13:30:00+03:30"},
            },
            {
                "id": APPOINTMENT.hex,
                "status": "confirmed",
                "start": {"dateTime": "2026-06-02T06:30:00Z"},
                "end": {"dateTime": "2026-06-02T07:00:00Z"},
                "extendedProperties": {"private": {APPOINTMENT_PROPERTY: str(APPOINTMENT)}},
            },
        ],
    }
    calendar, http = gateway(ok(first), ok(second))
    since = datetime(2026, 6, 1, tzinfo=UTC)

    changes = calendar.busy_changes("primary", None, since=since)

    assert changes.full and changes.next_sync_token == "CPDAlvWDx70CEPDAlvWDx70CGAU="
    assert changes.blocks == {
        "dentist": Interval(START + timedelta(hours=1), START + timedelta(hours=2)),
        "holiday": Interval(
            datetime(2026, 6, 3, tzinfo=TEHRAN), datetime(2026, 6, 4, tzinfo=TEHRAN)
        ),
        "reminder": None,  # shown as free
        APPOINTMENT.hex: None,  # our own appointment, not a busy time of the doctor
    }
    queries = [parse_qs(urlparse(uri).query) for uri, *_ in http.request_sequence]
    assert queries[0]["timeMin"] == ["2026-06-01T00:00:00+00:00"]
    assert queries[0]["singleEvents"] == ["true"]
    assert "pageToken" not in queries[0]
    assert queries[1]["pageToken"] == ["page-2"]
    assert "summary" not in queries[0]["fields"][0]  # titles of private events are not read


def test_an_incremental_read_sends_the_token_and_sees_deletions() -> None:
    page = {
        "nextSyncToken": "next-token",
        "items": [{"id": "dentist", "status": "cancelled"}],
    }
    calendar, http = gateway(ok(page))

    changes = calendar.busy_changes("primary", "old-token", since=datetime.now(UTC))

    assert not changes.full
    assert changes.blocks == {"dentist": None}
    assert changes.next_sync_token == "next-token"
    query = parse_qs(urlparse(http.request_sequence[0][0]).query)
    assert query["syncToken"] == ["old-token"] and "timeMin" not in query


def test_a_sync_token_google_no_longer_knows_is_sync_token_expired() -> None:
    calendar, _ = gateway(
        error(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.")
    )

    with pytest.raises(SyncTokenExpired):
        calendar.busy_changes("primary", "stale", since=datetime.now(UTC))


# -- faults -------------------------------------------------------------------------------------


def test_a_401_refreshes_the_token_once_retries_and_reports_the_new_token() -> None:
    stored: list[str] = []
    token_response = ok({"access_token": "access-2", "expires_in": 3599, "token_type": "Bearer"})
    calendar, http = gateway(
        error(401, "authError", "Invalid Credentials"),
        token_response,
        ok(EVENT),
        on_tokens=lambda refreshed: stored.append(refreshed.token),
    )

    calendar.insert_event("primary", ENTRY)

    assert [method for _, method, *_ in http.request_sequence] == ["POST", "POST", "POST"]
    refresh_uri, _, refresh_body, _ = http.request_sequence[1]
    assert refresh_uri == "https://oauth2.googleapis.com/token"
    assert parse_qs(refresh_body.decode())["grant_type"] == ["refresh_token"]
    assert http.request_sequence[2][3]["authorization"] == "Bearer access-2"
    assert stored == ["access-2"]


def test_an_expired_token_is_refreshed_before_the_request() -> None:
    token_response = ok({"access_token": "access-2", "expires_in": 3599, "token_type": "Bearer"})
    calendar, http = gateway(token_response, ok(EVENT), creds=credentials(expired=True))

    calendar.insert_event("primary", ENTRY)

    assert http.request_sequence[0][0] == "https://oauth2.googleapis.com/token"


def test_a_revoked_grant_is_access_revoked() -> None:
    refused = (
        {"status": "400", "content-type": "application/json"},
        json.dumps({"error": "invalid_grant", "error_description": "Token has been revoked."}),
    )
    calendar, _ = gateway(error(401, "authError"), refused)

    with pytest.raises(CalendarAccessRevoked):
        calendar.insert_event("primary", ENTRY)


@pytest.mark.parametrize(
    ("answer", "fault"),
    [
        (error(429, "rateLimitExceeded", "Rate Limit Exceeded"), CalendarUnavailable),
        (error(403, "userRateLimitExceeded", "User Rate Limit Exceeded"), CalendarUnavailable),
        (error(403, "quotaExceeded", "Calendar usage limits exceeded."), CalendarUnavailable),
        (error(500, "backendError", "Backend Error"), CalendarUnavailable),
        (error(503, "", "Service Unavailable"), CalendarUnavailable),
        (error(403, "forbidden", "Forbidden"), CalendarRejected),
        (error(400, "invalid", "Invalid start time."), CalendarRejected),
    ],
    ids=["429", "403 user rate", "403 quota", "500", "503", "403 forbidden", "400"],
)
def test_faults_are_told_apart_into_retry_or_not(
    answer: tuple[dict[str, str], str], fault: type[Exception]
) -> None:
    calendar, http = gateway(answer)

    with pytest.raises(fault):
        calendar.insert_event("primary", ENTRY)

    assert len(http.request_sequence) == 1  # the client itself does not retry: the job does


def test_the_jobs_retry_only_what_is_transient_and_only_so_often() -> None:
    assert actors.retry_transient(0, CalendarUnavailable("429"))
    assert not actors.retry_transient(actors.MAX_RETRIES, CalendarUnavailable("429"))
    assert not actors.retry_transient(0, CalendarRejected("400"))
    assert not actors.retry_transient(0, CalendarAccessRevoked("invalid_grant"))
    options = actors.push_appointment.options
    assert options["min_backoff"] < options["max_backoff"]


# -- push channels ------------------------------------------------------------------------------


def test_watch_opens_a_web_hook_channel_and_reads_its_expiry() -> None:
    expires = datetime(2026, 6, 9, 8, 0, tzinfo=UTC)
    channel = {
        "kind": "api#channel",
        "id": "chan-1",
        "resourceId": "o3hgv1538sdjfh",
        "resourceUri": "https://www.googleapis.com/calendar/v3/calendars/primary/events",
        "expiration": str(int(expires.timestamp() * 1000)),
    }
    calendar, http = gateway(ok(channel))

    resource, until = calendar.watch(
        "primary",
        channel_id="chan-1",
        token="secret",
        address="https://nobat.example.test/api/gcal/notifications/",
        ttl=timedelta(days=7),
    )

    assert (resource, until) == ("o3hgv1538sdjfh", expires)
    uri, method, body = sent(http)
    assert (method, urlparse(uri).path) == ("POST", "/calendar/v3/calendars/primary/events/watch")
    assert body == {
        "id": "chan-1",
        "type": "web_hook",
        "address": "https://nobat.example.test/api/gcal/notifications/",
        "token": "secret",
        "params": {"ttl": "604800"},
    }


# -- tokens at rest -----------------------------------------------------------------------------


def test_tokens_are_sealed_with_the_configured_key_and_keys_rotate(settings: Any) -> None:
    settings.GCAL_TOKEN_KEY = ""
    derived = sealing.seal("refresh-1")
    assert "refresh-1" not in derived and sealing.open_sealed(derived) == "refresh-1"

    old, new = sealing.derived_key("old").decode(), sealing.derived_key("new").decode()
    settings.GCAL_TOKEN_KEY = old
    sealed_old = sealing.seal("refresh-1")
    settings.GCAL_TOKEN_KEY = f"{new},{old}"
    assert sealing.open_sealed(sealed_old) == "refresh-1"  # the old key still opens
    settings.GCAL_TOKEN_KEY = new
    with pytest.raises(sealing.InvalidToken):
        sealing.open_sealed(sealed_old)
