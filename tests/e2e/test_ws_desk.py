"""The desk socket: the clinic's receptionists (and admins) only; the day's rows, then changes."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.entrypoints.ws import consumers
from scheduler.services import commands
from tests import factories
from tests.e2e.sockets import closed_with, live, receive, relay, session_cookie, socket, token_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("own_channel_layer"),
]


@database_sync_to_async
def book_for(
    staff: rows.Receptionist, doctor: rows.Doctor, patient: rows.Patient, start: datetime
) -> uuid.UUID:
    result = build_bus().handle(
        commands.BookAppointment(
            actor=factories.actor_of(staff),
            doctor_id=doctor.pk,
            clinic_id=staff.clinic_id,
            start=start,
            patient_id=patient.pk,
            patient_introduced=True,  # on the phone: found by their number
            reason="phone",
        )
    )
    return result.appointment_id


@database_sync_to_async
def cancel(staff: rows.Receptionist, appointment_id: uuid.UUID) -> None:
    build_bus().handle(
        commands.CancelAppointment(actor=factories.actor_of(staff), appointment_id=appointment_id)
    )


@database_sync_to_async
def make(factory: Any, *args: Any, **kwargs: Any) -> Any:
    return factory(*args, **kwargs)


@live
async def test_the_desk_gets_the_days_rows_then_every_change_at_its_clinic(
    receptionist: rows.Receptionist,
    doctor: rows.Doctor,
    patient: rows.Patient,
    other_patient: rows.Patient,
    clinic: rows.Clinic,
) -> None:
    clinic_id = receptionist.clinic_id
    soon = factories.slot_start(clinic, days_ahead=2, hour=15)
    patient.user.phone = "+989121234567"
    await database_sync_to_async(patient.user.save)(update_fields=["phone"])
    booked = await book_for(receptionist, doctor, patient, soon)
    await relay()

    cookie = await session_cookie(receptionist.user)
    async with socket(f"/ws/desk/{clinic_id}/?date={soon.date()}", headers=[cookie]) as ws:
        snapshot = await receive(ws)
        later = soon + timedelta(minutes=30)
        walk_in = await book_for(receptionist, doctor, other_patient, later)
        await cancel(receptionist, booked)
        await relay()
        changes = [await receive(ws), await receive(ws)]

    assert snapshot["type"] == "snapshot"
    assert snapshot["date"] == soon.date().isoformat()
    assert snapshot["clinic"]["id"] == clinic_id
    assert [d["id"] for d in snapshot["doctors"]] == [doctor.pk]
    [row] = snapshot["appointments"]
    assert row["id"] == str(booked)
    assert row["patient_name"] == patient.user.get_full_name()
    assert row["status"] == "booked"
    assert row["reason"] == "phone"
    # Stored as E.164, shown grouped (a reviewer: the desk's phones were one run of digits).
    assert row["patient_phone"] == "+989121234567"
    assert row["patient_phone_shown"] == "+98 912 123 4567"
    by_id = {change["id"]: change for change in changes}
    assert by_id[str(walk_in)]["type"] == "appointment"
    assert by_id[str(walk_in)]["patient_id"] == other_patient.pk
    assert by_id[str(walk_in)]["version"] == 1
    assert by_id[str(booked)]["status"] == "cancelled"
    assert by_id[str(booked)]["version"] == 2


@live
async def test_a_token_in_the_first_message_opens_the_desk(
    receptionist: rows.Receptionist,
) -> None:
    token = await token_for(receptionist.user)

    async with socket(f"/ws/desk/{receptionist.clinic_id}/") as ws:
        assert await ws.receive_nothing(timeout=0.2)  # nothing for a visitor
        await ws.send_json_to({"type": "auth", "token": token})
        snapshot = await receive(ws)

    assert snapshot["type"] == "snapshot"


@live
async def test_a_desk_socket_that_never_signs_in_is_closed(
    receptionist: rows.Receptionist, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumers, "AUTH_WAIT_SECONDS", 0.1)

    async with socket(f"/ws/desk/{receptionist.clinic_id}/") as ws:
        error = await receive(ws)
        assert await closed_with(ws) == 4401

    assert error["type"] == "error"


@live
async def test_only_the_clinics_own_staff_may_watch_its_desk(
    receptionist: rows.Receptionist, patient: rows.Patient, doctor: rows.Doctor
) -> None:
    elsewhere = await make(factories.receptionist, await make(factories.clinic))
    admin = await make(factories.admin)
    path = f"/ws/desk/{receptionist.clinic_id}/"

    for user in (patient.user, doctor.user, elsewhere.user):
        async with socket(path, headers=[await session_cookie(user)]) as ws:
            assert (await receive(ws))["type"] == "error"
            assert await closed_with(ws) == 4403

    async with socket(path, headers=[await session_cookie(admin)]) as ws:
        assert (await receive(ws))["type"] == "snapshot"
