"""Sign-up and who-am-I. Tokens come from simplejwt's own views (see urls)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.serializers import (
    TokenObtainPairSerializer,
    TokenRefreshSerializer,
)
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
)

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import selectors, sign_in
from scheduler.adapters.orm.accounts import PROFILE
from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus
from scheduler.domain import profiles
from scheduler.domain.model import Role
from scheduler.entrypoints import known_devices
from scheduler.entrypoints.api.errors import ErrorOutput, TooManyOutput, ValidationErrorOutput
from scheduler.entrypoints.api.pagination import id_field
from scheduler.entrypoints.api.people import (
    LicenceNumberField,
    check_password,
    email_field,
    name_field,
    text_field,
)
from scheduler.entrypoints.api.phones import PhoneField
from scheduler.entrypoints.api.schema import (
    LANGUAGE_CHOICES,
    ROLE_CHOICES,
    SELF_SERVICE_ROLE_CHOICES,
)
from scheduler.entrypoints.api.throttles import (
    ContactChangeByUser,
    RefreshByAddress,
    ResendByUser,
    SignInByAccount,
    SignInByAddress,
    SignUpByAddress,
)
from scheduler.entrypoints.language import asked_language
from scheduler.entrypoints.languages_spoken import spoken
from scheduler.services import commands

# The sign-in forms' too (pages and API): an email or phone that names two accounts.
AMBIGUOUS_LOGIN = _(
    "This email or phone number belongs to more than one account: sign in with your username."
)


class SpokenOutput(serializers.Serializer[dict[str, str]]):
    code = serializers.CharField(help_text="ISO 639 code.")
    name = serializers.CharField(help_text="In the reader's language.")


class DoctorPageOutput(serializers.Serializer[rows.Doctor]):
    bio = serializers.CharField()
    years_of_experience = serializers.IntegerField(allow_null=True)
    languages = serializers.SerializerMethodField()
    consultation_fee = serializers.IntegerField(allow_null=True)
    fee_currency = serializers.CharField(help_text="ISO 4217, e.g. IRR (rials).")
    accepts_new_patients = serializers.BooleanField()
    photo = serializers.SerializerMethodField(help_text="The photo's URL; null: none.")

    @extend_schema_field(SpokenOutput(many=True))
    def get_languages(self, doctor: rows.Doctor) -> list[dict[str, str]]:
        return spoken(doctor.languages)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_photo(self, doctor: rows.Doctor) -> str | None:
        return reverse("doctor-photo", args=[doctor.pk]) if doctor.photo else None


class ProfileOutput(serializers.Serializer[selectors.Profile]):
    id = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    email = serializers.CharField(source="user.email", help_text="Empty when none was given.")
    email_verified = serializers.BooleanField(
        source="user.email_verified",
        help_text="The user followed the link sent to the address (password reset needs it).",
    )
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")
    phone = serializers.CharField(source="user.phone")
    language = serializers.ChoiceField(
        choices=LANGUAGE_CHOICES,
        source="user.language",
        help_text="The user's language for pages and messages; empty: none chosen (the "
        "browser's, then the clinic's).",
    )
    role = serializers.ChoiceField(choices=ROLE_CHOICES, source="actor.role")
    patient_id = serializers.IntegerField(source="actor.patient_id", allow_null=True)
    doctor_id = serializers.IntegerField(source="actor.doctor_id", allow_null=True)
    clinic_id = serializers.IntegerField(
        source="actor.clinic_id", allow_null=True, help_text="A receptionist's clinic."
    )
    verified = serializers.BooleanField(
        source="doctor_verified", allow_null=True, help_text="Doctors only: may take bookings."
    )
    date_of_birth = serializers.DateField(source="user.date_of_birth", allow_null=True)
    sex = serializers.ChoiceField(choices=["", *profiles.SEXES], source="user.sex")
    address = serializers.CharField(source="user.address")
    emergency_contact_name = serializers.CharField(source="user.emergency_contact_name")
    emergency_contact_phone = serializers.CharField(source="user.emergency_contact_phone")
    blood_group = serializers.ChoiceField(
        choices=["", *profiles.BLOOD_GROUPS], source="user.blood_group"
    )
    email_messages = serializers.BooleanField(help_text="Messages may come by email.")
    sms_messages = serializers.BooleanField(help_text="Messages may come by SMS.")
    doctor = DoctorPageOutput(allow_null=True, help_text="Doctors only: their directory page.")


ADDRESS_CHARS = 300  # the column
BIO_CHARS = 2000  # a page of text: a page in the directory, not a CV


def bounded_number(**options: Any) -> serializers.IntegerField:
    """A whole number that fits the column; the domain says which ones make sense."""
    return serializers.IntegerField(
        required=False, allow_null=True, min_value=-(2**31), max_value=2**31 - 1, **options
    )


class SignInInput(TokenObtainPairSerializer):
    """simplejwt's, but ``username`` may be an email or a phone too (the authentication
    backend resolves it); one shared by two accounts is refused, not guessed: with a 400 asking
    for the username when the password is one of theirs, else as any wrong password is."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        login, password = str(attrs.get(self.username_field, "")), str(attrs.get("password", ""))
        if sign_in.is_ambiguous(login, password):
            raise serializers.ValidationError({self.username_field: [AMBIGUOUS_LOGIN]})
        return super().validate(attrs)


