"""The live screens' snapshots over HTTP (for networks that block WebSockets): the same
content and the same rules of who sees what as the sockets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from scheduler.adapters import visit_links
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from tests import factories
from tests.e2e.conftest import Client
from tests.e2e.test_api_sign_in_security import from_address

pytestmark = pytest.mark.django_db


def test_a_visitor_sees_free_and_taken_but_not_who(
    visitor: APIClient, as_patient: APIClient, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    build_bus().handle(factories.booking(doctor, patient))

    seen = visitor.get(f"/api/live/slots/{doctor.pk}/", {"days": 3}).json()
    mine = as_patient.get(f"/api/live/slots/{doctor.pk}/", {"days": 3}).json()

    assert seen["type"] == "snapshot" and seen["free"]
    assert [slot["booking"] for slot in seen["slots"]] == [None]
    assert mine["slots"][0]["booking"]["patient_id"] == patient.pk


@pytest.mark.parametrize(("days", "date"), [("0", ""), ("x", ""), ("", "2026-13-01")])
def test_a_bad_window_is_a_400(
    visitor: APIClient, doctor: rows.Doctor, days: str, date: str
) -> None:
    answer = visitor.get(f"/api/live/slots/{doctor.pk}/", {"days": days, "from": date})

    assert answer.status_code == 400


def test_a_window_from_the_last_day_ends_on_it(
    visitor: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    # Found by an attacker review: the default 'to' and the grid's days ran past 2199-12-31,
    # the last date an explicit 'to' may name. Harmless (no slots there), but not the contract.
    grid = visitor.get(f"/api/live/slots/{doctor.pk}/", {"days": 31, "from": "2199-12-31"})
    slots = visitor.get(f"/api/doctors/{doctor.pk}/slots/", {"from": "2199-12-31"})

    assert grid.status_code == 200 and grid.json()["last_day"] == "2199-12-31"
    assert slots.status_code == 200 and slots.json()["last_day"] == "2199-12-31"


def test_a_day_in_persian_digits_is_read_as_the_slots_api_reads_it(
    visitor: APIClient, as_receptionist: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    grid = visitor.get(f"/api/live/slots/{doctor.pk}/", {"days": 1, "from": "۲۰۳۰-۰۱-۰۵"})
    desk = as_receptionist.get(f"/api/live/desk/{clinic.pk}/", {"date": "۲۰۳۰-۰۱-۰۵"})

    assert grid.status_code == 200, grid.json()
    assert grid.json()["first_day"] == "2030-01-05"
    assert desk.status_code == 200, desk.json()


def test_the_desk_snapshot_is_for_that_clinics_desk_only(
    as_receptionist: APIClient, client_for: Client, visitor: APIClient, clinic: rows.Clinic
) -> None:
    other_desk = client_for(factories.receptionist(factories.clinic()).user)

    assert as_receptionist.get(f"/api/live/desk/{clinic.pk}/").json()["clinic"]["id"] == clinic.pk
    assert other_desk.get(f"/api/live/desk/{clinic.pk}/").status_code == 403
    assert visitor.get(f"/api/live/desk/{clinic.pk}/").status_code in (401, 403)
    assert as_receptionist.get(f"/api/live/desk/{clinic.pk}/", {"date": "soon"}).status_code == 400


def test_a_visit_link_shows_that_visit_only(
    visitor: APIClient, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    visit = build_bus().handle(factories.booking(doctor, patient)).appointment_id
    token = visit_links.token_for(visit)

    answer = visitor.get(f"/api/live/visit/{token}/").json()

    assert answer == {
        "type": "snapshot",
        "status": "booked",
        "start": answer["start"],
        "queue": {
            "place": "expected",
            "position": None,
            "waiting_since": None,
            "expected_call": None,
        },
        "asked_to_move": False,
        "reason": "",
    }
    assert visitor.get(f"/api/live/visit/{token[:-2]}xx/").status_code == 404
    # One link a visit, whenever made (the worker writes it into messages, the test here).
    assert token.count(":") == 1, "a timestamped token differs from second to second"
    assert visitor.get("/api/live/visit/abc/").status_code == 404


@pytest.mark.parametrize(("hours_since_the_end", "answer"), [(11, 200), (13, 404)])
def test_a_visit_link_closes_half_a_day_after_the_visit(
    visitor: APIClient,
    doctor: rows.Doctor,
    patient: rows.Patient,
    hours_since_the_end: int,
    answer: int,
) -> None:
    end = datetime.now(UTC) - timedelta(hours=hours_since_the_end)
    visit = factories.appointment(doctor, patient, end - timedelta(minutes=30), status="fulfilled")
    token = visit_links.token_for(visit.pk)

    assert visitor.get(f"/api/live/visit/{token}/").status_code == answer
    assert visitor.get(f"/visit/{token}/").status_code == answer


def test_an_address_asking_for_snapshots_past_the_rate_is_told_to_wait(
    settings: Any, doctor: rows.Doctor
) -> None:
    """Found by an attacker: a 31-day grid's snapshot took anyone, signed in or not, as often as
    they liked, at 55-70 ms of queries each; its socket holds them to a few a minute."""
    settings.LIVE_SNAPSHOT_RATE = "3/min"
    visitor, other = from_address(), from_address()

    answers = [visitor.get(f"/api/live/slots/{doctor.pk}/", {"days": 31}) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    assert other.get(f"/api/live/slots/{doctor.pk}/", {"days": 31}).status_code == 200
