"""Real Chromium on a real server: a booking made by a click (and Confirm in its review step)
shows up, without a reload, in another browser's grid and on the clinic's desk; a slot taken a
moment before says so and offers the nearest free ones. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, WebSocketRoute, expect

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from tests import factories
from tests.e2e.browser import RoutedSocket, open_page, shoot, sign_in, until
from tests.e2e.test_browser_booking import key
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)

# static/web/live.js: a ping after 25 s of quiet, a socket given up after 10 s of silence,
# the next one opened a second later (give or take a quarter).
HEARTBEAT_MS = 25_000
SILENCE_MS = 10_000
RECONNECT_MS = 1_250
TWO_MINUTES_MS = 120_000
STEP_MS = 2_000


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


def test_a_grid_whose_connection_died_without_a_close_says_so_and_catches_up(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    other_patient: rows.Patient,
) -> None:
    """Found by a reviewer: a connection gone without a close (a laptop that slept, a phone
    that lost its network) left the page saying "live" while it heard nothing."""
    page = open_page(browser, contexts, server)
    page.clock.install()  # the heartbeat's 25 s and the silence's 10 s, run on demand
    socket = RoutedSocket(page, "/ws/slots/")
    page.goto(f"/doctors/{doctor.pk}/?clinic={clinic.pk}")
    live(page)
    start = key(factories.slot_start(clinic, hour=10))
    expect(page.locator(f'[data-start="{start}"]')).to_have_attribute("data-state", "free")

    socket.losing = True  # from here the connection carries nothing to the page
    build_bus().handle(factories.booking(doctor, other_patient, hour=10))
    until(page, lambda: len(socket.lost) == 1, "the change never reached the page's socket")
    page.clock.run_for(HEARTBEAT_MS)
    until(page, lambda: len(socket.lost) == 2, "no answer to a ping was sent")
    socket.losing = False
    live(page)  # a quiet day, as far as the page can tell, until the silence runs out
    page.clock.run_for(SILENCE_MS)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "down")
    page.clock.run_for(RECONNECT_MS)

    live(page)
    assert len(socket.sockets) == 2
    expect(page.locator(f'[data-start="{start}"]')).to_have_attribute("data-state", "taken")

    # The browser says the network went: so does the page, which tries no socket until it is
    # back (it said "reconnecting…" and tried one every 20 s), then catches up.
    status = page.locator("#live-status")
    page.context.set_offline(True)
    expect(status).to_have_text("no connection")
    tried = len(socket.sockets)
    page.clock.run_for(HEARTBEAT_MS + SILENCE_MS + TWO_MINUTES_MS)
    expect(status).to_have_text("no connection")
    assert len(socket.sockets) == tried
    page.context.set_offline(False)
    page.clock.run_for(RECONNECT_MS * 4)
    live(page)

    # Closed by the server for good (4xxx): a network blip after it does not hide why.
    socket.sockets[-1].close(code=4403)
    expect(status).to_have_attribute("data-state", "closed")
    page.context.set_offline(True)
    page.context.set_offline(False)
    page.clock.run_for(RECONNECT_MS * 4)
    expect(status).to_have_attribute("data-state", "closed")


def test_a_socket_that_opens_and_closes_at_once_backs_off_and_the_page_polls(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    other_patient: rows.Patient,
) -> None:
    """Found by a reviewer: the back-off started again whenever a socket opened, so a server
    that accepted and closed at once (its database or Redis in trouble) got a socket a second
    from every page, for ever, and the page never fell back to asking over HTTP."""
    page = open_page(browser, contexts, server)
    page.clock.install()
    opened: list[WebSocketRoute] = []
    # Routed, never connected to the server: each opens, then the test closes it.
    page.route_web_socket(re.compile("/ws/slots/"), lambda socket: opened.append(socket))
    page.goto(f"/doctors/{doctor.pk}/?clinic={clinic.pk}")
    start = key(factories.slot_start(clinic, hour=10))
    build_bus().handle(factories.booking(doctor, other_patient, hour=10))

    closed = 0
    for _ in range(TWO_MINUTES_MS // STEP_MS):
        page.wait_for_timeout(50)  # the page's open event, then the server's close
        for socket in opened[closed:]:
            socket.close(code=1011)
        closed = len(opened)
        page.clock.run_for(STEP_MS)

    expect(page.locator("#live-status")).to_have_attribute("data-state", "polling")
    expect(page.locator(f'[data-start="{start}"]')).to_have_attribute("data-state", "taken")
    assert len(opened) <= 15, f"{len(opened)} sockets in two minutes"
