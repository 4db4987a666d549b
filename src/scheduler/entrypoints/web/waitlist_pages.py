"""The waitlist's pages: a patient's places and offers (a section of "My appointments", drawn
again live), an offer's own page (the one-click link of its message), and a doctor's line for
staff. Thin: reads through adapters.orm.waitlist_reads; the changes go through the REST API
(static/web/waitlist.js)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import waitlist_reads
from scheduler.adapters.orm.actors import viewer_for
from scheduler.adapters.waitlist import links
from scheduler.config.bootstrap import utc_now
from scheduler.domain import access
from scheduler.domain.day_parts import DayPart
from scheduler.domain.errors import NotAllowed, NotFound
from scheduler.domain.waitlist import MAX_RANGE_DAYS, OfferStatus
from scheduler.entrypoints.language import clinic_default
from scheduler.entrypoints.web.search import PART_LABELS, PART_NAMES


@dataclass(frozen=True)
class Shown:
    """A place as its page shows it: the parts of the day in words, the offer's link."""

    place: waitlist_reads.Place

    @property
    def part_names(self) -> list[Promise]:
        return [PART_NAMES[DayPart(part)] for part in self.place.parts]

    @property
    def clinic(self) -> dict[str, str]:
        """As web/clinic_phone.html reads a clinic."""
        return {"phone": self.place.clinic_phone}

    @property
    def offer_token(self) -> str:
        return "" if self.place.offer is None else links.token_for(self.place.offer.id)


def my_places(request: HttpRequest) -> list[Shown]:
    """The signed-in patient's places ("My appointments" shows them); none for anyone else."""
    viewer = viewer_for(request.user)
    if viewer is None:
        return []
    try:
        return [Shown(p) for p in waitlist_reads.my_waitlist(viewer=viewer, now=utc_now())]
    except NotAllowed:
        return []


@login_required(login_url="/login/")
def my_waitlist_section(request: HttpRequest) -> HttpResponse:
    """The section as it is now: what the page puts in place of the old one when an offer was
    made, answered or ended."""
    try:
        access.own_patient_id(viewer_for(request.user))
    except NotAllowed:
        raise PermissionDenied("This page is for patients.") from None
    return render(request, "web/my_waitlist.html", {"places": my_places(request)})


@login_required(login_url="/login/")
def offer_page(request: HttpRequest, token: str) -> HttpResponse:
    """The offer of a message's link. Taken or turned down by its patient, signed in: the
    link alone only shows it (a forwarded message books nothing for anyone)."""
    offer_id = links.offer_of(token)
    viewer = viewer_for(request.user)
    if offer_id is None or viewer is None:
        raise Http404("No such offer.")
    try:
        offer, place = waitlist_reads.offer_for(viewer=viewer, offer_id=offer_id)
    except (NotFound, NotAllowed):
        raise Http404("No such offer.") from None
    clinic_default(request, offer.entry.clinic.language)
    now = utc_now()
    open_now = offer.status == OfferStatus.OPEN and offer.expires_at > now
    return render(
        request,
        "web/waitlist_offer.html",
        {
            "offer": offer,
            "place": Shown(place),
            "token": token,
            "open": open_now,
            "clinic": offer.entry.clinic,
            "doctor": offer.entry.doctor,
        },
    )


@login_required(login_url="/login/")
def doctor_line(request: HttpRequest, doctor_id: int, clinic_id: int) -> HttpResponse:
    """The doctor's line at the clinic, for the doctor, the clinic's desk and admins."""
    viewer = viewer_for(request.user)
    if viewer is None:
        raise Http404("No such waitlist.")
    try:
        places = waitlist_reads.doctor_waitlist(
            viewer=viewer, doctor_id=doctor_id, clinic_id=clinic_id, now=utc_now()
        )
    except NotFound:
        raise Http404("No such waitlist.") from None
    doctor = rows.Doctor.objects.select_related("user").filter(pk=doctor_id).first()
    clinic = rows.Clinic.objects.filter(pk=clinic_id).first()
    if doctor is None or clinic is None:
        raise Http404("No such waitlist.")
    return render(
        request,
        "web/waitlist_line.html",
        {"places": [Shown(p) for p in places], "doctor": doctor, "clinic": clinic},
    )


def join_context(today: date) -> dict[str, object]:
    """What the doctor's page needs for its "Join the waitlist" form: the clinic's today,
    the last day one may wait for, the parts of the day."""
    return {
        "waitlist_parts": [(part.value, PART_LABELS[part]) for part in DayPart],
        "waitlist_today": today,
        "waitlist_week": today + timedelta(days=6),
        "waitlist_last": today + timedelta(days=MAX_RANGE_DAYS),
    }
