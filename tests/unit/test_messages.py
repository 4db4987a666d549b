"""The domain's texts: English as written, values by name, and the marks the catalogs need."""

from __future__ import annotations

from datetime import date, time

import pytest

from scheduler.domain.appointment import Status
from scheduler.domain.errors import InvalidValue, NotAllowed
from scheduler.domain.messages import Term, Weekday, render
from scheduler.domain.model import Role
from scheduler.domain.schedule import WallInterval


def test_an_error_reads_in_english_with_its_values_put_in() -> None:
    refused = NotAllowed(
        "A %(role)s may not %(action)s appointments.",
        params={"role": Term(Role.PATIENT), "action": Term("check_in")},
    )

    assert refused.message == "A patient may not check in appointments."
    assert refused.template == "A %(role)s may not %(action)s appointments."
    # Values for the text only are not the error's structured extras (the API's body).
    assert dict(refused.details) == {}


def test_details_are_values_of_the_text_too() -> None:
    refused = NotAllowed("Book at least %(minutes)s minutes ahead.", minutes=60)

    assert refused.message == "Book at least 60 minutes ahead."
    assert refused.details == {"minutes": 60}


def test_words_days_and_times_are_said_in_english() -> None:
    text = render(
        "%(state)s on %(day)s at %(at)s, %(date)s",
        {
            "state": Term(Status.IN_CONSULTATION),
            "day": Weekday(5),
            "at": time(9, 5),
            "date": date(2026, 12, 7),
        },
    )

    assert text == "in consultation on Saturday at 09:05, 2026-12-07"


def test_a_text_without_values_is_left_as_written() -> None:
    assert render("100% sure", {"unused": 1}) == "100% sure"


def test_a_refused_value_is_a_value_error_with_its_text_marked() -> None:
    with pytest.raises(ValueError, match="12:00-09:00 ends before it starts") as refused:
        WallInterval(time(12), time(9))

    assert isinstance(refused.value, InvalidValue)
    assert refused.value.template == "%(start)s-%(end)s ends before it starts"
    assert refused.value.params == {"start": time(12), "end": time(9)}
