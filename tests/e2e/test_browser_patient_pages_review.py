"""Real Chromium: a family member's visit inside the clinic's cut-off, on the signed link page
and the patient's list, on a desktop and a phone, in English and Persian: whose visit it is,
no cancel form but the clinic's phone to call. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from scheduler.adapters import visit_links
from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.browser import open_page, shoot, sign_in
from tests.e2e.test_browser_booking import slot_link
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)

LOCALES = {"en": "en-US", "fa": "fa-IR"}


@pytest.mark.parametrize(
    ("language", "phone"),
    [("en", False), ("en", True), ("fa", False), ("fa", True)],
    ids=["en-desktop", "en-phone", "fa-desktop", "fa-phone"],
)
def test_a_family_members_visit_inside_the_cut_off(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    language: str,
    phone: bool,
) -> None:
    rows.Clinic.objects.filter(pk=clinic.pk).update(phone="+982188776655")
    patient = factories.patient(language=language, first_name="Leila")
    kid = rows.Dependant.objects.create(
        patient=patient,
        first_name="Kid1",
        last_name="Patient",
        birth_date=date(2018, 5, 1),
        relation=rows.Dependant.Relation.CHILD,
    )
    now = datetime.now(ZoneInfo(clinic.timezone)).replace(second=0, microsecond=0)
    visit = factories.appointment(doctor, patient, now + timedelta(hours=1))
    rows.Appointment.objects.filter(pk=visit.pk).update(dependant=kid)
    token = visit_links.booking_token_for(visit.pk, visit_end=visit.end)
    device = "phone" if phone else "desktop"

    page = open_page(browser, contexts, server, phone=phone, locale=LOCALES[language])
    page.goto(f"/b/{token}/")
    booking = page.locator("#booking")
    expect(booking.locator(".booked-for")).to_contain_text("Kid1 Patient")
    expect(page.locator("#cancel-form")).to_have_count(0)
    expect(booking.locator("a.clinic-phone")).to_have_attribute("href", "tel:+982188776655")
    # In the page's digits, as its other numbers (found in review: Latin on a Persian page).
    shown = {"fa": "+۹۸ ۲۱ ۸۸۷۷ ۶۶۵۵", "en": "+98 21 8877 6655"}
    expect(booking.locator("a.clinic-phone bdi")).to_have_text(shown[language])
    shoot(page, f"review-link-cutoff-{language}-{device}")
    if phone:
        fits_in_large_text(page, booking.locator("a.clinic-phone bdi"))
        shoot(page, f"review-link-cutoff-{language}-large-text")

    sign_in(page, server, patient.user, "/me/appointments/")
    listed = page.locator("#upcoming")
    expect(listed.locator(".booked-for")).to_contain_text("Kid1 Patient")
    expect(listed.locator("a.clinic-phone")).to_be_visible()
    shoot(page, f"review-my-appointments-cutoff-{language}-{device}")
    if phone:
        fits_in_large_text(page, listed.locator("a.clinic-phone bdi"))
        shoot(page, f"review-my-appointments-cutoff-{language}-large-text")


def fits_in_large_text(page: Page, number: Locator) -> None:
    """At 320 px with text at 150% (a phone's larger text), the page does not scroll sideways:
    the clinic's line wraps, its number stays whole (found in review: the line unbroken widened
    every card, 459 px at 150%)."""
    page.set_viewport_size({"width": 320, "height": 740})
    page.evaluate("document.documentElement.style.fontSize = '150%'")
    expect(number).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert number.evaluate("number => number.getClientRects().length") == 1


def test_the_header_separates_the_name_from_sign_out_and_its_targets_fit_a_finger(
    server: Server, browser: Browser, contexts: list[BrowserContext], patient: rows.Patient
) -> None:
    page = open_page(browser, contexts, server, phone=True)
    sign_in(page, server, patient.user, "/me/appointments/")
    nav = page.locator("header.top nav")

    text = " ".join(nav.inner_text().split())
    name = patient.user.get_full_name()
    assert f"{name} · Sign out" in text
    for target in nav.locator("a, button").all():
        box = target.bounding_box()
        assert box is not None and box["height"] >= 24, (target.inner_text(), box)
    shoot(page, "review-header-phone", full_page=False)


@pytest.mark.parametrize(
    ("language", "phone"), [("en", True), ("fa", False)], ids=["en-phone", "fa-desktop"]
)
def test_a_new_patient_is_told_before_booking_that_the_doctor_takes_no_new_patients(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    language: str,
    phone: bool,
) -> None:
    rows.Doctor.objects.filter(pk=doctor.pk).update(accepts_new_patients=False)
    rows.Clinic.objects.filter(pk=clinic.pk).update(phone="+982188776655")
    patient = factories.patient(language=language)
    start = factories.slot_start(clinic, days_ahead=3, hour=11)
    page = open_page(browser, contexts, server, phone=phone, locale=LOCALES[language])

    sign_in(page, server, patient.user, slot_link(doctor, clinic, start))

    expect(page.locator("#review")).to_be_visible()
    expect(page.locator("#review-closed a.clinic-phone")).to_be_visible()
    shoot(page, f"review-closed-list-{language}-{'phone' if phone else 'desktop'}", full_page=False)
    # Told why, not offered a Confirm that can only be refused (found by a reviewer).
    expect(page.locator("#review-confirm")).to_be_disabled()
