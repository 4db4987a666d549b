"""A fake Google on loopback: the OAuth token and revoke endpoints and enough of Calendar API v3
(calendarList, events insert/patch/delete/list with sync tokens and pages, watch, channel stop)
for the real adapter, client library and all, to talk to over HTTP.

It keeps what Google keeps that matters here: an event id stays taken after a delete (409 on
insert), deleted events come back in an incremental list as cancelled, an access token must be
current (401 otherwise), a refresh with a revoked grant is ``invalid_grant``. And it refuses
what Google refuses: a calendar the account lost is 404 ``notFound``; a generated calendar has
no push (400 ``pushNotSupportedForRequestedResource``); an event deleted in the web UI cannot be
patched back (403); a ``freeBusyReader`` calendar has no events to list (403), only
``freeBusy``; a list gives only the ``fields`` asked for; ``singleEvents`` expands a recurring
series into instances, endlessly but for ``timeMax``; rate limits may carry ``Retry-After``.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from scheduler.adapters.gcal import sealing
from scheduler.adapters.gcal.models import CalendarConnection, CalendarFeed
from scheduler.adapters.orm import models as rows

CLIENT_ID = "nobat-test.apps.googleusercontent.com"
CLIENT_SECRET = "test-secret"
GOOD_CODE = "good-code"
PRIMARY = "dr.test@example.test"
SCOPE = (
    "https://www.googleapis.com/auth/calendar.events "
    "https://www.googleapis.com/auth/calendar.readonly"
)


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    body: dict[str, Any]

    @property
    def calendar(self) -> str:
        return unquote(self.path.split("/calendars/")[1].split("/")[0])


@dataclass
class FakeGoogle:
    base_url: str = ""
    calls: list[Call] = field(default_factory=list)
    calendars: dict[str, dict[str, Any]] = field(default_factory=dict)
    access_tokens: set[str] = field(default_factory=set)
    refresh_token: str = "refresh-1"
    revoked: bool = False
    sync_tokens_expired: bool = False
    page_size: int = 250
    on_watch: Callable[[str], None] | None = None  # runs as Google opens a channel
    failures: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    _serial: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.add_calendar(PRIMARY, "Dr Test", primary=True)
        self.add_calendar("family@group.calendar.test", "Family", role="reader")

    # -- set up ---------------------------------------------------------------------------------

    def add_calendar(
        self,
        calendar_id: str,
        summary: str,
        *,
        primary: bool = False,
        role: str = "owner",
        push: bool = True,
    ) -> None:
        self.calendars[calendar_id] = {
            "summary": summary,
            "primary": primary,
            "role": role,
            "push": push,
            "lost": False,
            "events": {},
            "changed": {},  # event id -> sequence number of its last change
            "locked": set(),  # deleted in the web UI: a PATCH cannot bring them back
        }

    def lose(self, calendar_id: str) -> None:
        """The doctor unsubscribed, or the owner stopped sharing: 404 from now on."""
        self.calendars[calendar_id]["lost"] = True

    def new_access_token(self) -> str:
        token = f"access-{next(self._serial)}"
        self.access_tokens.add(token)
        return token

    def put_busy(
        self,
        calendar_id: str,
        event_id: str,
        start: datetime,
        end: datetime,
        **extra: Any,
    ) -> None:
        """An event the doctor made in Google Calendar."""
        self._store(
            calendar_id,
            {
                "id": event_id,
                "status": "confirmed",
                "summary": "Private: dentist",
                "start": {"dateTime": start.isoformat()},
                "end": {"dateTime": end.isoformat()},
                **extra,
            },
        )

    def put_daily_series(
        self, calendar_id: str, event_id: str, start: datetime, end: datetime
    ) -> None:
        """A daily meeting with no end date, as the doctor makes it in Google Calendar."""
        self.put_busy(calendar_id, event_id, start, end, recurrence=["RRULE:FREQ=DAILY"])

    def remove(self, calendar_id: str, event_id: str) -> None:
        event = self.calendars[calendar_id]["events"][event_id]
        self._store(calendar_id, {**event, "status": "cancelled"})

    def delete_in_web_ui(self, calendar_id: str, event_id: str) -> None:
        """The doctor deleted the event in Google Calendar's web page: it goes to the bin, its
        id stays taken, and the API may not patch it back (403)."""
        self.remove(calendar_id, event_id)
        self.calendars[calendar_id]["locked"].add(event_id)

    def fail_next(
        self, status: int, reason: str = "", times: int = 1, *, retry_after: str = ""
    ) -> None:
        body = {"error": {"code": status, "message": reason or "failure", "errors": []}}
        if reason:
            body["error"]["errors"] = [{"reason": reason, "domain": "usageLimits"}]
        headers = {"Retry-After": retry_after} if retry_after else {}
        self.failures.extend([(status, body, headers)] * times)

    # -- what happened --------------------------------------------------------------------------

    def api_calls(self, method: str | None = None) -> list[Call]:
        return [
            call
            for call in self.calls
            if call.path.startswith("/calendar/v3/")
            and (method is None or call.method == method)
            and not call.path.endswith("/calendarList")
        ]

    def live_events(self, calendar_id: str = PRIMARY) -> dict[str, dict[str, Any]]:
        events = self.calendars[calendar_id]["events"]
        return {key: event for key, event in events.items() if event["status"] != "cancelled"}

    # -- the server -----------------------------------------------------------------------------

    def _store(self, calendar_id: str, event: dict[str, Any]) -> None:
        calendar = self.calendars[calendar_id]
        calendar["events"][event["id"]] = event
        calendar["changed"][event["id"]] = next(self._serial)

    def _calendar_id(self, raw: str) -> str:
        name = unquote(raw)
        if name == "primary":
            return next(key for key, cal in self.calendars.items() if cal["primary"])
        return name

    def handle(
        self, method: str, url: str, headers: Any, raw: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        if parsed.path in ("/token", "/revoke"):
            form = {key: values[0] for key, values in parse_qs(raw.decode()).items()}
            self.calls.append(Call(method, parsed.path, query, form))
            answer = self._token(form) if parsed.path == "/token" else self._revoke(form)
            return (*answer, {})
        body = json.loads(raw) if raw else {}
        self.calls.append(Call(method, parsed.path, query, body))
        bearer = headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer not in self.access_tokens:
            return 401, {"error": {"code": 401, "message": "Invalid Credentials"}}, {}
        if self.failures:
            return self.failures.pop(0)
        return (*self._api(method, parsed.path, query, body), {})

    def _token(self, form: dict[str, str]) -> tuple[int, Any]:
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client"}
        grant = form.get("grant_type")
        if grant == "authorization_code":
            if form.get("code") != GOOD_CODE or not form.get("code_verifier"):
                return 400, {"error": "invalid_grant", "error_description": "Bad code"}
            self.revoked = False
            return 200, {
                "access_token": self.new_access_token(),
                "expires_in": 3599,
                "refresh_token": self.refresh_token,
                "scope": SCOPE,
                "token_type": "Bearer",
            }
        if grant == "refresh_token":
            if self.revoked or form.get("refresh_token") != self.refresh_token:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                }
            return 200, {
                "access_token": self.new_access_token(),
                "expires_in": 3599,
                "scope": SCOPE,
                "token_type": "Bearer",
            }
        return 400, {"error": "unsupported_grant_type"}

    def _revoke(self, form: dict[str, str]) -> tuple[int, Any]:
        if form.get("token") != self.refresh_token:
            return 400, {"error": "invalid_token"}
        self.revoked = True
        self.access_tokens.clear()
        return 200, {}

    def _api(
        self, method: str, path: str, query: dict[str, list[str]], body: dict[str, Any]
    ) -> tuple[int, Any]:
        parts = path.removeprefix("/calendar/v3/").split("/")
        if parts == ["users", "me", "calendarList"]:
            return 200, {
                "items": [
                    {
                        "id": key,
                        "summary": cal["summary"],
                        "primary": cal["primary"],
                        "accessRole": cal["role"],
                    }
                    for key, cal in self.calendars.items()
                    if not cal["lost"]
                ]
            }
        if parts == ["channels", "stop"]:
            return 204, None
        if parts == ["freeBusy"] and method == "POST":
            return self._free_busy(body)
        if parts[0] != "calendars" or parts[2] != "events":
            return 404, NOT_FOUND
        calendar_id = self._calendar_id(parts[1])
        if calendar_id not in self.calendars or self.calendars[calendar_id]["lost"]:
            return 404, NOT_FOUND
        calendar = self.calendars[calendar_id]
        events = calendar["events"]
        rest = parts[3:]
        with self._lock:
            if method == "POST" and rest == ["watch"]:
                if not calendar["push"]:
                    return 400, error_body(
                        400,
                        "pushNotSupportedForRequestedResource",
                        "Push notifications are not supported by this resource.",
                    )
                if self.on_watch is not None:
                    self.on_watch(calendar_id)
                expires = datetime.now(UTC) + timedelta(days=7)
                return 200, {
                    "kind": "api#channel",
                    "id": body["id"],
                    "resourceId": f"resource-{calendar_id}",
                    "expiration": str(int(expires.timestamp() * 1000)),
                }
            if method == "POST" and not rest:
                if body["id"] in events:
                    return 409, error_body(
                        409, "duplicate", "The requested identifier already exists."
                    )
                self._store(calendar_id, {"status": "confirmed", **body})
                return 200, events[body["id"]]
            if method == "GET" and not rest:
                if calendar["role"] == "freeBusyReader":
                    return 403, error_body(403, "forbidden", "Forbidden")
                return self._list(calendar_id, query)
            event_id = unquote(rest[0])
            if event_id not in events:
                return 404, NOT_FOUND
            if method == "PATCH":
                if event_id in calendar["locked"]:
                    return 403, error_body(403, "forbidden", "Forbidden")
                self._store(calendar_id, {**events[event_id], **body})
                return 200, events[event_id]
            if method == "DELETE":
                if events[event_id]["status"] == "cancelled":
                    return 410, error_body(410, "deleted", "Resource has been deleted")
                self._store(calendar_id, {**events[event_id], "status": "cancelled"})
                return 204, None
        return 405, {"error": {"code": 405, "message": "Method not allowed"}}

    def _list(self, calendar_id: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        calendar = self.calendars[calendar_id]
        token = query.get("syncToken", [None])[0]
        if token is not None:
            if self.sync_tokens_expired:
                self.sync_tokens_expired = False
                return 410, error_body(
                    410,
                    "fullSyncRequired",
                    "Sync token is no longer valid, a full sync is required.",
                )
            since = int(token.removeprefix("sync-"))
            keys = [key for key, seq in calendar["changed"].items() if seq > since]
        else:
            keys = [
                key for key, event in calendar["events"].items() if event["status"] != "cancelled"
            ]
        keys.sort(key=lambda key: calendar["changed"][key])
        items = [calendar["events"][key] for key in keys]
        if query.get("singleEvents") == ["true"]:
            items = [instance for item in items for instance in _instances(item, query)]
        if token is None:
            items = [item for item in items if _within(item, query)]
        offset = int(query.get("pageToken", ["0"])[0])
        page = items[offset : offset + self.page_size]
        response: dict[str, Any] = {
            "kind": "calendar#events",
            "timeZone": "Asia/Tehran",
            "items": [_partial(item, query.get("fields", [""])[0]) for item in page],
        }
        if offset + self.page_size < len(items):
            response["nextPageToken"] = str(offset + self.page_size)
        else:
            latest = max(calendar["changed"].values(), default=0)
            response["nextSyncToken"] = f"sync-{latest}"
        return 200, response

    def _free_busy(self, body: dict[str, Any]) -> tuple[int, Any]:
        start = datetime.fromisoformat(body["timeMin"])
        end = datetime.fromisoformat(body["timeMax"])
        answer: dict[str, Any] = {}
        for item in body["items"]:
            calendar = self.calendars.get(self._calendar_id(item["id"]))
            if calendar is None or calendar["lost"]:
                answer[item["id"]] = {
                    "errors": [{"domain": "global", "reason": "notFound"}],
                    "busy": [],
                }
                continue
            busy = []
            for event in calendar["events"].values():
                if event["status"] == "cancelled" or event.get("transparency") == "transparent":
                    continue
                first = datetime.fromisoformat(event["start"]["dateTime"])
                last = datetime.fromisoformat(event["end"]["dateTime"])
                if first < end and last > start:
                    busy.append(
                        {
                            "start": first.astimezone(UTC).isoformat(),
                            "end": last.astimezone(UTC).isoformat(),
                        }
                    )
            answer[item["id"]] = {"busy": busy}
        return 200, {
            "kind": "calendar#freeBusy",
            "timeMin": body["timeMin"],
            "timeMax": body["timeMax"],
            "calendars": answer,
        }


NOT_FOUND = {
    "error": {
        "code": 404,
        "message": "Not Found",
        "errors": [{"domain": "global", "reason": "notFound", "message": "Not Found"}],
    }
}
# What Google expands an endless series to when nothing bounds it (it goes on for years).
ENDLESS_INSTANCES = 730


def error_body(status: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"domain": "global", "reason": reason, "message": message}],
        }
    }


def _instances(item: dict[str, Any], query: dict[str, list[str]]) -> list[dict[str, Any]]:
    """A daily series as ``singleEvents=true`` returns it: one event per day, up to timeMax."""
    if item.get("recurrence") != ["RRULE:FREQ=DAILY"]:
        return [item]
    start = datetime.fromisoformat(item["start"]["dateTime"])
    length = datetime.fromisoformat(item["end"]["dateTime"]) - start
    until = query.get("timeMax", [None])[0]
    last = datetime.fromisoformat(until) if until else None
    instances = []
    for day in range(ENDLESS_INSTANCES):
        begins = start + timedelta(days=day)
        if last is not None and begins >= last:
            break
        instances.append(
            {
                **{key: value for key, value in item.items() if key != "recurrence"},
                "id": f"{item['id']}_{begins.astimezone(UTC):%Y%m%dT%H%M%SZ}",
                "recurringEventId": item["id"],
                "start": {"dateTime": begins.isoformat()},
                "end": {"dateTime": (begins + length).isoformat()},
            }
        )
    return instances


def _within(item: dict[str, Any], query: dict[str, list[str]]) -> bool:
    """timeMin bounds an event's end, timeMax its start, as Google applies them."""
    low, high = query.get("timeMin", [None])[0], query.get("timeMax", [None])[0]
    start, end = item.get("start", {}).get("dateTime"), item.get("end", {}).get("dateTime")
    if start is None or end is None:
        return True
    if low and datetime.fromisoformat(end) <= datetime.fromisoformat(low):
        return False
    return not (high and datetime.fromisoformat(start) >= datetime.fromisoformat(high))