# simplejwt's views document only their 200; these are the refusals they also give.
_TOKEN_REFUSALS = {400: ValidationErrorOutput, 401: ErrorOutput}


@extend_schema_view(
    post=extend_schema(request=SignInInput, responses={200: SignInInput, **_TOKEN_REFUSALS})
)
class TokenApi(TokenObtainPairView):
    """Sign in for the API: an access token (10 minutes) and a refresh token (7 days, good
    once). ``username``: the username, the email address or the phone number. Throttled per
    address and per account: 429 with Retry-After beyond."""

    serializer_class = SignInInput
    throttle_classes = (SignInByAddress, SignInByAccount)

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().post(request, *args, **kwargs)
        if response.status_code == status.HTTP_200_OK:
            given: Any = request.data  # a mapping: it was signed in with
            _key, user = sign_in.throttled_account(str(given.get("username", ""))[:254])
            if user is not None:
                known_devices.remember(request, response, user)
        return response


@extend_schema_view(post=extend_schema(responses={200: TokenRefreshSerializer, **_TOKEN_REFUSALS}))
class RefreshApi(TokenRefreshView):
    """A new access token, and the next refresh token; the one sent is spent. Throttled per
    address, apart from signing in."""

    throttle_classes = (RefreshByAddress,)


@extend_schema_view(post=extend_schema(responses={200: None, **_TOKEN_REFUSALS}))
class LogoutApi(TokenBlacklistView):
    """Sign out of the API: the refresh token sent can mint no more access tokens."""


class RegisterApi(APIView):
    """Sign up as a patient, or as a doctor (unverified until an admin checks the licence)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (SignUpByAddress,)

    class InputSerializer(serializers.Serializer[Any]):
        role = serializers.ChoiceField(choices=SELF_SERVICE_ROLE_CHOICES)
        username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
        password = serializers.CharField(write_only=True, min_length=8, max_length=128)
        email = email_field(required=False, default="")
        first_name = name_field(required=False, default="")
        last_name = name_field(required=False, default="")
        phone = PhoneField(required=False, default="")
        specialty = serializers.SlugField(
            required=False, help_text="Doctors: the specialty's slug (see /api/specialties/)."
        )
        licence_number = LicenceNumberField(
            max_length=50, required=False, help_text="Doctors: medical council number."
        )
        clinic_id = id_field(required=False, help_text="Doctors: the clinic they practise at.")
        language = serializers.ChoiceField(
            choices=LANGUAGE_CHOICES,
            required=False,
            help_text="Their language for pages and messages. Left out: the language the request "
            "asked for (the switcher's cookie, Accept-Language), if it asked; else none chosen and "
            "their clinic's is used.",
        )

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            # With the would-be user: a password like the name or email is refused too.
            someone = rows.User(
                username=attrs["username"],
                email=attrs["email"],
                first_name=attrs["first_name"],
                last_name=attrs["last_name"],
            )
            check_password(attrs["password"], someone, field="password")
            if attrs["role"] == Role.DOCTOR:
                missing = {
                    name: [_("Required for doctors.")]
                    for name in ("specialty", "licence_number", "clinic_id")
                    if not attrs.get(name)
                }
                if missing:
                    raise serializers.ValidationError(missing)
            return attrs

    @extend_schema(
        request=InputSerializer,
        responses={201: ProfileOutput, 400: ValidationErrorOutput},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_id = register(serializer.validated_data, asked_language(request))
        user = rows.User.objects.get(pk=user_id)
        profile = selectors.profile(user=user, actor=actor_for(user))
        return Response(ProfileOutput(profile).data, status=status.HTTP_201_CREATED)


def register(data: dict[str, Any], asked: str) -> int:
    """Sign up with what ``RegisterApi.InputSerializer`` validated (the sign-up pages send
    their forms through it too); ``asked``: the request's language, if no other is chosen.
    The new user's id; InvalidInput from the bus names the field it refuses."""
    user_id: int = build_bus().handle(
        commands.RegisterUser(
            role=Role(data["role"]),
            username=data["username"],
            password=data["password"],
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            specialty=data.get("specialty"),
            licence_number=data.get("licence_number"),
            clinic_id=data.get("clinic_id"),
            language=data.get("language", asked),
        )
    )
    return user_id


