"""Private calendar feeds: a secret address per user that calendar apps subscribe to.

The secret is made here and handed back once, to be shown to its owner; only its SHA-256
digest is stored (like a password's hash, but a fast one is enough for 256 random bits), so a
copy of the database opens no feed. Whoever lost the address makes a new one, which replaces it.
"""

from __future__ import annotations

import hashlib
import secrets

from scheduler.domain import access
from scheduler.domain.errors import NotFound
from scheduler.domain.events import CalendarFeedCreated, CalendarFeedRevoked
from scheduler.domain.messages import gettext_noop
from scheduler.services import commands
from scheduler.services.ports import Clock
from scheduler.services.unit_of_work import UnitOfWork

# 32 random bytes: as hard to guess as the site's own keys.
SECRET_BYTES = 32


def digest_of(secret: str) -> str:
    """What is stored of a feed's secret, and what a feed's address is looked up by."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_calendar_feed(cmd: commands.CreateCalendarFeed, uow: UnitOfWork, clock: Clock) -> str:
    """The new feed's secret (its only copy); the actor's previous feed stops working."""
    access.ensure_may_keep_calendar_feed(cmd.actor)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    with uow:
        uow.feeds.replace(cmd.actor.user_id, digest_of(secret))
        uow.feeds.events.append(
            CalendarFeedCreated(
                occurred_at=clock(), user_id=cmd.actor.user_id, actor_user_id=cmd.actor.user_id
            )
        )
        uow.commit()
    return secret


def revoke_calendar_feed(cmd: commands.RevokeCalendarFeed, uow: UnitOfWork, clock: Clock) -> None:
    with uow:
        if not uow.feeds.remove(cmd.actor.user_id):
            raise NotFound(gettext_noop("You have no calendar feed."))
        uow.feeds.events.append(
            CalendarFeedRevoked(
                occurred_at=clock(), user_id=cmd.actor.user_id, actor_user_id=cmd.actor.user_id
            )
        )
        uow.commit()
