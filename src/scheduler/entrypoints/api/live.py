"""The live screens' snapshots over HTTP: what the sockets send on connect, for a browser whose
network blocks WebSockets (the pages then ask every few seconds). Same builders, same rules of
who sees what (entrypoints.ws.screens)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.orm.actors import actor_for, viewer_for
from scheduler.entrypoints.api.errors import ErrorOutput
from scheduler.entrypoints.api.throttles import LiveSnapshotsByAddress
from scheduler.entrypoints.ws import screens

_ANSWERS = {
    200: OpenApiTypes.OBJECT,
    400: ErrorOutput,
    403: ErrorOutput,
    404: ErrorOutput,
    429: ErrorOutput,
}


class _Snapshot(APIView):
    # Found by an attacker: a 31-day grid costs 55-70 ms of queries, asked by anyone without
    # limit, while its socket is held to a few a minute.
    throttle_classes = (LiveSnapshotsByAddress,)


class SlotGridSnapshotApi(_Snapshot):
    permission_classes = (AllowAny,)

    @extend_schema(
        responses=_ANSWERS,
        description="A doctor's days as /ws/slots/ sends them on connect (?from=&days=).",
    )
    def get(self, request: Request, doctor_id: int) -> Response:
        viewer = viewer_for(request.user)
        window = screens.grid_window(doctor_id, viewer, request.query_params.dict())
        return Response(screens.grid(window, viewer))


class DeskSnapshotApi(_Snapshot):
    @extend_schema(
        responses=_ANSWERS,
        description="The clinic's day as /ws/desk/ sends it on connect (?date=); its desk only.",
    )
    def get(self, request: Request, clinic_id: int) -> Response:
        day = screens.day_param(request.query_params.dict())
        return Response(screens.desk(clinic_id, actor_for(request.user), day))


class VisitSnapshotApi(_Snapshot):
    """The signed link is the key, as on the page it serves."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(responses=_ANSWERS, description="One visit's place, as /ws/visit/ sends it.")
    def get(self, request: Request, token: str) -> Response:
        _, message = screens.visit(screens.visit_of(token))
        return Response(message)


class OwnAppointmentsSnapshotApi(_Snapshot):
    @extend_schema(
        responses=_ANSWERS,
        description="A patient's own visits not yet over, as /ws/me/appointments/ sends them.",
    )
    def get(self, request: Request) -> Response:
        return Response(screens.own_appointments(actor_for(request.user)))
