"""The notification log, for the people it concerns: each user sees what was sent (or meant)
to them; an admin sees every message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.notify import selectors
from scheduler.adapters.notify.models import Channel, Notification
from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import audit_log
from scheduler.domain.model import Actor
from scheduler.domain.notifications import Kind
from scheduler.entrypoints.api.errors import ErrorOutput, ValidationErrorOutput
from scheduler.entrypoints.api.pagination import Pages, paginated
from scheduler.services.audit import Record


class NotificationOutput(serializers.Serializer[Notification]):
    id = serializers.IntegerField()
    appointment_id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=[kind.value for kind in Kind])
    channel = serializers.ChoiceField(choices=Channel.choices)
    recipient_id = serializers.IntegerField()
    address = serializers.CharField(help_text="Email address or phone number used.")
    template = serializers.CharField()
    status = serializers.ChoiceField(choices=Notification.Status.choices)
    attempts = serializers.IntegerField()
    provider_id = serializers.CharField(help_text="Message-ID, or the SMS provider's id.")
    error = serializers.CharField(help_text="Why it failed or was skipped.")
    scheduled_for = serializers.DateTimeField(help_text="When it was due.")
    sent_at = serializers.DateTimeField(allow_null=True)


class NotificationListApi(APIView):
    pagination_class = Pages

    class FilterSerializer(serializers.Serializer[Any]):
        status = serializers.ChoiceField(choices=Notification.Status.choices, required=False)
        channel = serializers.ChoiceField(choices=Channel.choices, required=False)
        appointment = serializers.UUIDField(required=False)

    @extend_schema(
        parameters=[FilterSerializer],
        responses={
            200: NotificationOutput(many=True),
            400: ValidationErrorOutput,
            403: ErrorOutput,
        },
        description="Messages to the caller, newest first; an admin sees everyone's.",
    )
    def get(self, request: Request) -> Response:
        actor = actor_for(request.user)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        notifications = selectors.notification_list(
            viewer=actor,
            status=data.get("status"),
            channel=data.get("channel"),
            appointment_id=data.get("appointment"),
        )
        return paginated(
            view=self,
            request=request,
            queryset=notifications,
            serializer_class=NotificationOutput,
            shown=lambda page: _audit_reads(actor, page),
        )


def _audit_reads(viewer: Actor, page: Sequence[Notification]) -> None:
    """Someone else's message names its address and what it said of their visit: a read of
    that visit (an admin's list is everyone's)."""
    others = [str(n.appointment_id) for n in page if n.recipient_id != viewer.user_id]
    audit_log().record_reads(Record.APPOINTMENT, others)
