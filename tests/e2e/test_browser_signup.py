"""Real Chromium on a real server: a patient on a doctor's page with a slot picked clicks "Sign
up", fills the form by keyboard (a mistake first: the message shows under its field and what
was typed stays) and lands back on that page with the slot still in the URL; a doctor signs up
and is told the account awaits approval. Desktop and phone, English and Persian; screenshots
in test-artifacts/."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, quote, urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.browser import open_page, shoot
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long secret 42"


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def type_into(page: Page, text: str) -> None:
    """Type in the focused field, then Tab on to the next one, as a person with a keyboard."""
    page.keyboard.type(text)
    page.keyboard.press("Tab")


def focus_ring_width(page: Page) -> str:
    return str(page.evaluate("getComputedStyle(document.activeElement).outlineWidth"))


@pytest.mark.parametrize(
    ("phone", "language"), [(False, "en"), (True, "en"), (False, "fa"), (True, "fa")]
)
def test_sign_up_from_a_picked_slot_lands_back_on_it(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    phone: bool,
    language: str,
) -> None:
    name = f"signup-{language}-{'phone' if phone else 'desktop'}"
    start = factories.slot_start(clinic, days_ahead=2, hour=10)
    page = open_page(browser, contexts, server, phone=phone, locale=language)
    page.goto(f"/doctors/{doctor.pk}/?clinic={clinic.pk}&slot={quote(start.isoformat())}")

    # The picked slot's review asks a visitor to sign up (or in) first.
    page.locator("#review-signup").click()
    expect(page.locator("#id_first_name")).to_be_visible()
    # Its styles and scripts in place (CI once read the browser's own 1px ring before them).
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "fa" else "ltr")
    page.locator("#id_first_name").focus()
    expect(page.locator("#id_first_name")).to_be_focused()
    assert focus_ring_width(page) == "3px"  # a focus one sees
    shoot(page, f"{name}-focus")
    type_into(page, "Sara" if language == "en" else "سارا")
    type_into(page, "Ahmadi" if language == "en" else "احمدی")
    type_into(page, "0912 345 6789" if language == "en" else "۰۹۱۲ ۳۴۵ ۶۷۸۹")
    # A long address on a phone: the welcome wraps it (found in review: the page scrolled).
    type_into(page, f"sara.ahmadi.hosseinzadeh-{language}-{int(phone)}@example.test")
    type_into(page, PASSWORD)
    page.keyboard.type("a different one 42")
    page.keyboard.press("Enter")

    problem = page.locator("#id_again_error")
    expect(problem).to_be_visible()
    expect(page.locator("#id_again")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_last_name")).to_have_value("Ahmadi" if language == "en" else "احمدی")
    expect(page.locator("#id_password")).to_have_value("")  # passwords are typed again
    assert page.locator("#id_first_name").bounding_box()["height"] >= 44  # type: ignore[index]
    shoot(page, f"{name}-error")

    page.locator("#id_password").focus()
    type_into(page, PASSWORD)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    page.wait_for_url(lambda url: urlparse(url).path == f"/doctors/{doctor.pk}/")
    query = parse_qs(urlparse(page.url).query)
    assert [instant(v) for v in query["slot"]] == [start] and query["clinic"] == [str(clinic.pk)]
    expect(page.locator('header nav a[href="/me/profile/"]')).to_contain_text(
        "Sara" if language == "en" else "سارا"
    )
    # Said in the booking's dialog, which opens again on the slot: behind it, the welcome
    # was dimmed or covered, and inert to a screen reader (found in review).
    expect(page.locator("#review .welcome[role=status]")).to_contain_text(
        "Welcome to Nobat, Sara: your account is ready."
        if language == "en"
        else "سارا، به نوبت خوش آمدید: حساب شما آماده است."
    )
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    shoot(page, f"{name}-landed")


@pytest.mark.parametrize("language", ["en", "fa"])
def test_a_patient_signed_up_on_a_small_phone_is_welcomed_once_with_a_long_address_wrapped(
    server: Server, browser: Browser, contexts: list[BrowserContext], language: str
) -> None:
    """Found in review: a 39-character address scrolled a 360 px page sideways."""
    address = f"mohammadreza.hosseinzadeh1990.{language}@example.test"
    page = open_page(browser, contexts, server, phone=True, locale=language)
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/signup/")
    page.locator("#id_first_name").focus()
    phone = "0912 111 2201" if language == "en" else "0912 111 2202"
    for text in ("Sara", "Ahmadi", phone, address, PASSWORD):
        type_into(page, text)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    page.wait_for_url(lambda url: urlparse(url).path == "/")
    welcome = page.locator("main > .welcome[role=status]")
    expect(welcome).to_contain_text(address)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    shoot(page, f"welcome-{language}-phone-360")
    page.reload()
    expect(welcome).to_have_count(0)  # said once


@pytest.mark.parametrize(("phone", "language"), [(False, "en"), (True, "fa")])
def test_a_doctor_signs_up_and_is_told_it_awaits_approval(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    clinic: rows.Clinic,
    phone: bool,
    language: str,
) -> None:
    name = f"signup-doctor-{language}-{'phone' if phone else 'desktop'}"
    factories.specialty("cardiology")
    page = open_page(browser, contexts, server, phone=phone, locale=language)
    page.goto("/signup/doctor/")
    expect(page.locator("#next-steps-title")).to_be_visible()
    shoot(page, f"{name}-form")

    page.locator("#id_first_name").focus()
    type_into(page, "Reza")
    type_into(page, "Karimi")
    type_into(page, "0935 111 2233")
    type_into(page, f"reza-{language}-{int(phone)}@example.test")
    page.keyboard.press("ArrowDown")  # the specialty: its first one
    page.keyboard.press("Tab")
    type_into(page, f"M-{language}{int(phone)}77")
    page.keyboard.press("ArrowDown")  # the clinic
    page.keyboard.press("Tab")
    type_into(page, PASSWORD)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    page.wait_for_url("**/signup/doctor/done/")
    expect(page.get_by_role("status")).to_be_visible()
    if language == "en":
        expect(page.locator("#done-title")).to_have_text("Your sign-up is awaiting approval")
    shoot(page, f"{name}-done")
    doctor = rows.Doctor.objects.get(user__email=f"reza-{language}-{int(phone)}@example.test")
    assert doctor.verified is False and doctor.specialty.slug == "cardiology"
    assert list(doctor.clinics.all()) == [clinic]
    # Their day says it too, until an admin has checked (found in review: it looked like any).
    page.goto("/doctor/")
    expect(page.locator("#awaiting-approval")).to_be_visible()
    shoot(page, f"{name}-day")


@pytest.mark.parametrize(("phone", "language"), [(True, "fa"), (False, "en")])
def test_signing_in_with_a_phone_in_persian_digits_lands_back_on_the_slot(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    phone: bool,
    language: str,
) -> None:
    name = f"signin-{language}-{'phone' if phone else 'desktop'}"
    start = factories.slot_start(clinic, days_ahead=3, hour=11)
    slot_page = f"/doctors/{doctor.pk}/?clinic={clinic.pk}&slot={quote(start.isoformat())}"
    page = open_page(browser, contexts, server, phone=phone, locale=language)
    page.goto("/signup/")  # an account whose password the server itself hashed
    page.locator("#id_first_name").focus()
    for text in ("Mina", "Rahimi", "0912 765 4321", "", PASSWORD):
        type_into(page, text)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: urlparse(url).path == "/")
    page.locator('header nav form[action="/logout/"] button').click()  # sign out

    page.goto(slot_page)
    page.locator("#review-login").click()
    page.locator('.sign-in-form a[href^="/signup/"]').wait_for()
    assert "slot" in str(page.locator('.sign-in-form a[href^="/signup/"]').get_attribute("href"))
    page.locator("#id_username").focus()
    type_into(page, "۰۹۱۲ ۷۶۵ ۴۳۲۱")
    page.keyboard.type(PASSWORD)
    shoot(page, f"{name}-form")
    page.keyboard.press("Enter")

    page.wait_for_url(lambda url: urlparse(url).path == f"/doctors/{doctor.pk}/")
    assert [instant(v) for v in parse_qs(urlparse(page.url).query)["slot"]] == [start]
    expect(page.locator('header nav a[href="/me/profile/"]')).to_contain_text("Mina")
