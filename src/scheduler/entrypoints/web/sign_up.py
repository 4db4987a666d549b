"""The sign-up pages: a patient's (/signup/) and a doctor's (/signup/doctor/). Their forms go
through the API's sign-up serializer and command (``auth.register``): the same rules, said
once. A refused form comes back with each message next to its field and what was typed kept
(but the passwords); a new account is signed in and sent back where it came from (``next``,
this site's only). A doctor lands on a page that says what happens next: an admin checks the
licence before patients can find them."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import selectors
from scheduler.domain.errors import InvalidInput
from scheduler.domain.model import Role
from scheduler.entrypoints.api.auth import RegisterApi, register
from scheduler.entrypoints.api.schema import LANGUAGE_CHOICES
from scheduler.entrypoints.api.throttles import SignUpByAddress, form_wait
from scheduler.entrypoints.error_text import error_text
from scheduler.entrypoints.language import asked_language
from scheduler.entrypoints.web.welcome import welcome_on_the_next_page

BACKEND = "scheduler.adapters.orm.sign_in.LoginNameBackend"
# Longer than any field takes: the serializer says what is too long; this bounds the work.
MAX_CHARS = 300
PERSON = ("first_name", "last_name", "phone", "email", "language")
PRACTICE = ("specialty", "licence_number", "clinic")
# The page's field for each of the API's; what has none is said above the form.
PAGE_FIELD = {"clinic_id": "clinic"}
PAGE_FIELD_OF = {page: api for api, page in PAGE_FIELD.items()}
REQUIRED = {
    Role.PATIENT: ("first_name", "last_name", "phone", "password"),
    Role.DOCTOR: ("first_name", "last_name", "phone", "email", "password", *PRACTICE),
}


@require_http_methods(["GET", "POST"])
def patient_sign_up(request: HttpRequest) -> HttpResponse:
    return _sign_up(request, Role.PATIENT)


@require_http_methods(["GET", "POST"])
def doctor_sign_up(request: HttpRequest) -> HttpResponse:
    return _sign_up(request, Role.DOCTOR)


@login_required(login_url="/login/")
def doctor_signed_up(request: HttpRequest) -> HttpResponse:
    """What happens next, for the doctor just signed up (or coming back before the check)."""
    assert isinstance(request.user, rows.User)
    doctor = rows.Doctor.objects.filter(user=request.user).first()
    if doctor is None:
        return HttpResponseRedirect("/")
    return render(request, "web/sign_up_done.html", {"doctor": doctor})


def safe_next(request: HttpRequest) -> str:
    """Where to go after signing in or up: ``next`` if it is a page of this site, else ""."""
    wanted = (request.POST.get("next") or request.GET.get("next") or "")[:MAX_CHARS]
    allowed = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if allowed else ""


def _sign_up(request: HttpRequest, role: Role) -> HttpResponse:
    fields = PERSON + PRACTICE if role is Role.DOCTOR else PERSON
    if request.method != "POST":
        return _form(request, role, {"language": get_language() or ""}, {})
    wait = form_wait(request, SignUpByAddress())
    if wait is not None:
        response = render(
            request, "web/too_many.html", {"wait": wait, "signing_up": True}, status=429
        )
        response["Retry-After"] = str(wait)
        return response
    typed = {name: request.POST.get(name, "")[:MAX_CHARS].strip() for name in fields}
    password = request.POST.get("password", "")[:MAX_CHARS]
    errors = _refusals(role, typed, password, request.POST.get("again", "")[:MAX_CHARS])
    given = {PAGE_FIELD_OF.get(name, name): value for name, value in typed.items() if value}
    # The person signs in with their email or phone: the username is only a handle, and
    # never one of those (an address one gives up could then be taken by someone else).
    username = f"user-{uuid.uuid4().hex[:12]}"
    serializer = RegisterApi.InputSerializer(
        data={**given, "role": role.value, "username": username, "password": password}
    )
    if not serializer.is_valid():
        for name, messages in serializer.errors.items():
            if PAGE_FIELD.get(name, name) not in errors:  # the page's own word says it already
                shown = _shown_at(name, fields)
                errors.setdefault(shown, []).extend(str(message) for message in messages)
    if errors:
        return _form(request, role, typed, errors)
    try:
        user_id = register(serializer.validated_data, asked_language(request))
    except InvalidInput as refused:
        shown = _shown_at(str(refused.details.get("field")), fields)
        return _form(request, role, typed, {shown: [error_text(refused)]})
    login(request, rows.User.objects.get(pk=user_id), backend=BACKEND)
    if role is Role.DOCTOR:
        return HttpResponseRedirect("/signup/doctor/done/")
    welcome_on_the_next_page(request)
    return HttpResponseRedirect(safe_next(request) or "/")


def _form(
    request: HttpRequest, role: Role, typed: dict[str, str], errors: dict[str, list[str]]
) -> HttpResponse:
    """The form, with what was typed (never the passwords) and each refusal by its field."""
    context: dict[str, Any] = {
        "doctor": role is Role.DOCTOR,
        "typed": typed,
        "errors": errors,
        "next": safe_next(request),
        "languages": [code for code in LANGUAGE_CHOICES if code],
        "required": REQUIRED[role],
    }
    if role is Role.DOCTOR:
        context["specialties"] = selectors.specialty_list()
        context["clinics"] = selectors.clinic_list()
    return render(request, "web/sign_up.html", context, status=400 if errors else 200)


def _shown_at(api_field: str, fields: tuple[str, ...]) -> str:
    """The page's field that shows a refusal of the API's field; "form" for one it lacks."""
    name = PAGE_FIELD.get(api_field, api_field)
    return name if name in (*fields, "password") else "form"


def _refusals(role: Role, typed: dict[str, str], password: str, again: str) -> dict[str, list[str]]:
    """What the page asks for beyond the API: the fields a person signing up here must fill,
    and the password twice alike."""
    errors: dict[str, list[str]] = {}
    given = {**typed, "password": password}
    for name in REQUIRED[role]:
        if not given.get(name):
            errors[name] = [_("Please fill this in.")]
    if password and password != again:
        errors["again"] = [_("The two passwords differ.")]
    return errors
