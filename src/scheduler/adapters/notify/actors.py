"""Dramatiq actors of the notifications. They take ids, re-read the log and the appointment,
and retry transient faults only, with exponential back-off.

Imported by NotifyConfig.ready(), after NobatConfig.ready() installed the broker: an actor
binds to the broker there is when its module is imported.
"""

from __future__ import annotations

from typing import Any

import dramatiq
from django.db import DatabaseError

from scheduler.adapters.notify import account_mail, delivery, sms
from scheduler.adapters.notify.faults import TransientFault
from scheduler.adapters.notify.mail import thread_mailer

if dramatiq.broker.global_broker is None:  # pragma: no cover - a wiring mistake
    raise RuntimeError("install the broker (adapters.broker.install) before importing actors")

QUEUE = "notifications"


def _worth_retrying(retries: int, error: BaseException) -> bool:
    # delivery gives up on its own after MAX_ATTEMPTS tries logged on the row; a database
    # that is away has logged nothing, so the retries here are the bound.
    return retries < delivery.MAX_ATTEMPTS and isinstance(error, TransientFault | DatabaseError)


# Every message actor's retries: 5 s, 10 s, 20 s ... at most 5 minutes apart.
RETRIES: dict[str, Any] = {
    "queue_name": QUEUE,
    "retry_when": _worth_retrying,
    "min_backoff": 5_000,
    "max_backoff": 300_000,
}


@dramatiq.actor(**RETRIES, time_limit=60_000)
def deliver_notification(notification_id: int) -> None:
    """Send one logged message, unless it was sent, skipped or failed already."""
    delivery.deliver(notification_id, sms=sms.gateway(), mailer=thread_mailer())


# The time limit is a net for a hung thread, not a pace: a job holds a batch of messages
# (scheduling), and a delivery cut short by the limit may send its message twice. A server
# that stops answering ends the batch by itself (faults.Unreachable).
@dramatiq.actor(**RETRIES, time_limit=300_000)
def deliver_notifications(notification_ids: list[int]) -> None:
    """Send these logged messages (all due now), each unless it was sent, skipped or failed
    already: a retry sends those that are still queued."""
    delivery.deliver_all(notification_ids, sms=sms.gateway(), mailer=thread_mailer())


@dramatiq.actor(**RETRIES, time_limit=60_000)
def send_account_mail(kind: str, user_id: int) -> None:
    """A password reset or email verification link to the user, as they are now."""
    account_mail.send(kind, user_id)
