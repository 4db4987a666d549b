"""A link to one visit's place in the waiting room, for its patient's phone: signed, so it
names that visit only and cannot be guessed from another; no sign-in, as it is opened from a
text message in the waiting room."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core import signing

SALT = "nobat.visit-queue"


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


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)
