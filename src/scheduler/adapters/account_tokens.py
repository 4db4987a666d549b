"""The tokens of account links: Django's password reset tokens (spent by the new password,
expiring after PASSWORD_RESET_TIMEOUT) and signed email verification tokens (naming the
address they were sent to, expiring after EMAIL_VERIFICATION_MAX_AGE)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from scheduler.adapters.orm import models as rows

_VERIFY_SALT = "nobat.email-verification"
MAX_UID_LENGTH = 32  # a user id in base64; anything longer is not one of ours


def reset_link(user: rows.User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"{settings.PUBLIC_URL}/password-reset/{uid}/{default_token_generator.make_token(user)}/"


def reset_hours() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)


def verification_days() -> int:
    return max(1, settings.EMAIL_VERIFICATION_MAX_AGE // 86400)


def user_id_of(uidb64: str) -> int | None:
    """The user id a reset link names; None for anything else."""
    if len(uidb64) > MAX_UID_LENGTH:
        return None
    try:
        decoded = urlsafe_base64_decode(uidb64).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return int(decoded) if decoded.isdigit() and len(decoded) < 12 else None


def reset_token_valid(user: rows.User, token: str) -> bool:
    return default_token_generator.check_token(user, token)


def verification_link(user: rows.User) -> str:
    return f"{settings.PUBLIC_URL}/verify-email/{verification_token_of(user)}/"


def verification_token_of(user: rows.User) -> str:
    """A token proving the user's address as it is now."""
    return signing.TimestampSigner(salt=_VERIFY_SALT).sign_object(
        {"u": user.pk, "e": user.email.lower()}
    )


def verification_holder(token: str) -> tuple[int, str] | None:
    """The user id and address a live verification token names."""
    try:
        found = signing.TimestampSigner(salt=_VERIFY_SALT).unsign_object(
            token, max_age=settings.EMAIL_VERIFICATION_MAX_AGE
        )
    except signing.BadSignature:  # forged, damaged or expired (SignatureExpired)
        return None
    if not isinstance(found, dict) or not isinstance(found.get("u"), int):
        return None
    return found["u"], str(found.get("e", ""))
