"""Real Chromium on a real server: a doctor adds a day off on the hours page, by keyboard, and
a patient's open grid loses that day's slots without a reload. Screenshots of the page on a
desktop and a phone go to test-artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.browser import open_page, shoot, sign_in
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)


def cell_of(start: datetime) -> str:
    """The grid's cell of a slot: keyed by its instant as the browser writes it."""
    return f'[data-start="{start.astimezone(UTC):%Y-%m-%dT%H:%M:%S}.000Z"]'


def test_a_day_off_added_by_keyboard_empties_that_day_in_an_open_grid(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    patient: rows.Patient,
) -> None:
    start = factories.slot_start(clinic, days_ahead=2, hour=10)
    grid = open_page(browser, contexts, server, phone=True)
    sign_in(grid, server, patient.user, f"/doctors/{doctor.pk}/?clinic={clinic.pk}")
    expect(grid.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(grid.locator(cell_of(start))).to_have_attribute("data-state", "free")
    grid.evaluate("window.sameDocument = true")  # gone if the page reloads

    hours = open_page(browser, contexts, server)
    sign_in(hours, server, doctor.user, "/doctor/hours/")
    expect(hours.get_by_label("Monday: hours")).to_have_value("10:00-17:00")
    shoot(hours, "hours-page")
    hours.get_by_label("From").fill(start.date().isoformat())
    hours.get_by_label("To (inclusive)").fill(start.date().isoformat())
    reason = hours.get_by_label("Reason (optional)")
    reason.focus()
    hours.keyboard.type("Conference")
    hours.keyboard.press("Enter")  # submits the days-off form

    expect(hours.get_by_role("status")).to_contain_text("Your days off are saved.")
    expect(hours.locator("#days-off li")).to_contain_text("Conference")
    expect(grid.locator(cell_of(start))).to_have_count(0)
    expect(grid.locator(cell_of(start + timedelta(days=1)))).to_have_attribute("data-state", "free")
    assert grid.evaluate("window.sameDocument") is True
    shoot(hours, "hours-day-off-saved")
    shoot(grid, "grid-after-day-off-phone")

    phone = open_page(browser, contexts, server, phone=True)
    sign_in(phone, server, doctor.user, "/doctor/hours/")
    expect(phone.get_by_role("button", name="Save my hours")).to_be_visible()
    shoot(phone, "hours-page-phone")
