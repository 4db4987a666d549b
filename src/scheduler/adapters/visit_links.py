"""Signed links to one visit, for its patient to open from a message without signing in.

Two kinds, each under its own salt so that one can never stand for the other:

- the place in the waiting room (``/visit/<token>/``): the same token every time (no timestamp),
  as each message links to one page opened on the day;
- the booking itself (``/b/<token>/``: see it, cancel it): the token carries the moment it stops
  working (a week after the visit as the message knew it), signed with the appointment's id, so
  a link cannot be made for another booking, changed to last longer, or kept working for ever.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing

SALT = "nobat.visit-queue"
BOOKING_SALT = "nobat.booking-link"

# How long after the visit its booking link still opens (to see what happened to it).
BOOKING_LINK_DAYS_AFTER = 7


def token_for(appointment_id: uuid.UUID) -> str:
    """The same for a visit every time (no timestamp): each message links to one page."""
    return _signer().sign_object(str(appointment_id), compress=True)


def appointment_of(token: str) -> uuid.UUID | None:
    """The visit the token names, or None for a token this site did not sign."""
    try:
        return uuid.UUID(_signer().unsign_object(token))
    except (signing.BadSignature, ValueError, TypeError):
        return None


def url_for(appointment_id: uuid.UUID) -> str:
    return f"{settings.PUBLIC_URL}/visit/{token_for(appointment_id)}/"


def booking_token_for(appointment_id: uuid.UUID, *, visit_end: datetime) -> str:
    """A token for the booking page that opens until a week after ``visit_end``."""
    until = visit_end + timedelta(days=BOOKING_LINK_DAYS_AFTER)
    value = f"{appointment_id.hex}.{signing.b62_encode(int(until.timestamp()))}"
    return _booking_signer().sign(value)


def booking_of(token: str, *, now: datetime) -> uuid.UUID | None:
    """The booking the token names while it is still valid at ``now``; None for a forged,
    changed, foreign or expired one."""
    try:
        value = _booking_signer().unsign(token)
        hex_id, _, until = value.partition(".")
        expires = datetime.fromtimestamp(signing.b62_decode(until), UTC)
        appointment_id = uuid.UUID(hex=hex_id)
    except (signing.BadSignature, ValueError, TypeError, OverflowError):
        return None
    return appointment_id if now <= expires else None


def booking_url_for(appointment_id: uuid.UUID, *, visit_end: datetime) -> str:
    return f"{settings.PUBLIC_URL}/b/{booking_token_for(appointment_id, visit_end=visit_end)}/"


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def _booking_signer() -> signing.Signer:
    return signing.Signer(salt=BOOKING_SALT)


def page_url_for(appointment_id: uuid.UUID) -> str:
    """The visit's page on its patient's account: no token, it opens once they sign in (for
    what must not open from a forwarded message, such as the visit's note)."""
    return f"{settings.PUBLIC_URL}/me/appointments/{appointment_id}/"
