"""Where a person can be reached: the channels they want that they have an address for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from scheduler.adapters.notify.models import Channel, ContactPreference
from scheduler.adapters.orm import models as orm


class Wanted(Protocol):
    """Which channels a user wants: their ContactPreference row, or ``EVERY_CHANNEL``."""

    @property
    def email(self) -> bool: ...

    @property
    def sms(self) -> bool: ...


@dataclass(frozen=True)  # shared by every user without a row: nobody may change it
class _EveryChannel:
    """Without a row: the model's defaults, without building a model instance for each
    message a worker sends."""

    email: bool = ContactPreference._meta.get_field("email").default
    sms: bool = ContactPreference._meta.get_field("sms").default


EVERY_CHANNEL: Wanted = _EveryChannel()


def preference(user: orm.User) -> Wanted:
    """The user's choice; every channel when they never made one."""
    return getattr(user, "contact", None) or EVERY_CHANNEL


def address(user: orm.User, channel: Channel, wanted: Wanted | None = None) -> str:
    """The address to use on ``channel``, or "" when the user has none or turned it off."""
    wanted = wanted or preference(user)
    match channel:
        case Channel.EMAIL:
            return user.email.strip() if wanted.email else ""
        case Channel.SMS:
            return user.phone.strip() if wanted.sms else ""
    return ""


def unreachable_reason(user: orm.User, channel: Channel) -> str:
    wanted = preference(user)
    if not getattr(wanted, channel.value):
        return f"{channel.label} turned off by the recipient"
    return f"no {'email address' if channel is Channel.EMAIL else 'phone number'} on file"


def channels(user: orm.User) -> list[Channel]:
    wanted = preference(user)
    return [channel for channel in Channel if address(user, channel, wanted)]
