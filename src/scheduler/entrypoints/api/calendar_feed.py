"""The signed-in person's private calendar feed: make one (or a new one, which replaces the old
at once), or revoke it. Its address is shown once, in the answer to POST: only a digest of its
secret is kept."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.orm import calendar_reads
from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus
from scheduler.entrypoints.api.errors import ErrorOutput
from scheduler.services import commands


def feed_url(secret: str) -> str:
    return f"{settings.PUBLIC_URL}/feeds/{secret}.ics"


class CalendarFeedApi(APIView):
    class OutputSerializer(serializers.Serializer[Any]):
        url = serializers.URLField(
            help_text="The feed's address, for a calendar app to subscribe to. Shown this once: "
            "only a digest of its secret is kept."
        )
        webcal_url = serializers.CharField(
            help_text="The same address as webcal://, which calendar apps open directly."
        )
        created_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="calendar_feed_create",
        request=None,
        responses={201: OutputSerializer, 401: ErrorOutput, 403: ErrorOutput},
        description="A patient or a verified doctor gets a new secret feed address with all "
        "their visits from 30 days back to a year ahead (cancelled ones marked so). A feed "
        "made before stops working at once.",
    )
    def post(self, request: Request) -> Response:
        actor = actor_for(request.user)
        secret = build_bus().handle(commands.CreateCalendarFeed(actor=actor))
        url = feed_url(secret)
        made = calendar_reads.feed_created_at(user_id=actor.user_id)
        body = {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1], "created_at": made}
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="calendar_feed_revoke",
        request=None,
        responses={204: None, 401: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput},
        description="The feed stops working at once (404 if there is none).",
    )
    def delete(self, request: Request) -> Response:
        build_bus().handle(commands.RevokeCalendarFeed(actor=actor_for(request.user)))
        return Response(status=status.HTTP_204_NO_CONTENT)
