"""Documents on an appointment through the API: every role's view of them, the download's
headers, the 400s of an upload, and no file left in the private storage by a refused one."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from scheduler.adapters import outbox
from scheduler.adapters.audit.models import AuditEntry
from scheduler.adapters.orm import models as rows
from scheduler.config import bootstrap
from scheduler.domain import documents
from tests import factories
from tests.e2e.conftest import Client
from tests.images import image_bytes
from tests.unit.test_documents import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(settings: Any, tmp_path: Path) -> Path:
    folder = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    return folder


def kept_files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


@pytest.fixture
def visit(doctor: rows.Doctor, patient: rows.Patient) -> rows.Appointment:
    return factories.appointment(doctor, patient, factories.slot_start(doctor.clinics.get()))


def url(appointment: rows.Appointment | str, tail: str = "") -> str:
    appointment_id = appointment if isinstance(appointment, str) else appointment.pk
    return f"/api/appointments/{appointment_id}/documents/{tail}"


def attach(
    client: APIClient,
    appointment: rows.Appointment | str,
    content: bytes = PDF,
    name: str = "results.pdf",
    content_type: str = "application/pdf",
) -> Any:
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(url(appointment), {"file": upload}, format="multipart")


def test_a_patient_attaches_lists_downloads_and_removes_a_document(
    as_patient: APIClient, visit: rows.Appointment, private_storage: Path
) -> None:
    created = attach(as_patient, visit, name="../../آزمایش\u202eفدپ.exe")
    assert created.status_code == 201, created.json()
    document = created.json()
    assert document["name"] == "آزمایشفدپ.pdf"
    assert (document["kind"], document["content_type"]) == ("pdf", "application/pdf")
    assert (document["size"], document["mine"]) == (len(PDF), True)
    assert document["url"] == url(visit, f"{document['id']}/file")
    assert as_patient.get(url(visit)).json() == [document]
    (kept,) = kept_files(private_storage)
    assert kept.read_bytes() == PDF and "آزمایش" not in kept.name

    download = as_patient.get(document["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-store"
    assert download["Content-Security-Policy"].startswith("sandbox")
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert disposition.endswith("filename*=UTF-8''" + urllib.parse.quote("آزمایشفدپ.pdf"))

    assert as_patient.delete(url(visit, f"{document['id']}/")).status_code == 204
    assert as_patient.get(url(visit)).json() == []
    assert as_patient.get(document["url"]).status_code == 404
    outbox.relay_pending(bootstrap.event_handlers())  # the removal's event drops the file
    assert kept_files(private_storage) == []
    types = list(rows.StoredEvent.objects.order_by("occurred_at").values_list("type", flat=True))
    assert types == ["DocumentAttached", "DocumentRemoved"]


ROLES = [
    # who, listing and downloading, attaching, removing the patient's document
    ("patient", 200, 201, 204),
    ("other patient", 404, 404, 404),
    ("doctor", 200, 403, 403),
    ("other doctor", 404, 404, 404),
    ("unverified doctor", 404, 404, 404),
    ("receptionist", 200, 403, 403),
    ("other receptionist", 404, 404, 404),
    ("admin", 403, 403, 403),
    ("anonymous", 401, 401, 401),
]


def client_of(who: str, client_for: Client, visit: rows.Appointment) -> APIClient:
    doctor, clinic = visit.doctor, visit.clinic
    match who:
        case "patient":
            return client_for(visit.patient.user)
        case "other patient":
            return client_for(factories.patient().user)
        case "doctor":
            return client_for(doctor.user)
        case "other doctor":
            return client_for(factories.doctor(clinic).user)
        case "unverified doctor":
            rows.Doctor.objects.filter(pk=doctor.pk).update(verified=False)
            return client_for(doctor.user)
        case "receptionist":
            return client_for(factories.receptionist(clinic).user)
        case "other receptionist":
            return client_for(factories.receptionist(factories.clinic()).user)
        case "admin":
            return client_for(factories.admin())
    return client_for(None)


@pytest.mark.parametrize(("who", "reads", "attaches", "removes"), ROLES)
def test_who_reads_attaches_and_removes(
    who: str,
    reads: int,
    attaches: int,
    removes: int,
    client_for: Client,
    visit: rows.Appointment,
    private_storage: Path,
) -> None:
    document = attach(client_for(visit.patient.user), visit).json()
    client = client_of(who, client_for, visit)

    listed = client.get(url(visit))
    assert listed.status_code == reads
    download = client.get(document["url"])
    assert download.status_code == reads
    if reads == 200:
        assert [d["id"] for d in listed.json()] == [document["id"]]
        assert listed.json()[0]["mine"] is (who == "patient")
        assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    else:
        assert "Content-Disposition" not in download and download.json()["code"]
    answer = attach(client, visit)
    assert answer.status_code == attaches
    assert client.delete(url(visit, f"{document['id']}/")).status_code == removes
    left = (removes != 204) + (attaches == 201)
    assert rows.AppointmentDocument.objects.count() == left
    outbox.relay_pending(bootstrap.event_handlers())  # a removed file goes after commit
    assert len(kept_files(private_storage)) == left


def test_a_staff_download_is_in_the_audit_trail_and_the_patients_own_is_not(
    client_for: Client, visit: rows.Appointment, receptionist: rows.Receptionist
) -> None:
    document = attach(client_for(visit.patient.user), visit).json()
    client_for(visit.patient.user).get(document["url"])
    assert not AuditEntry.objects.filter(action="document.read").exists()
    client_for(receptionist.user).get(document["url"])
    entry = AuditEntry.objects.get(action="document.read")
    assert (entry.object_id, entry.actor_id) == (str(document["id"]), receptionist.user.pk)


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        pytest.param(b"", "empty.pdf", "application/pdf", id="empty"),
        pytest.param(b"MZ\x90\x00" + b"\x00" * 64, "scan.pdf", "application/pdf", id="exe"),
        pytest.param(b"<html><script>x</script>", "r.pdf", "application/pdf", id="html"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"garbage" * 50, "x.png", "image/png", id="fake png"),
        pytest.param(image_bytes("JPEG")[:-200], "cut.jpg", "image/jpeg", id="cut jpeg"),
        pytest.param(b"GIF89a" + b"\x00" * 20, "a.gif", "image/gif", id="gif"),
    ],
)
def test_a_file_that_is_no_document_is_a_400_and_leaves_nothing(
    as_patient: APIClient,
    visit: rows.Appointment,
    private_storage: Path,
    content: bytes,
    name: str,
    content_type: str,
) -> None:
    response = attach(as_patient, visit, content, name, content_type)
    assert response.status_code == 400, response.json()
    assert response.json()["file"]
    assert not rows.AppointmentDocument.objects.exists()
    assert not rows.StoredEvent.objects.exists()
    assert kept_files(private_storage) == []


def test_no_file_and_a_file_too_large_are_400s(
    as_patient: APIClient, visit: rows.Appointment, private_storage: Path
) -> None:
    assert as_patient.post(url(visit), {}, format="multipart").status_code == 400
    too_big = PDF[:5] + b" " * documents.MAX_BYTES + PDF[5:]
    response = attach(as_patient, visit, too_big)
    assert response.status_code == 400 and "10 MB" in response.json()["file"][0]
    assert kept_files(private_storage) == []


def test_images_are_kept_as_sent_and_served_as_their_kind(
    as_patient: APIClient, visit: rows.Appointment
) -> None:
    png = image_bytes("PNG", (300, 200))
    document = attach(as_patient, visit, png, "photo.jpg", "image/jpeg").json()
    assert (document["name"], document["content_type"]) == ("photo.png", "image/png")
    download = as_patient.get(document["url"])
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == png  # type: ignore[attr-defined]


def test_the_count_limit_and_a_cancelled_visit_refuse_and_leave_no_file(
    as_patient: APIClient, visit: rows.Appointment, private_storage: Path
) -> None:
    for _ in range(documents.MAX_PER_APPOINTMENT):
        assert attach(as_patient, visit).status_code == 201
    refused = attach(as_patient, visit)
    assert refused.status_code == 400 and refused.json()["file"]
    assert len(kept_files(private_storage)) == documents.MAX_PER_APPOINTMENT

    rows.Appointment.objects.filter(pk=visit.pk).update(status="cancelled")
    rows.AppointmentDocument.objects.all().delete()
    cancelled = attach(as_patient, visit)
    assert cancelled.status_code == 409
    assert len(kept_files(private_storage)) == documents.MAX_PER_APPOINTMENT  # none more


def test_unknown_ids_and_another_appointments_document_are_404(
    as_patient: APIClient,
    visit: rows.Appointment,
    doctor: rows.Doctor,
    patient: rows.Patient,
) -> None:
    document = attach(as_patient, visit).json()
    other = factories.appointment(
        doctor, patient, factories.slot_start(doctor.clinics.get(), days_ahead=3)
    )
    assert as_patient.get(url(other, f"{document['id']}/file")).status_code == 404
    assert as_patient.delete(url(other, f"{document['id']}/")).status_code == 404
    assert as_patient.get(url(visit, f"{2**40}/file")).status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert as_patient.get(url(missing)).status_code == 404
    assert attach(as_patient, missing).status_code == 404
    assert as_patient.get(f"/api/appointments/{visit.pk}/documents/x/file").status_code == 404


def test_a_client_asking_for_a_pdf_gets_it_and_a_refusal_as_json(
    as_patient: APIClient, visit: rows.Appointment, as_admin: APIClient
) -> None:
    document = attach(as_patient, visit).json()
    taken = as_patient.get(document["url"], HTTP_ACCEPT="application/pdf")
    assert taken.status_code == 200 and taken["Content-Type"] == "application/pdf"
    refused = as_admin.get(document["url"], HTTP_ACCEPT="application/pdf")
    assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"


def test_a_stored_file_gone_missing_is_a_404_not_a_500(
    as_patient: APIClient, visit: rows.Appointment, private_storage: Path
) -> None:
    document = attach(as_patient, visit).json()
    for kept in kept_files(private_storage):
        kept.unlink()
    assert as_patient.get(document["url"]).status_code == 404


def test_a_patient_who_is_forgotten_takes_their_files_with_them(
    as_patient: APIClient,
    visit: rows.Appointment,
    doctor: rows.Doctor,
    client_for: Client,
    private_storage: Path,
) -> None:
    document = attach(as_patient, visit).json()
    attach(as_patient, visit, image_bytes("PNG"), "x.png", "image/png")
    forgotten = as_patient.post("/api/me/delete/", {"password": factories.PASSWORD}, format="json")
    assert forgotten.status_code == 200, forgotten.json()

    assert not rows.AppointmentDocument.objects.exists()
    assert client_for(doctor.user).get(document["url"]).status_code == 404
    outbox.relay_pending(bootstrap.event_handlers())
    assert kept_files(private_storage) == []
    removed = rows.StoredEvent.objects.filter(type="DocumentRemoved")
    assert removed.count() == 2
