"""Real Chromium on a real server: a slot under review is held, live. Patient A opens the
booking's review step: the dialog says how long the slot is held for them, and patient B's
grid (another browser) shows that cell held. A closes the dialog (Escape, or leaves the page:
a beacon): B sees it free again. Desktop and phone, English and Persian. Screenshots go to
test-artifacts/."""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Route, expect

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.browser import open_live, open_page, shoot, sign_in
from tests.e2e.contrast import low_contrast
from tests.e2e.test_browser_booking import key, open_review, slot_link
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)

HELD_FOR_YOU = {"en": "Held for you for 4:", "fa": "۴:"}
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def cell(page: Page, start: datetime) -> Locator:
    return page.locator(f'#grid [data-start="{key(start)}"]')


@pytest.mark.parametrize(
    ("language", "phone"), [("en", False), ("fa", True)], ids=["en-desktop", "fa-phone"]
)
def test_a_slot_under_review_is_held_for_its_patient_and_shown_held_to_others(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    language: str,
    phone: bool,
) -> None:
    holder = factories.patient(first_name="Sara", last_name="Ahmadi", language=language)
    watcher = factories.patient(first_name="Reza", last_name="Karimi", language=language)
    start = factories.slot_start(clinic, days_ahead=3, hour=11)
    name = f"hold-{language}-{'phone' if phone else 'desktop'}"
    week = f"/doctors/{doctor.pk}/?clinic={clinic.pk}"
    other = open_live(browser, contexts, server, watcher.user, week, phone=phone)
    expect(cell(other, start)).to_have_attribute("data-state", "free")

    page = open_page(browser, contexts, server, phone=phone)
    sign_in(page, server, holder.user, slot_link(doctor, clinic, start))
    open_review(page, start, language)

    countdown = page.locator("#review-hold")
    expect(countdown).to_be_visible()
    expect(countdown).to_contain_text(HELD_FOR_YOU[language])
    expect(page.locator("#review-hold-said")).not_to_be_empty()  # said once, politely
    hold = rows.Appointment.every.get(status="proposed")
    assert (hold.patient_id, hold.start) == (holder.pk, start)
    shoot(page, f"{name}-review", full_page=False)
    assert low_contrast(page) == []

    held = cell(other, start)
    expect(held).to_have_attribute("data-state", "held")  # live, without a reload
    expect(held).to_be_disabled()
    time = f"{start:%H:%M}"
    expect(held).to_contain_text(time.translate(PERSIAN_DIGITS) if language == "fa" else time)
    if language == "en":
        expect(held).to_contain_text("held")
    expect(cell(page, start)).to_have_attribute("data-state", "held-mine")  # behind the dialog
    held.scroll_into_view_if_needed()
    shoot(other, f"{name}-other-sees-held", full_page=False)
    assert low_contrast(other) == []

    page.keyboard.press("Escape")  # the dialog closes: the hold goes

    expect(page.locator("#review")).to_be_hidden()
    expect(cell(other, start)).to_have_attribute("data-state", "free")
    expect(cell(page, start)).to_have_attribute("data-state", "free")
    expect(cell(page, start)).to_be_focused()
    assert rows.Appointment.every.get(pk=hold.pk).status == "released"


def test_leaving_the_page_lets_the_hold_go_and_confirm_books_the_hold(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
) -> None:
    holder, watcher = factories.patient(), factories.patient()
    start = factories.slot_start(clinic, days_ahead=2, hour=15)
    week = f"/doctors/{doctor.pk}/?clinic={clinic.pk}"
    other = open_live(browser, contexts, server, watcher.user, week)
    expect(cell(other, start)).to_have_attribute("data-state", "free")
    page = open_page(browser, contexts, server)
    sign_in(page, server, holder.user, slot_link(doctor, clinic, start))
    open_review(page, start, "en")
    expect(cell(other, start)).to_have_attribute("data-state", "held")

    page.goto("/")  # leaving the page: its beacon lets the hold go

    expect(cell(other, start)).to_have_attribute("data-state", "free")

    # Back on the slot, Confirm books the very hold: its id becomes the appointment's.
    page.goto(slot_link(doctor, clinic, start))
    open_review(page, start, "en")
    expect(cell(other, start)).to_have_attribute("data-state", "held")
    hold = rows.Appointment.every.get(status="proposed")
    page.locator("#review-confirm").click()
    expect(page.locator("#review-result")).to_be_visible()
    expect(page.locator("#review-hold")).to_be_hidden()
    assert rows.Appointment.objects.get().pk == hold.pk
    expect(cell(other, start)).to_have_attribute("data-state", "taken")


def test_a_confirm_faster_than_the_holds_reply_books_that_hold(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
) -> None:
    """Confirm before the hold's reply has come: the booking waits for it and books the hold
    in place (sent at once, it raced the hold on the server and was refused as taken)."""
    patient = factories.patient()
    start = factories.slot_start(clinic, days_ahead=2, hour=12)
    page = open_page(browser, contexts, server)
    sign_in(page, server, patient.user, slot_link(doctor, clinic, start))
    expect(page.locator("#review")).to_be_visible()
    sent: list[dict[str, object]] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.post_data_json)
            if request.method == "POST" and request.url.endswith("/api/appointments/")
            else None
        ),
    )

    held_back: list[Route] = []  # the hold request, answered only after Confirm is clicked
    page.route("**/api/holds/", lambda route: held_back.append(route))
    page.reload()
    open_review(page, start, "en")
    for _ in range(50):
        if held_back:
            break
        page.wait_for_timeout(100)
    page.locator("#review-confirm").click()
    page.wait_for_timeout(500)  # time enough for a booking sent at once to go
    held_back[0].continue_()

    expect(page.locator("#review-result")).to_be_visible(timeout=15_000)
    visit = rows.Appointment.objects.get()
    assert visit.status == "booked"
    assert sent == [{**sent[0], "hold_id": str(visit.pk)}]
