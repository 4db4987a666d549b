"""Server-rendered pages. Thin: read through selectors, render; every action on a page goes
through the REST API (static/web/*.js), live updates through the sockets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy

from scheduler.adapters import visit_links
from scheduler.adapters.local_dates import latin_digits
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import selectors, sign_in, snapshots
from scheduler.adapters.orm.actors import viewer_for
from scheduler.config.bootstrap import utc_now
from scheduler.domain import access
from scheduler.domain.appointment import MAX_REASON
from scheduler.domain.errors import InvalidInput, NotFound
from scheduler.domain.intervals import within_range
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor, Role
from scheduler.entrypoints import known_devices
from scheduler.entrypoints.api.auth import AMBIGUOUS_LOGIN
from scheduler.entrypoints.api.throttles import sign_in_wait
from scheduler.entrypoints.language import clinic_default, supported
from scheduler.entrypoints.web import doctor_profile, policy_pages, ratings, waitlist_pages
from scheduler.entrypoints.web.params import row_id


def doctor_page(request: HttpRequest, doctor_id: int) -> HttpResponse:
    """The doctor's week of slots at one clinic, live; a signed-in patient books by a click."""
    viewer = viewer_for(request.user)
    try:
        doctor = selectors.doctor_get(doctor_id=doctor_id, viewer=viewer)
        clinic = selectors.doctor_clinic(doctor=doctor, clinic_id=row_id(request.GET.get("clinic")))
    except NotFound:
        raise Http404("No such doctor.") from None
    except InvalidInput:
        clinics = list(doctor.clinics.all())
        if not clinics:
            raise Http404("The doctor sees patients at no clinic yet.") from None
        clinic = clinics[0]
    clinic_default(request, clinic.language)
    # ?slot= (a link from the search, or back from signing in) opens the week of that slot
    # and its review step; the page's script checks that it is still free.
    slot = _moment(request.GET.get("slot"))
    slot_day = slot.astimezone(ZoneInfo(clinic.timezone)).date() if slot else None
    return render(
        request,
        "web/doctor.html",
        {
            "doctor": doctor,
            "profile": doctor_profile.header(doctor),
            "clinic": clinic,
            "first_day": _day(request.GET.get("from")) or slot_day or _today(clinic.timezone),
            "patient_id": viewer.patient_id if viewer else None,
            # Staff book for patients at the desk: a slot pressed here leads there.
            "desk": viewer is not None and access.runs_desk(viewer, clinic.pk),
            "closed_to_viewer": _closed_to(viewer, doctor),
            "slot": slot.isoformat() if slot else "",
            "reason_limit": MAX_REASON,
            **waitlist_pages.join_context(_today(clinic.timezone)),
            **policy_pages.booking_review(viewer, clinic, utc_now()),
            **ratings.doctor_page_context(request, doctor, viewer),
        },
    )


def _closed_to(viewer: Actor | None, doctor: rows.Doctor) -> bool:
    """Whether the doctor's closed list keeps this reader from booking (the domain's rule,
    rules.ensure_takes_patient, says so again at booking): said before they pick a time."""
    if doctor.accepts_new_patients or (viewer is not None and viewer.is_staff):
        return False
    if viewer is None or viewer.patient_id is None:
        return True
    return not selectors.taken_on(patient_id=viewer.patient_id, doctor_id=doctor.pk)


@login_required(login_url="/login/")
def desk_page(request: HttpRequest, clinic_id: int) -> HttpResponse:
    """The clinic's day at the reception desk."""
    viewer = viewer_for(request.user)
    if viewer is None or not access.runs_desk(viewer, clinic_id):
        raise PermissionDenied("This desk is for the clinic's receptionists.")
    clinic = rows.Clinic.objects.filter(pk=clinic_id).first()
    if clinic is None:
        raise Http404("No such clinic.")
    clinic_default(request, clinic.language)
    return render(
        request,
        "web/desk.html",
        {
            "clinic": clinic,
            "doctors": selectors.doctor_list(clinic_id=clinic_id),
            "day": _day(request.GET.get("date")) or _today(clinic.timezone),
        },
    )


