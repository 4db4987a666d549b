"""Use cases of proving an email address: a link on sign-up, on a new address, or asked for
again; the link's token marks the address verified.

What an unverified address blocks: password reset links (a typo'd or someone else's address
must not receive the keys to the account). Visit messages still go to it: the desk types
walk-ins' addresses in, and a patient who never clicked a link still needs their reminder."""

from __future__ import annotations

from scheduler.domain.errors import InvalidInput
from scheduler.domain.events import (
    EmailVerificationRequested,
    EmailVerified,
    Event,
    ProfileUpdated,
    UserRegistered,
)
from scheduler.domain.messages import gettext_noop
from scheduler.services import commands
from scheduler.services.ports import Clock, Dependencies
from scheduler.services.unit_of_work import UnitOfWork


def verify_email(cmd: commands.VerifyEmail, uow: UnitOfWork, clock: Clock) -> int:
    """The user whose address it proved (again: a second click records nothing)."""
    with uow:
        user_id = uow.accounts.email_token_holder(cmd.token)
        if user_id is None:
            raise InvalidInput(
                gettext_noop(
                    "This link has expired, or is for an address no longer on the account."
                ),
                field="token",
            )
        if uow.accounts.set_email_verified(user_id, True):
            uow.accounts.events.append(
                EmailVerified(occurred_at=clock(), user_id=user_id, actor_user_id=user_id)
            )
            uow.commit()
    return user_id


def resend_verification(cmd: commands.ResendVerification, uow: UnitOfWork, clock: Clock) -> None:
    user_id = cmd.actor.user_id
    with uow:
        if not uow.accounts.contact_of(user_id)["email"]:
            raise InvalidInput(gettext_noop("Add an email address first."), field="email")
        if uow.accounts.email_is_verified(user_id):
            raise InvalidInput(
                gettext_noop("Your email address is verified already."), field="email"
            )
        uow.accounts.events.append(
            EmailVerificationRequested(occurred_at=clock(), user_id=user_id, actor_user_id=user_id)
        )
        uow.commit()


def mail_verification(event: Event, deps: Dependencies) -> None:
    """A link for every new address: on sign-up, on a change of email, when asked again."""
    match event:
        case UserRegistered() | EmailVerificationRequested():
            deps.account_mail.email_verification(event.user_id)
        case ProfileUpdated(fields=fields) if "email" in fields:
            deps.account_mail.email_verification(event.user_id)
