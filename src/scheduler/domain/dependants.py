"""Family members on a patient's account: the people a patient books for besides themselves.

A dependant has no account of their own: the account holder books, is told, and comes with
them (one adult brings a child or a parent), so the visit counts against the holder's time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from scheduler.domain.errors import InvalidInput
from scheduler.domain.messages import gettext_noop

MAX_NAME = 100
# A household, not a clinic's list: more than this is someone misusing one account.
MAX_PER_ACCOUNT = 20
OLDEST_BIRTH_DATE = date(1900, 1, 1)


class Relation(StrEnum):
    CHILD = "child"
    SPOUSE = "spouse"
    PARENT = "parent"
    SIBLING = "sibling"
    OTHER = "other"


@dataclass(frozen=True, kw_only=True)
class Person:
    """What the account holder says about a family member."""

    first_name: str
    last_name: str
    birth_date: date
    relation: Relation


@dataclass(frozen=True, kw_only=True)
class Dependant(Person):
    id: int
    patient_id: int  # the account holder
    active: bool = True  # False: removed, kept for the visits that name them

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def person(
    *, first_name: str, last_name: str, birth_date: date, relation: str, today: date
) -> Person:
    """The family member as given, trimmed, or InvalidInput naming the field at fault."""
    first, last = first_name.strip(), last_name.strip()
    for field, value in (("first_name", first), ("last_name", last)):
        if not value:
            raise InvalidInput(gettext_noop("Enter a name."), field=field)
        if len(value) > MAX_NAME:
            raise InvalidInput(
                gettext_noop("At most %(limit)s characters."),
                field=field,
                params={"limit": MAX_NAME},
            )
    if birth_date > today:
        raise InvalidInput(
            gettext_noop("A birth date cannot be in the future."), field="birth_date"
        )
    if birth_date < OLDEST_BIRTH_DATE:
        raise InvalidInput(gettext_noop("Check the birth date."), field="birth_date")
    try:
        kind = Relation(relation)
    except ValueError:
        raise InvalidInput(gettext_noop("Choose a relation."), field="relation") from None
    return Person(first_name=first, last_name=last, birth_date=birth_date, relation=kind)


def ensure_room(active_count: int) -> None:
    """One more family member fits on the account."""
    if active_count >= MAX_PER_ACCOUNT:
        raise InvalidInput(
            gettext_noop("An account holds at most %(limit)s family members."),
            params={"limit": MAX_PER_ACCOUNT},
        )
