"""Who may use the endpoints this issue added, role by role: the whole matrix in one table.

A visit (checked in today) of ``patient`` with ``doctor`` at ``clinic``; every other role is
someone else's: another patient, another doctor, the desk of another clinic. An unverified
doctor reaches no one's data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from scheduler.adapters import visit_links
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.services.commands import CheckInAppointment
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = (
    "visitor",
    "patient",
    "other patient",
    "doctor",
    "other doctor",
    "unverified doctor",
    "desk",
    "other desk",
    "admin",
)


class World:
    def __init__(self) -> None:
        self.clinic = factories.clinic()
        self.doctor = factories.doctor(self.clinic)
        self.patient = factories.patient()
        self.desk = factories.receptionist(self.clinic)
        start = factories.earlier_today(self.clinic, minutes_ago=60)
        self.visit = factories.appointment(self.doctor, self.patient, start)
        build_bus().handle(
            CheckInAppointment(actor=factories.actor_of(self.desk), appointment_id=self.visit.pk)
        )
        self.users: dict[str, rows.User | None] = {
            "visitor": None,
            "patient": self.patient.user,
            "other patient": factories.patient().user,
            "doctor": self.doctor.user,
            "other doctor": factories.doctor().user,
            "unverified doctor": factories.doctor(verified=False).user,
            "desk": self.desk.user,
            "other desk": factories.receptionist(factories.clinic()).user,
            "admin": factories.admin(),
        }

    def client(self, role: str) -> APIClient:
        client = APIClient()
        user = self.users[role]
        if user is not None:
            client.force_authenticate(user=user)
        return client


Call = Callable[[APIClient, World], int]


def status(response: object) -> int:
    return int(response.status_code)


# What each role gets, in ROLES order.
MATRIX: dict[str, tuple[Call, tuple[int, ...]]] = {
    "call the patient in": (
        lambda c, w: status(c.post(f"/api/appointments/{w.visit.pk}/start/", format="json")),
        (401, 403, 404, 200, 404, 404, 200, 404, 200),
    ),
    "desk's live day": (
        lambda c, w: status(c.get(f"/api/live/desk/{w.clinic.pk}/")),
        (401, 403, 403, 403, 403, 403, 200, 403, 200),
    ),
    "a grid's live days": (
        lambda c, w: status(c.get(f"/api/live/slots/{w.doctor.pk}/")),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "the visit's link": (
        lambda c, w: status(c.get(f"/api/live/visit/{visit_links.token_for(w.visit.pk)}/")),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "look patients up": (
        lambda c, w: status(c.get("/api/patients/", {"q": "a"})),
        (401, 403, 403, 200, 200, 403, 200, 200, 200),
    ),
    "add a patient": (
        lambda c, w: status(
            c.post("/api/patients/", {"first_name": "A", "last_name": "B"}, format="json")
        ),
        (401, 403, 403, 403, 403, 403, 201, 201, 201),
    ),
    "edit one's own email": (
        lambda c, w: status(c.patch("/api/me/", {"email": "new@example.test"}, format="json")),
        (401, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "rename oneself": (  # a verified doctor's name is the licence's
        lambda c, w: status(c.patch("/api/me/", {"last_name": "Renamed"}, format="json")),
        (401, 200, 200, 400, 400, 400, 200, 200, 200),
    ),
    "see the statistics": (
        lambda c, w: status(c.get("/api/stats/")),
        (401, 403, 403, 403, 403, 403, 403, 403, 200),
    ),
    "download a statistics table": (
        lambda c, w: status(c.get("/api/stats/export.csv", {"section": "status_mix"})),
        (401, 403, 403, 403, 403, 403, 403, 403, 200),
    ),
}


@pytest.mark.parametrize("action", list(MATRIX))
def test_the_role_matrix(action: str) -> None:
    call, expected = MATRIX[action]
    got = {}
    for role in ROLES:
        world = World()  # each role on a fresh visit: one's action does not change another's
        got[role] = call(world.client(role), world)
    assert got == dict(zip(ROLES, expected, strict=True))


def test_the_visit_link_shows_no_one_else() -> None:
    world = World()
    other = factories.appointment(
        world.doctor, factories.patient(), world.visit.start + timedelta(minutes=30)
    )
    body = world.client("visitor").get(f"/api/live/visit/{visit_links.token_for(other.pk)}/")

    answer = body.json()
    # no ids, no names: the visit's state, its place, and what its patient is told
    assert set(answer) == {"type", "status", "start", "queue", "asked_to_move", "reason"}
    assert set(answer["queue"]) == {"place", "position", "waiting_since", "expected_call"}
    assert str(world.visit.pk) not in body.content.decode()


def test_an_unverified_doctor_books_and_sees_slots_as_a_patient_would() -> None:
    """Staff see slots inside the booking notice; a doctor who signed up a minute ago does not."""
    world = World()
    schedule = world.doctor.schedules.get()
    schedule.min_notice_minutes = 3 * 24 * 60  # bookings close three days ahead
    schedule.save()
    tomorrow = (datetime.now(ZoneInfo(world.clinic.timezone)) + timedelta(days=1)).date()

    def slots_tomorrow(role: str) -> int:
        answer = world.client(role).get(
            f"/api/doctors/{world.doctor.pk}/slots/",
            {"clinic": world.clinic.pk, "from": tomorrow.isoformat(), "to": tomorrow.isoformat()},
        )
        return len(answer.json()["slots"])

    assert slots_tomorrow("unverified doctor") == slots_tomorrow("patient") == 0
    assert slots_tomorrow("desk") > 0