class MeApi(APIView):
    """The signed-in user, their role and the ids of their profile."""

    @extend_schema(responses=ProfileOutput)
    def get(self, request: Request) -> Response:
        return own_profile(request)

    class InputSerializer(serializers.Serializer[Any]):
        first_name = name_field(required=False)
        last_name = name_field(required=False)
        email = email_field(required=False, allow_blank=True)
        phone = PhoneField(required=False)
        language = serializers.ChoiceField(
            choices=LANGUAGE_CHOICES, required=False, help_text="Empty: no choice."
        )
        date_of_birth = serializers.DateField(
            required=False, allow_null=True, help_text="null: forget it."
        )
        sex = serializers.ChoiceField(choices=["", *profiles.SEXES], required=False)
        address = text_field(max_length=ADDRESS_CHARS, required=False, allow_blank=True)
        emergency_contact_name = name_field(required=False, allow_blank=True)
        emergency_contact_phone = PhoneField(required=False, allow_blank=True)
        blood_group = serializers.ChoiceField(choices=["", *profiles.BLOOD_GROUPS], required=False)
        email_messages = serializers.BooleanField(required=False)
        sms_messages = serializers.BooleanField(required=False)
        bio = text_field(
            max_length=BIO_CHARS, required=False, allow_blank=True, help_text="Doctors only."
        )
        years_of_experience = bounded_number(help_text="Doctors only; null: not said.")
        languages = serializers.ListField(
            child=serializers.ChoiceField(choices=profiles.SPOKEN_LANGUAGES),
            max_length=len(profiles.SPOKEN_LANGUAGES),
            required=False,
            help_text="Doctors only: the languages they see patients in.",
        )
        consultation_fee = bounded_number(
            help_text="Doctors only: in the fee's currency (rials); 0 free; null: not said."
        )
        accepts_new_patients = serializers.BooleanField(required=False, help_text="Doctors only.")

    @extend_schema(
        request=InputSerializer,
        responses={
            200: ProfileOutput,
            400: ValidationErrorOutput,
            403: OpenApiResponse(ErrorOutput, description="A doctor's field, not a doctor."),
            429: OpenApiResponse(
                TooManyOutput, description="A new email address or phone number too often."
            ),
        },
        description="Change one's own profile: name, email, phone, language, the record a "
        "clinic needs (date of birth, sex, address, emergency contact, blood group), the "
        "channels messages come by, and a doctor's directory page. Fields left out stay as "
        "they are; all of it is saved, or none.",
    )
    def patch(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        throttles: list[ResendByUser] = []
        new_email = data.get("email")
        email_changes = new_email is not None and new_email != getattr(request.user, "email", None)
        new_phone = data.get("phone")
        phone_changes = new_phone is not None and new_phone != getattr(request.user, "phone", None)
        if email_changes or phone_changes:
            # Each change tried says whether another account has that address or number.
            throttles.append(ContactChangeByUser())
        if email_changes:
            # A new address is mailed a link: as often as one asks for another link, no more,
            # or changing the address back and forth would mail anyone's inbox without end.
            throttles.append(ResendByUser())
        for throttle in throttles:
            if not throttle.allow_request(request, self):
                self.throttled(request, throttle.wait() or 1)
        for name in ("date_of_birth", "years_of_experience", "consultation_fee"):
            if name in data and data[name] is None:
                data[name] = ""  # JSON null empties it; the command's None leaves it
        if "languages" in data:
            data["languages"] = tuple(data["languages"])
        build_bus().handle(commands.UpdateProfile(actor=actor_for(request.user), **data))
        return own_profile(request)


def own_profile(request: Request) -> Response:
    """The signed-in user's profile as it is now (after a change)."""
    actor = actor_for(request.user)
    assert isinstance(request.user, rows.User)
    request.user.refresh_from_db(fields=[*PROFILE, "email_verified"])
    return Response(ProfileOutput(selectors.profile(user=request.user, actor=actor)).data)
