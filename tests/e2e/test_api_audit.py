"""The audit trail through the site: changes and reads recorded with who, as what, from where;
admins read it (API with filters and pages, admin pages) and no one changes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from scheduler.adapters import outbox
from scheduler.adapters.audit.models import AuditEntry
from scheduler.adapters.notify.models import Notification
from scheduler.adapters.orm import models as rows
from scheduler.config import bootstrap
from scheduler.config.bootstrap import build_bus
from tests import factories
from tests.e2e.conftest import Client as ApiClientFor

pytestmark = pytest.mark.django_db

AUDIT = "/api/audit/"


def book(client: APIClient, doctor: rows.Doctor, **extra: Any) -> str:
    clinic = doctor.clinics.get()
    answer = client.post(
        "/api/appointments/",
        {
            "doctor_id": doctor.pk,
            "clinic_id": clinic.pk,
            "start": factories.slot_start(clinic).isoformat(),
            **extra,
        },
        format="json",
    )
    assert answer.status_code == 201, answer.data
    appointment_id: str = answer.json()["id"]
    return appointment_id


def entries(**where: Any) -> list[tuple[str, str, str | None]]:
    """(action, username, ip) of the entries matching ``where``, oldest first."""
    return [
        (e.action, e.actor_username, e.ip)
        for e in AuditEntry.objects.filter(**where).order_by("at", "id")
    ]


# -- changes -----------------------------------------------------------------------------------


def test_booking_and_cancelling_are_recorded_with_who_as_what_from_where(
    as_patient: APIClient,
    patient: rows.Patient,
    doctor: rows.Doctor,
    as_receptionist: APIClient,
    receptionist: rows.Receptionist,
) -> None:
    appointment_id = book(as_patient, doctor)

    cancelled = as_receptionist.post(f"/api/appointments/{appointment_id}/cancel/", format="json")

    assert cancelled.status_code == 200
    changes = AuditEntry.objects.filter(object_id=appointment_id).exclude(action__endswith=".read")
    assert [
        (e.action, e.actor_id, e.actor_username, e.actor_role, e.ip, e.object_type)
        for e in changes.order_by("at", "id")
    ] == [
        (
            "AppointmentBooked",
            patient.user.pk,
            "",  # a patient by id only: the trail outlives their asking to be forgotten
            "patient",
            "127.0.0.1",
            "appointment",
        ),
        (
            "AppointmentCancelled",
            receptionist.user.pk,
            receptionist.user.username,
            "receptionist",
            "127.0.0.1",
            "appointment",
        ),
    ]
    events = rows.StoredEvent.objects.filter(aggregate_id=appointment_id)
    assert {e.detail["event_id"] for e in changes} == {
        str(pk) for pk in events.values_list("pk", flat=True)
    }


def test_a_refused_change_records_nothing(
    as_patient: APIClient, doctor: rows.Doctor, client_for: ApiClientFor
) -> None:
    appointment_id = book(as_patient, doctor)
    count = AuditEntry.objects.count()

    refused = client_for(factories.patient().user).post(
        f"/api/appointments/{appointment_id}/cancel/", format="json"
    )

    assert refused.status_code == 404
    assert AuditEntry.objects.count() == count


def test_signing_up_is_recorded_as_a_visitor_from_their_address(visitor: APIClient) -> None:
    answer = visitor.post(
        "/api/auth/register/",
        {"username": "newcomer", "password": "a long pass phrase", "role": "patient"},
        format="json",
        REMOTE_ADDR="203.0.113.9",
    )

    assert answer.status_code == 201, answer.data
    [entry] = AuditEntry.objects.filter(action="UserRegistered")
    assert (entry.actor_id, entry.actor_role, entry.ip) == (None, "visitor", "203.0.113.9")
    assert entry.object_id == str(rows.User.objects.get(username="newcomer").pk)


# -- reads -------------------------------------------------------------------------------------


def test_a_doctor_reading_a_patients_appointment_is_recorded_the_patient_reading_it_is_not(
    as_patient: APIClient, as_doctor: APIClient, doctor: rows.Doctor
) -> None:
    appointment_id = book(as_patient, doctor)

    assert as_patient.get(f"/api/appointments/{appointment_id}/").status_code == 200
    assert as_patient.get("/api/appointments/").json()["count"] == 1
    assert entries(action="appointment.read") == []

    assert as_doctor.get(f"/api/appointments/{appointment_id}/").status_code == 200

    [entry] = AuditEntry.objects.filter(action="appointment.read")
    assert (entry.actor_username, entry.actor_role, entry.object_type, entry.object_id) == (
        doctor.user.username,
        "doctor",
        "appointment",
        appointment_id,
    )
    assert entry.ip == "127.0.0.1"


def test_an_appointment_not_shown_is_not_recorded_as_read(
    as_patient: APIClient, doctor: rows.Doctor, client_for: ApiClientFor
) -> None:
    appointment_id = book(as_patient, doctor)

    answer = client_for(factories.doctor().user).get(f"/api/appointments/{appointment_id}/")

    assert answer.status_code == 404
    assert entries(action="appointment.read") == []


def test_a_list_records_each_appointment_on_the_page_it_shows(
    doctor: rows.Doctor, as_doctor: APIClient
) -> None:
    booked = [
        str(
            build_bus()
            .handle(factories.booking(doctor, factories.patient(), hour=h))
            .appointment_id
        )
        for h in (10, 11, 12)
    ]

    page = as_doctor.get("/api/appointments/", {"limit": 2}).json()

    shown = [row["id"] for row in page["results"]]
    assert shown == booked[:2]
    assert sorted(
        e.object_id for e in AuditEntry.objects.filter(action="appointment.read")
    ) == sorted(shown)


def test_a_token_signed_in_reader_is_named(as_patient: APIClient, doctor: rows.Doctor) -> None:
    """The API signs a token's user in inside the view, after the middleware: still named."""
    appointment_id = book(as_patient, doctor)
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(doctor.user)}")

    assert reader.get(f"/api/appointments/{appointment_id}/").status_code == 200

    assert entries(action="appointment.read") == [
        ("appointment.read", doctor.user.username, "127.0.0.1")
    ]


