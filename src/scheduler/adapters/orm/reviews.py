"""Reviews and doctors' ratings on Django: the repository the review commands write through, and
the reads of the pages and the API (a doctor's shown reviews; one visit's review)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.db import IntegrityError
from django.db.models import Avg, Count, F, QuerySet

from scheduler.adapters.orm import models as rows
from scheduler.domain.messages import gettext_noop
from scheduler.domain.reviews import (
    AlreadyReviewed,
    Moderation,
    Rating,
    Reply,
    Review,
    rounded_mean,
)
from scheduler.services.unit_of_work import ReviewRepository


class DjangoReviewRepository(ReviewRepository):
    def _find(self, review_id: uuid.UUID) -> Review | None:
        row = rows.Review.objects.filter(pk=review_id).first()
        return _review(row) if row else None

    def _of_appointment(self, appointment_id: uuid.UUID) -> Review | None:
        row = rows.Review.objects.filter(appointment_id=appointment_id).first()
        return _review(row) if row else None

    def _of_patient(self, patient_id: int) -> list[Review]:
        return [_review(row) for row in rows.Review.objects.filter(patient_id=patient_id)]

    def _save(self, review: Review) -> None:
        values: dict[str, Any] = {
            "appointment_id": review.appointment_id,
            "doctor_id": review.doctor_id,
            "patient_id": review.patient_id,
            "author_id": review.author_user_id,
            "stars": review.stars,
            "text": review.text,
            "written_at": review.written_at,
            "edited_at": review.edited_at,
            "reply": review.reply.text if review.reply else "",
            "replied_at": review.reply.at if review.reply else None,
            "hidden": review.hidden,
            "hidden_reason": review.moderation.reason if review.moderation else "",
            "hidden_by_id": review.moderation.by_user_id if review.moderation else None,
            "hidden_at": review.moderation.at if review.moderation else None,
            "version": review.version,
        }
        if review.version == 1:
            try:
                rows.Review.objects.create(id=review.id, **values)
            except IntegrityError:
                # Two first reviews of one visit at once: the unique appointment refused one.
                raise AlreadyReviewed(gettext_noop("This visit has a review already.")) from None
            return
        rows.Review.objects.filter(pk=review.id).update(**values)

    def refresh_rating(self, doctor_id: int) -> Rating:
        # Locked first: on PostgreSQL (READ COMMITTED) two reviews of the doctor at once would
        # each count without the other's; one after the other, the second counts both.
        list(rows.Doctor.objects.select_for_update().filter(pk=doctor_id).values_list("pk"))
        counted = shown_reviews(doctor_id=doctor_id).aggregate(mean=Avg("stars"), count=Count("pk"))
        mean = counted["mean"]
        rating = Rating(
            rounded_mean(Decimal(str(mean))) if mean is not None else None, counted["count"]
        )
        rows.DoctorRating.objects.update_or_create(
            doctor_id=doctor_id, defaults={"mean": rating.mean, "count": rating.count}
        )
        return rating


def shown_reviews(*, doctor_id: int) -> QuerySet[rows.Review]:
    """The doctor's reviews anyone may read, newest first."""
    return rows.Review.objects.filter(doctor_id=doctor_id, hidden=False).order_by(
        "-written_at", "pk"
    )


def page_reviews(*, doctor_id: int) -> QuerySet[rows.Review]:
    """The same with their authors' names, as the page and the API show them, and the zone of
    the visit's clinic, on whose clock the page dates them."""
    return (
        shown_reviews(doctor_id=doctor_id)
        .select_related("author")
        .annotate(clinic_zone=F("appointment__clinic__timezone"))
    )


def doctor_rating(*, doctor_id: int) -> Rating:
    row = rows.DoctorRating.objects.filter(doctor_id=doctor_id).first()
    if row is None or row.mean is None:
        return Rating(None, 0)
    return Rating(row.mean, row.count)


def author_shown(author: rows.User) -> str:
    """The author as a review shows them: their first name and the initial of their last
    (no one learns who a doctor's patients are); an account forgotten shows neither."""
    first, last = author.first_name.strip(), author.last_name.strip()
    if not first:
        return ""
    return f"{first} {last[0]}." if last else first


def _review(row: rows.Review) -> Review:
    return Review(
        id=row.pk,
        appointment_id=row.appointment_id,
        doctor_id=row.doctor_id,
        patient_id=row.patient_id,
        author_user_id=row.author_id,
        stars=row.stars,
        text=row.text,
        written_at=row.written_at,
        edited_at=row.edited_at,
        reply=Reply(text=row.reply, at=row.replied_at) if row.replied_at else None,
        hidden=row.hidden,
        moderation=(
            Moderation(reason=row.hidden_reason, by_user_id=row.hidden_by_id, at=row.hidden_at)
            if row.hidden_at and row.hidden_by_id
            else None
        ),
        version=row.version,
    )
