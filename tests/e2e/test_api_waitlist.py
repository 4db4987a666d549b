"""The waitlist through the API, for every role: joining, the offer of a cancelled slot to the
first in line (made by the outbox relay), taking it, turning it down, staff's moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from scheduler.adapters.outbox import relay_pending
from scheduler.adapters.waitlist import links
from scheduler.config.bootstrap import build_bus, event_handlers
from scheduler.entrypoints.api.throttles import BookingsByPatient
from scheduler.services import commands
from tests import factories
from tests.e2e.conftest import Client
from tests.e2e.test_api_appointments import act, book

pytestmark = pytest.mark.django_db

WAITLIST = "/api/waitlist/"


def wish(doctor: rows.Doctor, **changes: Any) -> dict[str, Any]:
    clinic = doctor.clinics.get()
    day = factories.slot_start(clinic).date()
    return {
        "doctor_id": doctor.pk,
        "clinic_id": clinic.pk,
        "first_day": day.isoformat(),
        "last_day": day.isoformat(),
        "parts": ["morning"],
        **changes,
    }


def join(client: APIClient, doctor: rows.Doctor, **changes: Any) -> Any:
    return client.post(WAITLIST, wish(doctor, **changes), format="json")


def relay() -> None:
    """The outbox relay, until nothing is left: a cancellation, then the offer it made."""
    for _ in range(5):
        if not relay_pending(event_handlers()):
            return


def cancelled_slot(doctor: rows.Doctor, client_for: Client) -> datetime:
    """Someone's booking of the first slot two days ahead, cancelled (not relayed yet)."""
    holder = factories.patient()
    start = factories.slot_start(doctor.clinics.get())
    created = book(client_for(holder.user), doctor, start)
    assert created.status_code == 201, created.json()
    relay()
    assert act(client_for(holder.user), created.json()["id"], "cancel").status_code == 200
    return start


def the_offer(client: APIClient) -> dict[str, Any]:
    (place,) = client.get(WAITLIST).json()
    assert place["offer"] is not None, place
    offer: dict[str, Any] = place["offer"]
    return offer


# -- joining and leaving ----------------------------------------------------------------------


def test_a_patient_joins_sees_and_leaves_their_place(
    as_patient: APIClient, doctor: rows.Doctor
) -> None:
    created = join(as_patient, doctor)
    assert created.status_code == 201, created.json()
    place = created.json()
    assert (place["doctor_id"], place["parts"], place["position"], place["offer"]) == (
        doctor.pk,
        ["morning"],
        1,
        None,
    )
    assert [p["id"] for p in as_patient.get(WAITLIST).json()] == [place["id"]]
    assert join(as_patient, doctor).status_code == 400  # one place per doctor

    assert as_patient.delete(f"{WAITLIST}{place['id']}/").status_code == 204
    assert as_patient.get(WAITLIST).json() == []
    types = list(rows.StoredEvent.objects.order_by("created_at").values_list("type", flat=True))
    assert types == ["JoinedWaitlist", "LeftWaitlist"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"first_day": "2000-01-01"}, "first_day"),
        ({"last_day": "not a day"}, "last_day"),
        ({"parts": []}, "parts"),
        ({"parts": ["night"]}, "parts"),
        ({"doctor_id": 2**40}, "doctor_id"),
        ({"clinic_id": 0}, "clinic_id"),
    ],
)
def test_bad_input_is_a_400_with_the_field(
    as_patient: APIClient, doctor: rows.Doctor, changes: dict[str, Any], field: str
) -> None:
    response = join(as_patient, doctor, **changes)
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert not rows.WaitlistEntry.objects.exists()


