"""Reviews of visits: written and changed by the patient, answered by the doctor, hidden and
shown by an admin. Each change recounts the doctor's rating in the same unit of work, so the
search never shows a rating its reviews do not make."""

from __future__ import annotations

import uuid

from scheduler.domain import reviews
from scheduler.domain.errors import NotFound
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor
from scheduler.services import commands
from scheduler.services.ports import Clock
from scheduler.services.unit_of_work import UnitOfWork


def write_visit_review(cmd: commands.WriteVisitReview, uow: UnitOfWork, clock: Clock) -> uuid.UUID:
    """The new review's id."""
    now = clock()
    with uow:
        appointment = uow.appointments.get(cmd.appointment_id)
        review = reviews.write(
            cmd.actor,
            appointment,
            stars=cmd.stars,
            text=cmd.text,
            now=now,
            already_reviewed=uow.reviews.of_appointment(appointment.id) is not None,
        )
        uow.reviews.save(review)
        uow.reviews.refresh_rating(review.doctor_id)
        uow.commit()
    return review.id


def edit_visit_review(cmd: commands.EditVisitReview, uow: UnitOfWork, clock: Clock) -> uuid.UUID:
    with uow:
        appointment = uow.appointments.get(cmd.appointment_id)
        reviews.ensure_reviewer(cmd.actor, appointment)
        review = uow.reviews.of_appointment(appointment.id)
        if review is None:
            raise NotFound(gettext_noop("This visit has no review yet."))
        review.edit(cmd.actor, stars=cmd.stars, text=cmd.text, now=clock())
        uow.reviews.save(review)
        uow.reviews.refresh_rating(review.doctor_id)
        uow.commit()
    return review.id


def reply_to_review(cmd: commands.ReplyToReview, uow: UnitOfWork, clock: Clock) -> uuid.UUID:
    with uow:
        review = _readable(cmd.actor, cmd.review_id, uow)
        review.answer(cmd.actor, text=cmd.text, now=clock())
        uow.reviews.save(review)
        uow.commit()
    return review.id


def hide_review(cmd: commands.HideReview, uow: UnitOfWork, clock: Clock) -> uuid.UUID:
    with uow:
        review = _readable(cmd.actor, cmd.review_id, uow)
        review.hide(cmd.actor, reason=cmd.reason, now=clock())
        uow.reviews.save(review)
        uow.reviews.refresh_rating(review.doctor_id)
        uow.commit()
    return review.id


def show_review(cmd: commands.ShowReview, uow: UnitOfWork, clock: Clock) -> uuid.UUID:
    with uow:
        review = _readable(cmd.actor, cmd.review_id, uow)
        review.show(cmd.actor, now=clock())
        uow.reviews.save(review)
        uow.reviews.refresh_rating(review.doctor_id)
        uow.commit()
    return review.id


def _readable(actor: Actor, review_id: uuid.UUID, uow: UnitOfWork) -> reviews.Review:
    """The review, if the actor may know it exists (a hidden one is not everyone's)."""
    review = uow.reviews.get(review_id)
    if not reviews.may_read(actor, review):
        raise NotFound(gettext_noop("Review not found."))
    return review
