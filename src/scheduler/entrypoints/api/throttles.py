"""Throttles of signing in and up: per client address, and per account name (a password guessed
from many addresses is still one account's). Counts live in the cache (Redis in production,
shared by every process); rates are settings, read when a request comes. The pages' sign-in
forms (the site's and the admin's) count with the same throttles (``sign_in_wait``), and the
password reset form with the reset API's (``reset_wait``)."""

from __future__ import annotations

import contextlib
import hashlib
import math
from typing import Any, NoReturn

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from scheduler.adapters.client_address import client_ip
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import sign_in
from scheduler.domain.model import Role
from scheduler.entrypoints import known_devices
from scheduler.entrypoints.api.errors import IDEMPOTENCY_HEADER


class _SettingRate(SimpleRateThrottle):
    setting = ""

    def get_ident(self, request: Request) -> str:
        # Not DRF's: that believes any X-Forwarded-For, and a forged one is a new address each
        # time, so nothing would ever be throttled by address.
        meta = request.META
        address = client_ip(meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR"))
        return address or "unknown"

    def get_rate(self) -> str:
        rate: str = getattr(settings, self.setting)
        return rate


class SignInByAddress(_SettingRate):
    scope = "sign-in"
    setting = "SIGN_IN_RATE"

    def get_cache_key(self, request: Request, view: APIView | None) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignInByAccount(_SettingRate):
    """Per account, whichever of its username, email or phone is typed; a device the account
    signed in from before is counted apart (known_devices), so that no one locks its owner
    out by guessing."""

    scope = "sign-in-account"
    setting = "SIGN_IN_ACCOUNT_RATE"
    field = "username"  # the request's field naming the account
    by_device = True

    def get_cache_key(self, request: Request, view: APIView | None) -> str | None:
        data: Any = request.data if isinstance(request, Request) else request.POST
        name = str(data.get(self.field, ""))[:254] if hasattr(data, "get") else ""
        if not name.strip():
            return None
        ident, user = sign_in.throttled_account(name)
        device = known_devices.device_of(request, user) if self.by_device and user else None
        if device is not None:
            ident = f"{ident}.{device}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class RefreshByAddress(SignInByAddress):
    scope = "token-refresh"
    setting = "TOKEN_REFRESH_RATE"


class SignUpByAddress(SignInByAddress):
    scope = "sign-up"
    setting = "SIGN_UP_RATE"


class ResetByAddress(SignInByAddress):
    scope = "password-reset"
    setting = "PASSWORD_RESET_RATE"


class ResetByAccount(SignInByAccount):
    """Per username or email asked for: no one's mailbox is flooded with links."""

    scope = "password-reset-account"
    setting = "PASSWORD_RESET_ACCOUNT_RATE"
    field = "login"
    by_device = False  # the mailbox is the account's, whichever device asks


class ResendByUser(_SettingRate):
    scope = "verification-resend"
    setting = "VERIFICATION_RESEND_RATE"

    def get_cache_key(self, request: Request, view: APIView | None) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class ContactChangeByUser(ResendByUser):
    """Changes of one's own email or phone: each one tried tells whether another account holds
    that address or number, so a signed-in user could otherwise list everyone's."""

    scope = "contact-change"
    setting = "CONTACT_CHANGE_RATE"


class PatientLookupByUser(ResendByUser):
    """Looking a patient up by a whole phone number or email, or adding one (a number on file
    answers with its patient): the ways to a patient beyond one's own clinic. Counted per
    member of staff, so that no one walks a range of numbers to list a city's patients."""

    scope = "patient-lookup"
    setting = "PATIENT_LOOKUP_RATE"


class BookingsByPatient(_SettingRate):
    """A patient's own bookings (not the desk's or a doctor's for them), per account: one account
    taking a doctor's calendar is held to a day's few (found in review: a new account booked 15
    slots in 1.5 s, and nothing stopped a script over the 60 days ahead). The day runs from the
    first try.

    A request takes one of the day's places as it comes, at once (the cache's add and incr,
    atomic in Redis and in the local cache), and ``settle`` gives it back unless a booking was
    made: only bookings count, not refusals, bad requests or lost races. Checked first and
    counted after, concurrent requests all passed the check (found in review: 16 of 16 at a
    limit of 2, and the count, read and written back, lost some of them)."""

    scope = "patient-booking"
    setting = "PATIENT_BOOKING_RATE"
    TAKEN = "nobat_booking_taken"  # on the request: the count it took a place in
    since = ""
    seconds = 0

    def get_cache_key(self, request: Request, view: APIView | None) -> str | None:
        if request.method != "POST" or getattr(request.user, "role", None) != Role.PATIENT:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}

    def allow_request(self, request: Request, view: APIView | None) -> bool:
        """A retry of a booking made (its Idempotency-Key seen, where a booking's key is used)
        always goes on, to its first answer; it takes no place."""
        most, seconds = self.parse_rate(self.rate)
        key = self.get_cache_key(request, view)
        if key is None or most is None or seconds is None:
            return True
        if getattr(view, "replays_by_key", False) and _retried(request):
            return True
        self.now, self.seconds, self.since = self.timer(), seconds, f"{key}:since"
        self.cache.add(self.since, self.now, seconds)
        self.cache.add(key, 0, seconds)
        try:
            taken = self.cache.incr(key)
        except ValueError:  # the day ended between the two
            self.cache.add(key, 0, seconds)
            taken = self.cache.incr(key)
        if taken > most:
            self.cache.decr(key)
            return False
        setattr(request, self.TAKEN, key)
        return True

    def wait(self) -> float:
        since: float = self.cache.get(self.since, self.now)
        return max(since + self.seconds - self.now, 1.0)

    @classmethod
    def settle(cls, request: Request, *, made: bool) -> None:
        """The place a request took is given back unless it made a booking."""
        key = getattr(request, cls.TAKEN, None)
        if key is not None and not made:
            with contextlib.suppress(ValueError):  # the day ended meanwhile
                cls.cache.decr(key)


