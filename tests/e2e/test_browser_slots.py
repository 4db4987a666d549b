"""Real Chromium on a real server: a booking made by a click (and Confirm in its review step)
shows up, without a reload, in another browser's grid and on the clinic's desk; a slot taken a
moment before says so and offers the nearest free ones. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.browser import open_page, shoot, sign_in
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)


def live(page: Page) -> None:
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")


def test_a_click_books_and_every_open_grid_and_the_desk_see_it_without_reload(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    patient: rows.Patient,
    other_patient: rows.Patient,
    receptionist: rows.Receptionist,
) -> None:
    grid = f"/doctors/{doctor.pk}/?clinic={clinic.pk}"
    booker = open_page(browser, contexts, server)
    sign_in(booker, server, patient.user, grid)
    watcher = open_page(browser, contexts, server, phone=True)
    watcher.goto(grid)
    for page in (booker, watcher):
        live(page)
        expect(page.locator(".slot.free").first).to_be_visible()

    # A slot of a later day than the clinic's today: a visit today would be offered a check-in
    # (after the clinic's midnight and before its hours, today's slots come first).
    zone = ZoneInfo(clinic.timezone)
    today = datetime.now(zone).date()
    starts = booker.locator(".slot.free").evaluate_all("cells => cells.map(c => c.dataset.start)")
    start = next(s for s in starts if datetime.fromisoformat(s).astimezone(zone).date() > today)
    cell = booker.locator(f'.slot.free[data-start="{start}"]')
    day = datetime.fromisoformat(start).astimezone(zone).date()
    desk = open_page(browser, contexts, server)
    sign_in(desk, server, receptionist.user, f"/desk/{clinic.pk}/?date={day}")
    live(desk)
    expect(desk.locator(f'section[data-doctor="{doctor.pk}"]')).to_contain_text("No appointments")
    # The desk is about to book a walk-in: its picker lists the same free slot.
    desk.get_by_text("Book a walk-in or a phone call").click()
    desk.locator("#booking-day").fill(day.isoformat())
    # New to the clinic: the desk finds them by their whole phone number.
    rows.User.objects.filter(pk=other_patient.user_id).update(phone="+989120000003")
    desk.locator("#patient-search").fill("09120000003")
    desk.locator("#patient-results button").first.click()
    picked = desk.locator(f'#booking-slots [data-start="{start}"]')
    expect(picked).to_be_visible()

    watcher.evaluate("window.sameDocument = true")  # gone if the page reloads
    cell.click()  # the review step, then Confirm
    booker.locator("#review-confirm").click()

    expect(booker.locator("#review-result")).to_contain_text("Booked")
    expect(booker.locator(f'[data-start="{start}"]')).to_have_attribute("data-state", "mine")
    expect(watcher.locator(f'[data-start="{start}"]')).to_have_attribute("data-state", "taken")
    row = desk.locator('li[data-status="booked"]')
    expect(row).to_contain_text(patient.user.get_full_name())
    assert row.count() == 1
    expect(picked).to_have_count(0)  # gone from the desk's picker too, without a reload
    assert watcher.evaluate("window.sameDocument") is True
    shoot(booker, "grid-booker")
    shoot(watcher, "grid-watcher-phone")
    shoot(desk, "desk-new-row")

    # The visit is days away: the desk is not offered a check-in (nor a no-show) for it.
    expect(row.get_by_role("button", name="Check in")).to_have_count(0)
    expect(row.get_by_role("button", name="No-show")).to_have_count(0)
    expect(row).to_have_attribute("data-status", "booked")


def test_a_slot_taken_a_moment_before_the_click_says_so_and_offers_the_nearest(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    patient: rows.Patient,
    other_patient: rows.Patient,
) -> None:
    page = open_page(browser, contexts, server, phone=True)
    sign_in(page, server, patient.user, f"/doctors/{doctor.pk}/?clinic={clinic.pk}")
    live(page)
    cell = page.locator(".slot.free").first
    start = cell.get_attribute("data-start")
    assert start is not None
    # Taken behind the page's back: a row with no event, so no socket tells the page.
    factories.appointment(doctor, other_patient, datetime.fromisoformat(start), clinic=clinic)

    cell.click()  # the review step's hold is refused at once

    message = page.locator("#review-problem")
    expect(message).to_contain_text("just taken")
    expect(message).to_contain_text("Pick another time")
    # Until another time is picked, Confirm could only be refused again (found by a reviewer).
    expect(page.locator("#review-confirm")).to_be_disabled()
    expect(page.locator(f'[data-start="{start}"]')).to_have_attribute("data-state", "taken")
    alternatives = message.locator("button")
    expect(alternatives.first).to_be_visible()
    shoot(page, "grid-just-taken-phone")

    alternatives.first.click()  # picks that time in the same review step
    expect(page.locator("#review-confirm")).to_be_enabled()
    page.locator("#review-confirm").click()

    expect(page.locator("#review-result")).to_contain_text("Booked")