def test_too_far_ahead_or_at_a_clinic_the_doctor_does_not_work_at(
    as_patient: APIClient, doctor: rows.Doctor
) -> None:
    day = factories.slot_start(doctor.clinics.get(), days_ahead=120).date().isoformat()
    assert "last_day" in join(as_patient, doctor, last_day=day).json()
    elsewhere = factories.clinic()
    assert "clinic_id" in join(as_patient, doctor, clinic_id=elsewhere.pk).json()
    unverified = factories.doctor(verified=False)
    # As one that does not exist (found by an attacker: its own words told who waits).
    assert join(as_patient, unverified).json()["doctor_id"] == ["No such doctor."]
    # Found by an attacker: a doctor who no longer takes bookings took a place on their list.
    gone = factories.doctor(doctor.clinics.get())
    rows.User.objects.filter(pk=gone.user_id).update(is_active=False)
    refused = join(as_patient, gone)
    assert refused.status_code == 400
    assert refused.json()["doctor_id"] == ["This doctor no longer takes bookings."]
    assert not rows.WaitlistEntry.objects.exists()


@pytest.mark.parametrize("role", ["doctor", "receptionist", "admin"])
def test_only_patients_join(
    role: str, client_for: Client, doctor: rows.Doctor, receptionist: rows.Receptionist
) -> None:
    user = {
        "doctor": doctor.user,
        "receptionist": receptionist.user,
        "admin": factories.admin(),
    }[role]
    assert join(client_for(user), doctor).status_code == 403


def test_visitors_are_asked_to_sign_in(visitor: APIClient, doctor: rows.Doctor) -> None:
    assert join(visitor, doctor).status_code == 401
    assert visitor.get(WAITLIST).status_code == 401


def test_someone_elses_place_is_404(
    as_patient: APIClient, client_for: Client, other_patient: rows.Patient, doctor: rows.Doctor
) -> None:
    theirs = join(client_for(other_patient.user), doctor).json()["id"]
    assert as_patient.delete(f"{WAITLIST}{theirs}/").status_code == 404
    assert as_patient.delete(f"{WAITLIST}{2**70}/").status_code == 404
    assert rows.WaitlistEntry.objects.get(pk=theirs).status == "waiting"


# -- offers -----------------------------------------------------------------------------------


def test_a_cancelled_slot_is_offered_to_the_first_in_line_who_takes_it(
    as_patient: APIClient,
    client_for: Client,
    patient: rows.Patient,
    other_patient: rows.Patient,
    doctor: rows.Doctor,
) -> None:
    first = join(as_patient, doctor).json()["id"]
    second = join(client_for(other_patient.user), doctor).json()["id"]
    start = cancelled_slot(doctor, client_for)
    relay()
    relay()  # a redelivered cancellation offers nothing more
    build_bus().handle(
        commands.OfferFreedSlots(
            doctor_id=doctor.pk, start=start, end=start + timedelta(minutes=30)
        )
    )

    assert list(rows.WaitlistOffer.objects.values_list("entry_id", "status")) == [(first, "open")]
    offer = the_offer(as_patient)
    assert datetime.fromisoformat(offer["start"]) == start
    assert client_for(other_patient.user).get(WAITLIST).json()[0]["offer"] is None

    # The other patient cannot take it, even with its link.
    other = client_for(other_patient.user)
    assert other.post(f"{WAITLIST}offers/{offer['token']}/accept/").status_code == 404
    assert as_patient.post(f"{WAITLIST}offers/forged.token/accept/").status_code == 404

    taken = as_patient.post(f"{WAITLIST}offers/{offer['token']}/accept/")
    assert taken.status_code == 201, taken.json()
    visit = rows.Appointment.objects.get(pk=taken.json()["appointment_id"])
    assert (visit.patient_id, visit.start, visit.status) == (patient.pk, start, "booked")
    assert rows.WaitlistEntry.objects.get(pk=first).status == "booked"
    assert rows.WaitlistEntry.objects.get(pk=second).status == "waiting"
    again = as_patient.post(f"{WAITLIST}offers/{offer['token']}/accept/")
    assert again.status_code == 409


