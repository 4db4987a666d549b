"""Real Chromium: a patient attaches a PDF to their appointment from their own page (by keyboard,
a wrong file refused with a reason), then the doctor downloads it from their day and the desk
finds it on its screen; on a desktop and a phone, in English and Persian. Screenshots go to
test-artifacts/. And the real server (daphne) takes a file of the largest size and refuses a
larger one with a 400, not a dropped connection."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, expect
from rest_framework_simplejwt.tokens import RefreshToken

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.domain import documents
from tests import factories
from tests.e2e.browser import open_live, open_page, shoot, sign_in
from tests.e2e.contrast import low_contrast
from tests.servers import Server
from tests.unit.test_documents import PDF

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = {"en": "referral letter.pdf", "fa": "نامه ارجاع.pdf"}


@pytest.mark.parametrize(
    ("language", "phone"), [("en", False), ("fa", True)], ids=["en-desktop", "fa-phone"]
)
def test_a_patient_attaches_a_pdf_and_the_doctor_downloads_it(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    clinic: rows.Clinic,
    doctor: rows.Doctor,
    language: str,
    phone: bool,
    tmp_path: Path,
) -> None:
    patient = factories.patient(language=language, first_name="Sara", last_name="Ahmadi")
    rows.User.objects.filter(pk=doctor.user.pk).update(language=language)
    receptionist = factories.receptionist(clinic)
    rows.User.objects.filter(pk=receptionist.user.pk).update(language=language)
    appointment_id = build_bus().handle(factories.booking(doctor, patient)).appointment_id
    name = f"documents-{language}-{'phone' if phone else 'desktop'}"
    file_name = NAMES[language]

    # The patient: from the list to the appointment's documents, by keyboard.
    page = open_page(browser, contexts, server, phone=phone)
    sign_in(page, server, patient.user, "/me/appointments/")
    row = page.locator(f'li[data-appointment="{appointment_id}"]')
    row.locator('a[href$="#documents"]').focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server.url}/me/appointments/{appointment_id}/#documents")
    section = page.locator("section#documents")
    expect(section.locator("li.doc-none")).to_have_count(1)
    expect(section.locator("label[for=document-file]")).to_be_visible()
    upload = section.locator("button[type=submit]")

    # A program named as a PDF is refused, and says why; nothing is listed.
    section.locator("#document-file").set_input_files(
        {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" + b"\0" * 64}
    )
    upload.focus()
    page.keyboard.press("Enter")
    message = section.locator(".doc-message")
    expect(message).to_have_class("doc-message message error")
    expect(section.locator("li[data-document]")).to_have_count(0)
    shoot(page, f"{name}-refused")

    # A file over the limit is refused on the page, before a byte is sent: behind nginx a
    # larger body meets the proxy's own 413 page, which says nothing a patient could use.
    uploads: list[str] = []
    page.on("request", lambda sent: uploads.append(sent.url) if sent.method == "POST" else None)
    section.locator("#document-file").set_input_files(
        {
            "name": "scan.pdf",
            "mimeType": "application/pdf",
            "buffer": b"\0" * (documents.MAX_BYTES + 1),
        }
    )
    upload.focus()
    page.keyboard.press("Enter")
    expect(message).to_have_text(
        "حجم هر مدرک حداکثر ۱۰ مگابایت است." if language == "fa" else "A document is at most 10 MB."
    )
    expect(section.locator("#document-file")).to_be_focused()
    assert uploads == []
    shoot(page, f"{name}-too-large")

    # A real PDF, with the patient's own name for it.
    section.locator("#document-file").set_input_files(
        {"name": file_name, "mimeType": "application/pdf", "buffer": PDF}
    )
    upload.focus()
    page.keyboard.press("Enter")
    expect(message).to_have_class("doc-message message ok")
    listed = section.locator("li[data-document] a.doc-name")
    expect(listed).to_have_text(file_name)
    expect(section.locator("#document-file")).to_be_focused()
    if language == "fa":  # the size and the date in Persian digits
        expect(section.locator(".doc-about")).to_contain_text("۱")
    assert low_contrast(page) == []
    shoot(page, f"{name}-patient")
    document = rows.AppointmentDocument.objects.get()
    assert (document.name, document.size) == (file_name, len(PDF))

    # The doctor, on the visit's day: the row's "Documents" opens the list; the link downloads.
    day = rows.Appointment.objects.get(pk=appointment_id).start.astimezone(
        ZoneInfo(clinic.timezone)
    )
    agenda = open_live(
        browser, contexts, server, doctor.user, f"/doctor/?from={day.date()}&days=1", phone=phone
    )
    visit = agenda.locator(f'li[data-appointment="{appointment_id}"]')
    toggle = visit.locator("button.doc-toggle")
    toggle.focus()
    agenda.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    link = visit.locator(".doc-panel a.doc-name")
    expect(link).to_have_text(file_name)
    assert low_contrast(agenda) == []
    shoot(agenda, f"{name}-doctor")
    with agenda.expect_download() as started:
        link.focus()
        agenda.keyboard.press("Enter")
    download = started.value
    assert download.suggested_filename == file_name
    saved = tmp_path / "downloaded"
    download.save_as(saved)
    assert saved.read_bytes() == PDF

    # The desk of the clinic sees it too (and may not remove it: no button).
    desk = open_live(
        browser,
        contexts,
        server,
        receptionist.user,
        f"/desk/{clinic.pk}/?date={day.date()}",
        phone=phone,
    )
    at_desk = desk.locator(f'li[data-appointment="{appointment_id}"]')
    at_desk.locator("button.doc-toggle").click()
    expect(at_desk.locator(".doc-panel a.doc-name")).to_have_text(file_name)
    expect(at_desk.locator(".doc-panel button")).to_have_count(0)
    shoot(desk, f"{name}-desk")

    # Back on the patient's page, the patient removes it, after a yes (keyboard first on "keep").
    section.locator("li[data-document] > button.danger").click()
    ask = section.locator("li[data-document] .doc-ask")
    expect(ask.locator("button:not(.danger)")).to_be_focused()
    assert low_contrast(page) == []
    shoot(page, f"{name}-remove-ask")
    ask.locator("button.danger").click()
    expect(section.locator("li[data-document]")).to_have_count(0)
    expect(message).to_have_class("doc-message message ok")
    assert not rows.AppointmentDocument.objects.exists()


def multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), boundary


def post_file(server: Server, user: rows.User, path: str, content: bytes) -> tuple[int, Any]:
    body, boundary = multipart("big.pdf", content)
    request = urllib.request.Request(
        f"{server.url}{path}",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {RefreshToken.for_user(user).access_token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_the_real_server_takes_a_large_file_and_refuses_a_too_large_one_cleanly(
    server: Server, clinic: rows.Clinic, doctor: rows.Doctor
) -> None:
    patient = factories.patient()
    appointment_id = build_bus().handle(factories.booking(doctor, patient)).appointment_id
    path = f"/api/appointments/{appointment_id}/documents/"
    padding = documents.MAX_BYTES - len(PDF)
    largest = PDF[:5] + b" " * padding + PDF[5:]

    status, answer = post_file(server, patient.user, path, largest)
    assert status == 201, answer
    assert answer["size"] == documents.MAX_BYTES

    status, answer = post_file(server, patient.user, path, largest + b" " * 2**20)
    assert status == 400 and answer["file"], answer
    assert rows.AppointmentDocument.objects.count() == 1
