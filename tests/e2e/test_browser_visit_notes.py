"""Real Chromium on a real server: the doctor completes a visit on their day and writes its note
(two prescriptions added by keyboard, a field left empty and marked in place with nothing lost,
a follow-up among their free times); the patient reads it on the visit's page and books the
follow-up. On a desktop in English and a phone in Persian; screenshots in test-artifacts/."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.browser import open_page, shoot, sign_in
from tests.e2e.contrast import low_contrast
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)

PRESCRIPTIONS = [
    ("Amoxicillin 500 mg", "1 capsule", "3 times a day", "7 days"),
    ("Ibuprofen 400 mg", "1 tablet", "when needed", "5 days"),
]


def type_row(page: Page, index: int, lines: tuple[str, ...], *, skip: int | None = None) -> None:
    """Add a prescription by keyboard: the new row's first field has the focus; Tab between."""
    page.locator("#add-prescription").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f'[name="prescriptions.{index}.drug"]')).to_be_focused()
    for at, value in enumerate(lines):
        if at != skip:
            page.keyboard.type(value)
        page.keyboard.press("Tab")


@pytest.mark.parametrize(
    ("language", "phone"), [("en", False), ("fa", True)], ids=["en-desktop", "fa-phone"]
)
def test_the_doctor_writes_a_note_and_the_patient_books_the_follow_up(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    language: str,
    phone: bool,
) -> None:
    clinic = factories.clinic(language=language)
    doctor = factories.doctor(clinic)
    rows.User.objects.filter(pk=doctor.user_id).update(
        language=language, first_name="Sara", last_name="Ahmadi"
    )
    patient = factories.patient(language=language, first_name="Leila", last_name="Rostami")
    now = datetime.now(ZoneInfo(clinic.timezone))
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    visit = factories.appointment(doctor, patient, max(now - timedelta(minutes=20), midnight))
    name = f"visit-note-{language}-{'phone' if phone else 'desktop'}"

    # The doctor's day: the visit under way is completed, and its note is a link away.
    page = open_page(browser, contexts, server, phone=phone)
    sign_in(page, server, doctor.user, "/doctor/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    row = page.locator(f'li[data-appointment="{visit.pk}"]')
    row.locator(".actions button").first.click()  # "Completed", the first action once begun
    expect(row).to_have_attribute("data-status", "fulfilled")
    row.locator(f'a[href="/doctor/visits/{visit.pk}/note/"]').click()
    expect(page.locator("#note")).to_have_attribute("data-ready", "true")  # its script runs

    page.locator("#id_summary").fill("Acute sinusitis, no fever.")
    type_row(page, 0, PRESCRIPTIONS[0])
    type_row(page, 1, PRESCRIPTIONS[1], skip=1)  # the dose forgotten
    page.locator("#id_instructions").fill("Rest, drink fluids; come back if it gets worse.")
    # A follow-up among the doctor's free times, a week on: the picker opens on that day.
    # Escape closes it, and the keyboard is back where it was (found in review: on the page).
    page.locator("#follow-up-choose").click()
    expect(page.locator(".follow-up .slots .slot.free").first).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator(".follow-up .picker")).to_have_count(0)
    expect(page.locator("#follow-up-choose")).to_be_focused()
    page.locator("#follow-up-choose").click()
    first_free = page.locator(".follow-up .slots .slot.free").first
    proposed = datetime.fromisoformat(first_free.get_attribute("data-start") or "")
    first_free.click()
    expect(page.locator("#follow-up-chosen bdi")).not_to_be_empty()
    expect(page.locator("#follow-up-choose")).to_be_focused()

    page.locator('#note button[type="submit"]').click()
    dose = page.locator('[name="prescriptions.1.dose"]')
    expect(dose).to_have_attribute("aria-invalid", "true")
    expect(dose).to_be_focused()
    expect(page.locator("#problem-prescriptions-1-dose")).to_be_visible()
    assert page.locator('[name="prescriptions.1.drug"]').input_value() == "Ibuprofen 400 mg"
    assert not rows.VisitNote.objects.exists()
    shoot(page, f"{name}-form-error")

    page.keyboard.type("1 tablet")
    page.keyboard.press("Enter")  # submits the form
    expect(page.locator("#message.ok")).to_be_visible()
    expect(dose).not_to_have_attribute("aria-invalid", "true")
    note = rows.VisitNote.objects.get(pk=visit.pk)
    lines = ("drug", "dose", "frequency", "duration")  # jsonb keeps no order of keys
    assert [tuple(p[line] for line in lines) for p in note.prescriptions] == PRESCRIPTIONS
    assert note.follow_up_start == proposed
    assert low_contrast(page) == []
    shoot(page, f"{name}-form-saved")

    # A prescription row leaves by keyboard too, and the focus goes to the one after it.
    page.locator('[name="prescriptions.0.drug"]').focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Remove" of the first row
    expect(page.locator("li.prescription")).to_have_count(1)
    expect(page.locator('[name="prescriptions.0.drug"]')).to_have_value("Ibuprofen 400 mg")
    expect(page.locator('[name="prescriptions.0.drug"]')).to_be_focused()

    # The patient: the list links to the note, the visit's page shows it and books the offer.
    reader = open_page(browser, contexts, server, phone=phone)
    sign_in(reader, server, patient.user, "/me/appointments/")
    reader.locator(f'a[href="/me/appointments/{visit.pk}/#visit-note"]').click()
    section = reader.locator("#visit-note")
    expect(section.locator("#follow-up")).to_have_attribute("data-ready", "true")
    expect(section).to_contain_text("Acute sinusitis, no fever.")
    expect(section.locator("table.prescriptions tbody tr")).to_have_count(2)
    expect(section.locator("tbody th bdi").first).to_have_text("Amoxicillin 500 mg")
    if language == "fa":
        expect(reader.locator("html")).to_have_attribute("dir", "rtl")
        assert any("\u06f0" <= ch <= "\u06f9" for ch in section.inner_text())  # Persian digits
    assert low_contrast(reader) == []
    shoot(reader, f"{name}-patient-note")

    book = section.locator('[data-action="book-follow-up"]')
    book.focus()
    reader.keyboard.press("Enter")
    expect(reader.locator("#message.ok")).to_be_visible()
    expect(book).to_have_count(0)
    booked = rows.Appointment.objects.get(patient=patient, start=proposed)
    assert (booked.doctor_id, booked.clinic_id, booked.status) == (doctor.pk, clinic.pk, "booked")
    shoot(reader, f"{name}-patient-booked")
