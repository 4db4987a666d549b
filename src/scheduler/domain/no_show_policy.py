"""A clinic's no-show policy: after ``limit`` missed visits in ``window_months`` months, a
patient's own online bookings need the doctor's approval, or are refused (they call the desk).

A strike is a no-show at that clinic whose visit started within the window and that staff have
not forgiven; strikes expire as the window moves on. The desk and doctors booking for a patient
are never held back: they see the standing as a warning.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from scheduler.domain.errors import InvalidInput, NotAllowed
from scheduler.domain.messages import gettext_noop

# A window longer than a few years would keep a patient's old misses against them for good.
MAX_WINDOW_MONTHS = 36
MAX_LIMIT = 20


class Consequence(StrEnum):
    NEEDS_APPROVAL = "needs_approval"
    NO_ONLINE_BOOKING = "no_online_booking"


class OnlineBookingBarred(NotAllowed):
    """Too many missed visits: the patient books this clinic by calling it."""

    code = "no_show_limit"


@dataclass(frozen=True)
class NoShowPolicy:
    limit: int = 0  # 0: no policy
    window_months: int = 6
    consequence: Consequence = Consequence.NEEDS_APPROVAL

    def __post_init__(self) -> None:
        if not 0 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(
                gettext_noop("Between 0 and %(most)s."), field="limit", params={"most": MAX_LIMIT}
            )
        if not 1 <= self.window_months <= MAX_WINDOW_MONTHS:
            raise InvalidInput(
                gettext_noop("Between 1 and %(most)s."),
                field="window_months",
                params={"most": MAX_WINDOW_MONTHS},
            )


def window_start(now: datetime, months: int) -> datetime:
    """``months`` calendar months before ``now`` (the 31st falls back to the month's last day):
    what a patient reads as "in the last 6 months"."""
    month_index = now.year * 12 + now.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class Standing:
    """Where a patient stands with a clinic's policy."""

    policy: NoShowPolicy
    strikes: int
    since: datetime

    @property
    def consequence(self) -> Consequence | None:
        """What the policy does to the patient's own bookings now; None: nothing."""
        if self.policy.limit and self.strikes >= self.policy.limit:
            return self.policy.consequence
        return None

    @property
    def needs_approval(self) -> bool:
        return self.consequence is Consequence.NEEDS_APPROVAL

    @property
    def barred(self) -> bool:
        return self.consequence is Consequence.NO_ONLINE_BOOKING

    @property
    def params(self) -> dict[str, object]:
        return {"count": self.strikes, "months": self.policy.window_months}

    @property
    def patient_reason(self) -> str:
        """What the patient is told before booking; "" when the policy does not touch them.
        Worded so that any number reads right (the messages have no plural forms)."""
        match self.consequence:
            case Consequence.NEEDS_APPROVAL:
                return gettext_noop(
                    "Missed visits at this clinic in the last %(months)s months: %(count)s. "
                    "Your booking will need the doctor's approval."
                )
            case Consequence.NO_ONLINE_BOOKING:
                return gettext_noop(
                    "Missed visits at this clinic in the last %(months)s months: %(count)s. "
                    "Please call the clinic to book."
                )
        return ""

    @property
    def desk_warning(self) -> str:
        """The desk's badge on the patient; "" with no strike (or no policy)."""
        if not self.policy.limit or not self.strikes:
            return ""
        match self.consequence:
            case Consequence.NEEDS_APPROVAL:
                return gettext_noop(
                    "No-shows in the last %(months)s months: %(count)s. "
                    "Online bookings need approval."
                )
            case Consequence.NO_ONLINE_BOOKING:
                return gettext_noop(
                    "No-shows in the last %(months)s months: %(count)s. No online booking."
                )
        return gettext_noop("No-shows in the last %(months)s months: %(count)s.")


def standing(policy: NoShowPolicy, missed: Iterable[datetime], now: datetime) -> Standing:
    """``missed``: the starts of the patient's unforgiven no-shows at the clinic (any period:
    only those in the window count)."""
    since = window_start(now, policy.window_months)
    strikes = sum(1 for start in missed if since <= start <= now)
    return Standing(policy=policy, strikes=strikes, since=since)


def ensure_may_book_online(current: Standing) -> None:
    """A patient's own booking, refused when the policy bars them, with the reason to show."""
    if current.barred:
        raise OnlineBookingBarred(current.patient_reason, params=current.params)
