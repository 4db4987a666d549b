"""Dramatiq actors of the notifications. They take ids, re-read the log and the appointment,
and retry transient faults only, with exponential back-off.

Imported by NotifyConfig.ready(), after NobatConfig.ready() installed the broker: an actor
binds to the broker there is when its module is imported.
"""

from __future__ import annotations

import dramatiq
from django.db import DatabaseError

from scheduler.adapters.notify import account_mail, delivery, sms
from scheduler.adapters.notify.faults import TransientFault

if dramatiq.broker.global_broker is None:  # pragma: no cover - a wiring mistake
    raise RuntimeError("install the broker (adapters.broker.install) before importing actors")

QUEUE = "notifications"


def _worth_retrying(retries: int, error: BaseException) -> bool:
    # delivery gives up on its own after MAX_ATTEMPTS tries logged on the row; a database
    # that is away has logged nothing, so the retries here are the bound.
    return retries < delivery.MAX_ATTEMPTS and isinstance(error, TransientFault | DatabaseError)


@dramatiq.actor(
    queue_name=QUEUE,
    retry_when=_worth_retrying,
    min_backoff=5_000,  # 5 s, 10 s, 20 s ... at most 5 minutes apart
    max_backoff=300_000,
    time_limit=60_000,
)
def deliver_notification(notification_id: int) -> None:
    """Send one logged message, unless it was sent, skipped or failed already."""
    delivery.deliver(notification_id, sms=sms.gateway())


@dramatiq.actor(
    queue_name=QUEUE,
    retry_when=_worth_retrying,
    min_backoff=5_000,
    max_backoff=300_000,
    time_limit=60_000,
)
def send_account_mail(kind: str, user_id: int) -> None:
    """A password reset or email verification link to the user, as they are now."""
    account_mail.send(kind, user_id)
