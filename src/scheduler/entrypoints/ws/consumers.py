"""Socket consumers: join the groups a screen watches, send a snapshot, forward the deltas.

Nothing here decides anything about appointments. Both screens speak the same protocol:

- server -> client: ``snapshot`` on connect (and on request), then deltas (``slot`` on a grid,
  ``appointment`` on a desk), ``error`` before a close with a 44xx code;
- client -> server: ``{"type": "snapshot"}`` after a gap in versions, and
  ``{"type": "auth", "token": <JWT access>}`` to sign in on an open socket.

Close codes: 4400 bad request, 4401 not signed in (or a bad token), 4403 not allowed,
4404 no such doctor or clinic, 4429 too many messages, or too many sockets open from one address
(more than WS_MAX_SOCKETS_PER_CLIENT in this process).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import translation

from scheduler.adapters import client_address, metrics, realtime
from scheduler.adapters.audit import origin
from scheduler.adapters.channel_layer import PubSubLayer
from scheduler.domain import access
from scheduler.domain.errors import DomainError, NotAllowed, NotFound
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor
from scheduler.entrypoints.error_text import error_text, say
from scheduler.entrypoints.lone_surrogates import holds_lone_surrogate
from scheduler.entrypoints.ws import screens
from scheduler.entrypoints.ws.auth import (
    AUTH_ERROR,
    BAD_TOKEN,
    TOKEN_EXPIRES,
    actor_now,
    actor_of,
    language_of,
    password_stamp,
    query_params,
    token_holder,
)
from scheduler.entrypoints.ws.serial_dispatch import dispatch_serially

log = logging.getLogger(__name__)

RELAYED = frozenset(
    {
        realtime.SLOTS_CHANGED,
        realtime.DESK_CHANGED,
        realtime.DESK_REPAINT,
        realtime.PATIENT_CHANGED,
        realtime.PATIENT_WAITLIST,
    }
)
BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, TOO_MANY = 4400, 4401, 4403, 4404, 4429
ENDED_BY_ERROR = 1011  # the consumer stopped on an error of its own (RFC 6455's code for it)
# A page sends a few messages a minute at most (signing in, a snapshot after a gap); more is a
# script, and each snapshot is a round of queries (and, for staff, of audit entries).
MESSAGES_A_MINUTE = 60
# A page's heartbeat and its answer (static/web/live.js pings every 25 s: 3 of the 60).
PING: dict[str, str] = {"type": "ping"}
PONG: dict[str, str] = {"type": "pong"}
AUTH_WAIT_SECONDS = 10.0  # how long a socket of the signed-in may stay open before it signs in

UNKNOWN_MESSAGE = gettext_noop("Unknown message.")
NOT_JSON = gettext_noop("Send JSON text messages.")
TOO_MANY_TEXT = gettext_noop("Too many messages: open the page again in a minute.")
TOO_MANY_SOCKETS = gettext_noop("Too many pages open: close some, then open this one again.")
ACCESS_CHANGED = gettext_noop("Your access has changed: sign in again.")
SIGN_IN = gettext_noop("Sign in: a session, ?token= or an auth message.")
# What decode_json makes of a frame that is not JSON (a JSON null is a message, if unknown).
_UNREADABLE = object()


class NotSignedIn(NotAllowed):
    code = "not_signed_in"


# This process's open sockets by client address (None: an address not known). One address
# opening hundreds of grids is held to WS_MAX_SOCKETS_PER_CLIENT; nginx's limit_conn holds it
# across the processes.
_open_from: Counter[str | None] = Counter()

T = TypeVar("T")


class LiveConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """What both screens share: who watches, signing in, the groups joined, closing."""

    viewer: Actor | None = None
    disconnected = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Channels' ``AsyncConsumer.__call__`` (these sockets always have a channel layer),
        with ``dispatch_serially`` in place of Channels' loop (see there why)."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
        self.base_send = send
        try:
            with contextlib.suppress(StopConsumer):  # the way a consumer ends, as in Channels
                await dispatch_serially([receive, self.channel_receive], self.dispatch)
        finally:
            await self._ended()

    async def _ended(self) -> None:
        """Whichever way the consumer stopped. A close ran ``disconnect``; a handler's error
        or daphne cancelling the consumer did not, and its place among the address's sockets,
        its count, its watchdog and its groups were kept for the life of the process. And its
        own channel's subscription goes (``PubSubLayer.forget``)."""
        try:
            if not self.disconnected:
                await self.disconnect(ENDED_BY_ERROR)
            if isinstance(self.channel_layer, PubSubLayer):
                await self.channel_layer.forget(self.channel_name)
        except Exception:  # Redis gone, say: what ended the consumer is the news, not this
            log.warning("could not let go of socket %s", self.channel_name, exc_info=True)

    async def connect(self) -> None:
        realtime.consumers_run_here()
        # Read once: a delta would otherwise go through the lazy settings object for it.
        self.recheck_seconds = settings.SOCKET_RECHECK_SECONDS
        self.joined: list[str] = []
        self.heard: deque[float] = deque(maxlen=MESSAGES_A_MINUTE)  # when the latest came
        self.ready = False  # started; until then (or once failed) messages are not acted on
        self.address = self.client_address()
        if _open_from[self.address] >= settings.WS_MAX_SOCKETS_PER_CLIENT:
            await self.accept()  # then closed with a code: a page does not retry it
            await self.fail(TOO_MANY, TOO_MANY_SOCKETS)
            return
        _open_from[self.address] += 1
        self.holds_place = True
        try:
            await self._open()
        except BaseException:
            self._release_place()  # no disconnect follows a consumer that raised
            raise

    def client_address(self) -> str | None:
        """The client's address, read as an HTTP request's is (through TRUSTED_PROXIES)."""
        headers = dict(self.scope.get("headers", ()))
        forwarded = headers.get(b"x-forwarded-for", b"").decode("latin1")
        peer = (self.scope.get("client") or (None,))[0]
        return client_address.client_ip(peer, forwarded or None)

    def _release_place(self) -> None:
        if getattr(self, "holds_place", False):
            self.holds_place = False
            _open_from[self.address] -= 1
            if not _open_from[self.address]:
                del _open_from[self.address]

    async def _open(self) -> None:
        self.language = await language_of(self.scope)
        await self.accept()
        self.counted = True
        metrics.SOCKETS_OPEN.inc()
        if self.scope.get(AUTH_ERROR):
            await self.fail(UNAUTHORIZED, self.scope[AUTH_ERROR])
            return
        self.viewer = await actor_of(self.scope["user"])
        self.token_expires: float | None = self.scope.get(TOKEN_EXPIRES)
        self.stamp = password_stamp(self.scope["user"])
        self.audit_as(self.scope["user"])
        # Signed in by the page's session: signing out of it ends the socket's access too.
        session = self.scope.get("session")
        self.session_key = session.session_key if self.viewer and session is not None else None
        self.checked_at = time.monotonic()
        self.watchdog = asyncio.ensure_future(self._watch_viewer())
        await self.guarded(self._begin())

    def audit_as(self, user: origin.User) -> None:
        """Whom the socket's reads are recorded for in the audit trail: set in the socket's own
        task, where every later message is handled and from which the database calls copy it."""
        origin.current.set(origin.Origin(user=lambda: user, ip=self.address))

    async def _begin(self) -> None:
        await self.start()
        self.ready = True

    async def start(self) -> None:
        raise NotImplementedError

    async def signed_in(self) -> None:
        """The viewer changed through an ``auth`` message."""
        raise NotImplementedError

    async def send_snapshot(self) -> None:
        raise NotImplementedError

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not self.ready:
            return  # a message that raced a failed start: the socket is closing
        if content == PING:
            # A page's heartbeat: an answer tells it the connection still carries. No
            # database read: the viewer is checked every SOCKET_RECHECK_SECONDS anyway.
            await self.send_json(PONG)
            return
        if not await self.still_allowed():
            return
        match content:
            case {"type": "snapshot"}:
                await self.guarded(self.send_snapshot())
            case {"type": "auth", "token": str(token)}:
                holder = await token_holder(token)
                if holder is None:
                    await self.fail(UNAUTHORIZED, BAD_TOKEN)
                    return
                user, self.token_expires = holder
                self.viewer = await actor_of(user)
                # The one now signed in may have chosen a language: it comes before the
                # handshake's cookie and header, as on a page.
                self.language = await language_of({**self.scope, "user": user})
                self.stamp = password_stamp(user)
                self.audit_as(user)
                self.session_key = None  # a token now, not the page's session
                await self.guarded(self.signed_in())
            case _:
                await self.send_json({"type": "error", "detail": self.text(UNKNOWN_MESSAGE)})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Text frames of JSON only; anything else (binary, empty) gets an error, not a crash.
        More than MESSAGES_A_MINUTE in a minute closes the socket (4429)."""
        now = time.monotonic()
        if len(self.heard) == MESSAGES_A_MINUTE and now - self.heard[0] < 60:
            await self.fail(TOO_MANY, TOO_MANY_TEXT)
            return
        self.heard.append(now)
        content = await self.decode_json(text_data) if text_data else _UNREADABLE
        if content is _UNREADABLE:
            await self.send_json({"type": "error", "detail": self.text(NOT_JSON)})
            return
        await self.receive_json(content)

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):  # not JSON, or nested past what can be read
            return _UNREADABLE
        return _UNREADABLE if holds_lone_surrogate(content) else content

    async def dispatch(self, message: Mapping[str, Any]) -> None:
        # Channels sends every message through a worker thread first, to close stale database
        # connections; deltas touch no database, and with hundreds of sockets in one process
        # those trips were a third of its time and most of the fan-out latency.
        if message["type"] in RELAYED:
            due = time.monotonic() - self.checked_at > self.recheck_seconds
            if due and not await self.still_allowed():
                return
            await getattr(self, get_handler_name(message))(message)
            return
        await super().dispatch(message)

    async def layer_resubscribed(self, message: Mapping[str, Any]) -> None:
        """This process subscribed again after Redis went away (adapters.channel_layer): what
        was published meanwhile never came. A snapshot read now holds it."""
        if self.ready and self.joined and await self.still_allowed():
            await self.guarded(self.send_snapshot())

    async def join(self, groups: list[str]) -> None:
        for group in groups:
            if group not in self.joined:
                # Counted as joined before it is: the layer holds the channel in the group
                # even when the subscribe fails (Redis away), and only ``disconnect`` lets go.
                self.joined.append(group)
                await self.channel_layer.group_add(group, self.channel_name)

    async def still_allowed(self) -> bool:
        """Whether the viewer is still who they were when they signed in (active, same role,
        same clinic, still verified, still signed in); if not, the socket closes: a deactivated
        receptionist's open desk stops hearing the day within SOCKET_RECHECK_SECONDS."""
        if self.viewer is None:
            return True
        # A token's holder is who they were only while it lasts, as over HTTP; a client goes
        # on with a fresh one (a new socket, or an ``auth`` message before this one runs out).
        if self.token_expires is not None and time.time() >= self.token_expires:
            await self.fail(UNAUTHORIZED, BAD_TOKEN)
            return False
        now = await actor_now(self.viewer.user_id, self.session_key, self.stamp)
        self.checked_at = time.monotonic()
        if now != self.viewer:
            await self.fail(UNAUTHORIZED, ACCESS_CHANGED)
            return False
        return True

    async def _watch_viewer(self) -> None:
        while True:
            await asyncio.sleep(self.recheck_seconds)
            if self.ready and not await self.still_allowed():
                return

    async def signed_in_or_waiting(self) -> None:
        """For a screen only the signed-in see: ``signed_in()`` now, with the page's session;
        without one, the first message may sign in with a token (kept out of the address,
        which proxies log), and the socket closes 4401 if none has come in AUTH_WAIT_SECONDS."""
        if self.viewer is None:
            self.auth_wait = asyncio.ensure_future(self._close_unless_signed_in())
            return
        await self.signed_in()

    async def _close_unless_signed_in(self) -> None:
        await asyncio.sleep(AUTH_WAIT_SECONDS)
        if self.viewer is None:
            await self.fail(UNAUTHORIZED, SIGN_IN)

    async def disconnect(self, code: int) -> None:
        self.disconnected = True
        waiting = getattr(self, "auth_wait", None)
        if waiting is not None:
            waiting.cancel()
        self._release_place()
        if getattr(self, "counted", False):
            self.counted = False
            metrics.SOCKETS_OPEN.dec()
        watchdog = getattr(self, "watchdog", None)
        if watchdog is not None:
            watchdog.cancel()
        for group in getattr(self, "joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def read(self, screen: Callable[..., T], *args: Any) -> T:
        """``screen(*args)`` from the database, in the socket's language: a snapshot names
        things (a specialty, a state) as the page around it does."""

        def in_language() -> T:
            with translation.override(self.language):
                return screen(*args)

        read: T = await database_sync_to_async(in_language)()
        return read

    def text(self, refusal: str | DomainError) -> str:
        """A refusal in the socket's language (the ones here are marked English texts)."""
        with translation.override(getattr(self, "language", settings.LANGUAGE_CODE)):
            return error_text(refusal) if isinstance(refusal, DomainError) else say(refusal)

    async def fail(self, code: int, refusal: str | DomainError) -> None:
        self.ready = False
        await self.send_json({"type": "error", "code": code, "detail": self.text(refusal)})
        await self.close(code=code)

    async def guarded(self, step: Any) -> None:
        """Run ``step``; a domain error closes the socket with its code."""
        try:
            await step
        except DomainError as error:
            await self.fail(_close_code(error), error)


class NoSuchSocket(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """Any other socket path: the handshake is refused (HTTP 403), as for a foreign origin."""

    async def connect(self) -> None:
        await self.close()

    async def layer_resubscribed(self, message: Mapping[str, Any]) -> None:
        """Told with every socket of the process (adapters.channel_layer): nothing to repaint.
        Without a handler, Channels would end the consumer with an error."""


class _SentTexts:
    """A delta's text as sent, made once a message and view: a change on a day that 500 grids
    watch was encoded 500 times, in two views at most (with the booking or without). The
    layer hands every socket of a process the same message object (adapters.channel_layer);
    the latest few are kept, each with its message, so that no other object can take its id
    while its texts are here."""

    KEPT = 8

    def __init__(self) -> None:
        self._recent: dict[int, tuple[Mapping[str, Any], dict[object, str]]] = {}

    def text(self, message: Mapping[str, Any], view: object, content: Callable[[], Any]) -> str:
        kept = self._recent.get(id(message))
        if kept is None:
            if len(self._recent) >= self.KEPT:
                del self._recent[next(iter(self._recent))]  # the oldest
            kept = self._recent[id(message)] = (message, {})
        texts = kept[1]
        text = texts.get(view)
        if text is None:
            text = texts[view] = json.dumps(content())
        return text


_slot_texts = _SentTexts()


class SlotGridConsumer(LiveConsumer):
    """``/ws/slots/<doctor_id>/?from=YYYY-MM-DD&days=N``: one socket, one group per day."""

    async def start(self) -> None:
        self.window = await self.read(
            screens.grid_window,
            self.scope["url_route"]["kwargs"]["doctor_id"],
            self.viewer,
            query_params(self.scope),
        )
        self.repainted: deque[str | None] = deque(maxlen=32)  # the latest changes repainted
        # Join before reading: a change committed meanwhile is then in the snapshot, or
        # arrives after it as a delta (and is dropped by version if both).
        await self.join([realtime.slot_group(self.window.doctor_id, d) for d in self.window.days])
        await self.send_snapshot()

    async def signed_in(self) -> None:
        await self.send_snapshot()

    async def send_snapshot(self) -> None:
        await self.send_json(await self.read(screens.grid, self.window, self.viewer))

    async def slots_changed(self, message: Mapping[str, Any]) -> None:
        slot, booking = message["slot"], message["booking"]
        sees = realtime.sees_booking(slot, booking, self.viewer)

        def content() -> dict[str, Any]:
            return {"type": "slot", **realtime.slot_view(slot, booking, self.viewer)}

        await self.send(text_data=_slot_texts.text(message, sees, content))

    async def slots_repaint(self, message: Mapping[str, Any]) -> None:
        # One change reaches this socket once per watched day it touches: one snapshot is
        # enough. The changes seen lately are few; the newest are kept.
        change = message.get("change")
        if change is not None and change in self.repainted:
            return
        self.repainted.append(change)
        await self.send_snapshot()


class DeskConsumer(LiveConsumer):
    """``/ws/desk/<clinic_id>/?date=YYYY-MM-DD``: the clinic's receptionists and admins."""

    async def start(self) -> None:
        self.clinic_id: int = self.scope["url_route"]["kwargs"]["clinic_id"]
        self.day = screens.day_param(query_params(self.scope))
        await self.signed_in_or_waiting()

    async def signed_in(self) -> None:
        if self.viewer is None:
            raise NotSignedIn(gettext_noop("Sign in first."))
        if not access.runs_desk(self.viewer, self.clinic_id):
            raise NotAllowed(gettext_noop("This desk is for the clinic's receptionists."))
        await self.join([realtime.desk_group(self.clinic_id)])
        await self.send_snapshot()

    async def send_snapshot(self) -> None:
        if self.viewer is None:
            raise NotSignedIn(gettext_noop("Sign in first."))
        await self.send_json(await self.read(screens.desk, self.clinic_id, self.viewer, self.day))

    async def desk_changed(self, message: Mapping[str, Any]) -> None:
        await self.send_json({"type": "appointment", **message["appointment"]})

    async def desk_repaint(self, message: Mapping[str, Any]) -> None:
        await self.send_json({"type": "availability", **message["availability"]})


class OwnAppointmentsConsumer(LiveConsumer):
    """``/ws/me/appointments/``: a patient's own visits (their "my appointments" pages). The
    group is the signed-in patient's: no path or message names another's."""

    async def start(self) -> None:
        # As the desk's (found by an attacker: closed before a token's message could come).
        await self.signed_in_or_waiting()

    async def signed_in(self) -> None:
        if self.viewer is None:
            raise NotSignedIn(gettext_noop("Sign in first."))
        own = screens.own_group(self.viewer)
        # A token for someone else on an open socket: it stops hearing the first one's visits.
        for earlier in list(self.joined):
            await self.channel_layer.group_discard(earlier, self.channel_name)
            self.joined.remove(earlier)
        await self.join([own])
        await self.send_snapshot()

    async def send_snapshot(self) -> None:
        if self.viewer is None:  # asked before a token came (found by an attacker: 4403)
            raise NotSignedIn(gettext_noop("Sign in first."))
        await self.send_json(await self.read(screens.own_appointments, self.viewer))

    async def patient_changed(self, message: Mapping[str, Any]) -> None:
        await self.send_json({"type": "appointment", **message["appointment"]})

    async def patient_waitlist(self, message: Mapping[str, Any]) -> None:
        """An offer made, answered or ended: the page fetches the patient's waitlist anew."""
        await self.send_json({"type": "waitlist", "entry_id": message["entry_id"]})


class VisitQueueConsumer(LiveConsumer):
    """``/ws/visit/<token>/``: one patient's place in the waiting room, from the signed link in
    their confirmation; no sign-in. It hears every change of the doctor's day and sends the
    patient their own line again when it moved."""

    async def start(self) -> None:
        self.appointment_id = screens.visit_of(self.scope["url_route"]["kwargs"]["token"])
        self.last: dict[str, Any] | None = None
        await self._send_if_moved()

    async def signed_in(self) -> None:
        await self.send_snapshot()  # the link is the key: signing in changes nothing

    async def send_snapshot(self) -> None:
        self.last = None
        await self._send_if_moved()

    async def slots_changed(self, message: Mapping[str, Any]) -> None:
        await self.guarded(self._send_if_moved())

    async def slots_repaint(self, message: Mapping[str, Any]) -> None:
        await self.guarded(self._send_if_moved())

    async def _send_if_moved(self) -> None:
        place, message = await self.read(screens.visit, self.appointment_id)
        if await self._watch(realtime.slot_group(place.doctor_id, place.day)):
            # Read again once in the group: a change made meanwhile is then in what is sent.
            place, message = await self.read(screens.visit, self.appointment_id)
        await self._send(message)

    async def _watch(self, group: str) -> bool:
        """Follow the visit's day, wherever it moved (a reschedule): that day's changes move
        its place. Whether the group is new."""
        if group in self.joined:
            return False
        for old in list(self.joined):
            await self.channel_layer.group_discard(old, self.channel_name)
            self.joined.remove(old)
        await self.join([group])
        return True

    async def _send(self, message: dict[str, Any]) -> None:
        if message != self.last:
            self.last = message
            await self.send_json(message)


def _close_code(error: DomainError) -> int:
    match error:
        case NotFound():
            return NOT_FOUND
        case NotSignedIn():
            return UNAUTHORIZED
        case NotAllowed():
            return FORBIDDEN
    return BAD_REQUEST