def test_the_desk_snapshot_records_the_days_appointments(
    as_patient: APIClient,
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    as_receptionist: APIClient,
    receptionist: rows.Receptionist,
) -> None:
    appointment_id = book(as_patient, doctor)
    day = factories.slot_start(clinic).date().isoformat()

    answer = as_receptionist.get(f"/api/live/desk/{clinic.pk}/", {"date": day})

    assert [a["id"] for a in answer.json()["appointments"]] == [appointment_id]
    assert entries(action="appointment.read", object_id=appointment_id) == [
        ("appointment.read", receptionist.user.username, "127.0.0.1")
    ]


def test_a_grid_snapshot_records_the_bookings_it_names_and_only_those(
    as_patient: APIClient, doctor: rows.Doctor, as_doctor: APIClient, visitor: APIClient
) -> None:
    appointment_id = book(as_patient, doctor)

    visitor.get(f"/api/live/slots/{doctor.pk}/", {"days": 3})  # taken, but not by whom
    as_patient.get(f"/api/live/slots/{doctor.pk}/", {"days": 3})  # their own
    assert entries(action="appointment.read") == []

    as_doctor.get(f"/api/live/slots/{doctor.pk}/", {"days": 3})

    assert entries(action="appointment.read", object_id=appointment_id) == [
        ("appointment.read", doctor.user.username, "127.0.0.1")
    ]


def test_looking_patients_up_records_each_patient_found(
    as_receptionist: APIClient, receptionist: rows.Receptionist
) -> None:
    found = factories.patient(last_name="Tehrani")
    factories.patient(last_name="Shirazi")
    past = factories.slot_start(receptionist.clinic, days_ahead=-7)
    factories.appointment(factories.doctor(receptionist.clinic), found, past, status="fulfilled")

    answer = as_receptionist.get("/api/patients/", {"q": "Tehrani"})

    assert [p["id"] for p in answer.json()["results"]] == [found.pk]
    assert entries(action="patient.read", object_type="patient", object_id=str(found.pk)) == [
        ("patient.read", receptionist.user.username, "127.0.0.1")
    ]
    assert AuditEntry.objects.filter(action="patient.read").count() == 1


@pytest.mark.parametrize(
    ("trusted", "forwarded", "recorded"),
    [
        ([], "198.51.100.4", "127.0.0.1"),
        (["127.0.0.1"], "198.51.100.4", "198.51.100.4"),
    ],
)
def test_a_forwarded_address_is_believed_from_a_trusted_proxy_only(
    settings: Any,
    as_patient: APIClient,
    doctor: rows.Doctor,
    as_doctor: APIClient,
    trusted: list[str],
    forwarded: str,
    recorded: str,
) -> None:
    settings.TRUSTED_PROXIES = trusted
    appointment_id = book(as_patient, doctor)

    as_doctor.get(f"/api/appointments/{appointment_id}/", HTTP_X_FORWARDED_FOR=forwarded)

    [entry] = AuditEntry.objects.filter(action="appointment.read")
    assert entry.ip == recorded


