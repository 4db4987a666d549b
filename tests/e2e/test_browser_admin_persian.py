"""Real Chromium: the admin as a Persian admin reads it, right to left, on a desktop and a
phone: the appointment list on the clinic's clock with Jalali dates and Persian digits, and
the statistics page with its days, names and numbers in Persian. Screenshots in
test-artifacts/."""

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

TEHRAN = ZoneInfo("Asia/Tehran")
# Monday 7 December 2026, 14:30 in Tehran is دوشنبه ۱۶ آذر ۱۴۰۵ at ۱۴:۳۰ (11:00 UTC).
VISIT = datetime(2026, 12, 7, 14, 30, tzinfo=TEHRAN)
VISIT_SHOWN = "دوشنبه ۱۶ آذر ۱۴۰۵، ساعت ۱۴:۳۰"
DECEMBER = "/admin/statistics/?from=2026-12-01&to=2026-12-31&period=week"
DECEMBER_SHOWN = "از سه‌شنبه ۱۰ آذر ۱۴۰۵ تا پنج‌شنبه ۱۰ دی ۱۴۰۵"


@pytest.fixture
def persian_admin() -> rows.User:
    """An admin who chose Persian, and a Tehran clinic's December: a Persian and a Latin name."""
    clinic = factories.clinic(language="fa")
    doctor = factories.doctor(clinic)
    rows.User.objects.filter(pk=doctor.user_id).update(first_name="مریم", last_name="احمدی")
    for n, (first, last) in enumerate((("Sara", "Miller"), ("علی", "رضایی"), ("نگار", "کریمی"))):
        patient = factories.patient(first_name=first, last_name=last)
        start = VISIT.replace(day=7 + n * 7)
        factories.appointment(doctor, patient, start, status=("booked", "fulfilled")[n % 2])
    admin = factories.admin()
    admin.language = "fa"
    admin.save(update_fields=["language"])
    return admin


def open_admin(
    browser: Browser,
    contexts: list[BrowserContext],
    server: Server,
    admin: rows.User,
    path: str,
    *,
    phone: bool = False,
) -> Page:
    page = open_page(browser, contexts, server, phone=phone)
    sign_in(page, server, admin, path)
    assert page.get_attribute("html", "lang") == "fa"
    assert page.get_attribute("html", "dir") == "rtl"
    return page


def test_a_persian_admin_reads_the_appointments_in_jalali_on_the_clinics_clock(
    server: Server, browser: Browser, contexts: list[BrowserContext], persian_admin: rows.User
) -> None:
    for phone in (False, True):
        page = open_admin(
            browser, contexts, server, persian_admin, "/admin/orm/appointment/", phone=phone
        )

        expect(page.locator("#site-name")).to_have_text("مدیریت نوبت")
        expect(page.get_by_role("columnheader", name="شروع، به وقت مطب")).to_be_visible()
        expect(page.get_by_role("columnheader", name="بیمار")).to_be_visible()
        first = page.locator("#result_list tbody tr").first
        expect(first).to_contain_text(VISIT_SHOWN)
        expect(first).to_contain_text("(Asia/Tehran)")
        expect(first).to_contain_text("رزرو شده")
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "Vazirmatn" in font
        shoot(page, f"admin-appointments-fa-{'phone' if phone else 'desktop'}")

        page.locator("#result_list tbody tr").first.get_by_role("link").first.click()
        expect(page.locator("#content")).to_contain_text(VISIT_SHOWN)
        expect(page.locator("#content")).to_contain_text("تغییرات نوبت‌ها")  # its history
        shoot(page, f"admin-appointment-fa-{'phone' if phone else 'desktop'}")

    page = open_admin(browser, contexts, server, persian_admin, "/admin/")
    expect(page.get_by_role("link", name="آمار")).to_be_visible()
    shoot(page, "admin-index-fa-desktop")


def test_a_persian_admin_reads_the_statistics_in_jalali_with_persian_numbers(
    server: Server, browser: Browser, contexts: list[BrowserContext], persian_admin: rows.User
) -> None:
    for phone in (False, True):
        page = open_admin(browser, contexts, server, persian_admin, DECEMBER, phone=phone)

        expect(page.get_by_role("heading", name="شلوغ‌ترین ساعت‌ها")).to_be_visible()
        expect(page.locator("#stats-shown")).to_have_text(DECEMBER_SHOWN)
        expect(page.locator("#s-volume .stats-total")).to_have_text("۳")
        expect(page.get_by_label("شمارش")).to_have_value("week")
        # weeks by their Saturday, in Jalali: 7 December (۱۶ آذر) is in the week of ۱۴ آذر
        page.locator("#s-volume").locator("xpath=..").locator("summary").click()
        expect(page.get_by_role("cell", name="۱۴ آذر", exact=True)).to_be_visible()
        heat_map = page.get_by_role("img", name="شلوغ‌ترین ساعت‌ها")
        expect(heat_map).to_contain_text("شنبه")
        if phone:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, "the page scrolls sideways on a phone"
        shoot(page, f"admin-statistics-fa-{'phone' if phone else 'desktop'}")
