"""Socket URLs."""

from __future__ import annotations

from django.urls import path, re_path

from scheduler.entrypoints.ws.consumers import (
    DeskConsumer,
    NoSuchSocket,
    OwnAppointmentsConsumer,
    SlotGridConsumer,
    VisitQueueConsumer,
)

websocket_urlpatterns = [
    path("ws/slots/<int:doctor_id>/", SlotGridConsumer.as_asgi()),
    path("ws/desk/<int:clinic_id>/", DeskConsumer.as_asgi()),
    path("ws/visit/<str:token>/", VisitQueueConsumer.as_asgi()),
    path("ws/me/appointments/", OwnAppointmentsConsumer.as_asgi()),
    re_path(r"", NoSuchSocket.as_asgi()),  # last: refused, not a traceback
]
