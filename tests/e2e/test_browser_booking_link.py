"""Real Chromium on a real server: the patient opens the link from the text message the server
sent about their booking (read from the server's own SMS log), sees the booking and cancels it,
on a desktop and a phone, in English and Persian; and the private calendar feed page makes,
replaces and turns off a feed. Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from scheduler.adapters.notify.models import ContactPreference
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from tests import factories
from tests.e2e.browser import open_page, shoot, sign_in
from tests.servers import Server, serving

pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"https?://[^/\s]+(/b/[^/\s]+/)")
MESSAGE_WAIT_SECONDS = 30
# The phone's own language (its Accept-Language), as the patient's would be.
LOCALES = {"en": "en-US", "fa": "fa-IR"}


@pytest.fixture(scope="module")
def server(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The module's server sends its own messages: its task queue works in its own process
    (no Redis), so the text message with the link arrives on either database without a
    separate worker (the Redis path of messages is the notification tests')."""
    with serving(tmp_path_factory.mktemp("link-server"), env={"REDIS_URL": ""}) as running:
        yield running


def link_from_sent_message(server: Server, phone: str) -> str:
    """The booking link in the text message the server sent to ``phone`` (its outbox relay
    and task queue do it, as in production; SMS go to a file in its data directory)."""
    log = server.log.parent / "sms.log"
    deadline = time.monotonic() + MESSAGE_WAIT_SECONDS
    while time.monotonic() < deadline:
        if log.exists():
            for line in log.read_text(encoding="utf-8").splitlines():
                sent = json.loads(line)
                found = LINK.search(sent["text"])
                if sent["to"] == phone and found:
                    return found.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no message with a booking link reached {phone}")


@pytest.mark.parametrize(
    ("language", "phone"),
    [("en", False), ("en", True), ("fa", False), ("fa", True)],
    ids=["en-desktop", "en-phone", "fa-desktop", "fa-phone"],
)
def test_the_link_in_the_message_opens_the_booking_and_cancels_it(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    language: str,
    phone: bool,
) -> None:
    number = f"+98912{uuid.uuid4().int % 10_000_000:07d}"
    patient = factories.patient(phone=number, language=language, first_name="Leila")
    ContactPreference.objects.create(user=patient.user, email=False, sms=True)
    result = build_bus().handle(factories.booking(doctor, patient, hour=11))
    rows.Appointment.objects.filter(pk=result.appointment_id).update(reason="Back pain")
    path = link_from_sent_message(server, number)

    page = open_page(browser, contexts, server, phone=phone, locale=LOCALES[language])
    response = page.goto(path)
    assert response is not None and response.status == 200
    assert response.headers["referrer-policy"] == "strict-origin"
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("#booking-title")).to_contain_text(str(doctor))
    expect(page.locator("#booking")).to_contain_text(clinic.address)
    expect(page.locator("#booking")).to_contain_text("Back pain")
    expect(page.locator("#booking-when")).to_contain_text("۱۱:۰۰" if language == "fa" else "11:00")
    assert page.locator("form").filter(has=page.locator("textarea")).count() == 1  # one action
    shoot(page, f"booking-link-{language}-{'phone' if phone else 'desktop'}")

    page.locator("#cancel-reason").fill("Feeling better")
    page.locator("#cancel-confirm").check()
    page.locator("#cancel-button").press("Enter")  # by keyboard, as anyone may

    expect(page).to_have_url(re.compile(r"\?done=cancelled$"))
    expect(page.locator("#booking-status")).to_have_class(re.compile(r"\bcancelled\b"))
    expect(page.locator("#cancel-form")).to_have_count(0)
    shoot(page, f"booking-link-cancelled-{language}-{'phone' if phone else 'desktop'}")
    assert rows.Appointment.objects.get(pk=result.appointment_id).status == "cancelled"


def test_an_expired_or_forged_link_is_a_page_with_a_way_to_sign_in(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_page(browser, contexts, server, phone=True)
    response = page.goto("/b/not-a-real-token/")
    assert response is not None and response.status == 404
    shoot(page, "booking-link-gone-phone")
    page.locator("#link-gone a[href^='/login/']").click()
    expect(page).to_have_url(re.compile(r"/login/\?next=/me/appointments/$"))


def accept_dialogs(page: Page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


@pytest.mark.parametrize(
    ("language", "phone"), [("en", False), ("fa", True)], ids=["en-desktop", "fa-phone"]
)
def test_the_feed_page_makes_replaces_and_turns_off_a_feed(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    language: str,
    phone: bool,
) -> None:
    patient = factories.patient(language=language)
    build_bus().handle(factories.booking(doctor, patient, hour=12))
    page = open_page(browser, contexts, server, phone=phone, locale=LOCALES[language])
    accept_dialogs(page)
    sign_in(page, server, patient.user, "/me/calendar-feed/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    shoot(page, f"calendar-feed-{language}-empty")

    page.locator("#feed-create").click()
    field = page.locator("#feed-url")
    expect(field).to_have_value(re.compile(r"/feeds/[^/]+\.ics$"))
    first = "/" + field.input_value().split("/", 3)[3]
    feed = page.request.get(first)
    assert feed.status == 200 and "BEGIN:VEVENT" in feed.text()
    expect(page.locator("#feed-revoke")).to_be_visible()
    shoot(page, f"calendar-feed-{language}-made")

    page.locator("#feed-create").click()  # a new one: confirmed in the dialog
    expect(field).not_to_have_value(server.url + first)
    second = "/" + field.input_value().split("/", 3)[3]
    assert page.request.get(first).status == 404
    assert page.request.get(second).status == 200

    page.locator("#feed-revoke").click()
    expect(page.locator("#feed-new")).to_be_hidden()
    expect(page.locator("#feed-revoke")).to_be_hidden()
    assert page.request.get(second).status == 404
    shoot(page, f"calendar-feed-{language}-off")
