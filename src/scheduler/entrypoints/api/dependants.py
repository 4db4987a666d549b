"""A patient's family members (dependants): listed, added, changed and removed by the account
holder, to book for them. Someone else's answers 404: nobody learns who is on another account."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import selectors
from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus
from scheduler.domain.dependants import MAX_PER_ACCOUNT
from scheduler.entrypoints.api.dates import BirthDateField
from scheduler.entrypoints.api.errors import ErrorOutput, ValidationErrorOutput
from scheduler.entrypoints.api.people import name_field
from scheduler.services import commands


class DependantOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    birth_date = serializers.DateField()
    relation = serializers.ChoiceField(choices=rows.Dependant.Relation.choices)


class DependantInput(serializers.Serializer[Any]):
    # Bounded here as any name is; the domain says what a family member's must be.
    first_name = name_field()
    last_name = name_field()
    birth_date = BirthDateField(help_text="ISO 8601 (YYYY-MM-DD), not in the future.")
    relation = serializers.ChoiceField(choices=rows.Dependant.Relation.choices)


class DependantCollectionApi(APIView):
    @extend_schema(
        operation_id="me_dependants_list",
        responses={200: DependantOutput(many=True), 403: ErrorOutput},
        description="The family members on the signed-in patient's account.",
    )
    def get(self, request: Request) -> Response:
        family = selectors.dependant_list(viewer=actor_for(request.user))
        return Response(DependantOutput(family, many=True).data)

    @extend_schema(
        operation_id="me_dependants_create",
        request=DependantInput,
        responses={201: DependantOutput, 400: ValidationErrorOutput, 403: ErrorOutput},
        description=(
            "Add a family member to book for (at most "
            f"{MAX_PER_ACCOUNT} on an account). Patients only."
        ),
    )
    def post(self, request: Request) -> Response:
        actor = actor_for(request.user)
        data = _valid(request)
        dependant_id = build_bus().handle(commands.AddDependant(actor=actor, **data))
        row = selectors.dependant_get(viewer=actor, dependant_id=dependant_id)
        return Response(DependantOutput(row).data, status=status.HTTP_201_CREATED)


class DependantDetailApi(APIView):
    @extend_schema(
        operation_id="me_dependants_update",
        request=DependantInput,
        responses={
            200: DependantOutput,
            400: ValidationErrorOutput,
            403: ErrorOutput,
            404: ErrorOutput,
        },
    )
    def put(self, request: Request, dependant_id: int) -> Response:
        actor = actor_for(request.user)
        data = _valid(request)
        build_bus().handle(commands.UpdateDependant(actor=actor, dependant_id=dependant_id, **data))
        row = selectors.dependant_get(viewer=actor, dependant_id=dependant_id)
        return Response(DependantOutput(row).data)

    @extend_schema(
        operation_id="me_dependants_delete",
        request=None,
        responses={204: None, 403: ErrorOutput, 404: ErrorOutput},
        description="Off the account's list; visits already booked for them stay.",
    )
    def delete(self, request: Request, dependant_id: int) -> Response:
        actor = actor_for(request.user)
        build_bus().handle(commands.RemoveDependant(actor=actor, dependant_id=dependant_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _valid(request: Request) -> dict[str, Any]:
    serializer = DependantInput(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
