"""One's own profile (/me/profile/): name and contact details, language, the channels messages
come by, a patient's record for the clinic, and a doctor's page in the directory with its
photo; and the photo itself (/doctors/<id>/photo), served by the app, never as a public file.

A plain form page: a save is one UpdateProfile on the bus, whole or not at all; what the
domain refuses comes back on its field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from scheduler.adapters import photos
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import selectors
from scheduler.adapters.orm.actors import actor_for, viewer_for
from scheduler.adapters.phones import NotAPhone, normalized
from scheduler.config.bootstrap import build_bus, utc_now
from scheduler.domain import access, profiles
from scheduler.domain.errors import DomainError, NotAllowed, NotFound
from scheduler.domain.model import Actor, Role
from scheduler.entrypoints.api.doctor_photos import photo_bytes
from scheduler.entrypoints.api.throttles import ContactChangeByUser, ResendByUser, form_wait
from scheduler.entrypoints.error_text import error_text
from scheduler.entrypoints.languages_spoken import choices as language_choices
from scheduler.entrypoints.web.hours import DayField, NumberInput, plain_text_only
from scheduler.services import commands

ADDRESS_CHARS = 300
BIO_CHARS = 2000
NAME_CHARS = 150

# A photo stays at its URL until replaced (a new one gets a new name, hence a new ETag); a
# day in shared caches for a verified doctor's, none for one not public yet.
PUBLIC_PHOTO_CACHE = "public, max-age=86400"
OWN_PHOTO_CACHE = "private, no-cache"


class PhoneInput(forms.TextInput):
    def __init__(self) -> None:
        super().__init__(attrs={"type": "tel", "dir": "ltr", "autocomplete": "tel"})


class PhoneField(forms.CharField):
    """Any common way of writing a number, kept in E.164 as the API keeps it."""

    widget = PhoneInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=32, required=False, **kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        if not text:
            return ""
        try:
            return normalized(text)
        except NotAPhone:
            raise ValidationError(
                _("That is not a phone number we can read: write it as, e.g., 0912 345 6789.")
            ) from None


def _blank(label: Any, options: tuple[str, ...] | list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    pairs = [(o, o) if isinstance(o, str) else o for o in options]
    return [("", label), *pairs]


class ProfileForm(forms.Form):
    """The fields the actor's role has: everyone's basics and channels, a patient's record,
    a doctor's page."""

    first_name = forms.CharField(
        label=gettext_lazy("First name"),
        max_length=NAME_CHARS,
        required=False,
        validators=[plain_text_only],
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=gettext_lazy("Last name"),
        max_length=NAME_CHARS,
        required=False,
        validators=[plain_text_only],
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "dir": "ltr"}),
    )
    phone = PhoneField(label=gettext_lazy("Mobile phone"))
    language = forms.ChoiceField(
        label=gettext_lazy("Language of pages and messages"),
        required=False,
        choices=lambda: _blank(gettext_lazy("The browser's"), list(settings.LANGUAGES)),
    )
    email_messages = forms.BooleanField(label=gettext_lazy("By email"), required=False)
    sms_messages = forms.BooleanField(label=gettext_lazy("By SMS"), required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if actor.role in (Role.PATIENT, Role.DOCTOR):
            self.fields["sex"] = forms.ChoiceField(
                label=gettext_lazy("Sex"),
                required=False,
                choices=_blank(gettext_lazy("Not said"), list(rows.Sex.choices)),
            )
        if actor.role is Role.PATIENT:
            self._add_record()
        if actor.role is Role.DOCTOR:
            for name in access.LICENSED_NAME:  # the name on the licence: an admin's to change
                self.fields[name].disabled = True
            self._add_practice()

    def _add_record(self) -> None:
        today = utc_now().date()
        # The picker offers about the days the domain takes (domain.profiles); from the 1st of
        # the month, which every year has (29 February does not).
        born = {"type": "date", "max": today.isoformat(), "autocomplete": "bday"}
        born["min"] = today.replace(year=today.year - profiles.MAX_AGE_YEARS, day=1).isoformat()
        self.fields["date_of_birth"] = DayField(
            label=gettext_lazy("Date of birth"),
            required=False,
            widget=forms.DateInput(attrs=born, format="%Y-%m-%d"),  # ISO, as type="date" reads
        )
        self.fields["address"] = forms.CharField(
            label=gettext_lazy("Address"),
            max_length=ADDRESS_CHARS,
            required=False,
            validators=[plain_text_only],
            widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
        )
        self.fields["emergency_contact_name"] = forms.CharField(
            label=gettext_lazy("Emergency contact's name"),
            max_length=NAME_CHARS,
            required=False,
            validators=[plain_text_only],
        )
        self.fields["emergency_contact_phone"] = PhoneField(
            label=gettext_lazy("Emergency contact's phone")
        )
        self.fields["blood_group"] = forms.ChoiceField(
            label=gettext_lazy("Blood group"),
            required=False,
            choices=_blank(gettext_lazy("Not known"), list(rows.BloodGroup.choices)),
            widget=forms.Select(attrs={"dir": "ltr"}),  # A+, not +A, on a Persian page
        )

    def _add_practice(self) -> None:
        self.fields["bio"] = forms.CharField(
            label=gettext_lazy("About your practice"),
            help_text=gettext_lazy("Your training, what you treat, how you work with patients."),
            max_length=BIO_CHARS,
            required=False,
            validators=[plain_text_only],
            widget=forms.Textarea(attrs={"rows": 5}),
        )
        self.fields["years_of_experience"] = forms.IntegerField(
            label=gettext_lazy("Years of experience"), required=False, widget=NumberInput()
        )
        self.fields["languages"] = forms.MultipleChoiceField(
            label=gettext_lazy("Languages you see patients in"),
            required=False,
            choices=language_choices,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["consultation_fee"] = forms.IntegerField(
            label=gettext_lazy("Consultation fee (rials)"),
            help_text=gettext_lazy("0 for a free visit; empty if you would rather not say."),
            required=False,
            widget=NumberInput(),
        )
        self.fields["accepts_new_patients"] = forms.BooleanField(
            label=gettext_lazy("I take new patients"), required=False
        )

    def section(self, *names: str) -> list[forms.BoundField]:
        return [self[name] for name in names if name in self.fields]

    def basics(self) -> list[forms.BoundField]:
        return self.section("first_name", "last_name", "email", "phone", "language", "sex")

    def record(self) -> list[forms.BoundField]:
        return self.section(
            "date_of_birth",
            "blood_group",
            "address",
            "emergency_contact_name",
            "emergency_contact_phone",
        )

    def practice(self) -> list[forms.BoundField]:
        return self.section("years_of_experience", "consultation_fee", "bio")


def _initial(profile: selectors.Profile) -> dict[str, Any]:
    user = profile.user
    initial: dict[str, Any] = {
        name: getattr(user, name)
        for name in (
            "first_name",
            "last_name",
            "email",
            "phone",
            "language",
            "sex",
            "date_of_birth",
            "address",
            "emergency_contact_name",
            "emergency_contact_phone",
            "blood_group",
        )
    }
    initial |= {"email_messages": profile.email_messages, "sms_messages": profile.sms_messages}
    if profile.doctor is not None:
        doctor = profile.doctor
        initial |= {
            "bio": doctor.bio,
            "years_of_experience": doctor.years_of_experience,
            "languages": doctor.languages.split(),
            "consultation_fee": doctor.consultation_fee,
            "accepts_new_patients": doctor.accepts_new_patients,
        }
    return initial


def _command(form: ProfileForm, actor: Actor) -> commands.UpdateProfile:
    """Every field the form shows, as the command says it: an empty date or number empties
    it, as an empty text does."""
    values: dict[str, Any] = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form.cleaned_data.get(name)
        if name in ("date_of_birth", "years_of_experience", "consultation_fee") and value is None:
            value = ""
        if name == "languages":
            value = tuple(value or ())
        values[name] = value
    return commands.UpdateProfile(actor=actor, **values)


def _page(
    request: HttpRequest,
    actor: Actor,
    *,
    form: ProfileForm | None = None,
    photo_error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    assert isinstance(user, rows.User)
    profile = selectors.profile(user=user, actor=actor)
    form = form or ProfileForm(initial=_initial(profile), actor=actor)
    context = {
        "form": form,
        "profile": profile,
        "doctor": profile.doctor,
        "photo_error": photo_error,
        "photo_limit": profiles.PHOTO_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "web/profile.html", context, status=status)


@login_required(login_url="/login/")
@require_http_methods(["GET", "POST"])
def profile_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if request.method != "POST":
        return _page(request, actor)
    user = request.user
    assert isinstance(user, rows.User)
    profile = selectors.profile(user=user, actor=actor)
    form = ProfileForm(request.POST, initial=_initial(profile), actor=actor)
    if form.is_valid():
        changed = [name for name in ("email", "phone") if name in form.changed_data]
        if changed:
            # As often as the API allows, no more: each change tried says whether another
            # account has that address or number, and a new address is mailed a link.
            throttles: list[ResendByUser] = [ContactChangeByUser()]
            if "email" in changed and form.cleaned_data["email"]:
                throttles.append(ResendByUser())
            if form_wait(request, *throttles) is not None:
                form.add_error(changed[0], _("Try again in a few minutes."))
        if form.is_valid():
            try:
                build_bus().handle(_command(form, actor))
            except DomainError as refused:
                field = str(refused.details.get("field", ""))
                form.add_error(field if field in form.fields else None, error_text(refused))
            else:
                messages.success(request, _("Your profile is saved."))
                return HttpResponseRedirect(reverse("my-profile"))
    return _page(request, actor, form=form, status=400)


@login_required(login_url="/login/")
@require_POST
def upload_photo(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("photo")
    content = photo_bytes(upload) if upload is not None else b""  # nothing: no photo either
    return _photo_change(
        request,
        lambda actor: commands.SetDoctorPhoto(actor=actor, content=content),
        _("Your photo is saved."),
    )


@login_required(login_url="/login/")
@require_POST
def remove_photo(request: HttpRequest) -> HttpResponse:
    return _photo_change(
        request, lambda actor: commands.RemoveDoctorPhoto(actor=actor), _("Your photo is removed.")
    )


def _photo_change(
    request: HttpRequest, command: Callable[[Actor], commands.Command], done: str
) -> HttpResponse:
    actor = actor_for(request.user)
    try:
        build_bus().handle(command(actor))
    except NotAllowed:
        raise PermissionDenied("A doctor's photo is the doctor's.") from None
    except DomainError as refused:
        return _page(request, actor, photo_error=error_text(refused), status=400)
    messages.success(request, done)
    return HttpResponseRedirect(reverse("my-profile") + "#photo")


@require_GET
def doctor_photo(request: HttpRequest, doctor_id: int) -> HttpResponse:
    """A verified doctor's photo for anyone; one not verified yet for themselves (and admins)."""
    viewer = viewer_for(request.user)
    try:
        doctor = selectors.doctor_get(doctor_id=doctor_id, viewer=viewer)
    except NotFound:
        raise Http404("No such doctor.") from None
    tag = f'"{doctor.photo.name}"'
    cache = PUBLIC_PHOTO_CACHE if doctor.verified else OWN_PHOTO_CACHE
    if not doctor.photo.name:
        raise Http404("No photo.")
    if request.headers.get("If-None-Match") == tag:
        response = HttpResponse(status=304)
    else:
        found = photos.read(doctor.photo.name)
        if found is None:
            raise Http404("No photo.")
        content, content_type = found
        response = HttpResponse(content, content_type=content_type)
    response["ETag"] = tag
    response["Cache-Control"] = cache
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns: list[URLPattern] = [
    path("me/profile/", profile_page, name="my-profile"),
    path("me/profile/photo/", upload_photo, name="my-photo"),
    path("me/profile/photo/remove/", remove_photo, name="my-photo-remove"),
    path("doctors/<int:doctor_id>/photo", doctor_photo, name="doctor-photo"),
]
