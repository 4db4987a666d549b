"""Real Chromium: the waitlist. A patient joins a doctor's waitlist from the doctor's page,
another patient cancels, the first in line sees the offer arrive live on "My appointments"
(held for them, a countdown) and takes it by keyboard; the doctor's line for the desk, with a
move and its reason. On a desktop and a phone, in English and Persian. Screenshots go to
test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from scheduler.adapters.orm import models as rows
from scheduler.adapters.waitlist import links
from scheduler.config.bootstrap import build_bus
from scheduler.services import commands
from tests import factories
from tests.e2e.browser import open_page, shoot, sign_in
from tests.e2e.contrast import low_contrast
from tests.loopback import wait_for
from tests.servers import Server, serving

pytestmark = pytest.mark.django_db(transaction=True)


def live(page: Page) -> None:
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")


@pytest.mark.parametrize(
    ("language", "phone"), [("en", False), ("fa", True)], ids=["en-desktop", "fa-phone"]
)
def test_the_first_in_line_sees_a_freed_slot_live_and_takes_it(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    clinic: rows.Clinic,
    language: str,
    phone: bool,
) -> None:
    doctor = factories.doctor(clinic)
    waiting = factories.patient(language=language, first_name="Sara", last_name="Ahmadi")
    holder = factories.patient(first_name="Reza", last_name="Karimi")
    booked = build_bus().handle(factories.booking(doctor, holder, hour=10)).appointment_id
    name = f"waitlist-{language}-{'phone' if phone else 'desktop'}"

    # The doctor's page: the form below the grid, by keyboard.
    page = open_page(browser, contexts, server, phone=phone)
    sign_in(page, server, waiting.user, f"/doctors/{doctor.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    join = page.locator("#waitlist-join")
    join.locator('button[type="submit"]').scroll_into_view_if_needed()
    shoot(page, f"{name}-join")
    join.locator('button[type="submit"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#waitlist-joined")).to_be_visible()
    expect(page.locator("#waitlist-joined")).to_be_focused()
    entry = rows.WaitlistEntry.objects.get(patient=waiting)
    assert entry.status == "waiting" and entry.parts == "morning,afternoon,evening"
    shoot(page, f"{name}-joined")

    # My appointments: the place in line, then the offer, live, when the other patient cancels.
    page.goto("/me/appointments/")
    live(page)
    place = page.locator(f'li.place[data-entry="{entry.pk}"]')
    expect(place).to_be_visible()
    page.evaluate("window.sameDocument = true")
    build_bus().handle(
        commands.CancelAppointment(actor=factories.actor_of(holder), appointment_id=booked)
    )
    offer = page.locator(f'li.place[data-entry="{entry.pk}"] .offer')
    expect(offer).to_be_visible(timeout=30_000)
    expect(offer.locator(".countdown")).not_to_be_empty()
    assert page.evaluate("window.sameDocument") is True
    assert low_contrast(page) == []
    shoot(page, f"{name}-offered")

    # Taken by keyboard: booked in place of the hold that kept it.
    accept = offer.locator('button[data-offer="accept"]')
    accept.focus()
    page.keyboard.press("Enter")
    held = rows.WaitlistOffer.objects.get()
    expect(page).to_have_url(f"{server.url}/me/appointments/{held.appointment_id}/?taken=1")
    visit = rows.Appointment.objects.get(pk=held.appointment_id)
    assert (visit.patient_id, visit.status) == (waiting.pk, "booked")
    held.refresh_from_db()
    assert held.status == "accepted"
    expect(page.locator(f'li[data-appointment="{visit.pk}"]')).to_be_visible()
    # Said in words (found in review: the page said nothing of what just happened).
    expect(page.locator("#just-taken")).to_be_visible()
    shoot(page, f"{name}-taken")


@pytest.mark.parametrize(
    ("language", "phone"), [("en", False), ("fa", True)], ids=["en-desktop", "fa-phone"]
)
def test_an_offer_refused_at_the_days_bookings_says_so_beside_it_with_the_clinics_phone(
    browser: Browser,
    contexts: list[BrowserContext],
    clinic: rows.Clinic,
    tmp_path: Path,
    language: str,
    phone: bool,
) -> None:
    """Found in review: the refusal was said at the top of the page, away from the offer,
    which looked untouched, with no word of what became of the slot or whom to call."""
    rows.Clinic.objects.filter(pk=clinic.pk).update(phone="+982188776655")
    doctor = factories.doctor(clinic)
    waiting = factories.patient(language=language, first_name="Sara", last_name="Ahmadi")
    holder = factories.patient(first_name="Reza", last_name="Karimi")
    booked = build_bus().handle(factories.booking(doctor, holder, hour=10)).appointment_id
    build_bus().handle(factories.waiting(doctor, waiting))
    name = f"waitlist-refused-{language}-{'phone' if phone else 'desktop'}"

    with serving(tmp_path / "server", env={"PATIENT_BOOKING_RATE": "1/day"}) as server:
        page = open_page(browser, contexts, server, phone=phone)
        sign_in(page, server, waiting.user, "/me/appointments/")
        live(page)
        # The day's one booking, made on this server (which counts it).
        other_day = factories.slot_start(clinic, days_ahead=3, hour=11).isoformat()
        made = page.evaluate(
            """async (booking) => (await fetch("/api/appointments/", {method: "POST",
                headers: {"Content-Type": "application/json", "X-CSRFToken":
                          document.querySelector('meta[name="csrf-token"]').content},
                body: JSON.stringify(booking)})).status""",
            {"doctor_id": doctor.pk, "clinic_id": clinic.pk, "start": other_day},
        )
        assert made == 201
        build_bus().handle(
            commands.CancelAppointment(actor=factories.actor_of(holder), appointment_id=booked)
        )
        # Made by whichever server relays the cancellation: on the embedded runtime, only
        # this one's sockets would hear of it, so the page is read again.
        assert wait_for(lambda: rows.WaitlistOffer.objects.exists(), timeout=30)
        page.reload()
        offer = page.locator("li.place .offer")
        expect(offer).to_be_visible()

        accept = offer.locator('button[data-offer="accept"]')
        accept.focus()
        page.keyboard.press("Enter")

        refused = offer.locator(".offer-refused")
        expect(refused.locator("[role=alert]")).not_to_be_empty()
        expect(refused.locator('a.clinic-phone[href="tel:+982188776655"]')).to_be_visible()
        expect(accept).to_be_focused()
        expect(accept).to_be_enabled()
        assert rows.WaitlistOffer.objects.get().status == "open"
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        shoot(page, f"{name}")


@pytest.mark.parametrize(
    ("language", "phone"), [("fa", False), ("en", True)], ids=["fa-desktop", "en-phone"]
)
def test_the_desk_moves_a_place_with_a_reason_and_an_offer_has_its_own_page(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    clinic: rows.Clinic,
    language: str,
    phone: bool,
) -> None:
    doctor = factories.doctor(clinic)
    first = factories.patient(first_name="Sara", last_name="Ahmadi", language=language)
    second = factories.patient(first_name="Mina", last_name="Rahimi")
    for patient in (first, second):
        build_bus().handle(factories.waiting(doctor, patient))
    desk = factories.receptionist(clinic)
    rows.User.objects.filter(pk=desk.user_id).update(language=language)
    name = f"waitlist-line-{language}-{'phone' if phone else 'desktop'}"

    page = open_page(browser, contexts, server, phone=phone)
    sign_in(page, server, desk.user, f"/waitlist/{doctor.pk}/{clinic.pk}/")
    rows_ = page.locator("ol.line > li")
    expect(rows_).to_have_count(2)
    expect(rows_.nth(1)).to_contain_text("Mina Rahimi")
    rows_.nth(1).locator('button[data-move="up"]').focus()
    page.keyboard.press("Enter")
    reason = rows_.nth(1).locator('input[name="reason"]')
    expect(reason).to_be_focused()
    page.keyboard.type("Urgent referral")
    shoot(page, f"{name}-ask")
    page.keyboard.press("Enter")
    expect(page.locator("ol.line > li").first.locator(".move-note")).to_be_visible()
    expect(page.locator("ol.line > li").first).to_contain_text("Mina Rahimi")
    assert rows.WaitlistMove.objects.get().reason == "Urgent referral"
    assert low_contrast(page) == []
    shoot(page, f"{name}-moved")

    # The second patient, first now, opens their offer's link from the message.
    start = factories.slot_start(clinic)
    build_bus().handle(
        commands.OfferFreedSlots(doctor_id=doctor.pk, start=start, end=start.replace(minute=30))
    )
    offer = rows.WaitlistOffer.objects.get()
    assert offer.entry.patient_id == second.pk  # first in line since the move
    patient_page = open_page(browser, contexts, server, phone=phone)
    rows.User.objects.filter(pk=second.user_id).update(language=language)
    sign_in(patient_page, server, second.user, f"/w/{links.token_for(offer.pk)}/")
    expect(patient_page.locator('button[data-offer="decline"]')).to_be_visible()
    assert low_contrast(patient_page) == []
    shoot(patient_page, f"{name}-offer-page")
    patient_page.locator('button[data-offer="decline"]').focus()
    patient_page.keyboard.press("Enter")
    expect(patient_page.locator("#message")).to_have_class("message ok")
    offer.refresh_from_db()
    assert offer.status == "declined"


def redraw_live(page: Page) -> None:
    """What the patient's socket does on a change: the places drawn again from the server."""
    page.evaluate("""() => {
        document.getElementById("waitlist").dataset.old = "1";
        document.dispatchEvent(new CustomEvent("waitlist-changed"));
    }""")
    page.wait_for_function("() => !document.getElementById('waitlist').dataset.old")


