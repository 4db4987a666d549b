"""Public reads: specialties, clinics, doctors and their free slots."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.conftest import Client

pytestmark = pytest.mark.django_db


def starts(body: dict[str, object]) -> list[datetime]:
    slots = body["slots"]
    assert isinstance(slots, list)
    return [datetime.fromisoformat(slot["start"]) for slot in slots]


def test_specialties_are_public(visitor: APIClient) -> None:
    factories.specialty("cardiology")
    factories.specialty("dermatology")

    response = visitor.get("/api/specialties/")

    assert response.status_code == 200
    assert [s["slug"] for s in response.json()] == ["cardiology", "dermatology"]


def test_clinics_list_is_public_and_paginated(visitor: APIClient) -> None:
    factories.clinic(city="Tehran")
    factories.clinic(city="Shiraz")

    everything = visitor.get("/api/clinics/").json()
    shiraz = visitor.get("/api/clinics/", {"city": "shiraz"}).json()
    one = visitor.get("/api/clinics/", {"limit": 1}).json()

    assert everything["count"] == 2
    assert {c["city"] for c in everything["results"]} == {"Tehran", "Shiraz"}
    assert [c["city"] for c in shiraz["results"]] == ["Shiraz"]
    assert len(one["results"]) == 1
    assert one["next"] is not None


def test_clinic_detail_lists_its_verified_doctors(visitor: APIClient, clinic: rows.Clinic) -> None:
    verified = factories.doctor(clinic)
    factories.doctor(clinic, verified=False)

    response = visitor.get(f"/api/clinics/{clinic.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == clinic.name
    assert body["timezone"] == "Asia/Tehran"
    assert [d["id"] for d in body["doctors"]] == [verified.pk]


def test_an_unknown_clinic_is_404(visitor: APIClient) -> None:
    assert visitor.get("/api/clinics/999999/").status_code == 404


def test_doctors_list_shows_verified_doctors_only(visitor: APIClient, clinic: rows.Clinic) -> None:
    verified = factories.doctor(clinic)
    factories.doctor(clinic, verified=False)

    body = visitor.get("/api/doctors/").json()

    assert [d["id"] for d in body["results"]] == [verified.pk]
    listed = body["results"][0]
    assert listed["specialty"] == {
        "slug": "cardiology",
        "name": "Cardiology",
        "name_display": "Cardiology",
    }
    assert listed["clinics"][0]["id"] == clinic.pk
    assert listed["verified"] is True


def test_doctors_filter_by_specialty_city_and_clinic(visitor: APIClient) -> None:
    tehran, shiraz = factories.clinic(city="Tehran"), factories.clinic(city="Shiraz")
    heart = factories.doctor(tehran)
    skin = factories.doctor(shiraz)
    skin.specialty = factories.specialty("dermatology")
    skin.save()

    def ids(**params: Any) -> list[int]:
        return [d["id"] for d in visitor.get("/api/doctors/", params).json()["results"]]

    assert ids(specialty="dermatology") == [skin.pk]
    assert ids(city="tehran") == [heart.pk]
    assert ids(clinic=shiraz.pk) == [skin.pk]
    assert ids(specialty="cardiology", city="Shiraz") == []


def test_a_bad_doctor_filter_is_400(visitor: APIClient) -> None:
    response = visitor.get("/api/doctors/", {"clinic": "abc"})

    assert response.status_code == 400
    assert "clinic" in response.json()


def test_doctor_detail_hides_unverified_doctors_but_from_themselves(
    visitor: APIClient, client_for: Client, clinic: rows.Clinic
) -> None:
    pending = factories.doctor(clinic, verified=False)

    assert visitor.get(f"/api/doctors/{pending.pk}/").status_code == 404
    own = client_for(pending.user).get(f"/api/doctors/{pending.pk}/")
    assert own.status_code == 200
    assert own.json()["verified"] is False


def test_doctor_detail(visitor: APIClient, doctor: rows.Doctor) -> None:
    response = visitor.get(f"/api/doctors/{doctor.pk}/")

    assert response.status_code == 200
    assert response.json()["licence_number"] == doctor.licence_number


# -- free slots ----------------------------------------------------------------------------------


def test_free_slots_of_a_day(visitor: APIClient, doctor: rows.Doctor, clinic: rows.Clinic) -> None:
    day = factories.slot_start(clinic).date()

    response = visitor.get(
        f"/api/doctors/{doctor.pk}/slots/", {"from": day.isoformat(), "to": day.isoformat()}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["doctor"], body["clinic"], body["timezone"]) == (
        doctor.pk,
        clinic.pk,
        "Asia/Tehran",
    )
    local = [s.astimezone(ZoneInfo(clinic.timezone)).strftime("%H:%M") for s in starts(body)]
    # 10:00-17:00 in 30-minute slots, lunch 13:00-14:00 taken out
    assert local[0] == "10:00"
    assert local[-1] == "16:30"
    assert "13:00" not in local and "13:30" not in local
    assert len(local) == 12


def test_free_slots_leave_out_booked_ones(
    visitor: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    taken = factories.slot_start(clinic, hour=11)
    factories.appointment(doctor, factories.patient(), taken)
    day = taken.date().isoformat()

    body = visitor.get(f"/api/doctors/{doctor.pk}/slots/", {"from": day, "to": day}).json()

    assert taken not in starts(body)
    assert factories.slot_start(clinic, hour=10) in starts(body)


def test_free_slots_default_to_a_week_from_today(visitor: APIClient, doctor: rows.Doctor) -> None:
    body = visitor.get(f"/api/doctors/{doctor.pk}/slots/").json()

    first, last = (datetime.fromisoformat(body[k]).date() for k in ("first_day", "last_day"))
    assert last - first == timedelta(days=6)
    assert len(starts(body)) >= 12 * 6


def test_slots_with_to_before_from_are_400(visitor: APIClient, doctor: rows.Doctor) -> None:
    response = visitor.get(
        f"/api/doctors/{doctor.pk}/slots/", {"from": "2030-01-10", "to": "2030-01-09"}
    )

    assert response.status_code == 400
    assert "to" in response.json()


def test_slots_ask_for_at_most_31_days(visitor: APIClient, doctor: rows.Doctor) -> None:
    response = visitor.get(
        f"/api/doctors/{doctor.pk}/slots/", {"from": "2030-01-01", "to": "2030-02-01"}
    )

    assert response.status_code == 400
    assert "to" in response.json()


def test_slots_with_a_bad_date_are_400(visitor: APIClient, doctor: rows.Doctor) -> None:
    response = visitor.get(f"/api/doctors/{doctor.pk}/slots/", {"from": "2030-02-30"})

    assert response.status_code == 400
    assert "from" in response.json()


def test_slots_of_an_unknown_doctor_are_404(visitor: APIClient) -> None:
    assert visitor.get("/api/doctors/999999/slots/").status_code == 404


def test_slots_need_the_clinic_when_the_doctor_has_several(
    visitor: APIClient, doctor: rows.Doctor
) -> None:
    second = factories.clinic()
    doctor.clinics.add(second)
    rows.Schedule.objects.create(doctor=doctor, clinic=second)

    ambiguous = visitor.get(f"/api/doctors/{doctor.pk}/slots/")
    named = visitor.get(f"/api/doctors/{doctor.pk}/slots/", {"clinic": second.pk})
    foreign = visitor.get(f"/api/doctors/{doctor.pk}/slots/", {"clinic": factories.clinic().pk})

    assert ambiguous.status_code == 400
    assert "clinic" in ambiguous.json()
    assert named.status_code == 200
    assert named.json()["slots"] == []  # no hours set up there yet
    assert foreign.status_code == 400
    assert "clinic" in foreign.json()
