"""The audit trail for admins: who read or changed which record, when, as whom, from where."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.audit import selectors
from scheduler.adapters.audit.models import ROLES, AuditEntry
from scheduler.adapters.orm.actors import actor_for
from scheduler.entrypoints.api.dates import AwareDateTimeField
from scheduler.entrypoints.api.errors import ErrorOutput, ValidationErrorOutput
from scheduler.entrypoints.api.pagination import Pages, id_field, paginated


class AuditEntryOutput(serializers.Serializer[AuditEntry]):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor_id = serializers.IntegerField(
        allow_null=True, help_text="The user's id; null for a visitor or the system."
    )
    actor_username = serializers.CharField(help_text="The username they had then.")
    actor_role = serializers.ChoiceField(choices=ROLES, help_text="The role they had then.")
    action = serializers.CharField(help_text="An event's name (a change), or '<kind>.read'.")
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    ip = serializers.IPAddressField(allow_null=True, help_text="Null: the site's own processes.")
    detail = serializers.DictField(child=serializers.CharField(), help_text="Ids only.")


def _text(max_length: int) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, required=False)


class AuditListApi(APIView):
    pagination_class = Pages

    class FilterSerializer(serializers.Serializer[Any]):
        actor = id_field(required=False, help_text="The acting user's id.")
        role = serializers.ChoiceField(choices=ROLES, required=False)
        action = _text(64)
        object_type = _text(32)
        object_id = _text(64)
        ip = serializers.IPAddressField(required=False)
        since = AwareDateTimeField(required=False, help_text="From this instant on (inclusive).")
        until = AwareDateTimeField(required=False, help_text="Before this instant (exclusive).")

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            since, until = attrs.get("since"), attrs.get("until")
            if since is not None and until is not None and until < since:
                message = _("'until' must not be before 'since'.")
                raise serializers.ValidationError({"until": [message]})
            return attrs

    @extend_schema(
        operation_id="audit_list",
        parameters=[FilterSerializer],
        responses={
            200: AuditEntryOutput(many=True),
            400: ValidationErrorOutput,
            401: ErrorOutput,
            403: ErrorOutput,
        },
        description="Admins only: the audit trail, newest first. Every change (one entry per "
        "event) and every read of an appointment or a patient by someone other than its "
        "patient. Nothing here can be changed or deleted.",
    )
    def get(self, request: Request) -> Response:
        actor = actor_for(request.user)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        entries = selectors.audit_entries(
            viewer=actor,
            filters=selectors.AuditFilters(
                actor_id=data.get("actor"),
                role=data.get("role"),
                action=data.get("action"),
                object_type=data.get("object_type"),
                object_id=data.get("object_id"),
                ip=data.get("ip"),
                since=data.get("since"),
                until=data.get("until"),
            ),
        )
        return paginated(
            view=self, request=request, queryset=entries, serializer_class=AuditEntryOutput
        )