def test_leaving_the_last_waitlist_by_keyboard_keeps_the_focus_on_the_page(
    server: Server, browser: Browser, contexts: list[BrowserContext], clinic: rows.Clinic
) -> None:
    doctor = factories.doctor(clinic)
    waiting = factories.patient()
    page = open_page(browser, contexts, server)
    sign_in(page, server, waiting.user, f"/doctors/{doctor.pk}/")
    page.locator('#waitlist-join button[type="submit"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#waitlist-joined")).to_be_focused()

    page.goto("/me/appointments/")
    live(page)
    leave = page.locator("button[data-leave]")
    leave.focus()
    page.keyboard.press("Enter")  # asked first: the place in line would be given up
    ask = page.locator("li.place form.why")
    expect(ask).to_contain_text("Your place in line is given up.")
    expect(ask.get_by_role("button", name="Yes, leave")).to_be_focused()
    # A live change redraws the places mid-answer (the socket's first snapshot does, whenever it
    # lands): the question stays open, with the focus where it was.
    redraw_live(page)
    expect(ask.get_by_role("button", name="Yes, leave")).to_be_focused()
    ask.get_by_role("button", name="Stay on it").focus()
    page.keyboard.press("Enter")
    expect(ask).to_have_count(0)
    expect(leave).to_be_focused()
    # A live change redraws the places meanwhile: the focus stays on the same button.
    redraw_live(page)
    expect(leave).to_be_focused()
    assert rows.WaitlistEntry.objects.get(patient=waiting).status == "waiting"
    shoot(page, "waitlist-leave-kept")

    page.keyboard.press("Enter")
    expect(ask.get_by_role("button", name="Yes, leave")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("#message")).to_contain_text("You left the waitlist.")
    expect(page.locator("#waitlist")).to_be_hidden()
    # Not lost to the page's body: on to what follows, from where Tab goes on.
    expect(page.locator("#upcoming-title")).to_be_focused()
    assert rows.WaitlistEntry.objects.get(patient=waiting).status != "waiting"
