"""The booking page a confirmation or reminder links to (``/b/<signed token>/``): the patient
sees their booking and may cancel it, without signing in. The signed, expiring link is the key,
and opens this one booking for these two things only: no other action, no other data of theirs.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from scheduler.adapters import visit_links
from scheduler.adapters.orm import calendar_reads
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus, utc_now
from scheduler.domain.appointment import Status
from scheduler.domain.errors import DomainError, NotFound
from scheduler.entrypoints.error_text import error_text
from scheduler.entrypoints.language import clinic_default, supported
from scheduler.entrypoints.web import my_appointments
from scheduler.services import commands

# As the API's cancel takes it.
REASON_CHARS = 1000

# Visits still to come: their page links to the place in the waiting room too.
_COMING = frozenset({Status.PENDING, Status.BOOKED, Status.ARRIVED})


@require_http_methods(["GET", "POST"])
def booking_page(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _linked(token)
    if appointment is None:
        return _private(render(request, "web/booking_link_gone.html", status=404))
    # The patient's own language first: the link is theirs, as are the messages that carry it.
    person = appointment.patient.user
    clinic_default(request, supported(person.language) or appointment.clinic.language)
    problem, status = "", 200
    if request.method == "POST":
        reason = request.POST.get("reason", "").strip()
        if len(reason) > REASON_CHARS:
            problem, status = _("The reason is too long."), 400
        elif request.POST.get("confirm") != "yes":
            # One tap on a link in a message must not cancel a visit by mistake.
            problem, status = _("Tick the box to confirm that you are cancelling."), 400
        else:
            try:
                build_bus().handle(
                    commands.CancelAppointment(
                        actor=actor_for(person), appointment_id=appointment.pk, reason=reason
                    )
                )
            except DomainError as error:  # e.g. too late to cancel, or cancelled already
                problem, status = error_text(error), 409
            else:
                return _private(HttpResponseRedirect(f"/b/{token}/?done=cancelled"))
    # What the patient's own pages would offer: inside the clinic's cut-off, no cancel form
    # (the domain would refuse it) but the reason and the clinic's phone.
    visit = my_appointments.Visit(appointment, utc_now())
    context = {
        "appointment": appointment,
        "clinic": appointment.clinic,
        "visit": visit,
        "status_words": visit.status_words,
        "cancellable": visit.may_cancel,
        "cancelled_now": request.GET.get("done") == "cancelled"
        and appointment.status == Status.CANCELLED,
        "queue_url": visit_links.url_for(appointment.pk) if appointment.status in _COMING else "",
        "problem": problem,
        "reason_chars": REASON_CHARS,
    }
    return _private(render(request, "web/booking_link.html", context, status=status))


def _linked(token: str) -> rows.Appointment | None:
    """The booking behind a valid link whose patient still has an account, or None."""
    appointment_id = visit_links.booking_of(token, now=utc_now())
    if appointment_id is None:
        return None
    try:
        appointment = calendar_reads.linked_booking(appointment_id=appointment_id)
    except NotFound:
        return None
    return appointment if appointment.patient.user.is_active else None


def _private(response: HttpResponse) -> HttpResponse:
    """The link is the key: it stays out of every cache, and out of every Referer header (to
    any site, this one included: "strict-origin" sends the origin alone). Not "no-referrer":
    with it browsers send ``Origin: null`` with the cancel form, which the CSRF check refuses,
    as it should."""
    response["Referrer-Policy"] = "strict-origin"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