@pytest.fixture
def offered(
    as_patient: APIClient,
    client_for: Client,
    patient: rows.Patient,
    doctor: rows.Doctor,
    settings: Any,
) -> Iterator[tuple[str, datetime]]:
    """The patient, first in line, offered a cancelled slot, with one booking a day from now
    on; none counted before or kept after (ids are used again by other tests' users)."""
    join(as_patient, doctor)
    start = cancelled_slot(doctor, client_for)
    relay()
    settings.PATIENT_BOOKING_RATE = "1/day"
    counted = BookingsByPatient.cache_format % {
        "scope": "patient-booking",
        "ident": patient.user_id,
    }
    cache.delete(counted)
    yield the_offer(as_patient)["token"], start
    cache.delete(counted)


def test_taking_an_offer_is_one_of_the_days_bookings(
    offered: tuple[str, datetime], as_patient: APIClient, patient: rows.Patient, doctor: rows.Doctor
) -> None:
    """Found in review: a waitlist offer taken was a booking the day's limit did not count."""
    token, start = offered
    later = factories.slot_start(doctor.clinics.get(), days_ahead=3)

    taken = as_patient.post(f"{WAITLIST}offers/{token}/accept/")
    assert taken.status_code == 201, taken.json()
    assert book(as_patient, doctor, later).status_code == 429  # the day's one was the offer
    assert rows.Appointment.objects.filter(patient=patient, start=start).exists()


