"""Devices an account has signed in from, known by a signed cookie, so that guesses at its
password from elsewhere cannot lock its owner out.

The sign-in throttle per account (``SignInByAccount``) holds a password guessed from many
addresses to one account's rate. Counted alone, it also let anyone keep an owner out with a
few wrong passwords a minute (found in review). A browser or app that signed in to the account
before carries this cookie and is counted in a bucket of its own, as OWASP's "device cookies"
have it: guesses from unknown devices still share the account's bucket, and a device's own
guesses are still counted (in its bucket, and per address).

A cookie names the account by its id and proves the password it was earned with (an HMAC of
the password's hash, as Django's sessions do): another account's cookie, or one from before a
password change or reset, counts for nothing (found in review: names alike but for case shared
a key, and old cookies kept their buckets after the password changed). Only a sign-in from this
site's own pages, or from a program, sets one: a page of another site posting a sign-in form
cannot swap the browser's for its own account's.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponseBase
from django.utils.crypto import constant_time_compare, salted_hmac

from scheduler.adapters.orm import models as rows

COOKIE = "nobat_device"
_SALT = "nobat.known-device"
_AGE = 180 * 24 * 3600  # seconds


def remember(request: HttpRequest, response: HttpResponseBase, user: rows.User) -> None:
    """Mark the device that just signed in to ``user``'s account, for another 180 days; one
    known already keeps its id, and so its bucket."""
    if request.headers.get("Sec-Fetch-Site", "none") not in ("same-origin", "none"):
        return
    device = device_of(request, user) or secrets.token_hex(8)
    value = signing.dumps([user.pk, device, _proof(user)], salt=_SALT)
    response.set_cookie(
        COOKIE,
        value,
        max_age=_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def device_of(request: HttpRequest, user: rows.User) -> str | None:
    """The device's own id, where its cookie was earned by signing in to this account with
    the password it has now."""
    value = request.COOKIES.get(COOKIE)
    if not value:
        return None
    try:
        pk, device, proof = signing.loads(value, salt=_SALT, max_age=_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if pk != user.pk or not constant_time_compare(str(proof), _proof(user)):
        return None
    return str(device)


def _proof(user: rows.User) -> str:
    return salted_hmac(_SALT, user.password, algorithm="sha256").hexdigest()[:32]
