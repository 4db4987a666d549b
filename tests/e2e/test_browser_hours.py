"""Real Chromium on a real server: a doctor adds a day off on the hours page, by keyboard, and
a patient's open grid loses that day's slots without a reload. Screenshots of the page on a
desktop and a phone go to test-artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.browser import open_live, open_page, shoot, sign_in
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
    grid = open_live(
        browser,
        contexts,
        server,
        patient.user,
        f"/doctors/{doctor.pk}/?clinic={clinic.pk}",
        phone=True,
    )
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


def test_new_hours_repaint_the_desks_slot_picker(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    receptionist: rows.Receptionist,
) -> None:
    factories.patient(first_name="Kaveh", last_name="Nazari", phone="+989120000001")
    start = factories.slot_start(clinic, days_ahead=2, hour=10)
    desk = open_live(browser, contexts, server, receptionist.user, f"/desk/{clinic.pk}/")
    desk.get_by_text("Book a walk-in or a phone call").click()
    desk.get_by_label("Patient (name or phone)").fill("09120000001")  # new here: the whole number
    desk.locator("#patient-results button").first.click()
    desk.locator("#booking-day").fill(start.date().isoformat())
    desk.locator("#booking-day").dispatch_event("change")
    picked = desk.locator(f"#booking-slots {cell_of(start)}")
    expect(picked).to_be_visible()

    hours = open_page(browser, contexts, server)
    sign_in(hours, server, doctor.user, "/doctor/hours/")
    weekday = start.strftime("%A")
    hours.get_by_label(f"{weekday}: hours").fill("14:00-17:00")
    hours.get_by_label(f"{weekday}: breaks").fill("")  # the lunch break is outside them now
    hours.get_by_role("button", name="Save my hours").click()
    expect(hours.get_by_role("status")).to_contain_text("Your hours are saved.")

    expect(picked).to_have_count(0)  # gone from the desk's picker without a reload
    expect(desk.locator(f"#booking-slots {cell_of(start + timedelta(hours=4))}")).to_be_visible()


# Where a character is drawn: the left edge of the first one in the element's text.
LEFT_OF = """(element, wanted) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(wanted);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + 1);
    return range.getBoundingClientRect().left;
  }
  return null;
}"""


def test_persian_time_ranges_read_left_to_right_as_the_fields_do(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
) -> None:
    """A range in a Persian sentence, unisolated, drew its end first (right to left) while the
    field it was typed in reads start first: the hint and the echo of a bad range."""
    rows.User.objects.filter(pk=doctor.user.pk).update(language="fa")
    page = open_page(browser, contexts, server)
    sign_in(page, server, doctor.user, "/doctor/hours/")
    monday = page.locator("#id_hours_0")
    monday.fill("25:00-9")
    page.get_by_role("button", name="ذخیرهٔ ساعت‌های کاری").click()

    echo = page.locator("#id_hours_0_error")
    expect(echo).to_contain_text("\u2066۲۵:۰۰-۹\u2069")
    assert echo.evaluate(LEFT_OF, "۲") < echo.evaluate(LEFT_OF, "۹")  # ۲۵:۰۰ first, as typed
    hint = page.locator("bdi[dir=ltr]", has_text="۱۸:۰۰")
    assert hint.evaluate(LEFT_OF, "۰") < hint.evaluate(LEFT_OF, "۸")  # ۰۹:۰۰ … ۱۸:۰۰
    shoot(page, "hours-persian-ranges")
