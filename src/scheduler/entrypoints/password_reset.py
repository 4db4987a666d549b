"""Setting a new password by a reset link: what the API and the page both do, answering with
the messages per field (none: done)."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from scheduler.adapters import account_tokens
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.domain.errors import InvalidInput
from scheduler.services import commands


def dead_link_message() -> str:
    return _("This link has expired or was used already. Ask for a new one.")


def link_user(uid: str, token: str) -> rows.User | None:
    """The active user a live link is for, else None."""
    user_id = account_tokens.user_id_of(uid)
    user = None if user_id is None else rows.User.objects.filter(pk=user_id, is_active=True).first()
    return user if user is not None and account_tokens.reset_token_valid(user, token) else None


def reset_password(uid: str, token: str, new_password: str) -> dict[str, list[str]]:
    user = link_user(uid, token)
    if user is None:
        return {"token": [dead_link_message()]}
    try:
        validate_password(new_password, user=user)
    except ValidationError as error:
        return {"new_password": list(error.messages)}
    try:
        build_bus().handle(
            commands.ResetPassword(user_id=user.pk, token=token, new_password=new_password)
        )
    except InvalidInput:  # spent meanwhile, by another tab
        return {"token": [dead_link_message()]}
    return {}
