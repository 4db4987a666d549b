"""What the pages show of reviews: a doctor's rating and shown reviews on their page (a page of
them at a time, ``?reviews=N``, newest first), with a reply form for the doctor themselves; and
on a patient's past visit, its review or the form to write one. Writes go through the API
(static/web/visit_review.js, static/web/ratings.js)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.reviews import doctor_rating, page_reviews
from scheduler.domain import reviews
from scheduler.domain.appointment import Status
from scheduler.domain.model import Actor, Role
from scheduler.entrypoints.web.params import row_id

REVIEWS_A_PAGE = 5


def doctor_page_context(
    request: HttpRequest, doctor: rows.Doctor, viewer: Actor | None
) -> dict[str, Any]:
    rating = doctor_rating(doctor_id=doctor.pk)
    page = Paginator(page_reviews(doctor_id=doctor.pk), REVIEWS_A_PAGE).get_page(
        row_id(request.GET.get("reviews"))
    )
    replies = (
        viewer is not None
        and viewer.role is Role.DOCTOR
        and viewer.verified
        and viewer.doctor_id == doctor.pk
    )
    return {
        "rating": rating,
        "reviews_page": page,
        "replies": replies,
        "reply_limit": reviews.MAX_REPLY,
    }


@dataclass(frozen=True)
class VisitReview:
    """A past visit's review as its patient sees it: none yet (``review`` None, and
    ``reviewable`` if the visit took place), or theirs, changeable until ``until``."""

    reviewable: bool
    review: rows.Review | None
    now: datetime

    @property
    def until(self) -> datetime | None:
        return self.review.written_at + reviews.EDIT_WINDOW if self.review else None

    @property
    def editable(self) -> bool:
        return self.until is not None and self.now < self.until

    @property
    def stars_range(self) -> range:
        return range(reviews.MIN_STARS, reviews.MAX_STARS + 1)

    @property
    def text_limit(self) -> int:
        return reviews.MAX_TEXT


def visit_review(row: rows.Appointment, now: datetime) -> VisitReview:
    fulfilled = row.status == Status.FULFILLED
    review = rows.Review.objects.filter(appointment=row).first() if fulfilled else None
    return VisitReview(reviewable=fulfilled, review=review, now=now)
