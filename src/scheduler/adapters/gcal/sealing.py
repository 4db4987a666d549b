"""Tokens at rest: Fernet (AES-128-CBC + HMAC-SHA256) with the key from the settings.

GCAL_TOKEN_KEY holds one or more Fernet keys, comma-separated: the first seals, any of them
opens, so a key can be rotated by putting the new one first. Without it the key is derived
from SECRET_KEY (HKDF-SHA256), so a deployment works out of the box; rotating SECRET_KEY then
means reconnecting the calendars.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

__all__ = ["InvalidToken", "open_sealed", "opening_keys", "seal", "signing_key"]


def seal(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode("ascii") if plain else ""


def open_sealed(sealed: str) -> str:
    """The plain text; InvalidToken when no configured key opens it."""
    return _fernet().decrypt(sealed.encode("ascii")).decode() if sealed else ""


def derived_key(secret: str) -> bytes:
    raw = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"nobat gcal token key"
    ).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


def signing_key() -> bytes:
    """The key that seals now, as bytes, for keys derived from it (channel tokens)."""
    return opening_keys()[0]


def opening_keys() -> list[bytes]:
    """Every configured key, the one that seals first."""
    configured = [key.strip() for key in settings.GCAL_TOKEN_KEY.split(",") if key.strip()]
    return [key.encode() for key in configured] or [derived_key(settings.SECRET_KEY)]


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in opening_keys()])
