"""A patient's review of a doctor after a visit, the doctor's reply, and an admin's moderation.

One review per fulfilled appointment, by the account that booked it (for a family member's
visit, the account holder, who came with them). Its author may change it for a week after it
was first written: long enough to correct a word in anger, short enough that a rating cannot be
rewritten months later against a doctor who has since replied. The doctor replies once, and the
reply is final (a public answer, like the review; a second thought would need the same week
and a reply that moves under its readers). An admin hides a review with a reason, kept with
who and when; hidden, it counts for no rating and shows on no page, and may be shown again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from scheduler.domain.access import can_see
from scheduler.domain.appointment import Appointment, Status
from scheduler.domain.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from scheduler.domain.events import (
    Event,
    ReviewEdited,
    ReviewHidden,
    ReviewReplied,
    ReviewShown,
    ReviewWritten,
)
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor, Role

MIN_STARS = 1
MAX_STARS = 5
MAX_TEXT = 2000
MAX_REPLY = 2000
MAX_REASON = 500
EDIT_WINDOW = timedelta(days=7)


class NotReviewable(InvalidTransition):
    """The visit did not take place (yet): there is nothing to review."""

    code = "not_fulfilled"


class AlreadyReviewed(InvalidTransition):
    code = "already_reviewed"


class EditWindowOver(InvalidTransition):
    code = "edit_window_over"


class AlreadyReplied(InvalidTransition):
    code = "already_replied"


class ModerationUnchanged(InvalidTransition):
    """Hiding a hidden review, or showing a shown one."""

    code = "moderation_unchanged"


@dataclass(frozen=True, kw_only=True)
class Reply:
    text: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class Moderation:
    """The last time an admin hid the review: kept when it is shown again."""

    reason: str
    by_user_id: int
    at: datetime


@dataclass(kw_only=True)
class Review:
    id: uuid.UUID
    appointment_id: uuid.UUID
    doctor_id: int
    patient_id: int
    author_user_id: int
    stars: int
    text: str
    written_at: datetime
    edited_at: datetime | None = None
    reply: Reply | None = None
    hidden: bool = False
    moderation: Moderation | None = None
    version: int = 1
    events: list[Event] = field(default_factory=list, repr=False, compare=False)

    @property
    def editable_until(self) -> datetime:
        return self.written_at + EDIT_WINDOW

    def editable_at(self, now: datetime) -> bool:
        return now < self.editable_until

    def edit(self, actor: Actor, *, stars: int, text: str, now: datetime) -> None:
        ensure_author(actor, self)
        if not self.editable_at(now):
            raise EditWindowOver(
                gettext_noop("A review can be changed for 7 days after it was written.")
            )
        self.stars, self.text = valid_stars(stars), valid_text(text, MAX_TEXT, "text")
        self.edited_at = now
        self._record(ReviewEdited, actor, now)

    def answer(self, actor: Actor, *, text: str, now: datetime) -> None:
        if not (actor.role is Role.DOCTOR and actor.verified and actor.doctor_id == self.doctor_id):
            raise NotAllowed(gettext_noop("Only the doctor who was reviewed replies."))
        if self.reply is not None:
            raise AlreadyReplied(gettext_noop("This review has a reply already."))
        words = valid_text(text, MAX_REPLY, "text")
        if not words:
            raise InvalidInput(gettext_noop("Write a reply."), field="text")
        self.reply = Reply(text=words, at=now)
        self._record(ReviewReplied, actor, now)

    def hide(self, actor: Actor, *, reason: str, now: datetime) -> None:
        ensure_moderator(actor)
        if self.hidden:
            raise ModerationUnchanged(gettext_noop("This review is hidden already."))
        why = valid_text(reason, MAX_REASON, "reason")
        if not why:
            raise InvalidInput(gettext_noop("Say why the review is hidden."), field="reason")
        self.hidden = True
        self.moderation = Moderation(reason=why, by_user_id=actor.user_id, at=now)
        self._record(ReviewHidden, actor, now)

    def show(self, actor: Actor, *, now: datetime) -> None:
        ensure_moderator(actor)
        if not self.hidden:
            raise ModerationUnchanged(gettext_noop("This review is shown already."))
        self.hidden = False
        self._record(ReviewShown, actor, now)

    def forget_words(self, actor: Actor, *, now: datetime) -> None:
        """Its author asked to be forgotten: their words go with them; the stars stay, with no
        name, so the doctor's rating does not change behind their back."""
        ensure_author(actor, self)
        self.text = ""
        self._record(ReviewEdited, actor, now)

    def _record(
        self,
        kind: type[ReviewEdited | ReviewReplied | ReviewHidden | ReviewShown],
        actor: Actor,
        now: datetime,
    ) -> None:
        self.version += 1
        self.events.append(_event(kind, self, actor, now))


