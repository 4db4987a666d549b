"""What a hostile review sent, and what it must get: 4xx with a reason, never a 500, never a
socket that dies of an unhandled error; and rules that held only by accident made to hold."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.conftest import Client
from tests.e2e.sockets import closed_with, live, receive, session_cookie, socket
from tests.e2e.test_api_appointments import APPOINTMENTS, booking
from tests.e2e.test_api_schedules import url, week

pytestmark = pytest.mark.django_db

FAR = ("0001-01-01", "9999-12-31")


@pytest.mark.parametrize("day", FAR)
def test_dates_at_the_ends_of_the_calendar_are_400(
    as_receptionist: APIClient, doctor: rows.Doctor, clinic: rows.Clinic, day: str
) -> None:
    answers = [
        as_receptionist.get(f"/api/doctors/{doctor.pk}/slots/", {"clinic": clinic.pk, "from": day}),
        as_receptionist.get(APPOINTMENTS, {"from": day}),
        as_receptionist.get(APPOINTMENTS, {"to": day}),
        as_receptionist.get(f"/api/live/slots/{doctor.pk}/", {"from": day}),
        as_receptionist.get(f"/api/live/desk/{clinic.pk}/", {"date": day}),
        as_receptionist.post(
            APPOINTMENTS,
            {**booking(doctor, factories.slot_start(clinic)), "start": f"{day}T23:30:00+00:00"},
            format="json",
        ),
    ]

    assert [answer.status_code for answer in answers] == [400] * len(answers)


@pytest.mark.parametrize("day", FAR)
def test_overrides_at_the_ends_of_the_calendar_are_400(
    as_doctor: APIClient, doctor: rows.Doctor, day: str
) -> None:
    answer = as_doctor.put(
        url(doctor), week(overrides=[{"date": day, "closed": True}]), format="json"
    )

    assert answer.status_code == 400


@pytest.mark.parametrize("day", FAR)
def test_pages_with_such_a_date_show_today(
    client_for: Client, doctor: rows.Doctor, day: str
) -> None:
    page = client_for(doctor.user)
    page.force_login(doctor.user)

    assert page.get("/doctor/", {"from": day}).status_code == 200
    assert page.get(f"/doctors/{doctor.pk}/", {"from": day}).status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("own_channel_layer")
@live
async def test_sockets_asked_for_such_a_date_close_as_bad_requests(
    receptionist: rows.Receptionist, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    cookie = await session_cookie(receptionist.user)
    for path in (
        f"/ws/slots/{doctor.pk}/?from=9999-12-31&days=1",
        f"/ws/desk/{clinic.pk}/?date=0001-01-01",
    ):
        async with socket(path, headers=[cookie]) as ws:
            assert await closed_with(ws) == 4400


HUGE = "99999999999999999999"


def test_huge_numbers_are_400_and_pages_are_bounded(
    as_admin: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    for path in ("/api/appointments/", "/api/doctors/", "/api/clinics/", "/api/notifications/"):
        assert as_admin.get(path, {"limit": HUGE}).status_code == 200
        assert as_admin.get(path, {"offset": HUGE}).status_code == 200
    assert as_admin.get("/api/patients/", {"q": "a", "limit": HUGE}).status_code == 200
    assert as_admin.get(APPOINTMENTS, {"doctor": HUGE}).status_code == 400
    too_big = {**booking(doctor, factories.slot_start(clinic)), "clinic_id": 2**70}
    assert as_admin.post(APPOINTMENTS, too_big, format="json").status_code == 400

    factories.clinic(), factories.clinic(), factories.clinic()
    page = as_admin.get("/api/clinics/", {"limit": 1000}).json()
    assert len(page["results"]) <= 100


def test_json_nested_past_reading_is_400(visitor: APIClient, as_patient: APIClient) -> None:
    deep = "[" * 50_000
    for client, path in ((visitor, "/api/auth/token/"), (visitor, "/api/auth/register/")):
        answer = client.generic("POST", path, deep, content_type="application/json")
        assert answer.status_code == 400
    answer = as_patient.generic("PATCH", "/api/me/", deep, content_type="application/json")
    assert answer.status_code == 400


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("own_channel_layer")
@live
async def test_a_socket_answers_odd_frames_and_stays_open(doctor: rows.Doctor) -> None:
    async with socket(f"/ws/slots/{doctor.pk}/?days=1") as ws:
        await receive(ws)  # the snapshot
        await ws.send_to(bytes_data=b"\x00\x01")
        assert (await receive(ws))["type"] == "error"
        await ws.send_to(text_data="[" * 100_000)
        assert (await receive(ws))["type"] == "error"
        await ws.send_to(text_data=json.dumps({"type": "snapshot"}))
        assert (await receive(ws))["type"] == "snapshot"  # still open, still serving


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("own_channel_layer")
@live
async def test_a_message_racing_a_refused_start_is_ignored(doctor: rows.Doctor) -> None:
    async with socket(f"/ws/slots/{doctor.pk}/?days=0") as ws:
        await ws.send_to(text_data=json.dumps({"type": "snapshot"}))
        assert await closed_with(ws) == 4400


def register(**fields: Any) -> dict[str, Any]:
    return {"role": "patient", "username": "new.one", "password": "a long secret 42", **fields}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"first_name": "\u202eevil"}, "first_name"),  # right-to-left override
        ({"last_name": "a\u0000b"}, "last_name"),
        ({"email": f"{'a' * 250}@example.test"}, "email"),
        ({"username": "sara.karimi", "password": "sara.karimi"}, "password"),
    ],
)
def test_sign_up_refuses_what_would_mislead(
    visitor: APIClient, fields: dict[str, Any], field: str
) -> None:
    answer = visitor.post("/api/auth/register/", register(**fields), format="json")

    assert answer.status_code == 400 and field in answer.json()


def test_a_persian_name_keeps_its_zero_width_non_joiner(visitor: APIClient) -> None:
    answer = visitor.post("/api/auth/register/", register(first_name="علی\u200cرضا"), format="json")

    assert answer.status_code == 201 and answer.json()["first_name"] == "علی\u200cرضا"


def test_one_licence_one_doctor_in_any_letter_case(visitor: APIClient, clinic: rows.Clinic) -> None:
    existing = factories.doctor(clinic)
    answer = visitor.post(
        "/api/auth/register/",
        register(
            role="doctor",
            specialty=existing.specialty.slug,
            clinic_id=clinic.pk,
            licence_number=existing.licence_number.lower(),
        ),
        format="json",
    )

    assert answer.status_code == 400 and "licence_number" in answer.json()


def test_a_key_used_again_with_another_reason_is_refused(
    as_patient: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    first = booking(doctor, factories.slot_start(clinic))
    as_patient.post(APPOINTMENTS, first, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    again = as_patient.post(
        APPOINTMENTS,
        {**first, "reason": "Something else"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )

    assert again.status_code == 400 and "Idempotency-Key" in again.json()


def test_an_unknown_api_path_is_a_json_404(visitor: APIClient) -> None:
    answer = visitor.get("/api/doctors/-1/")

    assert answer.status_code == 404 and answer.json()["code"] == "not_found"