class BookingLimitedApi(APIView):
    """A view whose POST books for a patient (or keeps a slot for one): held to the patient's
    bookings of the day, refused in the patient's words."""

    throttle_classes = (BookingsByPatient,)

    def throttled(self, request: Request, wait: float | None) -> NoReturn:
        raise TooManyBookings(wait)

    def booked(self, response: Response) -> bool:
        """Whether the answer is a booking made, one of the day's."""
        return response.status_code == 201

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        BookingsByPatient.settle(request, made=self.booked(response))
        return response


def _retried(request: Request) -> bool:
    key = (request.headers.get(IDEMPOTENCY_HEADER) or "").strip()
    return bool(key) and rows.IdempotencyKey.objects.filter(user=request.user.pk, key=key).exists()


class TooManyBookings(Throttled):
    """BookingsByPatient's refusal, in words a patient reads on the booking page: DRF's own
    ("Expected available in 86399 seconds") is for programs, which read Retry-After."""

    def __init__(self, wait: float | None) -> None:
        super().__init__(
            detail=_(
                "You have booked as many visits as one account may online in a day. To book "
                "another sooner, call the clinic."
            )
        )
        self.wait = math.ceil(wait) if wait is not None else None


class LiveSnapshotsByAddress(SignInByAddress):
    """The live screens' snapshots over HTTP, for pages whose sockets are blocked: the sockets
    hold each address to WS_MAX_SOCKETS_PER_CLIENT and MESSAGES_A_MINUTE, these to a rate."""

    scope = "live-snapshot"
    setting = "LIVE_SNAPSHOT_RATE"


class FeedReads(_SettingRate):
    """Per feed address, not per client: calendar providers read many people's feeds from a
    few addresses of theirs. An app reading every few minutes stays well under the rate."""

    scope = "calendar-feed"
    setting = "CALENDAR_FEED_RATE"

    def get_cache_key(self, request: Request, view: APIView | None) -> str:
        ident = hashlib.sha256(request.path.encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


def sign_in_wait(request: HttpRequest) -> int | None:
    """For a sign-in form's POST: None to go ahead (and it is counted), else the seconds to
    wait before trying again."""
    return form_wait(request, SignInByAddress(), SignInByAccount())


def reset_wait(request: HttpRequest) -> int | None:
    """The same for the password reset form."""
    return form_wait(request, ResetByAddress(), ResetByAccount())


def feed_wait(request: HttpRequest) -> int | None:
    """The same for a calendar feed's address."""
    return form_wait(request, FeedReads())


def form_wait(request: HttpRequest, *throttles: SimpleRateThrottle) -> int | None:
    waits = [
        throttle.wait() or 1
        for throttle in throttles
        if not throttle.allow_request(request, None)  # type: ignore[arg-type]
    ]
    return math.ceil(max(waits)) if waits else None
