"""A person's own data: all of it as a JSON download, and a patient's erasure."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters import personal_data
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus
from scheduler.entrypoints.api.errors import ErrorOutput, ValidationErrorOutput
from scheduler.entrypoints.api.people import password_field
from scheduler.entrypoints.api.throttles import SignInByAddress
from scheduler.services import commands


class ExportApi(APIView):
    """Everything kept about the signed-in user, as a JSON file."""

    @extend_schema(responses={(200, "application/json"): OpenApiTypes.OBJECT})
    def get(self, request: Request) -> HttpResponse:
        actor_for(request.user)  # a signed-in account with a role
        assert isinstance(request.user, rows.User)
        document = personal_data.export(request.user, now=timezone.now())
        response = HttpResponse(
            json.dumps(document, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="nobat-my-data.json"'
        return response


class ForgetMeApi(APIView):
    """A patient deletes their account: visits to come are cancelled (their doctors are told),
    the person anonymised, every token revoked; past visits stay, nameless, for the clinics'
    statistics. Confirmed with the password; staff accounts are closed by an admin."""

    throttle_classes = (SignInByAddress,)  # the password is guessed here too

    class InputSerializer(serializers.Serializer[Any]):
        password = password_field()

    @extend_schema(
        request=InputSerializer,
        responses={
            200: inline_serializer("Forgotten", {"cancelled": serializers.IntegerField()}),
            400: ValidationErrorOutput,
            403: OpenApiResponse(ErrorOutput, description="Not a patient's account."),
        },
    )
    def post(self, request: Request) -> Response:
        actor = actor_for(request.user)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cancelled = build_bus().handle(
            commands.ForgetPatient(actor=actor, password=serializer.validated_data["password"])
        )
        return Response({"cancelled": cancelled})
