"""Video visits in the use cases: a room for each video visit booked where one is offered."""

from __future__ import annotations

from scheduler.domain import video_visits
from scheduler.domain.appointment import VisitMode
from scheduler.services.unit_of_work import UnitOfWork


def room_for(mode: VisitMode, uow: UnitOfWork, clinic_id: int) -> str:
    """A new room's name for a video visit at the clinic (refused where none is offered);
    "" for a visit in person."""
    if mode is VisitMode.IN_PERSON:
        return ""
    video_visits.ensure_offered(mode, uow.policies.video_url_template(clinic_id))
    return video_visits.new_room()