def test_an_offer_is_not_taken_past_the_days_bookings(
    offered: tuple[str, datetime], as_patient: APIClient, doctor: rows.Doctor
) -> None:
    token, start = offered
    made = as_patient.post(
        "/api/appointments/",
        {
            "doctor_id": doctor.pk,
            "clinic_id": doctor.clinics.get().pk,
            "start": (start + timedelta(days=1)).isoformat(),
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="made",
    )
    assert made.status_code == 201, made.json()

    refused = as_patient.post(f"{WAITLIST}offers/{token}/accept/")
    # Nor with the key of the booking made: it is no retry of that (found in review).
    keyed = as_patient.post(f"{WAITLIST}offers/{token}/accept/", HTTP_IDEMPOTENCY_KEY="made")

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 3600
    assert keyed.status_code == 429
    assert refused.json()["detail"].endswith("call the clinic.")
    assert rows.WaitlistOffer.objects.get().status == "open"  # it passes on at its end


def test_a_declined_offer_goes_to_the_next_in_line(
    as_patient: APIClient, client_for: Client, other_patient: rows.Patient, doctor: rows.Doctor
) -> None:
    join(as_patient, doctor)
    second = join(client_for(other_patient.user), doctor).json()["id"]
    cancelled_slot(doctor, client_for)
    relay()
    offer = the_offer(as_patient)
    assert as_patient.post(f"{WAITLIST}offers/{offer['token']}/decline/").status_code == 204
    relay()
    assert as_patient.get(WAITLIST).json()[0]["offer"] is None
    assert the_offer(client_for(other_patient.user))
    assert rows.WaitlistOffer.objects.get(status="open").entry_id == second


def test_an_offer_past_its_window_ends_and_passes_on(
    as_patient: APIClient, client_for: Client, other_patient: rows.Patient, doctor: rows.Doctor
) -> None:
    first = join(as_patient, doctor).json()["id"]
    second = join(client_for(other_patient.user), doctor).json()["id"]
    cancelled_slot(doctor, client_for)
    relay()
    offer = rows.WaitlistOffer.objects.get()
    window = offer.expires_at - offer.created_at
    assert window == timedelta(minutes=15)  # the clinic's default

    later = offer.expires_at + timedelta(seconds=1)
    assert (
        build_bus(clock=lambda: offer.expires_at - timedelta(seconds=1)).handle(
            commands.ExpireOffer(offer_id=offer.pk)
        )
        is False
    )  # early: nothing
    assert build_bus(clock=lambda: later).handle(commands.ExpireOffer(offer_id=offer.pk))
    assert not build_bus(clock=lambda: later).handle(commands.ExpireOffer(offer_id=offer.pk))
    relay()
    assert dict(rows.WaitlistOffer.objects.values_list("entry_id", "status")) == {
        first: "expired",
        second: "open",
    }
    token = links.token_for(offer.pk)
    assert as_patient.post(f"{WAITLIST}offers/{token}/accept/").status_code == 409


def test_the_offered_slot_is_held_for_the_patient_until_the_window_ends(
    as_patient: APIClient,
    client_for: Client,
    patient: rows.Patient,
    doctor: rows.Doctor,
    receptionist: rows.Receptionist,
) -> None:
    join(as_patient, doctor)
    start = cancelled_slot(doctor, client_for)
    relay()
    offer = rows.WaitlistOffer.objects.get()
    hold = rows.Appointment.every.get(pk=offer.appointment_id)
    assert (hold.status, hold.patient_id, hold.start) == ("proposed", patient.pk, start)
    assert hold.hold_expires_at == offer.expires_at  # never held beyond the window

    # Nobody else books it meanwhile: the database's guards count the hold.
    desk = client_for(receptionist.user)
    walk_in = factories.patient()
    walk_in_ref = factories.found_by(receptionist.user, walk_in)
    assert book(desk, doctor, start, patient_ref=walk_in_ref).status_code == 409

    token = the_offer(as_patient)["token"]
    taken = as_patient.post(f"{WAITLIST}offers/{token}/accept/")
    assert taken.status_code == 201, taken.json()
    assert taken.json()["appointment_id"] == str(hold.pk)  # the hold, booked in place
    assert rows.Appointment.objects.get(pk=hold.pk).status == "booked"


def test_an_expired_offer_lets_its_hold_go(
    as_patient: APIClient, client_for: Client, doctor: rows.Doctor, receptionist: rows.Receptionist
) -> None:
    join(as_patient, doctor)
    start = cancelled_slot(doctor, client_for)
    relay()
    offer = rows.WaitlistOffer.objects.get()
    assert build_bus(clock=lambda: offer.expires_at).handle(commands.ExpireOffer(offer_id=offer.pk))
    assert rows.Appointment.every.get(pk=offer.appointment_id).status == "released"
    walk_in = factories.patient()
    walk_in_ref = factories.found_by(receptionist.user, walk_in)
    assert (
        book(client_for(receptionist.user), doctor, start, patient_ref=walk_in_ref).status_code
        == 201
    )


def test_the_clinics_window_is_used(
    as_patient: APIClient, client_for: Client, doctor: rows.Doctor
) -> None:
    rows.Clinic.objects.filter(pk=doctor.clinics.get().pk).update(waitlist_offer_minutes=30)
    join(as_patient, doctor)
    cancelled_slot(doctor, client_for)
    relay()
    offer = rows.WaitlistOffer.objects.get()
    assert offer.expires_at - offer.created_at == timedelta(minutes=30)


def test_an_afternoon_wish_is_not_offered_a_morning_slot(
    as_patient: APIClient, client_for: Client, doctor: rows.Doctor
) -> None:
    join(as_patient, doctor, parts=["afternoon", "evening"])
    cancelled_slot(doctor, client_for)
    relay()
    assert not rows.WaitlistOffer.objects.exists()


# -- a doctor's line, for staff ---------------------------------------------------------------


def line_url(doctor: rows.Doctor) -> str:
    return f"/api/doctors/{doctor.pk}/waitlist/?clinic={doctor.clinics.get().pk}"


def move(client: APIClient, doctor: rows.Doctor, entry_id: int, **data: Any) -> Any:
    return client.post(
        f"/api/doctors/{doctor.pk}/waitlist/{entry_id}/move/",
        {"direction": "up", "reason": "Urgent referral", **data},
        format="json",
    )


@pytest.fixture
def line(
    as_patient: APIClient, client_for: Client, other_patient: rows.Patient, doctor: rows.Doctor
) -> tuple[int, int]:
    first = join(as_patient, doctor).json()["id"]
    second = join(client_for(other_patient.user), doctor).json()["id"]
    return first, second


@pytest.mark.parametrize("who", ["doctor", "receptionist", "admin"])
def test_staff_see_the_line_and_move_a_place_with_a_reason(
    who: str,
    client_for: Client,
    doctor: rows.Doctor,
    receptionist: rows.Receptionist,
    line: tuple[int, int],
) -> None:
    user = {"doctor": doctor.user, "receptionist": receptionist.user, "admin": factories.admin()}
    staff = client_for(user[who])
    first, second = line
    seen = staff.get(line_url(doctor))
    assert seen.status_code == 200, seen.json()
    assert [(p["id"], p["position"]) for p in seen.json()] == [(first, 1), (second, 2)]
    assert all(p["patient_name"] for p in seen.json())

    assert move(staff, doctor, second).status_code == 204
    after = staff.get(line_url(doctor)).json()
    assert [p["id"] for p in after] == [second, first]
    (logged,) = after[0]["moves"]
    assert (logged["direction"], logged["reason"]) == ("up", "Urgent referral")
    assert rows.StoredEvent.objects.filter(type="WaitlistEntryMoved").count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"direction": "sideways"}, "direction"),
        ({"reason": "x" * 301}, "reason"),
    ],
)
def test_a_move_without_a_reason_is_a_400(
    as_doctor: APIClient,
    doctor: rows.Doctor,
    line: tuple[int, int],
    data: dict[str, str],
    field: str,
) -> None:
    response = move(as_doctor, doctor, line[1], **data)
    assert response.status_code == 400 and field in response.json()
    assert not rows.WaitlistMove.objects.exists()


