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

import dramatiq
import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.http import HttpMockSequence

from scheduler.adapters.gcal import actors, oauth, sealing
from scheduler.adapters.gcal.gateway import (
    APPOINTMENT_PROPERTY,
    GoogleCalendarGateway,
    PushNotSupported,
    discovery_document,
    retry_after,
)
from scheduler.domain.intervals import Interval
from scheduler.services.calendar_sync import (
    CalendarAccessRevoked,
    CalendarEntry,
    CalendarGone,
    CalendarRejected,
    CalendarUnavailable,
    EventExists,
    EventLocked,
    EventMissing,
    SyncTokenExpired,
)
from scheduler.services.calendar_values import CalendarInfo

TEHRAN = ZoneInfo("Asia/Tehran")
WINDOW = Interval(datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 8, tzinfo=UTC))
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


def error(
    status: int, reason: str = "", message: str = "failure", **headers: str
) -> tuple[dict[str, str], str]:
    errors = [{"domain": "global", "reason": reason, "message": message}] if reason else []
    body = {"error": {"code": status, "message": message, "errors": errors}}
    answer = {"status": str(status), "content-type": "application/json"}
    answer.update({name.replace("_", "-"): value for name, value in headers.items()})
    return answer, json.dumps(body)


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
            {
                "id": "board-meeting",
                "status": "confirmed",  # an invitation the doctor declined
                "start": {"dateTime": "2026-06-02T15:00:00+03:30"},
                "end": {"dateTime": "2026-06-02T16:00:00+03:30"},
                "attendees": [
                    {"responseStatus": "accepted"},
                    {"self": True, "responseStatus": "declined"},
                ],
            },
            {
                "id": "ward-round",
                "status": "confirmed",  # one the doctor accepted
                "start": {"dateTime": "2026-06-02T16:00:00+03:30"},
                "end": {"dateTime": "2026-06-02T17:00:00+03:30"},
                "attendees": [{"self": True, "responseStatus": "accepted"}],
            },
        ],
    }
    calendar, http = gateway(ok(first), ok(second))
    window = Interval(datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 8, tzinfo=UTC))

    changes = calendar.busy_changes("primary", None, window=window)

    assert changes.full and changes.next_sync_token == "CPDAlvWDx70CEPDAlvWDx70CGAU="
    assert changes.blocks == {
        "dentist": Interval(START + timedelta(hours=1), START + timedelta(hours=2)),
        "holiday": Interval(
            datetime(2026, 6, 3, tzinfo=TEHRAN), datetime(2026, 6, 4, tzinfo=TEHRAN)
        ),
        "reminder": None,  # shown as free
        APPOINTMENT.hex: None,  # our own appointment, not a busy time of the doctor
        "board-meeting": None,  # declined: the doctor is free then
        "ward-round": Interval(START + timedelta(hours=6), START + timedelta(hours=7)),
    }
    queries = [parse_qs(urlparse(uri).query) for uri, *_ in http.request_sequence]
    assert queries[0]["timeMin"] == ["2026-06-01T00:00:00+00:00"]
    assert queries[0]["timeMax"] == ["2026-07-08T00:00:00+00:00"]  # an endless series ends
    assert queries[0]["singleEvents"] == ["true"]
    assert "pageToken" not in queries[0]
    assert queries[1]["pageToken"] == ["page-2"]
    assert "summary" not in queries[0]["fields"][0]  # titles of private events are not read
    assert "attendees(self,responseStatus)" in queries[0]["fields"][0]  # only the doctor's own


def test_a_calendar_the_account_lost_is_calendar_gone() -> None:
    calendar, _ = gateway(error(404, "notFound", "Not Found"))

    with pytest.raises(CalendarGone):
        calendar.busy_changes("left@group.calendar.google.com", None, window=WINDOW)


def test_free_busy_asks_in_parts_and_reads_every_busy_time() -> None:
    def answer(start: str, end: str, busy: list[dict[str, str]]) -> tuple[dict[str, str], str]:
        return ok(
            {
                "kind": "calendar#freeBusy",
                "timeMin": start,
                "timeMax": end,
                "calendars": {"colleague@example.test": {"busy": busy}},
            }
        )

    first = [{"start": "2026-06-02T08:00:00Z", "end": "2026-06-02T09:00:00Z"}]
    calendar, http = gateway(
        answer("2026-06-01T00:00:00Z", "2026-07-31T00:00:00Z", first),
        answer("2026-07-31T00:00:00Z", "2026-08-15T00:00:00Z", []),
    )
    window = Interval(datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 8, 15, tzinfo=UTC))

    busy = calendar.free_busy("colleague@example.test", window=window)

    assert busy == [
        Interval(datetime(2026, 6, 2, 8, tzinfo=UTC), datetime(2026, 6, 2, 9, tzinfo=UTC))
    ]
    bodies = [sent(http, index)[2] for index in range(2)]
    assert [(body["timeMin"], body["timeMax"]) for body in bodies] == [
        ("2026-06-01T00:00:00+00:00", "2026-07-31T00:00:00+00:00"),
        ("2026-07-31T00:00:00+00:00", "2026-08-15T00:00:00+00:00"),
    ]
    lost, _ = gateway(
        ok(
            {
                "calendars": {
                    "colleague@example.test": {
                        "errors": [{"domain": "global", "reason": "notFound"}],
                        "busy": [],
                    }
                }
            }
        )
    )
    with pytest.raises(CalendarGone):
        lost.free_busy("colleague@example.test", window=WINDOW)


