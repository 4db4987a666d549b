"""The waitlist's rules: what a wish may be, who is first in line, moves, the offer window."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from scheduler.domain import waitlist
from scheduler.domain.day_parts import DayPart
from scheduler.domain.errors import InvalidInput, InvalidTransition
from scheduler.domain.waitlist import (
    Direction,
    EntryStatus,
    Offer,
    OfferStatus,
    WaitlistEntry,
)

TODAY = date(2026, 6, 1)
NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def entry(entry_id: int, rank: int, **changes: object) -> WaitlistEntry:
    base = WaitlistEntry(
        id=entry_id,
        patient_id=entry_id * 10,
        doctor_id=1,
        clinic_id=100,
        first_day=TODAY,
        last_day=TODAY + timedelta(days=6),
        parts=frozenset({DayPart.MORNING}),
        joined_at=NOON,
        rank=rank,
        status=EntryStatus.WAITING,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0)


# -- the wish -----------------------------------------------------------------------------------


def test_a_wish_within_bounds_is_taken() -> None:
    wish = waitlist.wish(
        first_day=TODAY, last_day=TODAY + timedelta(days=90), parts=["morning"], today=TODAY
    )
    assert wish.parts == frozenset({DayPart.MORNING})


@pytest.mark.parametrize(
    ("first", "last", "parts", "field"),
    [
        (TODAY - timedelta(days=1), TODAY, ["morning"], "first_day"),
        (TODAY + timedelta(days=2), TODAY + timedelta(days=1), ["morning"], "last_day"),
        (TODAY, TODAY + timedelta(days=91), ["morning"], "last_day"),
        (TODAY, TODAY, [], "parts"),
        (TODAY, TODAY, ["night"], "parts"),
    ],
)
def test_a_wish_out_of_bounds_names_its_field(
    first: date, last: date, parts: list[str], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        waitlist.wish(first_day=first, last_day=last, parts=parts, today=TODAY)
    assert refused.value.details["field"] == field


def test_one_place_per_doctor() -> None:
    waitlist.ensure_not_in_line([entry(1, 1, status=EntryStatus.LEFT)])
    with pytest.raises(InvalidInput):
        waitlist.ensure_not_in_line([entry(1, 1, status=EntryStatus.OFFERED)])


# -- matching and the line ----------------------------------------------------------------------


def test_a_slot_matches_by_local_day_and_part_of_day() -> None:
    waiting = entry(1, 1, parts=frozenset({DayPart.MORNING, DayPart.EVENING}))
    assert waitlist.matches(waiting, local(TODAY, 9))
    assert waitlist.matches(waiting, local(TODAY, 18))
    assert not waitlist.matches(waiting, local(TODAY, 14))  # afternoon not asked
    assert not waitlist.matches(waiting, local(TODAY + timedelta(days=7), 9))  # after last day
    assert not waitlist.matches(replace(waiting, status=EntryStatus.OFFERED), local(TODAY, 9))


def test_first_come_first_served() -> None:
    later, earlier = entry(1, rank=20), entry(2, rank=10)
    assert [e.id for e in waitlist.candidates([later, earlier], local(TODAY, 9), passed=())] == [
        2,
        1,
    ]


def test_who_was_offered_the_slot_before_is_passed_over() -> None:
    first, second = entry(1, 1), entry(2, 2)
    found = waitlist.candidates([first, second], local(TODAY, 9), passed={1})
    assert [e.id for e in found] == [2]


def test_the_rank_is_the_moment_one_joined() -> None:
    assert waitlist.rank_at_end([], NOON) < waitlist.rank_at_end(
        [], NOON + timedelta(microseconds=1)
    )


def test_a_newcomer_goes_behind_the_line_when_the_clock_stepped_back() -> None:
    # Seen once in CI: the second of two joins a moment apart was put first.
    ahead = entry(1, waitlist.rank_at_end([], NOON))
    rank = waitlist.rank_at_end([ahead], NOON - timedelta(milliseconds=3))
    assert [e.id for e in waitlist.in_line([entry(2, rank), ahead])] == [1, 2]


def test_who_left_the_line_keeps_nobody_behind() -> None:
    gone = entry(1, waitlist.rank_at_end([], NOON), status=EntryStatus.LEFT)
    assert waitlist.rank_at_end([gone], NOON - timedelta(seconds=1)) < gone.rank


def test_moving_up_swaps_with_the_one_ahead() -> None:
    a, b, c = entry(1, 10), entry(2, 20), entry(3, 30)
    moved = waitlist.moved([a, b, c], 3, Direction.UP)
    line = {e.id: e for e in [a, b, c]} | {e.id: e for e in moved}
    assert [e.id for e in waitlist.in_line(line.values())] == [1, 3, 2]


def test_moving_down_with_equal_ranks_still_moves() -> None:
    a, b = entry(1, 10), entry(2, 10, joined_at=NOON + timedelta(seconds=1))
    moved = waitlist.moved([a, b], 1, Direction.DOWN)
    line = {e.id: e for e in [a, b]} | {e.id: e for e in moved}
    assert [e.id for e in waitlist.in_line(line.values())] == [2, 1]


def test_the_first_cannot_move_up_nor_the_last_down() -> None:
    a, b = entry(1, 10), entry(2, 20)
    with pytest.raises(InvalidInput):
        waitlist.moved([a, b], 1, Direction.UP)
    with pytest.raises(InvalidInput):
        waitlist.moved([a, b], 2, Direction.DOWN)
    with pytest.raises(InvalidTransition):
        waitlist.moved([a, b], 3, Direction.UP)


def test_a_move_needs_a_reason() -> None:
    assert waitlist.move_reason("  urgent referral ") == "urgent referral"
    with pytest.raises(InvalidInput):
        waitlist.move_reason("  ")
    with pytest.raises(InvalidInput):
        waitlist.move_reason("x" * (waitlist.MAX_REASON + 1))


# -- the offer window ---------------------------------------------------------------------------


def test_the_window_is_the_clinic_s_within_bounds() -> None:
    assert waitlist.offer_window(15) == timedelta(minutes=15)
    assert waitlist.offer_window(0) == timedelta(minutes=waitlist.MIN_OFFER_MINUTES)
    assert waitlist.offer_window(10_000) == timedelta(minutes=waitlist.MAX_OFFER_MINUTES)


def test_an_offer_is_answered_within_its_window_only() -> None:
    offer = Offer(
        id=uuid.uuid4(),
        entry_id=1,
        start=NOON + timedelta(days=1),
        end=NOON + timedelta(days=1, minutes=30),
        expires_at=NOON + timedelta(minutes=15),
        status=OfferStatus.OPEN,
    )
    waitlist.ensure_answerable(offer, NOON)
    assert not waitlist.is_overdue(offer, NOON)
    with pytest.raises(InvalidTransition):
        waitlist.ensure_answerable(offer, NOON + timedelta(minutes=15))
    assert waitlist.is_overdue(offer, NOON + timedelta(minutes=15))
    declined = replace(offer, status=OfferStatus.DECLINED)
    with pytest.raises(InvalidTransition):
        waitlist.ensure_answerable(declined, NOON)
    assert not waitlist.is_overdue(declined, NOON + timedelta(hours=1))


def test_who_lets_an_offer_lapse_goes_to_the_end_of_the_line() -> None:
    offered = entry(1, 10, status=EntryStatus.OFFERED)
    behind = entry(2, 20)
    lapsed = waitlist.after_lapse(offered, [offered, behind], NOON + timedelta(minutes=15))
    assert lapsed.status is EntryStatus.WAITING
    assert [e.id for e in waitlist.in_line([lapsed, behind])] == [2, 1]


def test_who_lets_an_offer_lapse_goes_behind_even_when_the_clock_stepped_back() -> None:
    offered = entry(1, 10, status=EntryStatus.OFFERED)
    behind = entry(2, waitlist.rank_at_end([], NOON))
    lapsed = waitlist.after_lapse(offered, [offered, behind], NOON - timedelta(seconds=1))
    assert [e.id for e in waitlist.in_line([lapsed, behind])] == [2, 1]