@pytest.mark.parametrize("who", ["patient", "other_doctor", "unverified", "other_desk"])
def test_others_do_not_find_the_line(
    who: str,
    client_for: Client,
    patient: rows.Patient,
    doctor: rows.Doctor,
    line: tuple[int, int],
) -> None:
    users = {
        "patient": lambda: patient.user,
        "other_doctor": lambda: factories.doctor().user,
        "unverified": lambda: factories.doctor(doctor.clinics.get(), verified=False).user,
        "other_desk": lambda: factories.receptionist(factories.clinic()).user,
    }
    outsider = client_for(users[who]())
    assert outsider.get(line_url(doctor)).status_code == 404
    assert move(outsider, doctor, line[1]).status_code == 404
    assert not rows.WaitlistMove.objects.exists()


def test_an_unverified_doctor_of_their_own_line_finds_nothing(
    client_for: Client, doctor: rows.Doctor, line: tuple[int, int]
) -> None:
    rows.Doctor.objects.filter(pk=doctor.pk).update(verified=False)
    assert client_for(doctor.user).get(line_url(doctor)).status_code == 404


def test_a_move_names_the_doctors_own_entry(
    as_receptionist: APIClient, doctor: rows.Doctor, line: tuple[int, int]
) -> None:
    other = factories.doctor(doctor.clinics.get())
    assert move(as_receptionist, other, line[1]).status_code == 404
    assert move(as_receptionist, doctor, 2**70).status_code == 404
    assert as_receptionist.get(f"/api/doctors/{doctor.pk}/waitlist/").status_code == 400


def test_the_visitor_is_asked_to_sign_in(visitor: APIClient, doctor: rows.Doctor) -> None:
    assert visitor.get(line_url(doctor)).status_code == 401
    assert visitor.post(f"{WAITLIST}offers/x.y/accept/").status_code == 401


def test_a_wish_starts_on_the_clinics_today(as_patient: APIClient, doctor: rows.Doctor) -> None:
    today = datetime.now(ZoneInfo(doctor.clinics.get().timezone)).date()
    created = join(as_patient, doctor, first_day=today.isoformat(), last_day=today.isoformat())
    assert created.status_code == 201, created.json()
    yesterday = (today - timedelta(days=1)).isoformat()
    assert "first_day" in join(as_patient, doctor, first_day=yesterday).json()
