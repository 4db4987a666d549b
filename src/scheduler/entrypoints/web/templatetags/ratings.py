"""Ratings and reviews as a page shows them: a mean of stars in the reader's digits and
decimal sign ("4.6", "۴٫۶"), and a review's author as first name and initial.

    {% load ratings %}
    {{ hit.rating_mean|stars_mean }}
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django import template
from django.utils import translation

from scheduler.adapters import local_dates
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.reviews import author_shown
from scheduler.entrypoints.web.ratings import VisitReview, visit_review

register = template.Library()

# Persian writes a decimal with its own sign, the momayyez, not a full stop.
PERSIAN_DECIMAL = "\u066b"


@register.filter
def stars_mean(value: Decimal | None) -> str:
    if value is None:
        return ""
    language = translation.get_language() or "en"
    shown = local_dates.digits(f"{value:.1f}", language)
    return shown.replace(".", PERSIAN_DECIMAL) if local_dates.is_persian(language) else shown


@register.filter
def review_author(review: rows.Review) -> str:
    return author_shown(review.author)


@register.simple_tag
def visit_review_of(row: rows.Appointment, now: datetime) -> VisitReview:
    """{% visit_review_of visit.row visit.now as state %}: the visit's review, if any."""
    return visit_review(row, now)
