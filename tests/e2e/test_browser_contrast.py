"""Text on the pages meets WCAG AA, measured on what Chromium draws (computed colours over the
background each text sits on): the slot grid with a free, a taken and the patient's own slot,
in both languages, on a desktop and a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from tests import factories
from tests.e2e.browser import open_page, shoot, sign_in
from tests.e2e.contrast import low_contrast
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("language", "phone"), [("en", False), ("fa", True)])
def test_the_grids_free_taken_and_own_slots_are_readable(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    patient: rows.Patient,
    other_patient: rows.Patient,
    language: str,
    phone: bool,
) -> None:
    bus = build_bus()
    bus.handle(factories.booking(doctor, patient, hour=10))
    bus.handle(factories.booking(doctor, other_patient, hour=11))
    page = open_page(browser, contexts, server, phone=phone, locale=language)
    sign_in(page, server, patient.user, f"/doctors/{doctor.pk}/?clinic={clinic.pk}")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    for state in ("free", "taken", "mine"):
        expect(page.locator(f'[data-state="{state}"]').first).to_be_visible()
    shoot(page, f"contrast-grid-{language}-{'phone' if phone else 'desktop'}")
    assert low_contrast(page) == []


@pytest.mark.parametrize("path", ["/", "/login/"])
def test_public_pages_are_readable(
    server: Server, browser: Browser, contexts: list[BrowserContext], path: str
) -> None:
    for language in ("en", "fa"):
        page = open_page(browser, contexts, server, locale=language)
        page.goto(path)
        assert low_contrast(page) == [], f"{path} in {language}"