def write(
    actor: Actor,
    appointment: Appointment,
    *,
    stars: int,
    text: str,
    now: datetime,
    already_reviewed: bool,
) -> Review:
    """The new review of ``appointment`` by the patient who booked it."""
    ensure_reviewer(actor, appointment)
    if appointment.status is not Status.FULFILLED:
        raise NotReviewable(
            gettext_noop("Only a visit that took place can be reviewed."),
            status=appointment.status,
        )
    if already_reviewed:
        raise AlreadyReviewed(gettext_noop("This visit has a review already."))
    assert actor.patient_id is not None  # as ensure_reviewer found it
    review = Review(
        id=uuid.uuid4(),
        appointment_id=appointment.id,
        doctor_id=appointment.doctor_id,
        patient_id=actor.patient_id,
        author_user_id=actor.user_id,
        stars=valid_stars(stars),
        text=valid_text(text, MAX_TEXT, "text"),
        written_at=now,
    )
    review.events.append(_event(ReviewWritten, review, actor, now))
    return review


def ensure_reviewer(actor: Actor, appointment: Appointment) -> None:
    """The account that booked the visit; anyone else learns nothing of it (staff who may see
    it are told they may not review it)."""
    if actor.role is Role.PATIENT and actor.patient_id == appointment.patient_id:
        return
    if can_see(actor, appointment):
        raise NotAllowed(gettext_noop("Only the patient who booked the visit reviews it."))
    raise NotFound(gettext_noop("Appointment not found."))


def ensure_author(actor: Actor, review: Review) -> None:
    if actor.role is not Role.PATIENT or actor.patient_id != review.patient_id:
        raise NotAllowed(gettext_noop("Only its author changes a review."))


def ensure_moderator(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise NotAllowed(gettext_noop("Only an admin hides or shows reviews."))


def may_read(actor: Actor | None, review: Review) -> bool:
    """A shown review is public; a hidden one is its author's, its doctor's and admins'."""
    if not review.hidden:
        return True
    match actor:
        case Actor(role=Role.ADMIN):
            return True
        case Actor(role=Role.PATIENT, patient_id=int(patient_id)):
            return patient_id == review.patient_id
        case Actor(role=Role.DOCTOR, doctor_id=int(doctor_id), verified=True):
            return doctor_id == review.doctor_id
    return False


def valid_stars(stars: int) -> int:
    if not MIN_STARS <= stars <= MAX_STARS:
        raise InvalidInput(
            gettext_noop("Choose from %(low)s to %(high)s stars."),
            field="stars",
            params={"low": MIN_STARS, "high": MAX_STARS},
        )
    return stars


def valid_text(text: str, limit: int, field_name: str) -> str:
    """Trimmed at both ends, line breaks inside kept (a review has paragraphs); ``\\r\\n`` as
    ``\\n`` so a limit counts what a reader sees."""
    words = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(words) > limit:
        raise InvalidInput(
            gettext_noop("At most %(limit)s characters."), field=field_name, params={"limit": limit}
        )
    return words


def _event(
    kind: type[ReviewWritten | ReviewEdited | ReviewReplied | ReviewHidden | ReviewShown],
    review: Review,
    actor: Actor,
    now: datetime,
) -> Event:
    return kind(
        occurred_at=now,
        review_id=review.id,
        version=review.version,
        appointment_id=review.appointment_id,
        doctor_id=review.doctor_id,
        patient_id=review.patient_id,
        actor_user_id=actor.user_id,
    )


@dataclass(frozen=True)
class Rating:
    """A doctor's rating: the mean of the stars of their shown reviews, to one decimal as
    every page shows it (so that a filter of "4 and more" keeps the doctors shown as 4.0),
    and how many there are. No review: no rating (``mean`` None), not a zero."""

    mean: Decimal | None
    count: int


def rating(stars: Iterable[int]) -> Rating:
    given = list(stars)
    if not given:
        return Rating(None, 0)
    return Rating(rounded_mean(Decimal(sum(given)) / len(given)), len(given))


def rounded_mean(mean: Decimal) -> Decimal:
    # Half up, as people round: 4.25 is 4.3, not the banker's 4.2.
    return mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