# -- reading the trail: the API ------------------------------------------------------------------


@pytest.fixture
def trail(as_patient: APIClient, doctor: rows.Doctor, as_doctor: APIClient) -> str:
    """A booking by the patient (from 127.0.0.1) and two reads of it by the doctor (one from
    another address), after the doctor's hours were set up (by the site: "system"); the
    appointment's id."""
    appointment_id = book(as_patient, doctor)
    as_doctor.get(f"/api/appointments/{appointment_id}/")
    as_doctor.get(f"/api/appointments/{appointment_id}/", REMOTE_ADDR="198.51.100.7")
    return appointment_id


def test_anyone_but_an_admin_is_refused(
    trail: str, visitor: APIClient, as_patient: APIClient, as_doctor: APIClient
) -> None:
    assert visitor.get(AUDIT).status_code == 401
    assert as_patient.get(AUDIT).status_code == 403
    assert as_doctor.get(AUDIT).json()["code"] == "not_allowed"


def test_an_admin_reads_the_trail_newest_first(
    trail: str, as_admin: APIClient, patient: rows.Patient
) -> None:
    answer = as_admin.get(AUDIT).json()

    assert answer["count"] == 4
    assert [e["action"] for e in answer["results"]] == [
        "appointment.read",
        "appointment.read",
        "AppointmentBooked",
        "AvailabilityChanged",
    ]
    booked = answer["results"][2]
    assert set(booked) == {
        "id",
        "at",
        "actor_id",
        "actor_username",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "ip",
        "detail",
    }
    assert (booked["actor_id"], booked["actor_role"], booked["object_id"]) == (
        patient.user.pk,
        "patient",
        trail,
    )
    assert booked["detail"]["patient_id"] == str(patient.pk)


def test_the_trail_is_filtered(
    trail: str, as_admin: APIClient, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    def count(**filters: Any) -> int:
        answer = as_admin.get(AUDIT, filters)
        assert answer.status_code == 200, answer.data
        found: int = answer.json()["count"]
        return found

    now = datetime.now(UTC)
    assert count(actor=doctor.user.pk) == 2
    assert count(actor=patient.user.pk, action="AppointmentBooked") == 1
    assert count(role="doctor") == 2
    assert count(role="admin") == 0
    assert count(role="system", object_type="doctor", object_id=doctor.pk) == 1
    assert count(action="appointment.read") == 2
    assert count(object_type="appointment", object_id=trail) == 3
    assert count(object_id="no-such-thing") == 0
    assert count(ip="198.51.100.7") == 1
    assert count(ip="127.0.0.1") == 2
    assert count(since=(now - timedelta(minutes=5)).isoformat()) == 4
    assert count(since=(now + timedelta(minutes=5)).isoformat()) == 0
    assert count(until=(now - timedelta(minutes=5)).isoformat()) == 0
    assert count(until=(now + timedelta(minutes=5)).isoformat(), role="patient") == 1


def test_the_trail_comes_in_pages(trail: str, as_admin: APIClient) -> None:
    first = as_admin.get(AUDIT, {"limit": 2}).json()
    rest = as_admin.get(AUDIT, {"limit": 2, "offset": 2}).json()

    assert (first["count"], len(first["results"]), len(rest["results"])) == (4, 2, 2)
    assert first["next"] and rest["next"] is None
    assert {e["id"] for e in first["results"]}.isdisjoint(e["id"] for e in rest["results"])


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"since": "2025-03-01T10:00:00"}, "since"),  # no offset: which zone?
        ({"since": "9999-01-01T00:00:00Z"}, "since"),
        ({"since": "2025-03-02T00:00:00Z", "until": "2025-03-01T00:00:00Z"}, "until"),
        ({"role": "pharaoh"}, "role"),
        ({"ip": "300.1.1.1"}, "ip"),
        ({"actor": str(2**40)}, "actor"),
        ({"actor": "me"}, "actor"),
        ({"object_id": "x" * 65}, "object_id"),
        ({"limit": "x"}, None),  # pagination is lenient, as on every list
    ],
)
def test_bad_filters_are_a_400_naming_the_field(
    as_admin: APIClient, filters: dict[str, str], field: str | None
) -> None:
    answer = as_admin.get(AUDIT, filters)

    if field is None:
        assert answer.status_code == 200
        return
    assert answer.status_code == 400
    assert field in answer.json()