def _partial(item: dict[str, Any], fields: str) -> dict[str, Any]:
    """The partial response Google gives for ``fields=...items(a,b/c,d(e))``: only the named
    top-level members of each item."""
    inner = re.search(r"items\((.*)\)", fields)
    if inner is None:
        return item
    depth, names, name = 0, set(), ""
    for char in inner.group(1) + ",":
        if char == "," and depth == 0:
            names.add(re.split(r"[/(]", name)[0].strip())
            name = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        name += char
    return {key: value for key, value in item.items() if key in names}


@contextmanager
def running(settings: Any) -> Iterator[FakeGoogle]:
    """The fake on a free loopback port, with the settings pointing at it."""
    fake = FakeGoogle()

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status, payload, extra = fake.handle(
                self.command, self.path, self.headers, self.rfile.read(length)
            )
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.GCAL_CLIENT_ID = CLIENT_ID
    settings.GCAL_CLIENT_SECRET = CLIENT_SECRET
    settings.GCAL_AUTH_URI = f"{fake.base_url}/auth"
    settings.GCAL_TOKEN_URI = f"{fake.base_url}/token"
    settings.GCAL_REVOKE_URI = f"{fake.base_url}/revoke"
    settings.GCAL_API_ROOT = f"{fake.base_url}/"
    settings.GCAL_HTTP_TIMEOUT_SECONDS = 5
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def connect(
    doctor: rows.Doctor,
    fake: FakeGoogle,
    *,
    target: str = PRIMARY,
    busy: tuple[str, ...] = (PRIMARY,),
    detail: str = "first_name_reason",
) -> CalendarConnection:
    """A doctor connected as the OAuth callback leaves one, tokens sealed."""
    connection = CalendarConnection.objects.create(
        doctor=doctor,
        account=PRIMARY,
        refresh_token=sealing.seal(fake.refresh_token),
        access_token=sealing.seal(fake.new_access_token()),
        token_expiry=datetime.now(UTC) + timedelta(hours=1),
        scopes=SCOPE,
        target_calendar=target,
        detail=detail,
    )
    for calendar_id in busy:
        CalendarFeed.objects.create(connection=connection, calendar_id=calendar_id)
    return connection