def test_access_roles_say_where_appointments_may_go_and_how_busy_times_are_read() -> None:
    listing = {
        "items": [
            {"id": "a", "summary": "Mine", "accessRole": "owner", "primary": True},
            {"id": "b", "summary": "Clinic", "accessRole": "writerWithoutPrivateAccess"},
            {"id": "c", "summary": "Family", "accessRole": "reader"},
            {"id": "d", "summary": "Colleague", "accessRole": "freeBusyReader"},
        ]
    }
    calendar, _ = gateway(ok(listing))

    assert calendar.calendars() == [
        CalendarInfo("a", "Mine", primary=True, writable=True),
        CalendarInfo("b", "Clinic", writable=True),
        CalendarInfo("c", "Family"),
        CalendarInfo("d", "Colleague", free_busy_only=True),
    ]


def test_an_incremental_read_sends_the_token_and_sees_deletions() -> None:
    page = {
        "nextSyncToken": "next-token",
        "items": [{"id": "dentist", "status": "cancelled"}],
    }
    calendar, http = gateway(ok(page))

    changes = calendar.busy_changes("primary", "old-token", window=WINDOW)

    assert not changes.full
    assert changes.blocks == {"dentist": None}
    assert changes.next_sync_token == "next-token"
    query = parse_qs(urlparse(http.request_sequence[0][0]).query)
    assert query["syncToken"] == ["old-token"]
    assert "timeMin" not in query and "timeMax" not in query  # Google refuses them with a token


def test_a_sync_token_google_no_longer_knows_is_sync_token_expired() -> None:
    calendar, _ = gateway(
        error(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.")
    )

    with pytest.raises(SyncTokenExpired):
        calendar.busy_changes("primary", "stale", window=WINDOW)


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


def test_a_patch_google_forbids_is_event_locked_unless_it_is_a_rate_limit() -> None:
    calendar, _ = gateway(error(403, "forbidden", "Forbidden"))
    with pytest.raises(EventLocked):
        calendar.patch_event("primary", ENTRY)

    calendar, _ = gateway(error(403, "rateLimitExceeded", "Rate Limit Exceeded"))
    with pytest.raises(CalendarUnavailable):
        calendar.patch_event("primary", ENTRY)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), ("Tue, 02 Jun 2026 08:02:00 GMT", 120.0), ("soon", None), ("", None)],
)
def test_retry_after_is_read_in_seconds_or_as_a_date(header: str, seconds: float | None) -> None:
    now = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
    assert retry_after(header, now=now) == seconds


def test_a_rate_limit_carries_the_wait_google_asked_for() -> None:
    calendar, _ = gateway(error(429, "rateLimitExceeded", "Rate Limit Exceeded", retry_after="90"))

    with pytest.raises(CalendarUnavailable) as raised:
        calendar.insert_event("primary", ENTRY)

    assert raised.value.retry_after == 90


def test_a_job_told_to_wait_is_retried_after_that_wait_not_sooner() -> None:
    def rate_limited() -> None:
        raise CalendarUnavailable("HTTP 429 rateLimitExceeded", retry_after=90)

    with pytest.raises(dramatiq.Retry) as raised:
        actors.honours_retry_after(rate_limited)()

    assert raised.value.delay == 90_000
    assert actors.retry_transient(0, raised.value)
    assert not actors.retry_transient(actors.MAX_RETRIES, raised.value)

    def unavailable() -> None:
        raise CalendarUnavailable("HTTP 503")

    with pytest.raises(CalendarUnavailable):  # no wait said: Dramatiq's own back-off
        actors.honours_retry_after(unavailable)()


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


def test_watch_of_a_calendar_without_notifications_is_push_not_supported() -> None:
    calendar, _ = gateway(
        error(
            400,
            "pushNotSupportedForRequestedResource",
            "Push notifications are not supported by this resource.",
        )
    )

    with pytest.raises(PushNotSupported):
        calendar.watch(
            "en.usa#holiday@group.v.calendar.google.com",
            channel_id="chan-1",
            token="secret",
            address="https://nobat.example.test/api/gcal/notifications/",
            ttl=timedelta(days=7),
        )


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
