"""The services' AccountMail port on the task queue: one job per email (account_mail)."""

from __future__ import annotations

from scheduler.adapters.notify.account_mail import EMAIL_VERIFICATION, PASSWORD_RESET
from scheduler.adapters.notify.actors import send_account_mail


class DramatiqAccountMail:
    def password_reset(self, user_id: int) -> None:
        send_account_mail.send(PASSWORD_RESET, user_id)

    def email_verification(self, user_id: int) -> None:
        send_account_mail.send(EMAIL_VERIFICATION, user_id)
