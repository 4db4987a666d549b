"""The CalendarGateway on Google Calendar API v3 (google-api-python-client).

The client is built offline from the discovery document that googleapiclient ships, over
google-auth's AuthorizedHttp: a 401 refreshes the access token and retries once. Requests are
executed without the client's own retries; faults become the services' errors and the job
(Dramatiq) retries the transient ones with back-off and jitter:

- 429, 403 with a rate/quota reason, 5xx, the network -> CalendarUnavailable, with the wait
  Google asked for (Retry-After) when it said one
- a refresh refused with invalid_grant (access revoked or expired) -> CalendarAccessRevoked
- 410 on a list with a sync token -> SyncTokenExpired; 404 on a list or an insert ->
  CalendarGone (the calendar itself is not there)
- 404/410 on delete -> done already; 404 on patch -> EventMissing; 409 on insert -> EventExists
- other 403 on patch -> EventLocked (an event deleted in Google's web UI cannot be revived)
- 400 pushNotSupportedForRequestedResource on watch -> PushNotSupported
- any other 4xx -> CalendarRejected
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import google_auth_httplib2
import httplib2
from django.conf import settings
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError

from scheduler.domain.intervals import Interval
from scheduler.services.calendar_sync import (
    BusyChanges,
    CalendarAccessRevoked,
    CalendarEntry,
    CalendarError,
    CalendarGone,
    CalendarRejected,
    CalendarUnavailable,
    EventExists,
    EventLocked,
    EventMissing,
    SyncTokenExpired,
)
from scheduler.services.calendar_values import CalendarInfo

log = logging.getLogger(__name__)

# Marks the events Nobat writes, so a read of the same calendar does not see them as busy.
APPOINTMENT_PROPERTY = "nobatAppointment"
RATE_REASONS = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded"}
)
REVOKED = ("invalid_grant",)
WRITER_ROLES = frozenset({"owner", "writer", "writerWithoutPrivateAccess"})
PAGE_SIZE = 250
# Only what a busy time needs: no titles, descriptions or other guests of the doctor's events;
# the doctor's own answer to an invitation (a declined one keeps them free).
LIST_FIELDS = (
    "nextPageToken,nextSyncToken,timeZone,"
    "items(id,status,transparency,start,end,extendedProperties/private,"
    "attendees(self,responseStatus))"
)
# One freebusy.query covers at most this much; a longer window is asked in parts.
FREE_BUSY_SPAN = timedelta(days=60)


class PushNotSupported(CalendarRejected):
    """The calendar sends no change notifications (holidays, birthdays, week numbers...)."""


TokensChanged = Callable[[Credentials], None]


@functools.cache
def discovery_document() -> str:
    """calendar.v3 as googleapiclient ships it: building the client needs no network."""
    documents = resources.files("googleapiclient.discovery_cache") / "documents"
    return (documents / "calendar.v3.json").read_text(encoding="utf-8")


class GoogleCalendarGateway:
    def __init__(
        self,
        credentials: Credentials,
        *,
        http: Any = None,
        on_tokens: TokensChanged | None = None,
    ) -> None:
        self._credentials = credentials
        self._token = credentials.token
        self._on_tokens = on_tokens
        authorized = google_auth_httplib2.AuthorizedHttp(
            credentials,
            http=http
            if http is not None
            else httplib2.Http(timeout=settings.GCAL_HTTP_TIMEOUT_SECONDS),
            max_refresh_attempts=1,
        )
        self._service = build_from_document(
            discovery_document(),
            http=authorized,
            client_options={"api_endpoint": settings.GCAL_API_ROOT.rstrip("/") + "/calendar/v3/"},
        )

    # -- CalendarGateway ------------------------------------------------------------------------

    def calendars(self) -> list[CalendarInfo]:
        found: list[CalendarInfo] = []
        page: str | None = None
        while True:
            response = self._run(
                self._service.calendarList().list(
                    pageToken=page,
                    fields="nextPageToken,items(id,summary,summaryOverride,primary,accessRole)",
                )
            )
            for item in response.get("items", []):
                found.append(
                    CalendarInfo(
                        id=item["id"],
                        summary=item.get("summaryOverride") or item.get("summary") or item["id"],
                        primary=bool(item.get("primary")),
                        writable=item.get("accessRole") in WRITER_ROLES,
                        free_busy_only=item.get("accessRole") == "freeBusyReader",
                    )
                )
            page = response.get("nextPageToken")
            if not page:
                return found

    def insert_event(self, calendar_id: str, entry: CalendarEntry) -> None:
        request = self._service.events().insert(
            calendarId=calendar_id, body={"id": entry.event_id, **_event_body(entry)}
        )
        self._run(request, on_status={409: EventExists, 404: CalendarGone})

    def patch_event(self, calendar_id: str, entry: CalendarEntry) -> None:
        request = self._service.events().patch(
            calendarId=calendar_id, eventId=entry.event_id, body=_event_body(entry)
        )
        self._run(request, on_status={404: EventMissing, 403: EventLocked})

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        request = self._service.events().delete(calendarId=calendar_id, eventId=event_id)
        self._run(request, on_status={404: None, 410: None})

    def busy_changes(
        self, calendar_id: str, sync_token: str | None, *, window: Interval
    ) -> BusyChanges:
        query: dict[str, Any] = {
            "calendarId": calendar_id,
            "singleEvents": True,
            "maxResults": PAGE_SIZE,
            "fields": LIST_FIELDS,
        }
        if sync_token:
            query["syncToken"] = sync_token  # Google takes no time bounds with a token
        else:
            query["timeMin"] = _rfc3339(window.start)
            query["timeMax"] = _rfc3339(window.end)  # an endless series stops here
        on_status: dict[int, type[CalendarError] | None] = {404: CalendarGone}
        if sync_token:
            on_status[410] = SyncTokenExpired
        blocks: dict[str, Interval | None] = {}
        page: str | None = None
        while True:
            response = self._run(
                self._service.events().list(**query, pageToken=page), on_status=on_status
            )
            zone = _zone(response.get("timeZone"))
            for item in response.get("items", []):
                blocks[item["id"]] = busy_interval(item, zone)
            page = response.get("nextPageToken")
            if not page:
                return BusyChanges(
                    blocks=blocks,
                    next_sync_token=response.get("nextSyncToken"),
                    full=not sync_token,
                )

    def free_busy(self, calendar_id: str, *, window: Interval) -> list[Interval]:
        busy: list[Interval] = []
        for part in _parts(window, FREE_BUSY_SPAN):
            response = self._run(
                self._service.freebusy().query(
                    body={
                        "timeMin": _rfc3339(part.start),
                        "timeMax": _rfc3339(part.end),
                        "items": [{"id": calendar_id}],
                    }
                )
            )
            found = response.get("calendars", {}).get(calendar_id, {})
            reasons = [error.get("reason", "") for error in found.get("errors", [])]
            if "notFound" in reasons:
                raise CalendarGone(f"freeBusy notFound for {calendar_id}")
            if reasons:
                raise CalendarUnavailable(f"freeBusy {', '.join(reasons)} for {calendar_id}")
            for period in found.get("busy", []):
                start = datetime.fromisoformat(period["start"])
                end = datetime.fromisoformat(period["end"])
                if end > start:
                    busy.append(Interval(start, end))
        return busy

    # -- push notifications (adapters.gcal.watch) -----------------------------------------------

    def watch(
        self, calendar_id: str, *, channel_id: str, token: str, address: str, ttl: timedelta
    ) -> tuple[str, datetime | None]:
        """Open a channel; its resource id and when it expires."""
        response = self._run(
            self._service.events().watch(
                calendarId=calendar_id,
                body={
                    "id": channel_id,
                    "type": "web_hook",
                    "address": address,
                    "token": token,
                    "params": {"ttl": str(int(ttl.total_seconds()))},
                },
            )
        )
        expiration = response.get("expiration")
        expires = datetime.fromtimestamp(int(expiration) / 1000, UTC) if expiration else None
        return str(response.get("resourceId", "")), expires

    def stop_watch(self, *, channel_id: str, resource_id: str) -> None:
        request = self._service.channels().stop(body={"id": channel_id, "resourceId": resource_id})
        self._run(request, on_status={404: None})

    # -- one request ----------------------------------------------------------------------------

    def _run(
        self,
        request: Any,
        *,
        on_status: Mapping[int, type[CalendarError] | None] | None = None,
    ) -> dict[str, Any]:
        try:
            response = request.execute(num_retries=0)
        except HttpError as error:
            status = error.resp.status
            if on_status and status in on_status and not _rate_limited(error):
                meant = on_status[status]
                if meant is None:
                    return {}
                raise meant(_describe(error)) from error
            raise translate(error) from error
        except RefreshError as error:
            if any(reason in str(error) for reason in REVOKED):
                raise CalendarAccessRevoked(f"Google refused the refresh: {error}") from error
            if getattr(error, "retryable", False):
                raise CalendarUnavailable(f"Token refresh failed: {error}") from error
            raise CalendarRejected(f"Token refresh failed: {error}") from error
        except (TransportError, httplib2.HttpLib2Error, OSError) as error:
            raise CalendarUnavailable(f"Google could not be reached: {error!r}") from error
        finally:
            self._tokens_seen()
        return response if isinstance(response, dict) else {}

    def _tokens_seen(self) -> None:
        if self._credentials.token != self._token:
            self._token = self._credentials.token
            if self._on_tokens is not None:
                self._on_tokens(self._credentials)


def translate(error: HttpError) -> CalendarError:
    status = error.resp.status
    text = _describe(error)
    if status == 429 or status >= 500 or _rate_limited(error):
        return CalendarUnavailable(text, retry_after=retry_after(error.resp.get("retry-after")))
    if status == 401:  # still refused after a refresh: try again later, with a new token
        return CalendarUnavailable(text)
    if _reason(error) == "pushNotSupportedForRequestedResource":
        return PushNotSupported(text)
    return CalendarRejected(text)


def retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def busy_interval(item: Mapping[str, Any], zone: ZoneInfo) -> Interval | None:
    """The time an event keeps the doctor busy, or None (cancelled, free, declined by the
    doctor, or one of ours)."""
    if item.get("status") == "cancelled" or item.get("transparency") == "transparent":
        return None
    if APPOINTMENT_PROPERTY in item.get("extendedProperties", {}).get("private", {}):
        return None
    guests: list[Mapping[str, Any]] = item.get("attendees", [])
    mine = next((guest for guest in guests if guest.get("self")), {})
    if mine.get("responseStatus") == "declined":
        return None
    start = _moment(item.get("start", {}), zone)
    end = _moment(item.get("end", {}), zone)
    if start is None or end is None or end <= start:
        return None
    return Interval(start, end)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _parts(window: Interval, span: timedelta) -> Iterator[Interval]:
    start = window.start
    while start < window.end:
        end = min(start + span, window.end)
        yield Interval(start, end)
        start = end


def _event_body(entry: CalendarEntry) -> dict[str, Any]:
    return {
        "summary": entry.summary,
        "description": entry.description,
        "start": {"dateTime": _rfc3339(entry.start)},
        "end": {"dateTime": _rfc3339(entry.end)},
        "status": "confirmed",  # also brings back an event deleted earlier
        "extendedProperties": {"private": {APPOINTMENT_PROPERTY: str(entry.appointment_id)}},
    }


def _moment(value: Mapping[str, Any], zone: ZoneInfo) -> datetime | None:
    if "dateTime" in value:
        moment = datetime.fromisoformat(value["dateTime"])
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_zone(value.get("timeZone"), zone))
        return moment
    if "date" in value:  # all-day: midnight in the event's (or the calendar's) zone
        day = date.fromisoformat(value["date"])
        return datetime.combine(day, time(), _zone(value.get("timeZone"), zone))
    return None


def _zone(name: str | None, default: ZoneInfo | None = None) -> ZoneInfo:
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown time zone %r from Google; using UTC", name)
    return default or ZoneInfo("UTC")


def _rate_limited(error: HttpError) -> bool:
    return error.resp.status == 403 and _reason(error) in RATE_REASONS


def _reason(error: HttpError) -> str:
    try:
        body = json.loads(error.content)
        return str(body["error"]["errors"][0]["reason"])
    except (ValueError, KeyError, IndexError, TypeError):
        return ""


def _describe(error: HttpError) -> str:
    reason = _reason(error)
    return f"HTTP {error.resp.status}" + (f" {reason}" if reason else "")