def test_the_trail_is_in_the_api_schema(as_admin: APIClient) -> None:
    schema = as_admin.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"][AUDIT]["get"]
    assert operation["operationId"] == "audit_list"
    assert {p["name"] for p in operation["parameters"]} >= {
        "actor",
        "role",
        "action",
        "object_type",
        "object_id",
        "ip",
        "since",
        "until",
        "limit",
        "offset",
    }


# -- reading the trail: the admin ----------------------------------------------------------------


@pytest.fixture
def admin_page() -> Client:
    client = Client()
    client.force_login(factories.admin())
    return client


def test_the_admin_lists_searches_and_filters_the_trail(
    trail: str, admin_page: Client, doctor: rows.Doctor
) -> None:
    listed = admin_page.get("/admin/audit/auditentry/")
    by_name = admin_page.get("/admin/audit/auditentry/", {"q": doctor.user.username})
    by_ip = admin_page.get("/admin/audit/auditentry/", {"q": "198.51.100.7"})
    reads = admin_page.get("/admin/audit/auditentry/", {"action": "appointment.read"})

    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 4
    assert by_name.context["cl"].result_count == 2
    assert by_ip.context["cl"].result_count == 1
    assert reads.context["cl"].result_count == 2
    page = listed.content.decode()
    assert "Add audit entry" not in page and "Delete selected" not in page
    # to the second, with the zone, in the reader's calendar
    entry = AuditEntry.objects.filter(object_id=trail).earliest("at")
    shown = f"{entry.at:%A} {entry.at.day} {entry.at:%B %Y %H:%M:%S}"
    assert f'{shown} <bdi dir="ltr" class="zone">(UTC)</bdi>' in page


def test_the_admin_refuses_to_add_change_or_delete_an_entry(trail: str, admin_page: Client) -> None:
    entry = AuditEntry.objects.filter(object_id=trail).earliest("at")
    kept = AuditEntry.objects.values().get(pk=entry.pk)
    base = "/admin/audit/auditentry/"

    assert admin_page.get(f"{base}add/").status_code == 403
    assert admin_page.post(f"{base}add/", {"action": "x"}).status_code == 403
    assert admin_page.get(f"{base}{entry.pk}/delete/").status_code == 403
    assert admin_page.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    viewed = admin_page.get(f"{base}{entry.pk}/change/")
    assert viewed.status_code == 200 and 'name="_save"' not in viewed.content.decode()
    admin_page.post(f"{base}{entry.pk}/change/", {"actor_username": "someone"})

    assert AuditEntry.objects.values().get(pk=entry.pk) == kept


def test_an_admin_reading_patients_records_in_the_admin_is_recorded(
    as_patient: APIClient, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    # Found in review: the one role that reads the trail left no trace browsing the admin.
    appointment_id = book(as_patient, doctor)
    admin = factories.admin()
    page = Client()
    page.force_login(admin)

    for path in (
        "/admin/orm/appointment/",
        f"/admin/orm/appointment/{appointment_id}/change/",
        f"/admin/orm/patient/{patient.pk}/change/",
        f"/admin/orm/user/{patient.user.pk}/change/",
        f"/admin/orm/user/{doctor.user.pk}/change/",  # not a patient's: nothing to record
    ):
        assert page.get(path).status_code == 200

    assert [
        (e.action, e.object_id)
        for e in AuditEntry.objects.filter(actor_username=admin.username).order_by("id")
    ] == [
        ("appointment.read", appointment_id),
        ("appointment.read", appointment_id),
        ("patient.read", str(patient.pk)),
        ("patient.read", str(patient.pk)),
    ]


def test_an_admin_reading_others_messages_is_recorded_ones_own_are_not(
    as_patient: APIClient, doctor: rows.Doctor, patient: rows.Patient, as_admin: APIClient
) -> None:
    appointment_id = book(as_patient, doctor)
    outbox.relay_pending(bootstrap.event_handlers())  # the confirmation is planned
    assert Notification.objects.filter(appointment_id=appointment_id).exists()
    before = AuditEntry.objects.count()

    as_patient.get("/api/notifications/")
    own = AuditEntry.objects.count() - before
    as_admin.get("/api/notifications/")

    assert own == 0
    assert AuditEntry.objects.filter(action="appointment.read", object_id=appointment_id).exists()


def test_the_admin_page_of_an_entry_explains_its_action_in_full(
    trail: str, admin_page: Client
) -> None:
    # Found in review: the help text's "<kind>" was taken for an HTML tag and vanished.
    entry = AuditEntry.objects.first()
    assert entry is not None

    page = admin_page.get(f"/admin/audit/auditentry/{entry.pk}/change/").content.decode()

    assert "An event's name, or a read such as 'appointment.read'." in page
