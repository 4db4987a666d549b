"""Proving an email address: the link's token, and another link when asked (throttled)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus
from scheduler.entrypoints.api.errors import ValidationErrorOutput
from scheduler.entrypoints.api.throttles import ResendByUser
from scheduler.services import commands


class VerifyEmailApi(APIView):
    """The token of the link sent to the address; works for 3 days, for that address only."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    class InputSerializer(serializers.Serializer[Any]):
        token = serializers.CharField(max_length=500)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: inline_serializer("EmailVerified", {"email_verified": serializers.BooleanField()}),
            400: ValidationErrorOutput,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        build_bus().handle(commands.VerifyEmail(token=serializer.validated_data["token"]))
        return Response({"email_verified": True})


class ResendVerificationApi(APIView):
    """Another link to the signed-in user's address (throttled per user)."""

    throttle_classes = (ResendByUser,)

    @extend_schema(
        request=None,
        responses={202: inline_serializer("Sent", {"detail": serializers.CharField()})},
    )
    def post(self, request: Request) -> Response:
        build_bus().handle(commands.ResendVerification(actor=actor_for(request.user)))
        return Response({"detail": _("A new link is on its way.")}, status=status.HTTP_202_ACCEPTED)
