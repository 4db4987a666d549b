"""Real Chromium, Persian pages: a Persian clinic's pages render right to left (`dir`, `lang`,
the header mirrored) with Jalali dates in Persian digits, on a desktop and a phone; a booking
confirmation with a Latin name and a Persian date keeps both in order; the language switcher
is reached and used by keyboard. Screenshots in test-artifacts/.

Only dates, digits and weekday names (adapters.local_dates) and the page's structure are
asserted: the words themselves come from the compiled catalog, which may or may not hold a
translation when this runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from scheduler.adapters import visit_links
from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.browser import WAIT_MS, WATCH_CSP, arrow_points, shoot, sign_in
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)

# Thursday 21 March 2030 is Nowruz, 1 Farvardin 1409.
NOWRUZ = "پنج‌شنبه ۱ فروردین ۱۴۰۹"
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"

# Where a piece of text is drawn: the left edge of each character range, so an assertion can
# say what the eye sees first on a right-to-left line.
LEFT_OF = """([selector, text]) => {
  const root = document.querySelector(selector);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(text);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + text.length);
    return range.getBoundingClientRect().left;
  }
  return null;
}"""


def left_of(page: Page, selector: str, text: str) -> float:
    found = page.evaluate(LEFT_OF, [selector, text])
    assert found is not None, f"{text!r} is not in {selector}"
    return float(found)


def persian_browser(
    browser: Browser, contexts: list[BrowserContext], server: Server, *, phone: bool
) -> Page:
    """A Persian reader's browser: it asks for Persian (Accept-Language) and formats dates and
    numbers as a Persian phone does."""
    viewport = {"width": 390, "height": 844} if phone else {"width": 1200, "height": 900}
    context = browser.new_context(
        base_url=server.url,
        viewport=viewport,  # type: ignore[arg-type]
        locale="fa-IR",
        timezone_id="Asia/Tehran",
    )
    context.set_default_timeout(WAIT_MS)
    context.add_init_script(WATCH_CSP)
    contexts.append(context)
    return context.new_page()


def assert_right_to_left(page: Page) -> None:
    root = page.locator("html")
    expect(root).to_have_attribute("dir", "rtl")
    expect(root).to_have_attribute("lang", "fa")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # The layout mirrors: the site's name starts the header, on the right.
    title = page.locator("header.top h1").bounding_box()
    width = page.evaluate("document.documentElement.clientWidth")
    assert title is not None and title["x"] > width / 2


@pytest.fixture
def persian_doctor(db: None) -> rows.Doctor:
    clinic = factories.clinic(language="fa")
    doctor = factories.doctor(clinic)
    zone = ZoneInfo(clinic.timezone)
    rows.TimeOff.objects.create(
        doctor=doctor,
        start=datetime.combine(date(2030, 3, 21), time(), zone),
        end=datetime.combine(date(2030, 3, 25), time(), zone),
        reason="Nowruz",
    )
    return doctor


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_a_persian_clinics_hours_page_is_right_to_left_with_jalali_dates(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    persian_doctor: rows.Doctor,
    phone: bool,
) -> None:
    page = persian_browser(browser, contexts, server, phone=phone)
    sign_in(page, server, persian_doctor.user, "/doctor/hours/")

    assert_right_to_left(page)
    days_off = page.locator("#days-off li.period .when")
    expect(days_off).to_contain_text(NOWRUZ)  # 21 March 2030
    expect(days_off).to_contain_text("یک‌شنبه ۴ فروردین ۱۴۰۹")  # Sunday 24 March 2030, the last
    assert not any(digit in days_off.inner_text() for digit in "0123456789")
    expect(page.locator("#weekly tbody th").first).to_have_text("شنبه")  # a Persian week
    hours = page.locator("#id_hours_0")
    expect(hours).to_have_value("۱۰:۰۰-۱۷:۰۰")
    assert page.evaluate("document.fonts.check('16px Vazirmatn', 'نوبت')")
    shoot(page, f"persian-hours-{'phone' if phone else 'desktop'}")


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_a_confirmation_with_a_latin_name_and_a_persian_date_reads_in_order(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    persian_doctor: rows.Doctor,
    phone: bool,
) -> None:
    patient = factories.patient(first_name="John", last_name="Smith")
    start = datetime(2030, 3, 21, 6, 30, tzinfo=UTC)  # 10:00 in Tehran
    visit = factories.appointment(persian_doctor, patient, start)
    page = persian_browser(browser, contexts, server, phone=phone)

    page.goto(visit_links.url_for(visit.pk).removeprefix("http://127.0.0.1:8000"))
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")

    assert_right_to_left(page)
    line = page.locator("#visit-when")
    expect(line).to_contain_text("John Smith")
    expect(line).to_contain_text("۱ فروردین")  # as the server wrote it, or the page's script
    expect(line).to_contain_text("۱۰:۰۰")
    text = line.inner_text()
    # Logical order: whose visit, then when; the name whole, the digits Persian.
    assert text.index("John Smith") < text.index("فروردین") < text.index("۱۰:۰۰")
    assert not any(digit in text.replace("John Smith", "") for digit in "0123456789")
    # What the eye sees on a right-to-left line: the name first (rightmost) and whole, read
    # left to right; the date after it, to its left, its day before its month.
    name, when = "#visit-when .who", "#visit-time"
    assert left_of(page, name, "John") < left_of(page, name, "Smith")
    assert left_of(page, when, "فروردین") < left_of(page, name, "John")
    assert left_of(page, when, "فروردین") < left_of(page, when, "۱ ")
    shoot(page, f"persian-visit-bidi-{'phone' if phone else 'desktop'}")


def test_the_language_switcher_is_reached_and_used_by_keyboard(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    persian_doctor: rows.Doctor,
) -> None:
    page = persian_browser(browser, contexts, server, phone=False)
    sign_in(page, server, persian_doctor.user, "/doctor/hours/")
    expect(page.locator("html")).to_have_attribute("lang", "fa")

    switch = page.locator(".language-switch button[lang='en']")
    for _ in range(30):
        page.keyboard.press("Tab")
        if switch.evaluate("button => button === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the language switcher")
    page.keyboard.press("Enter")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("#days-off li.period .when")).to_contain_text("Thursday 21 March 2030")
    persian_doctor.user.refresh_from_db()
    assert persian_doctor.user.language == "en"  # kept on the account, for every device
    shoot(page, "persian-hours-switched-to-english")


def test_arrows_point_the_way_a_persian_reader_goes(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    persian_doctor: rows.Doctor,
) -> None:
    """Earlier is to the right on a right-to-left page: the week's and the desk's day's
    "back" controls stand at the right and point right."""
    clinic = persian_doctor.clinics.get()
    grid = persian_browser(browser, contexts, server, phone=False)
    grid.goto(f"/doctors/{persian_doctor.pk}/")
    expect(grid.locator("#live-status")).to_have_attribute("data-state", "live")
    assert_right_to_left(grid)
    back, forward = grid.locator("#prev-week"), grid.locator("#next-week")
    assert box_x(back) > box_x(forward)
    arrow = "getComputedStyle(document.querySelector('#prev-week .arrow-back'), '::before')"
    assert grid.evaluate(f"{arrow}.content") == '"→ "'
    shoot(grid, "persian-doctor-page")

    desk = persian_browser(browser, contexts, server, phone=True)
    sign_in(desk, server, factories.receptionist(clinic).user, f"/desk/{clinic.pk}/")
    expect(desk.locator("#live-status")).to_have_attribute("data-state", "live")
    assert_right_to_left(desk)
    back, forward = desk.locator("#desk-prev"), desk.locator("#desk-next")
    assert box_x(back) > box_x(forward)
    # Found in review: mirrored by the page and again by the browser, they pointed inwards.
    assert (arrow_points(back), arrow_points(forward)) == ("right", "left")
    shoot(desk, "persian-desk-phone")


def box_x(locator: Locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return float(box["x"])


def test_the_home_page_for_a_persian_browser(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    persian_doctor: rows.Doctor,
) -> None:
    page = persian_browser(browser, contexts, server, phone=True)
    page.goto("/")

    assert_right_to_left(page)
    clinic = persian_doctor.clinics.get()
    expect(page.locator("main")).to_contain_text(clinic.name)
    expect(
        page.locator(f'a[href="/doctors/{persian_doctor.pk}/?clinic={clinic.pk}"]').first
    ).to_be_visible()
    shoot(page, "persian-home-phone")
