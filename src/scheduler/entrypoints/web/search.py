"""The home page: find a doctor. The query lives in the URL (a GET form, so a search can be
bookmarked, shared and used without JavaScript); the same input and selector as
``GET /api/doctors/``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import selectors
from scheduler.adapters.orm.doctor_search import DoctorHit, city_list, doctor_search
from scheduler.config.bootstrap import utc_now
from scheduler.domain.day_parts import DayPart
from scheduler.entrypoints import languages_spoken
from scheduler.entrypoints.api.doctors import FREE_DAYS_AHEAD, SearchInput

RESULTS_PER_PAGE = 20
RADII_KM = (2, 5, 10, 25, 50, 100)

# The form's labels, for its errors: the API's field names mean nothing on the page.
FIELD_LABELS = {
    "q": _("Name or specialty"),
    "specialty": _("Specialty"),
    "city": _("City"),
    "clinic": _("Clinic"),
    "free_from": _("Free from"),
    "free_to": _("Free until"),
    "part": _("Part of the day"),
    "sex": _("Doctor's sex"),
    "language": _("Language spoken"),
    "accepts_new_patients": _("Accepts new patients"),
    "near": _("Near"),
    "radius_km": _("Distance"),
    "sort": _("Sort by"),
    "min_rating": _("Rating"),
}
PART_LABELS = {
    DayPart.MORNING: _("Morning (before 12:00)"),
    DayPart.AFTERNOON: _("Afternoon (12:00 to 17:00)"),
    DayPart.EVENING: _("Evening (after 17:00)"),
}
# The parts as a result names them: "free on Tuesday (morning, evening)".
PART_NAMES = {
    DayPart.MORNING: pgettext_lazy("part of the day", "morning"),
    DayPart.AFTERNOON: pgettext_lazy("part of the day", "afternoon"),
    DayPart.EVENING: pgettext_lazy("part of the day", "evening"),
}
# What the filters panel holds: set ones are counted on it, and keep it open on a wide screen.
PANEL_FIELDS = (
    *("specialty", "free_from", "free_to", "part", "sex", "language"),
    *("accepts_new_patients", "near", "radius_km", "min_rating"),
)
# "4 stars and up" and so on: 1 would leave out only the doctors not rated yet.
MIN_RATINGS = (4, 3, 2)


def home(request: HttpRequest) -> HttpResponse:
    search = SearchInput(data=request.GET)
    today = utc_now().date()
    context: dict[str, Any] = {
        "asked": request.GET,
        "parts_asked": request.GET.getlist("part"),
        "specialties": selectors.specialty_list(),
        "cities": city_list(),
        "parts": list(PART_LABELS.items()),
        "sexes": [(rows.Sex.FEMALE, _("Female")), (rows.Sex.MALE, _("Male"))],
        "languages": languages_spoken.choices(),
        "radii": RADII_KM,
        "min_ratings": MIN_RATINGS,
        "first_day": today,
        "last_day": today + timedelta(days=FREE_DAYS_AHEAD),
        "filters_on": sum(1 for name in PANEL_FIELDS if request.GET.get(name)),
    }
    if not search.is_valid():
        context["invalid"] = set(search.errors)
        context["errors"] = [
            (FIELD_LABELS.get(str(name), name), message)
            for name, messages in search.errors.items()
            for message in messages
        ]
        return render(request, "web/home.html", context, status=400)
    hits = doctor_search(query=search.query(), now=utc_now())
    page = Paginator(hits, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    context["page"] = page
    context["cards"] = [(hit, _part_names(hit)) for hit in page]
    return render(request, "web/home.html", context)


def _part_names(hit: DoctorHit) -> str:
    between = pgettext("between two items of a list", ", ")
    return between.join(str(PART_NAMES[part]) for part in hit.first_match_parts)