@login_required(login_url="/login/")
def doctor_day(request: HttpRequest) -> HttpResponse:
    """A doctor's own visits, a day or a week from any date (in the URL: ?from=&days=), with
    the requests to answer and the visits to close."""
    viewer = viewer_for(request.user)
    if viewer is None or viewer.role is not Role.DOCTOR or viewer.doctor_id is None:
        raise PermissionDenied("This page is for doctors.")
    doctor = selectors.doctor_get(doctor_id=viewer.doctor_id, viewer=viewer)
    clinics = list(doctor.clinics.all())
    zone = clinics[0].timezone if clinics else "UTC"
    if clinics:
        clinic_default(request, clinics[0].language)
    today = _today(zone)
    first = _day(request.GET.get("from"))
    if first is None or abs((first - today).days) > AGENDA_REACH_DAYS:
        first = today
    days = 7 if request.GET.get("days") == "7" else 1
    return render(
        request,
        "web/doctor_day.html",
        {
            "doctor": doctor,
            "today": today,
            "first_day": first,
            "days": days,
            "week_starts_on": settings.WEEK_STARTS_ON,
        },
    )


def visit_queue(request: HttpRequest, token: str) -> HttpResponse:
    """A patient's place in the waiting room on the day of the visit, live: the page their
    confirmation links to (the signed link is the key; no sign-in in a waiting room)."""
    appointment_id = visit_links.appointment_of(token)
    try:
        if appointment_id is None:
            raise NotFound(gettext_noop("This link is not valid."))
        place = snapshots.visit_place(appointment_id=appointment_id, now=utc_now())
    except NotFound:
        raise Http404("No such visit.") from None
    visit = rows.Appointment.objects.select_related("patient__user", "clinic").get(
        pk=place.appointment_id
    )
    person = visit.patient.user
    # The patient's own language first: the link is theirs, as are the messages that carry it.
    clinic_default(request, supported(person.language) or visit.clinic.language)
    context = {
        "place": place,
        "token": token,
        "patient_name": person.display_name(),
        "clinic": visit.clinic,
    }
    response = render(request, "web/visit.html", context)
    response["Referrer-Policy"] = "no-referrer"  # the link is the key: it stays on this page
    return response


def throttled_sign_in(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A sign-in form (the site's, the admin's) tried too often from one address or for one
    account: 429, with when to try again, and the password is not even checked."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST":
            wait = sign_in_wait(request)
            if wait is not None:
                response = render(request, "web/too_many.html", {"wait": wait}, status=429)
                response["Retry-After"] = str(wait)
                return response
        signed_in = request.user.is_authenticated
        answer = view(request, *args, **kwargs)
        if request.method == "POST" and request.user.is_authenticated and not signed_in:
            assert isinstance(request.user, rows.User)
            known_devices.remember(request, answer, request.user)
        return answer

    return guarded


class SignInForm(AuthenticationForm):
    """Django's, but an email or phone that names two accounts is refused with a word on what
    to type instead, to whom typed one of their passwords (the backend refuses it too: this
    only says why)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("That username and password do not match."),
    }

    def clean(self) -> dict[str, Any]:
        login = str(self.data.get("username", ""))[:254]
        if sign_in.is_ambiguous(login, str(self.data.get("password", ""))):
            raise ValidationError(AMBIGUOUS_LOGIN, code="ambiguous")
        return super().clean()


@method_decorator(throttled_sign_in, name="dispatch")
class SignInView(LoginView):
    """Sign in with the Django session; then to where the role works, unless sent elsewhere."""

    template_name = "web/login.html"
    redirect_authenticated_user = True
    form_class = SignInForm

    def get_default_redirect_url(self) -> str:
        viewer = viewer_for(self.request.user)
        match viewer:
            case Actor(role=Role.RECEPTIONIST, clinic_id=int(clinic_id)):
                return f"/desk/{clinic_id}/"
            case Actor(role=Role.DOCTOR, doctor_id=int()):
                return "/doctor/"
        return "/"


# How far from today the agenda goes (a year each way): further is a typo in the URL.
AGENDA_REACH_DAYS = 366


def _today(zone: str) -> date:
    return utc_now().astimezone(ZoneInfo(zone)).date()


def _moment(value: str | None) -> datetime | None:
    """An ISO 8601 instant with its offset in the URL, or None for none, a typo, a time with
    no offset or one out of range."""
    try:
        # A "+" of the offset written into a link unencoded reads as a space.
        moment = datetime.fromisoformat(latin_digits(value).replace(" ", "+")) if value else None
    except ValueError:
        return None
    if moment is None or moment.utcoffset() is None or not within_range(moment.date()):
        return None
    return moment


def _day(value: str | None) -> date | None:
    """The date in the URL, or None (then today) for none, a typo or one out of range."""
    try:
        day = date.fromisoformat(latin_digits(value)) if value else None
    except ValueError:
        return None
    return day if day is not None and within_range(day) else None
