"""The one-click link of an offer (``/w/<token>/``): the offer's id, signed, so nobody makes a
link to another's offer. It shows the offer; taking it needs the patient signed in."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core import signing

SALT = "nobat.waitlist-offer"


def token_for(offer_id: uuid.UUID) -> str:
    return _signer().sign(offer_id.hex)


def offer_of(token: str) -> uuid.UUID | None:
    """The offer the token names, or None for one this site did not sign."""
    try:
        return uuid.UUID(hex=_signer().unsign(token))
    except (signing.BadSignature, ValueError, TypeError):
        return None


def url_for(offer_id: uuid.UUID) -> str:
    return f"{settings.PUBLIC_URL}/w/{token_for(offer_id)}/"


def _signer() -> signing.Signer:
    # "." is outside the token's base64 alphabet, and safe in a path.
    return signing.Signer(salt=SALT, sep=".")
