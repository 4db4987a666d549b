"""Passwords: a reset link asked for by username or email, the new password by that link, and
a change of password while signed in. Every way of setting one revokes all the user's refresh
tokens; a change answers with a fresh pair for the caller (other devices sign in again)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import RefreshToken

from scheduler.adapters import account_tokens
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus
from scheduler.entrypoints import password_reset
from scheduler.entrypoints.api.errors import ValidationErrorOutput
from scheduler.entrypoints.api.people import check_password, password_field
from scheduler.entrypoints.api.throttles import ResetByAccount, ResetByAddress, SignInByAddress
from scheduler.services import commands

RESET_ASKED = _(
    "If an account has this username or verified email address, a link to set a new "
    "password is on its way there."
)

_DETAIL = inline_serializer("Detail", {"detail": serializers.CharField()})


class PasswordResetApi(APIView):
    """Ask for a link to set a new password. The answer is the same whether the login names
    an account or not. Throttled per address and per login asked for."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (ResetByAddress, ResetByAccount)

    class InputSerializer(serializers.Serializer[Any]):
        login = serializers.CharField(max_length=254, help_text="A username or email address.")

    @extend_schema(request=InputSerializer, responses={202: _DETAIL, 400: ValidationErrorOutput})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        build_bus().handle(commands.RequestPasswordReset(login=serializer.validated_data["login"]))
        return Response({"detail": RESET_ASKED}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(APIView):
    """Set a new password with the link's ``uid`` and ``token``. The token works once; every
    refresh token of the account is revoked."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (ResetByAddress,)

    class InputSerializer(serializers.Serializer[Any]):
        uid = serializers.CharField(max_length=account_tokens.MAX_UID_LENGTH)
        token = serializers.CharField(max_length=100)
        new_password = password_field()

    @extend_schema(request=InputSerializer, responses={200: _DETAIL, 400: ValidationErrorOutput})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        refused = password_reset.reset_password(data["uid"], data["token"], data["new_password"])
        if refused:
            raise serializers.ValidationError(refused)
        return Response({"detail": _("Your password is set: sign in with it.")})


class PasswordChangeApi(APIView):
    """Change one's password. Every refresh token of the account is revoked (other devices
    sign in again); the answer holds a fresh pair for this one."""

    throttle_classes = (SignInByAddress,)  # the current password is guessed here too

    class InputSerializer(serializers.Serializer[Any]):
        current_password = password_field()
        new_password = password_field()

    @extend_schema(
        request=InputSerializer,
        responses={
            200: inline_serializer(
                "FreshTokens",
                {"refresh": serializers.CharField(), "access": serializers.CharField()},
            ),
            400: ValidationErrorOutput,
        },
    )
    def post(self, request: Request) -> Response:
        actor = actor_for(request.user)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        check_password(data["new_password"], request.user, field="new_password")
        build_bus().handle(
            commands.ChangePassword(
                actor=actor,
                current_password=data["current_password"],
                new_password=data["new_password"],
            )
        )
        user = rows.User.objects.get(pk=actor.user_id)  # the new password's hash signs these
        refresh = RefreshToken.for_user(user)
        return Response({"refresh": str(refresh), "access": str(refresh.access_token)})
