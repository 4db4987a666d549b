"""Real Chromium: the admin's statistics page on a desktop, a phone and in Persian (right to
left), with a month of visits at two clinics; screenshots in test-artifacts/."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, expect

from scheduler.adapters.notify.models import Notification
from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.browser import open_page, shoot, sign_in
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)

STATUSES = ["fulfilled"] * 6 + ["cancelled", "noshow", "booked", "rejected"]


@pytest.fixture
def busy_month() -> None:
    """Two clinics, four doctors, a few visits a day over the last four weeks."""
    for zone in ("Asia/Tehran", "Europe/Istanbul"):
        clinic = factories.clinic(timezone=zone)
        today = datetime.now(ZoneInfo(zone)).date()
        for n in range(2):
            doctor = factories.doctor(clinic)
            for day in range(28):
                for hour in range(10 + n, 17, 2 + (day % 3)):
                    start = datetime.combine(
                        today - timedelta(days=day), time(hour), ZoneInfo(zone)
                    )
                    status = STATUSES[(day + hour) % len(STATUSES)]
                    visit = factories.appointment(doctor, factories.patient(), start, status=status)
                    rows.Appointment.objects.filter(pk=visit.pk).update(
                        created_at=start - timedelta(days=(day * hour) % 20, hours=3)
                    )
                    Notification.objects.create(
                        appointment=visit,
                        kind="reminder",
                        scheduled_for=start - timedelta(hours=2),
                        channel="email" if hour % 2 else "sms",
                        recipient=visit.patient.user,
                        about_start=start,
                        status="failed" if (day + hour) % 9 == 0 else "sent",
                    )
                    if status == "fulfilled" and day % 2:
                        stars = 1 + (day + hour) % 5
                        written = start + timedelta(hours=2)
                        factories.review(visit, stars, written, hidden=day == 1)


def open_statistics(
    browser: Browser, contexts: list[BrowserContext], server: Server, *, phone: bool = False
) -> Page:
    page = open_page(browser, contexts, server, phone=phone)
    sign_in(page, server, factories.admin(), "/admin/")
    page.get_by_role("link", name="Statistics").click()
    expect(page.get_by_role("heading", name="Busiest hours")).to_be_visible()
    return page


@pytest.mark.usefixtures("busy_month")
def test_an_admin_reads_the_months_numbers_on_a_desktop_and_a_phone(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_statistics(browser, contexts, server)

    expect(page.get_by_role("img", name="Appointments per period")).to_be_visible()
    expect(page.get_by_role("img", name="Busiest hours")).to_be_visible()
    ratings = page.locator("section[aria-labelledby=s-ratings]")
    expect(ratings.get_by_text("Their mean:")).to_be_visible()
    five_stars = re.compile(r"^5 stars: \d+% of the reviews$")
    expect(ratings.get_by_role("img", name=five_stars)).to_be_visible()
    # One star is one (found in review: "1 stars"), and a mean has its decimal: 4.0, not 4.
    expect(ratings.get_by_role("img", name=re.compile(r"^1 star: "))).to_be_visible()
    expect(ratings.locator("details td").nth(1)).to_have_text(re.compile(r"^\d\.\d$"))
    expect(ratings.get_by_text("Hidden by an admin, and not counted above")).to_be_visible()
    shoot(page, "statistics-desktop")

    page.get_by_label("Counted").select_option("week")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"period=week"))
    with page.expect_download() as download:
        page.locator("a.stats-csv").first.click()
    assert download.value.suggested_filename.startswith("nobat-volume-")

    phone = open_statistics(browser, contexts, server, phone=True)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    shoot(phone, "statistics-phone")


@pytest.mark.usefixtures("busy_month")
def test_in_persian_the_page_reads_right_to_left(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_page(browser, contexts, server)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "fa", "url": server.url}]
    )
    sign_in(page, server, factories.admin(), "/admin/statistics/")

    assert page.get_attribute("html", "dir") == "rtl"
    expect(page.locator("svg.chart").first).to_be_visible()
    shoot(page, "statistics-rtl")


def test_bad_dates_are_said_on_the_page(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_page(browser, contexts, server)
    sign_in(page, server, factories.admin(), "/admin/statistics/?from=2025-03-02&to=2025-03-01")

    expect(page.get_by_role("alert")).to_contain_text("To: 'to' must not be before 'from'.")
    # the field at fault says so, and where its message is
    expect(page.get_by_label("To", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("To", exact=True)).to_have_accessible_description(
        re.compile("must not be")
    )
    expect(page.get_by_label("From", exact=True)).not_to_have_attribute("aria-invalid", "true")
