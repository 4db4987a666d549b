"""Real Chromium on a real server: the waiting room. The desk checks a patient in and calls
the one before in; on the patient's phone, the page their confirmation links to shows their
place and expected call move without a reload. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from scheduler.adapters import visit_links
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.services.commands import CheckInAppointment, RescheduleAppointment
from tests import factories
from tests.e2e.browser import open_live, open_page, shoot, sign_in
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_checked_in_patient_follows_their_place_live_on_their_phone(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    receptionist: rows.Receptionist,
) -> None:
    first_start = factories.earlier_today(clinic, minutes_ago=60)
    first = factories.appointment(doctor, factories.patient(first_name="Leila"), first_start)
    mine = factories.appointment(
        doctor, factories.patient(first_name="Kaveh"), first_start + timedelta(minutes=30)
    )
    desk_actor = factories.actor_of(receptionist)
    build_bus().handle(CheckInAppointment(actor=desk_actor, appointment_id=first.pk))

    phone = open_page(browser, contexts, server, phone=True)
    phone.goto(visit_links.url_for(mine.pk).removeprefix("http://127.0.0.1:8000"))
    place = phone.locator("#visit-place")
    expect(place).to_contain_text("check in at the desk")
    expect(place).not_to_contain_text("null")  # a visit without a reason said "null"

    desk = open_live(browser, contexts, server, receptionist.user, f"/desk/{clinic.pk}/")
    first_row = desk.locator(f'li[data-appointment="{first.pk}"]')
    expect(first_row.locator(".queue")).to_contain_text("#1 in line")
    my_row = desk.locator(f'li[data-appointment="{mine.pk}"]')
    my_row.focus()
    desk.keyboard.press("c")

    expect(my_row.locator(".queue")).to_contain_text("#2 in line")
    expect(place).to_contain_text("You are number 2 in line")
    expect(place).to_contain_text("1 before you")
    expect(place).to_contain_text("Expected to be called")
    shoot(desk, "desk-queue")
    shoot(phone, "visit-queue-phone")

    first_row.focus()
    desk.keyboard.press("i")  # the doctor calls Leila in
    expect(first_row).to_have_attribute("data-status", "in_consultation")
    expect(desk.locator(f'[data-doctor="{doctor.pk}"] .room')).to_contain_text("Leila")
    expect(place).to_contain_text("You are number 1 in line")
    expect(place).to_contain_text("You are next")
    shoot(phone, "visit-queue-next-phone")


def test_a_link_that_was_not_signed_here_is_no_visit(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_page(browser, contexts, server)
    response = page.goto("/visit/not-a-token/")
    assert response is not None and response.status == 404


def test_the_desk_moves_between_days(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    clinic: rows.Clinic,
    receptionist: rows.Receptionist,
) -> None:
    desk = open_page(browser, contexts, server)
    sign_in(desk, server, receptionist.user, f"/desk/{clinic.pk}/")
    day = desk.locator("#desk-day")
    today = day.input_value()
    desk.get_by_role("button", name="Next day").click()
    expect(day).not_to_have_value(today)
    desk.get_by_role("button", name="Today").click()
    expect(day).to_have_value(today)


# A network that lets no WebSocket through: every socket closes at once, unopened.
NO_SOCKETS = """
window.WebSocket = class {
  static OPEN = 1;
  constructor() { this.readyState = 3; }
  addEventListener(type, listener) {
    if (type === "close") setTimeout(() => listener({ code: 1006 }), 10);
  }
  send() {}
  close() {}
};
"""


def test_without_sockets_the_desk_still_runs_its_day_over_http(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    receptionist: rows.Receptionist,
) -> None:
    start = factories.earlier_today(clinic, minutes_ago=30)
    visit = factories.appointment(doctor, factories.patient(first_name="Parisa"), start)
    desk = open_page(browser, contexts, server)
    desk.add_init_script(NO_SOCKETS)
    sign_in(desk, server, receptionist.user, f"/desk/{clinic.pk}/")

    expect(desk.locator("#live-status")).to_have_attribute("data-state", "polling")
    row = desk.locator(f'li[data-appointment="{visit.pk}"]')
    row.focus()
    desk.keyboard.press("c")
    expect(row.locator(".queue")).to_contain_text("#1 in line")  # asked again at once
    shoot(desk, "desk-without-sockets")


def test_the_patients_page_shows_the_new_time_when_the_desk_moves_the_visit(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    patient: rows.Patient,
    receptionist: rows.Receptionist,
) -> None:
    visit = build_bus().handle(factories.booking(doctor, patient)).appointment_id
    phone = open_page(browser, contexts, server, phone=True)
    phone.goto(visit_links.url_for(visit).removeprefix("http://127.0.0.1:8000"))
    expect(phone.locator("#live-status")).to_have_attribute("data-state", "live")
    shown = phone.locator("#visit-time")
    before = shown.inner_text()

    later = factories.slot_start(clinic, days_ahead=3, hour=11)
    build_bus().handle(
        RescheduleAppointment(
            actor=factories.actor_of(receptionist), appointment_id=visit, start=later
        )
    )

    expect(shown).not_to_have_text(before)
    expect(shown).to_contain_text("11:00")
