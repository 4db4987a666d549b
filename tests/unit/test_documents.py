"""Documents on an appointment: what a file is (by its bytes), the name kept, who reads, attaches
and removes, and the file storage kept in step with the unit of work (no file without its row)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.domain import access, documents, events
from scheduler.domain.appointment import Appointment, Status
from scheduler.domain.documents import Kind
from scheduler.domain.errors import (
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotFound,
)
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Actor, Role
from scheduler.services import commands
from scheduler.services.documents import drop_removed_file
from scheduler.services.ports import Dependencies
from tests.fakes import FakeDocumentFiles, FakeUnitOfWork, FixedClock, make_bus
from tests.images import image_bytes

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")


# -- what a file is -------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "kind"), [(PDF, Kind.PDF), (PNG, Kind.PNG), (JPEG, Kind.JPEG)])
def test_the_kind_comes_from_the_first_bytes(content: bytes, kind: Kind) -> None:
    assert documents.kind_of(content) is kind


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"MZ\x90\x00\x03" + b"\x00" * 200, id="an exe renamed .pdf"),
        pytest.param(b"<!DOCTYPE html><script>alert(1)</script>", id="html named .pdf"),
        pytest.param(b"<html>" + PDF, id="html with a pdf inside (polyglot)"),
        pytest.param(b" " + PDF, id="a pdf signature not at the start"),
        pytest.param(b"GIF89a\x01\x00\x01\x00", id="a gif"),
        pytest.param(b"PK\x03\x04" + PDF, id="a zip with a pdf inside"),
        pytest.param(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", id="a pdf cut short (no %%EOF)"),
        pytest.param(b"\x89PNG", id="half a png signature"),
    ],
)
def test_anything_else_is_refused_whatever_its_name(content: bytes) -> None:
    with pytest.raises(InvalidInput) as refused:
        documents.kind_of(content)
    assert refused.value.details["field"] == "file"


def test_an_empty_file_and_one_past_the_limit_are_refused() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        documents.kind_of(b"")
    assert documents.kind_of(PDF[:5] + b" " * (documents.MAX_BYTES - len(PDF)) + PDF[5:])
    with pytest.raises(InvalidInput, match="at most"):
        documents.kind_of(PDF[:5] + b" " * (documents.MAX_BYTES + 1 - len(PDF)) + PDF[5:])


# -- the name kept --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kind", "kept"),
    [
        ("lab results.pdf", Kind.PDF, "lab results.pdf"),
        ("../../etc/passwd", Kind.PDF, "passwd.pdf"),
        ("..\\..\\windows\\win.ini", Kind.PDF, "win.pdf"),
        ("C:\\Users\\sara\\scan.JPEG", Kind.JPEG, "scan.jpg"),
        ("photo.png", Kind.JPEG, "photo.jpg"),  # the content decides the extension
        ("invoice\u202egpj.exe", Kind.PDF, "invoicegpj.pdf"),  # right-to-left override
        ("a\u2066b\u2069c\u200fd.pdf", Kind.PDF, "abcd.pdf"),  # isolates and marks
        ("nul\x00byte\x1f.pdf", Kind.PDF, "nulbyte.pdf"),
        ("two\n\tlines  here.pdf", Kind.PDF, "two lines here.pdf"),
        ('what<>:"|?*.pdf', Kind.PDF, "what.pdf"),
        ("آزمایش خون‌ها.pdf", Kind.PDF, "آزمایش خون‌ها.pdf"),  # Persian, ZWNJ kept
        ("\u200c.hidden", Kind.PNG, "hidden.png"),
        (".pdf", Kind.PDF, "document.pdf"),
        ("", Kind.PNG, "document.png"),
        ("../", Kind.PDF, "document.pdf"),
        ("report.final.v2.pdf", Kind.PDF, "report.final.v2.pdf"),
    ],
)
def test_the_name_kept(given: str, kind: Kind, kept: str) -> None:
    assert documents.file_name(given, kind) == kept


def test_a_long_name_is_cut_and_keeps_its_extension() -> None:
    kept = documents.file_name("ن" * 500 + ".pdf", Kind.PDF)
    assert len(kept) == documents.MAX_NAME and kept.endswith("ن.pdf")


def test_an_appointment_holds_a_bounded_number_of_documents() -> None:
    documents.ensure_room(documents.MAX_PER_APPOINTMENT - 1)
    with pytest.raises(InvalidInput):
        documents.ensure_room(documents.MAX_PER_APPOINTMENT)


# -- who reads, attaches, removes -----------------------------------------------------------

START = datetime(2026, 6, 1, 6, 30, tzinfo=UTC)
PATIENT = Actor(2, Role.PATIENT, patient_id=10)
WHO: dict[str, tuple[Actor, type[DomainError] | None, type[DomainError] | None]] = {
    # actor, reading, attaching
    "the patient": (PATIENT, None, None),
    "another patient": (Actor(3, Role.PATIENT, patient_id=11), NotFound, NotFound),
    "the doctor": (Actor(5, Role.DOCTOR, doctor_id=1), None, NotAllowed),
    "the doctor, unverified": (
        Actor(5, Role.DOCTOR, doctor_id=1, verified=False),
        NotFound,
        NotFound,
    ),
    "another doctor": (Actor(6, Role.DOCTOR, doctor_id=2), NotFound, NotFound),
    "the clinic's desk": (Actor(8, Role.RECEPTIONIST, clinic_id=100), None, NotAllowed),
    "another clinic's desk": (Actor(9, Role.RECEPTIONIST, clinic_id=200), NotFound, NotFound),
    "an admin": (Actor(1, Role.ADMIN), NotAllowed, NotAllowed),
}


def visit(status: Status = Status.BOOKED) -> Appointment:
    return Appointment(
        id=uuid.uuid4(),
        doctor_id=1,
        patient_id=10,
        clinic_id=100,
        slot=Interval(START, START + timedelta(minutes=30)),
        status=status,
    )


def outcome(check: object, *args: object) -> type[DomainError] | None:
    try:
        check(*args)  # type: ignore[operator]
    except DomainError as error:
        return type(error)
    return None


@pytest.mark.parametrize("who", WHO)
def test_who_reads_and_who_attaches(who: str) -> None:
    actor, reads, attaches = WHO[who]
    assert outcome(access.ensure_may_read_documents_of, actor, visit()) is reads
    assert outcome(access.ensure_may_attach_document, actor, visit()) is attaches


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.REJECTED])
def test_a_cancelled_or_declined_visit_takes_no_documents(status: Status) -> None:
    with pytest.raises(InvalidTransition):
        access.ensure_may_attach_document(PATIENT, visit(status))
    access.ensure_may_read_documents_of(PATIENT, visit(status))  # what was attached stays


def test_only_who_attached_a_document_removes_it() -> None:
    access.ensure_may_remove_document(PATIENT, PATIENT.user_id)
    with pytest.raises(NotAllowed):
        access.ensure_may_remove_document(WHO["the doctor"][0], PATIENT.user_id)


# -- through the bus ------------------------------------------------------------------------


class Setup:
    def __init__(self, status: Status = Status.BOOKED) -> None:
        self.appointment = visit(status)
        self.uow = FakeUnitOfWork(appointments=[self.appointment])
        self.files = FakeDocumentFiles()
        self.bus = make_bus(self.uow, FixedClock(START - timedelta(days=1)), self.files)

    def attach(self, content: bytes = PDF, name: str = "x.pdf", actor: Actor = PATIENT) -> int:
        result = self.bus.handle(
            commands.AttachDocument(
                actor=actor, appointment_id=self.appointment.id, name=name, content=content
            )
        )
        assert isinstance(result, int)
        return result


def test_attaching_keeps_the_file_its_row_and_the_event() -> None:
    setup = Setup()
    document_id = setup.attach(name="../نامه ارجاع.PDF")

    stored = setup.uow.documents.committed[document_id]
    assert (stored.name, stored.kind, stored.size) == ("نامه ارجاع.pdf", Kind.PDF, len(PDF))
    assert setup.files.files == {stored.stored_name: PDF}
    assert len(stored.sha256) == 64
    (event,) = setup.uow.outbox
    assert isinstance(event, events.DocumentAttached)
    assert (event.document_id, event.user_id, event.kind) == (document_id, PATIENT.user_id, "pdf")


@pytest.mark.parametrize(
    ("status", "actor", "error"),
    [
        (Status.CANCELLED, PATIENT, InvalidTransition),
        (Status.BOOKED, WHO["another patient"][0], NotFound),
        (Status.BOOKED, WHO["the clinic's desk"][0], NotAllowed),
    ],
)
def test_a_refused_attachment_leaves_no_file(
    status: Status, actor: Actor, error: type[DomainError]
) -> None:
    setup = Setup(status)
    with pytest.raises(error):
        setup.attach(actor=actor)
    assert setup.files.files == {} and setup.uow.documents.committed == {}
    assert setup.uow.outbox == []


def test_the_last_room_taken_the_next_file_is_refused_and_not_kept() -> None:
    setup = Setup()
    for _ in range(documents.MAX_PER_APPOINTMENT):
        setup.attach()
    with pytest.raises(InvalidInput):
        setup.attach()
    assert len(setup.files.files) == documents.MAX_PER_APPOINTMENT


def test_a_file_that_is_no_document_is_never_stored() -> None:
    setup = Setup()
    with pytest.raises(InvalidInput):
        setup.attach(b"MZ" + b"\x00" * 100, name="scan.pdf")
    assert setup.files.files == {}


def test_removing_takes_the_row_and_the_event_drops_the_file() -> None:
    setup = Setup()
    document_id = setup.attach()
    stored_name = setup.uow.documents.committed[document_id].stored_name
    setup.uow.outbox.clear()
    doctor = WHO["the doctor"][0]
    remove = commands.RemoveDocument(
        actor=doctor, appointment_id=setup.appointment.id, document_id=document_id
    )
    with pytest.raises(NotAllowed):
        setup.bus.handle(remove)

    setup.bus.handle(
        commands.RemoveDocument(
            actor=PATIENT, appointment_id=setup.appointment.id, document_id=document_id
        )
    )
    assert setup.uow.documents.committed == {}
    (event,) = setup.uow.outbox
    assert isinstance(event, events.DocumentRemoved) and event.stored_name == stored_name
    deps = Dependencies(log=None, slots=None, documents=setup.files)  # type: ignore[arg-type]
    drop_removed_file(event, deps)
    drop_removed_file(event, deps)  # delivered twice: nothing more happens
    assert setup.files.files == {}


def test_another_appointments_document_is_not_found() -> None:
    setup = Setup()
    document_id = setup.attach()
    with pytest.raises(NotFound):
        setup.bus.handle(
            commands.RemoveDocument(
                actor=PATIENT, appointment_id=uuid.uuid4(), document_id=document_id
            )
        )
