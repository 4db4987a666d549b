"""Devices an account has signed in from, known by a signed cookie, so that guesses at its
password from elsewhere cannot lock its owner out.

The sign-in throttle per account (``SignInByAccount``) holds a password guessed from many
addresses to one account's rate. Counted alone, it also let anyone keep an owner out with a
few wrong passwords a minute (found in review). A browser or app that signed in to the account
before carries this cookie and is counted in a bucket of its own, as OWASP's "device cookies"
have it: guesses from unknown devices still share the account's bucket, and a device's own
guesses are still counted (in its bucket, and per address).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponseBase

COOKIE = "nobat_device"
_SALT = "nobat.known-device"
_DAYS = 180


def remember(request: HttpRequest, response: HttpResponseBase, account_key: str) -> None:
    """Mark the device that just signed in to the account (``throttle_key``'s ident), for
    another 180 days; one known already keeps its id, and so its bucket."""
    device = device_of(request, account_key) or secrets.token_hex(8)
    value = signing.dumps([account_key, device], salt=_SALT)
    response.set_cookie(
        COOKIE,
        value,
        max_age=_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def device_of(request: HttpRequest, account_key: str) -> str | None:
    """The device's own id, where its cookie was given by a sign-in to this account."""
    value = request.COOKIES.get(COOKIE)
    if not value:
        return None
    try:
        key, device = signing.loads(value, salt=_SALT, max_age=_DAYS * 24 * 3600)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return str(device) if key == account_key else None
