"""Reviews of visits: the domain's rules, and the use cases through the bus in memory."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from scheduler.domain import events, reviews
from scheduler.domain.appointment import Appointment, Status
from scheduler.domain.errors import InvalidInput, NotAllowed, NotFound
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Actor, Role
from scheduler.services import commands
from tests.fakes import FakeUnitOfWork, FixedClock, make_bus

CLINIC = 100
DR_ONE, DR_TWO = 1, 2
PATIENT = Actor(1010, Role.PATIENT, patient_id=10)
OTHER_PATIENT = Actor(1011, Role.PATIENT, patient_id=11)
DOCTOR = Actor(2001, Role.DOCTOR, doctor_id=DR_ONE)
OTHER_DOCTOR = Actor(2002, Role.DOCTOR, doctor_id=DR_TWO)
UNVERIFIED = Actor(2001, Role.DOCTOR, doctor_id=DR_ONE, verified=False)
DESK = Actor(3001, Role.RECEPTIONIST, clinic_id=CLINIC)
OTHER_DESK = Actor(3002, Role.RECEPTIONIST, clinic_id=200)
ADMIN = Actor(4001, Role.ADMIN)
WRITTEN = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def visit(status: Status = Status.FULFILLED, *, doctor_id: int = DR_ONE) -> Appointment:
    start = WRITTEN - timedelta(days=1)
    return Appointment(
        id=uuid.uuid4(),
        doctor_id=doctor_id,
        patient_id=10,
        clinic_id=CLINIC,
        slot=Interval(start, start + timedelta(minutes=30)),
        status=status,
    )


def written(stars: int = 4, text: str = "Kind and clear.") -> reviews.Review:
    review = reviews.write(
        PATIENT, visit(), stars=stars, text=text, now=WRITTEN, already_reviewed=False
    )
    review.events.clear()
    return review


# -- the domain ------------------------------------------------------------------------------


def test_the_patient_who_booked_reviews_a_fulfilled_visit() -> None:
    appointment = visit()
    review = reviews.write(
        PATIENT,
        appointment,
        stars=5,
        text="  Great.\r\nOn time.  ",
        now=WRITTEN,
        already_reviewed=False,
    )
    assert (review.stars, review.text, review.patient_id) == (5, "Great.\nOn time.", 10)
    assert review.doctor_id == DR_ONE and review.author_user_id == PATIENT.user_id
    [event] = review.events
    assert isinstance(event, events.ReviewWritten)
    assert (event.review_id, event.version, event.appointment_id) == (
        review.id,
        1,
        appointment.id,
    )


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.FULFILLED], ids=str)
def test_only_a_visit_that_took_place_is_reviewed(status: Status) -> None:
    with pytest.raises(reviews.NotReviewable):
        reviews.write(PATIENT, visit(status), stars=3, text="", now=WRITTEN, already_reviewed=False)


def test_one_review_per_visit() -> None:
    with pytest.raises(reviews.AlreadyReviewed):
        reviews.write(PATIENT, visit(), stars=3, text="", now=WRITTEN, already_reviewed=True)


@pytest.mark.parametrize(
    ("actor", "error"),
    [
        (OTHER_PATIENT, NotFound),
        (OTHER_DOCTOR, NotFound),
        (UNVERIFIED, NotFound),
        (OTHER_DESK, NotFound),
        (DOCTOR, NotAllowed),
        (DESK, NotAllowed),
        (ADMIN, NotAllowed),
    ],
    ids=["other-patient", "other-doctor", "unverified", "other-desk", "doctor", "desk", "admin"],
)
def test_nobody_else_reviews_a_visit(actor: Actor, error: type[Exception]) -> None:
    with pytest.raises(error):
        reviews.write(actor, visit(), stars=3, text="", now=WRITTEN, already_reviewed=False)


@pytest.mark.parametrize("stars", [0, 6, -1, 100])
def test_stars_are_one_to_five(stars: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        reviews.write(PATIENT, visit(), stars=stars, text="", now=WRITTEN, already_reviewed=False)
    assert refused.value.details["field"] == "stars"


def test_text_is_optional_and_bounded() -> None:
    assert written(text="   ").text == ""
    assert len(written(text="a" * reviews.MAX_TEXT).text) == reviews.MAX_TEXT
    with pytest.raises(InvalidInput):
        written(text="a" * (reviews.MAX_TEXT + 1))


def test_the_author_edits_for_seven_days_and_not_a_moment_more() -> None:
    review = written()
    last_moment = WRITTEN + timedelta(days=7) - timedelta(microseconds=1)
    review.edit(PATIENT, stars=2, text="Changed my mind.", now=last_moment)
    assert (review.stars, review.text, review.edited_at, review.version) == (
        2,
        "Changed my mind.",
        last_moment,
        2,
    )
    assert isinstance(review.events[-1], events.ReviewEdited)
    with pytest.raises(reviews.EditWindowOver):
        review.edit(PATIENT, stars=1, text="", now=WRITTEN + timedelta(days=7))
    assert review.stars == 2


@pytest.mark.parametrize("actor", [OTHER_PATIENT, DOCTOR, ADMIN, DESK])
def test_only_the_author_edits(actor: Actor) -> None:
    with pytest.raises(NotAllowed):
        written().edit(actor, stars=1, text="", now=WRITTEN)


def test_the_doctor_replies_once_and_for_good() -> None:
    review = written()
    later = WRITTEN + timedelta(hours=3)
    review.answer(DOCTOR, text=" Thank you. ", now=later)
    assert review.reply == reviews.Reply(text="Thank you.", at=later)
    assert isinstance(review.events[-1], events.ReviewReplied)
    with pytest.raises(reviews.AlreadyReplied):
        review.answer(DOCTOR, text="Again", now=later)


@pytest.mark.parametrize("actor", [OTHER_DOCTOR, UNVERIFIED, PATIENT, DESK, ADMIN])
def test_nobody_else_replies(actor: Actor) -> None:
    with pytest.raises(NotAllowed):
        written().answer(actor, text="Hello", now=WRITTEN)


def test_a_reply_has_words() -> None:
    with pytest.raises(InvalidInput):
        written().answer(DOCTOR, text="  \n ", now=WRITTEN)


def test_an_admin_hides_with_a_reason_kept_and_shows_again() -> None:
    review = written()
    with pytest.raises(InvalidInput) as refused:
        review.hide(ADMIN, reason=" ", now=WRITTEN)
    assert refused.value.details["field"] == "reason"
    review.hide(ADMIN, reason="Names another patient.", now=WRITTEN)
    assert review.hidden
    assert review.moderation == reviews.Moderation(
        reason="Names another patient.", by_user_id=ADMIN.user_id, at=WRITTEN
    )
    with pytest.raises(reviews.ModerationUnchanged):
        review.hide(ADMIN, reason="Again", now=WRITTEN)
    review.show(ADMIN, now=WRITTEN)
    assert not review.hidden and review.moderation is not None  # the record stays
    with pytest.raises(reviews.ModerationUnchanged):
        review.show(ADMIN, now=WRITTEN)
    assert [type(e) for e in review.events] == [events.ReviewHidden, events.ReviewShown]


@pytest.mark.parametrize("actor", [PATIENT, DOCTOR, DESK])
def test_only_admins_moderate(actor: Actor) -> None:
    with pytest.raises(NotAllowed):
        written().hide(actor, reason="Rude", now=WRITTEN)


def test_a_hidden_review_is_read_by_its_author_its_doctor_and_admins() -> None:
    review = written()
    assert all(reviews.may_read(a, review) for a in (None, OTHER_PATIENT, OTHER_DOCTOR))
    review.hide(ADMIN, reason="Rude", now=WRITTEN)
    assert [reviews.may_read(a, review) for a in (PATIENT, DOCTOR, ADMIN)] == [True] * 3
    readers = (None, OTHER_PATIENT, OTHER_DOCTOR, UNVERIFIED, DESK)
    assert not any(reviews.may_read(a, review) for a in readers)


def test_a_rating_is_the_mean_to_one_decimal_half_up_and_none_without_reviews() -> None:
    assert reviews.rating([]) == reviews.Rating(None, 0)
    assert reviews.rating([5, 4, 4, 4]) == reviews.Rating(Decimal("4.3"), 4)  # 4.25 -> 4.3
    assert reviews.rating([1]) == reviews.Rating(Decimal("1.0"), 1)


# -- the use cases ---------------------------------------------------------------------------


def test_writing_editing_hiding_and_showing_recount_the_rating() -> None:
    appointment, other = visit(), visit()
    uow = FakeUnitOfWork(appointments=[appointment, other])
    clock = FixedClock(WRITTEN)
    bus = make_bus(uow, clock)
    first = bus.handle(
        commands.WriteVisitReview(actor=PATIENT, appointment_id=appointment.id, stars=5)
    )
    bus.handle(commands.WriteVisitReview(actor=PATIENT, appointment_id=other.id, stars=2))
    assert uow.reviews.committed_ratings[DR_ONE] == reviews.Rating(Decimal("3.5"), 2)
    bus.handle(
        commands.EditVisitReview(actor=PATIENT, appointment_id=appointment.id, stars=4, text="Ok")
    )
    assert uow.reviews.committed_ratings[DR_ONE] == reviews.Rating(Decimal("3.0"), 2)
    bus.handle(commands.HideReview(actor=ADMIN, review_id=first, reason="Off topic"))
    assert uow.reviews.committed_ratings[DR_ONE] == reviews.Rating(Decimal("2.0"), 1)
    bus.handle(commands.ShowReview(actor=ADMIN, review_id=first))
    assert uow.reviews.committed_ratings[DR_ONE] == reviews.Rating(Decimal("3.0"), 2)
    kinds = [type(e).__name__ for e in uow.outbox]
    assert kinds == [
        "ReviewWritten",
        "ReviewWritten",
        "ReviewEdited",
        "ReviewHidden",
        "ReviewShown",
    ]
    assert [e.version for e in uow.outbox if e.review_id == first] == [1, 2, 3, 4]


def test_a_second_review_of_a_visit_is_refused_and_nothing_is_written() -> None:
    appointment = visit()
    uow = FakeUnitOfWork(appointments=[appointment])
    bus = make_bus(uow, FixedClock(WRITTEN))
    bus.handle(commands.WriteVisitReview(actor=PATIENT, appointment_id=appointment.id, stars=5))
    with pytest.raises(reviews.AlreadyReviewed):
        bus.handle(commands.WriteVisitReview(actor=PATIENT, appointment_id=appointment.id, stars=1))
    assert len(uow.reviews.committed) == 1 and len(uow.outbox) == 1


def test_the_edit_window_follows_the_bus_clock() -> None:
    appointment = visit()
    uow = FakeUnitOfWork(appointments=[appointment])
    clock = FixedClock(WRITTEN)
    bus = make_bus(uow, clock)
    bus.handle(commands.WriteVisitReview(actor=PATIENT, appointment_id=appointment.id, stars=5))
    clock.advance(timedelta(days=7))
    edit = commands.EditVisitReview(actor=PATIENT, appointment_id=appointment.id, stars=1)
    with pytest.raises(reviews.EditWindowOver):
        bus.handle(edit)
    [stored] = uow.reviews.committed.values()
    assert stored.stars == 5


def test_editing_a_visit_without_a_review_is_not_found() -> None:
    appointment = visit()
    bus = make_bus(FakeUnitOfWork(appointments=[appointment]), FixedClock(WRITTEN))
    with pytest.raises(NotFound):
        bus.handle(commands.EditVisitReview(actor=PATIENT, appointment_id=appointment.id, stars=3))


def test_a_hidden_review_is_not_found_by_a_doctor_who_is_not_its_own() -> None:
    appointment = visit()
    uow = FakeUnitOfWork(appointments=[appointment])
    bus = make_bus(uow, FixedClock(WRITTEN))
    review_id = bus.handle(
        commands.WriteVisitReview(actor=PATIENT, appointment_id=appointment.id, stars=1)
    )
    bus.handle(commands.HideReview(actor=ADMIN, review_id=review_id, reason="Insults"))
    with pytest.raises(NotFound):
        bus.handle(commands.ReplyToReview(actor=OTHER_DOCTOR, review_id=review_id, text="Hi"))
    bus.handle(commands.ReplyToReview(actor=DOCTOR, review_id=review_id, text="Sorry."))
    stored = uow.reviews.committed[review_id]
    assert stored.reply is not None and stored.reply.text == "Sorry."


def test_a_forgotten_author_takes_their_words_and_leaves_their_stars() -> None:
    review = written(stars=2, text="Named someone.")
    review.forget_words(PATIENT, now=WRITTEN + timedelta(days=30))
    assert (review.stars, review.text) == (2, "")
    assert isinstance(review.events[-1], events.ReviewEdited)
    with pytest.raises(NotAllowed):
        review.forget_words(ADMIN, now=WRITTEN)
