"""Use cases of passwords: a reset link asked for, a new password by that link or signed in,
an account closed. A new password or a closed account revokes every refresh token of the user
in the transaction that records it."""

from __future__ import annotations

from scheduler.domain import access
from scheduler.domain.errors import InvalidInput, NotFound
from scheduler.domain.events import (
    Event,
    PasswordChanged,
    PasswordResetRequested,
    UserDeactivated,
)
from scheduler.domain.messages import gettext_noop
from scheduler.services import commands
from scheduler.services.ports import Clock, Dependencies
from scheduler.services.unit_of_work import UnitOfWork


def request_password_reset(
    cmd: commands.RequestPasswordReset, uow: UnitOfWork, clock: Clock
) -> None:
    """Nothing to answer: whether the login names anyone stays unsaid."""
    with uow:
        for user_id in uow.accounts.active_users_for_login(cmd.login.strip()):
            uow.accounts.events.append(
                PasswordResetRequested(occurred_at=clock(), user_id=user_id, actor_user_id=None)
            )
        uow.commit()


def reset_password(cmd: commands.ResetPassword, uow: UnitOfWork, clock: Clock) -> None:
    with uow:
        if not uow.accounts.reset_token_valid(cmd.user_id, cmd.token):
            raise InvalidInput(
                gettext_noop("This link has expired or was used already."), field="token"
            )
        _new_password(uow, cmd.user_id, cmd.new_password, clock, how="reset", actor=None)
        uow.commit()


def change_password(cmd: commands.ChangePassword, uow: UnitOfWork, clock: Clock) -> None:
    user_id = cmd.actor.user_id
    with uow:
        if not uow.accounts.password_matches(user_id, cmd.current_password):
            raise InvalidInput(
                gettext_noop("That is not your current password."), field="current_password"
            )
        _new_password(uow, user_id, cmd.new_password, clock, how="change", actor=user_id)
        uow.commit()


def set_password(cmd: commands.SetPassword, uow: UnitOfWork, clock: Clock) -> None:
    access.ensure_may_set_passwords(cmd.actor)
    with uow:
        _new_password(
            uow, cmd.user_id, cmd.new_password, clock, how="admin", actor=cmd.actor.user_id
        )
        uow.commit()


def _new_password(
    uow: UnitOfWork,
    user_id: int,
    password: str | None,
    clock: Clock,
    *,
    how: str,
    actor: int | None,
) -> None:
    uow.accounts.set_password(user_id, password)
    uow.accounts.revoke_sessions(user_id)
    uow.accounts.events.append(
        PasswordChanged(occurred_at=clock(), user_id=user_id, actor_user_id=actor, how=how)
    )


def deactivate_user(cmd: commands.DeactivateUser, uow: UnitOfWork, clock: Clock) -> bool:
    """Whether it changed; the user's refresh tokens are revoked either way."""
    access.ensure_may_deactivate_users(cmd.actor)
    with uow:
        try:
            changed = uow.accounts.deactivate(cmd.user_id)
        except NotFound:
            raise InvalidInput(gettext_noop("No such user."), field="user_id") from None
        uow.accounts.revoke_sessions(cmd.user_id)
        if changed:
            uow.accounts.events.append(
                UserDeactivated(
                    occurred_at=clock(), user_id=cmd.user_id, actor_user_id=cmd.actor.user_id
                )
            )
        uow.commit()
    return changed


def mail_password_reset(event: Event, deps: Dependencies) -> None:
    if isinstance(event, PasswordResetRequested):
        deps.account_mail.password_reset(event.user_id)
