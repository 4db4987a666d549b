"""Sign-up and who-am-I. Tokens come from simplejwt's own views (see urls)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
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
from scheduler.adapters.orm import selectors
from scheduler.adapters.orm.accounts import PROFILE
from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus
from scheduler.domain.model import Role
from scheduler.entrypoints.api.errors import ErrorOutput, TooManyOutput, ValidationErrorOutput
from scheduler.entrypoints.api.pagination import id_field
from scheduler.entrypoints.api.people import (
    LicenceNumberField,
    check_password,
    email_field,
    name_field,
)
from scheduler.entrypoints.api.phones import PhoneField
from scheduler.entrypoints.api.schema import (
    LANGUAGE_CHOICES,
    ROLE_CHOICES,
    SELF_SERVICE_ROLE_CHOICES,
)
from scheduler.entrypoints.api.throttles import (
    ResendByUser,
    SignInByAccount,
    SignInByAddress,
    SignUpByAddress,
)
from scheduler.entrypoints.language import asked_language
from scheduler.services import commands


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


# simplejwt's views document only their 200; these are the refusals they also give.
_TOKEN_REFUSALS = {400: ValidationErrorOutput, 401: ErrorOutput}


@extend_schema_view(
    post=extend_schema(responses={200: TokenObtainPairSerializer, **_TOKEN_REFUSALS})
)
class TokenApi(TokenObtainPairView):
    """Sign in for the API: an access token (10 minutes) and a refresh token (7 days, good
    once). Throttled per address and per account name: 429 with Retry-After beyond."""

    throttle_classes = (SignInByAddress, SignInByAccount)


@extend_schema_view(post=extend_schema(responses={200: TokenRefreshSerializer, **_TOKEN_REFUSALS}))
class RefreshApi(TokenRefreshView):
    """A new access token, and the next refresh token; the one sent is spent."""

    throttle_classes = (SignInByAddress,)


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
        data = serializer.validated_data
        user_id = build_bus().handle(
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
                language=data.get("language", asked_language(request)),
            )
        )
        user = rows.User.objects.get(pk=user_id)
        profile = selectors.profile(user=user, actor=actor_for(user))
        return Response(ProfileOutput(profile).data, status=status.HTTP_201_CREATED)


class MeApi(APIView):
    """The signed-in user, their role and the ids of their profile."""

    @extend_schema(responses=ProfileOutput)
    def get(self, request: Request) -> Response:
        return self._me(request)

    class InputSerializer(serializers.Serializer[Any]):
        first_name = name_field(required=False)
        last_name = name_field(required=False)
        email = email_field(required=False, allow_blank=True)
        phone = PhoneField(required=False)
        language = serializers.ChoiceField(
            choices=LANGUAGE_CHOICES, required=False, help_text="Empty: no choice."
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            200: ProfileOutput,
            400: ValidationErrorOutput,
            429: OpenApiResponse(TooManyOutput, description="A new email address too often."),
        },
        description="Change one's own name, email, phone or language; fields left out stay as "
        "they are.",
    )
    def patch(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new_email = serializer.validated_data.get("email")
        if new_email is not None and new_email != getattr(request.user, "email", None):
            # A new address is mailed a link: as often as one asks for another link, no more,
            # or changing the address back and forth would mail anyone's inbox without end.
            throttle = ResendByUser()
            if not throttle.allow_request(request, self):
                self.throttled(request, throttle.wait() or 1)
        build_bus().handle(
            commands.UpdateProfile(actor=actor_for(request.user), **serializer.validated_data)
        )
        return self._me(request)

    def _me(self, request: Request) -> Response:
        actor = actor_for(request.user)
        assert isinstance(request.user, rows.User)
        request.user.refresh_from_db(fields=[*PROFILE, "email_verified"])
        return Response(ProfileOutput(selectors.profile(user=request.user, actor=actor)).data)
