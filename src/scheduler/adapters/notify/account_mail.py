"""The emails of accounts: a password reset link, an email verification link. Queued as a
Dramatiq message with the user's id by the outbox's event handlers (account_queue); the job
(actors.send_account_mail) re-reads the user when it runs, so a link goes to the address on
file then, in the user's language. Sent twice (a relay or a job retried), the user gets two
links that both work: harmless."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from scheduler.adapters import account_tokens
from scheduler.adapters.local_dates import digits, isolated
from scheduler.adapters.notify.faults import PermanentFault, TransientFault
from scheduler.adapters.notify.rendering import language_of
from scheduler.adapters.orm import models as rows

PASSWORD_RESET = "password_reset"
EMAIL_VERIFICATION = "email_verification"


def send(kind: str, user_id: int) -> bool:
    """Whether a message went out: nothing for a closed account, one without an address, a
    reset to an address never proven, or a verification of one proven meanwhile."""
    user = rows.User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        return False
    if kind == PASSWORD_RESET and not user.email_verified:
        return False
    if kind == EMAIL_VERIFICATION and user.email_verified:
        return False
    language = language_of(user.language, settings.LANGUAGE_CODE)
    with translation.override(language):
        if kind == PASSWORD_RESET:
            subject = _("Set a new Nobat password")
            body = _(
                "Someone asked to set a new password for the Nobat account %(username)s.\n\n"
                "To choose one, open:\n%(link)s\n\n"
                "The link works once, for %(hours)s hours. If it was not you, ignore this "
                "email: your password stays as it is."
            ) % {
                "username": isolated(user.username, language),
                "link": account_tokens.reset_link(user),
                "hours": digits(account_tokens.reset_hours(), language),
            }
        else:
            subject = _("Confirm your email address for Nobat")
            body = _(
                "To confirm that %(email)s is your address on Nobat, open:\n%(link)s\n\n"
                "The link works for %(days)s days."
            ) % {
                "email": isolated(user.email, language),
                "link": account_tokens.verification_link(user),
                "days": digits(account_tokens.verification_days(), language),
            }
    try:
        send_mail(subject, body, None, [user.email], fail_silently=False)
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentFault(f"refused: {error.recipients}") from error
    except (smtplib.SMTPException, OSError) as error:
        raise TransientFault(f"SMTP: {error!r}") from error
    return True
