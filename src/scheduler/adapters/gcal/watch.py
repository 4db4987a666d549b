"""Push notifications: an events.watch channel per busy calendar, where the deployment has a
public URL (GCAL_PUBLIC_BASE_URL); without one the periodic pull alone keeps blocks fresh.

A channel's token is an HMAC of its id under a key derived from the token key, so the webhook
checks X-Goog-Channel-Token without storing a secret; a token made with any configured key is
good, so rotating the key does not silence the channels opened before. Channels are renewed a
day before they expire; the old one is stopped once the new one is open.

Calendars Google generates (holidays, birthdays, week numbers) send no notifications: they are
polled, as is any calendar whose watch Google refuses that way. A channel that cannot be opened
is recorded on its calendar; the others are opened all the same.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings

from scheduler.adapters.gcal import sealing
from scheduler.adapters.gcal.gateway import GoogleCalendarGateway, PushNotSupported
from scheduler.adapters.gcal.models import CalendarConnection, CalendarFeed
from scheduler.services.calendar_sync import CalendarAccessRevoked, CalendarError

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/gcal/notifications/"
TTL = timedelta(days=7)
RENEW_BEFORE = timedelta(days=1)
# Ids of the calendars Google generates; none of them can be watched.
GENERATED_CALENDARS = "@group.v.calendar.google.com"


def enabled() -> bool:
    return bool(settings.GCAL_PUBLIC_BASE_URL)


def channel_token(channel_id: str, token_key: bytes | None = None) -> str:
    """The channel's token under ``token_key`` (default: the key that seals now)."""
    base = token_key if token_key is not None else sealing.signing_key()
    key = hashlib.sha256(b"nobat gcal channel|" + base).digest()
    return hmac.new(key, channel_id.encode(), hashlib.sha256).hexdigest()


def feed_for(
    channel_id: str, token: str, resource_id: str, *, now: datetime
) -> CalendarFeed | None:
    """The feed a notification is about: its channel is ours and open, its token right under
    one of the configured keys, and it names the resource Google gave that channel."""
    given = token.encode("utf-8", "replace")  # headers may carry any bytes; ours are hex
    if not channel_id or not any(
        hmac.compare_digest(channel_token(channel_id, key).encode(), given)
        for key in sealing.opening_keys()
    ):
        return None
    feed = CalendarFeed.objects.select_related("connection").filter(channel_id=channel_id).first()
    if feed is None or feed.channel_resource_id != resource_id:
        return None
    if feed.channel_expires_at is not None and feed.channel_expires_at <= now:
        return None
    return feed


def watchable(feed: CalendarFeed) -> bool:
    return (
        feed.pushes_changes and not feed.gone and not feed.calendar_id.endswith(GENERATED_CALENDARS)
    )


def renew(gateway: GoogleCalendarGateway, row: CalendarConnection, now: datetime) -> int:
    """Open a channel for each watchable feed that has none or whose channel ends within a day.
    Each feed on its own: a refusal is recorded on it; only lost access ends the round."""
    if not enabled():
        return 0
    opened = 0
    address = settings.GCAL_PUBLIC_BASE_URL.rstrip("/") + WEBHOOK_PATH
    for feed in row.feeds.all():
        expires = feed.channel_expires_at
        if not watchable(feed) or (feed.channel_id and expires and expires > now + RENEW_BEFORE):
            continue
        channel_id = uuid.uuid4().hex
        try:
            resource_id, expires = gateway.watch(
                feed.calendar_id,
                channel_id=channel_id,
                token=channel_token(channel_id),
                address=address,
                ttl=TTL,
            )
        except CalendarAccessRevoked:
            raise
        except PushNotSupported:
            log.info("calendar %s sends no notifications: polled", feed.calendar_id)
            _update(feed, pushes_changes=False)
            continue
        except CalendarError as error:
            _update(feed, last_error=f"{type(error).__name__}: {error}"[:2000], last_error_at=now)
            continue
        kept = _update(
            feed,
            channel_id=channel_id,
            channel_resource_id=resource_id,
            channel_expires_at=expires or now + TTL,
        )
        if not kept:  # the doctor stopped choosing this calendar meanwhile
            _stop(gateway, channel_id, resource_id)
            continue
        opened += 1
        if feed.channel_id:
            _stop(gateway, feed.channel_id, feed.channel_resource_id)
    return opened


def _update(feed: CalendarFeed, **changes: object) -> bool:
    """Change the feed's row unless it was deleted since it was read; whether it still is."""
    return CalendarFeed.objects.filter(pk=feed.pk).update(**changes) > 0


def channels_of(feeds: Sequence[CalendarFeed]) -> list[tuple[str, str]]:
    """The open channels of the feeds, as (channel id, resource id)."""
    return [(feed.channel_id, feed.channel_resource_id) for feed in feeds if feed.channel_id]


def close(gateway: GoogleCalendarGateway, channels: Sequence[tuple[str, str]]) -> None:
    """Stop the channels, best effort: Google ends a forgotten channel at its expiry."""
    for channel_id, resource_id in channels:
        _stop(gateway, channel_id, resource_id)


def _stop(gateway: GoogleCalendarGateway, channel_id: str, resource_id: str) -> None:
    try:
        gateway.stop_watch(channel_id=channel_id, resource_id=resource_id)
    except CalendarError as error:
        log.info("channel %s not stopped: %s", channel_id, error)
