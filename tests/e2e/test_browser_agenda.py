"""Real Chromium on a real server: a doctor's agenda moves from day to day (the date in the
URL), closes a visit under way, and rejects a request with a reason typed on the row, each
shown without a reload. Screenshots on a desktop and a phone go to test-artifacts/."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Route, expect

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.services import commands
from tests import factories
from tests.e2e.browser import (
    WAIT_MS,
    RoutedSocket,
    arrow_points,
    open_live,
    open_page,
    shoot,
    sign_in,
)
from tests.e2e.test_browser_desk import away_all_day
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_doctor_closes_today_and_answers_a_request_two_days_ahead(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
) -> None:
    now = datetime.now(ZoneInfo(clinic.timezone))
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    under_way = factories.appointment(
        doctor, factories.patient(first_name="Leila"), max(now - timedelta(minutes=10), midnight)
    )
    asking = factories.appointment(
        doctor,
        factories.patient(first_name="Babak"),
        factories.slot_start(clinic, days_ahead=2, hour=11),
        status="pending",
    )
    page = open_live(browser, contexts, server, doctor.user, "/doctor/")
    page.evaluate("window.sameDocument = true")  # gone if the page reloads

    today_row = page.locator(f'li[data-appointment="{under_way.pk}"]')
    expect(today_row).to_contain_text("Leila")
    today_row.get_by_role("button", name="Completed").click()
    expect(today_row).to_have_attribute("data-status", "fulfilled")
    shoot(page, "agenda-today")

    page.get_by_role("button", name="Later").click()
    page.get_by_role("button", name="Later").click()
    expect(page).to_have_url(
        f"{server.url}/doctor/?from={(now + timedelta(days=2)).date().isoformat()}&days=1"
    )
    request_row = page.locator(f'li[data-appointment="{asking.pk}"]')
    # Whose visit a button acts on, for a screen reader (found in review: "Reject…" alone).
    expect(request_row.get_by_role("button", name="Reject…")).to_have_accessible_description(
        re.compile(r"^11:00 Babak")
    )
    request_row.get_by_role("button", name="Reject…").click()
    page.keyboard.type("I am in surgery that morning")  # the reason field has the focus
    page.keyboard.press("Enter")
    expect(request_row).to_have_attribute("data-status", "rejected")
    assert page.evaluate("window.sameDocument") is True
    asking.refresh_from_db()
    assert asking.status == "rejected"
    shoot(page, "agenda-request-rejected")

    phone = open_page(browser, contexts, server, phone=True)
    sign_in(phone, server, doctor.user, f"/doctor/?from={now.date().isoformat()}&days=7")
    expect(phone.locator(f'li[data-appointment="{under_way.pk}"]')).to_have_attribute(
        "data-status", "fulfilled"
    )
    shoot(phone, "agenda-week-phone")


def test_the_doctor_moves_a_visit_books_a_follow_up_and_goes_back_a_week(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
) -> None:
    now = datetime.now(ZoneInfo(clinic.timezone))
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    seen = factories.appointment(
        doctor,
        factories.patient(first_name="Mina"),
        max(now - timedelta(minutes=40), midnight),
        status="fulfilled",
    )
    moving = factories.appointment(
        doctor,
        factories.patient(first_name="Omid"),
        factories.slot_start(clinic, days_ahead=1, hour=10),
    )
    page = open_live(
        browser, contexts, server, doctor.user, f"/doctor/?from={now.date().isoformat()}&days=7"
    )
    # the week starts on Saturday, and today is marked
    week_start = page.locator("section[data-day]").first.get_attribute("data-day") or ""
    assert datetime.fromisoformat(week_start).weekday() == 5
    expect(page.locator('section[aria-current="date"]')).to_have_attribute(
        "data-day", now.date().isoformat()
    )

    # Tomorrow is in the next week when today is a Friday on the clinic's clock: the doctor
    # goes there and back.
    tomorrow = (now + timedelta(days=1)).date()
    next_week = tomorrow >= datetime.fromisoformat(week_start).date() + timedelta(days=7)
    if next_week:
        page.get_by_role("button", name="Later").click()
    row = page.locator(f'li[data-appointment="{moving.pk}"]')
    row.get_by_role("button", name="Reschedule…").click()
    row.locator(".picker button[data-start]").filter(has_text="15:00").click()
    expect(page.locator("#message")).to_contain_text("Omid")
    expect(page.locator("#message")).to_contain_text("moved to")
    moving.refresh_from_db()
    assert moving.start.astimezone(ZoneInfo(clinic.timezone)).hour == 15
    if next_week:
        page.get_by_role("button", name="Earlier").click()
        expect(page.locator("section[data-day]").first).to_have_attribute("data-day", week_start)

    seen_row = page.locator(f'li[data-appointment="{seen.pk}"]')
    seen_row.get_by_role("button", name="Follow-up…").click()
    expect(seen_row.locator(".picker input[type=date]")).to_have_value(
        (now + timedelta(days=7)).date().isoformat()
    )
    seen_row.locator(".picker button[data-start]").first.click()
    expect(page.locator("#message")).to_contain_text("Follow-up for Mina")
    follow_up = rows.Appointment.objects.get(patient=seen.patient, status="booked")
    assert follow_up.reason == "Follow-up"
    shoot(page, "agenda-follow-up")

    page.get_by_role("button", name="Later").click()
    days = page.locator("section[data-day]")
    expect(days.first).to_have_attribute(
        "data-day", (datetime.fromisoformat(week_start) + timedelta(days=7)).date().isoformat()
    )
    page.go_back()
    expect(days.first).to_have_attribute("data-day", week_start)
    expect(page.locator('section[aria-current="date"]')).to_be_visible()


def test_a_slot_held_in_a_patients_review_is_no_visit_on_the_doctors_day(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
) -> None:
    # A patient reviewing a slot holds it for a few minutes (a "proposed" row): not a visit of
    # the doctor's yet. Their day lists no row for it (no raw "proposed", no name, no phone),
    # neither in its snapshot nor when the hold comes live; booked, it is a visit like any.
    visit = factories.appointment(
        doctor, factories.patient(first_name="Omid"), factories.slot_start(clinic, hour=10)
    )
    holder = factories.patient(first_name="Mina")
    day = visit.start.astimezone(ZoneInfo(clinic.timezone)).date().isoformat()
    page = open_live(browser, contexts, server, doctor.user, f"/doctor/?from={day}&days=1")
    expect(page.locator(f'li[data-appointment="{visit.pk}"]')).to_be_visible()

    book = factories.booking(doctor, holder, hour=11)
    held = build_bus().handle(
        commands.HoldSlot(
            actor=book.actor, doctor_id=book.doctor_id, clinic_id=book.clinic_id, start=book.start
        )
    )
    page.wait_for_timeout(1500)  # the hold's news reaches the page (it must not show it)
    expect(page.locator("li[data-appointment]")).to_have_count(1)
    page.reload()
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(page.locator(f'li[data-appointment="{visit.pk}"]')).to_be_visible()
    expect(page.locator(f'li[data-appointment="{held.hold_id}"]')).to_have_count(0)
    expect(page.locator("#day")).not_to_contain_text("proposed")

    build_bus().handle(dataclasses.replace(book, hold_id=held.hold_id))  # Confirm, in place
    expect(page.locator(f'li[data-appointment="{held.hold_id}"]')).to_contain_text("Mina")


@pytest.mark.parametrize(("phone", "locale"), [(False, "en-US"), (True, "fa-IR")])
def test_requests_beyond_the_days_shown_are_counted_with_the_way_to_the_first(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    phone: bool,
    locale: str,
) -> None:
    """Found in review: on the week's last day the Week showed only days gone by, and nothing
    of a request waiting next week."""
    requests = [
        factories.appointment(
            doctor,
            factories.patient(first_name=name, phone=f"+98912000000{hour % 10}"),
            factories.slot_start(clinic, days_ahead=8, hour=hour),  # past any week with today
            status="pending",
        )
        for name, hour in (("Babak", 10), ("Parisa", 11))
    ]
    today = datetime.now(ZoneInfo(clinic.timezone)).date().isoformat()
    page = open_page(browser, contexts, server, phone=phone, locale=locale)
    sign_in(page, server, doctor.user, f"/doctor/?from={today}&days=7")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")

    ahead = page.locator("#ahead")
    expect(ahead).to_be_visible()
    persian = locale.startswith("fa")
    expect(ahead).to_contain_text("۲" if persian else "2 requests waiting later")
    shoot(page, f"agenda-requests-ahead-{'fa-phone' if persian else 'en'}")

    ahead.get_by_role("button").focus()
    page.keyboard.press("Enter")
    first = page.locator(f'li[data-appointment="{requests[0].pk}"]')
    expect(first).to_have_attribute("data-status", "pending")
    expect(first).to_be_focused()  # the keyboard goes on from the request it was shown
    # In the page's digits (found in review: Latin ones among a Persian page's), grouped as
    # people read it aloud (a later review: one run of digits, unlike the clinic's phone).
    expect(first.locator(".phone")).to_have_text(
        "+۹۸ ۹۱۲ ۰۰۰ ۰۰۰۰" if persian else "+98 912 000 0000"
    )
    expect(page.locator(f'li[data-appointment="{requests[1].pk}"]')).to_be_visible()
    expect(ahead).to_be_hidden()  # nothing waits after the week shown now
    expect(first.get_by_role("button").first).to_be_enabled()
    page.keyboard.press("Tab")  # to its Confirm; Enter confirms, and the row keeps the focus
    page.keyboard.press("Enter")
    expect(first).to_have_attribute("data-status", "booked")
    expect(first).to_be_focused()


def test_a_reschedule_onto_a_day_with_no_free_slot_jumps_to_the_next_free_one(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
) -> None:
    """Found by a reviewer: "No free slot that day." left the doctor to try the days one by
    one."""
    page, row, moving, away = _a_visit_before_a_day_off(browser, contexts, server, doctor, clinic)
    held: list[Route] = []
    first, second = moving.start.date(), away
    page.route(
        re.compile(rf"/slots/\?.*from=({first}|{second})&"), lambda route: held.append(route)
    )
    row.get_by_role("button", name="Reschedule…").click()
    row.get_by_role("button", name="Next day").click()
    expect(row.locator(".picker input[type=date]")).to_have_value(away.isoformat())
    for _ in range(WAIT_MS // 100):
        if len(held) == 2:
            break
        page.wait_for_timeout(100)
    # The first day's answer comes first, the next day's after it (found by this test: the
    # first day's slots stayed under the next day's date, and a click booked a day the
    # picker did not say).
    with page.expect_response(lambda response: f"from={first}&" in response.url):
        held[0].continue_()
    page.wait_for_timeout(300)
    held[1].continue_()
    jump = row.locator(".picker button.next-free")
    expect(jump).to_contain_text("Next free:")
    expect(row.locator(".picker button.slot")).to_have_count(0)
    # and a screen reader hears the offer with the day (found in review: only the day)
    expect(row.locator(".picker > p[aria-live=polite]")).to_contain_text(
        re.compile(r": no free time\. Next free: \w+day")
    )
    start = jump.get_attribute("data-start") or ""
    jump.focus()
    page.keyboard.press("Enter")

    chosen = row.locator(f'.picker button.slot[data-start="{start}"]')
    expect(chosen).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("moved to")
    moving.refresh_from_db()
    assert moving.start == datetime.fromisoformat(start)
    assert moving.start.astimezone(ZoneInfo(clinic.timezone)).date() > away


def test_a_snapshot_that_changes_nothing_leaves_the_rows_as_they_are(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
) -> None:
    """Found by a reviewer: every snapshot (a reconnect, a resync) drew every row anew, and a
    click that landed in between was lost."""
    visit = factories.appointment(
        doctor, factories.patient(first_name="Omid"), factories.slot_start(clinic, hour=10)
    )
    page = open_page(browser, contexts, server)
    socket = RoutedSocket(page, "/ws/slots/")
    sign_in(page, server, doctor.user, f"/doctor/?from={visit.start.date()}&days=1")
    row = page.locator(f'li[data-appointment="{visit.pk}"]')
    expect(row).to_be_visible()
    row.evaluate("row => { row.dataset.kept = 'yes'; }")

    socket.drop()  # the next socket starts with a snapshot: the same visits

    page.wait_for_timeout(300)
    expect(page.locator('li[data-kept="yes"]')).to_have_count(1)
    build_bus().handle(
        commands.CancelAppointment(
            actor=factories.actor_of(doctor), appointment_id=visit.pk, reason="away"
        )
    )
    expect(row).to_have_attribute("data-status", "cancelled")


def test_a_reschedule_jump_leaves_the_keyboard_where_it_went_and_says_a_slot_went(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
) -> None:
    """Found by a reviewer: the jump's slot took the focus from wherever the doctor had gone
    meanwhile (a space typed elsewhere moved the visit), and a next free slot taken meanwhile
    went without a word."""
    page, row, moving, _ = _a_visit_before_a_day_off(browser, contexts, server, doctor, clinic)
    row.get_by_role("button", name="Reschedule…").click()
    row.get_by_role("button", name="Next day").click()
    jump = row.locator(".picker button.next-free")
    start = jump.get_attribute("data-start") or ""
    after = start[:10]
    held: list[Route] = []
    page.route(re.compile(rf"/slots/\?.*from={after}&to={after}"), lambda r: held.append(r))

    jump.click()
    for _ in range(WAIT_MS // 100):
        if held:
            break
        page.wait_for_timeout(100)
    week = page.get_by_role("button", name="Week")
    week.focus()
    held[0].continue_()
    expect(row.locator(".picker button.slot").first).to_be_visible()
    expect(week).to_be_focused()
    page.unroute(re.compile(rf"/slots/\?.*from={after}&to={after}"))

    row.get_by_role("button", name="Previous day").click()
    expect(jump).to_have_attribute("data-start", start)
    taken = factories.booking(doctor, factories.patient(), hour=10)
    build_bus().handle(dataclasses.replace(taken, start=datetime.fromisoformat(start)))
    jump.focus()
    page.keyboard.press("Enter")

    expect(page.locator("#message")).to_contain_text("was just taken")
    focused = row.locator(".picker button.slot:focus")
    expect(focused).to_have_count(1)
    assert (focused.get_attribute("data-start") or "") > start
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("moved to")
    moving.refresh_from_db()
    assert moving.start > datetime.fromisoformat(start)


def test_a_day_with_nothing_free_for_a_month_after_it_is_heard_so(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
) -> None:
    """Found in review: the picker showed "None in the 30 days after it either." and a screen
    reader heard only "…: no free time."."""
    _, row, _, away = _a_visit_before_a_day_off(
        browser, contexts, server, doctor, clinic, days_off=40
    )
    row.get_by_role("button", name="Reschedule…").click()
    row.get_by_role("button", name="Next day").click()
    expect(row.locator(".picker input[type=date]")).to_have_value(away.isoformat())
    expect(row.locator(".picker > p[aria-live=polite]")).to_have_text(
        f"{away:%A} {away.day} {away:%B}: no free time. None in the 30 days after it either."
    )


def _a_visit_before_a_day_off(
    browser: Browser,
    contexts: list[BrowserContext],
    server: Server,
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    *,
    days_off: int = 1,
) -> tuple[Page, Locator, rows.Appointment, date]:
    """Omid's visit tomorrow on the doctor's day, and ``days_off`` from the day after it off:
    the page, the visit's row, the visit and the first day off."""
    moving = factories.appointment(
        doctor,
        factories.patient(first_name="Omid"),
        factories.slot_start(clinic, days_ahead=1, hour=10),
    )
    away = away_all_day(doctor, clinic, days=days_off)
    page = open_live(
        browser, contexts, server, doctor.user, f"/doctor/?from={moving.start.date()}&days=1"
    )
    return page, page.locator(f'li[data-appointment="{moving.pk}"]'), moving, away


@pytest.mark.parametrize(
    ("locale", "width", "text"),
    [
        ("en-US", 390, 1),
        ("fa-IR", 390, 1),
        ("en-US", 360, 1),
        ("fa-IR", 360, 1),
        ("fa-IR", 320, 1),
        ("fa-IR", 320, 1.25),
        ("en-US", 320, 1.25),
    ],
)
def test_on_a_phone_the_pickers_day_controls_stay_together_and_say_the_day(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    locale: str,
    width: int,
    text: float,
) -> None:
    """Found in review: on a phone the picker's Next day button wrapped to a line of its own,
    away from the date it moves; kept together, it then spilled out of the card at 320 px, and
    the Jalali date, given way, went under the Next day button with large text (``text``: the
    browser's text size); a screen reader heard nothing of the day a step moved to; Escape did
    not close it. Found in a later review: a long name ran the day off a small phone's screen
    with large text."""
    omid = factories.patient(first_name="Omid", last_name="Montgomery-Richardson")
    moving = factories.appointment(doctor, omid, factories.slot_start(clinic, days_ahead=1))
    day = moving.start.astimezone(ZoneInfo(clinic.timezone)).date()
    page = open_page(browser, contexts, server, phone=True, locale=locale)
    page.set_viewport_size({"width": width, "height": 760})
    sign_in(page, server, doctor.user, f"/doctor/?from={day.isoformat()}&days=1")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    page.evaluate(f"document.documentElement.style.fontSize = '{text * 100}%'")
    row = page.locator(f'li[data-appointment="{moving.pk}"]')
    persian = locale.startswith("fa")
    row.get_by_role("button", name="جابه‌جایی…" if persian else "Reschedule…").click()
    expect(row.locator(".picker button.slot").first).to_be_visible()
    row.scroll_into_view_if_needed()
    large = "" if text == 1 else "-large-text"
    shoot(page, f"agenda-picker-{'fa' if persian else 'en'}-{width}{large}", full_page=False)

    picker = row.locator(".picker").bounding_box()
    controls = [
        row.locator(f".picker .day-steps > {selector}").bounding_box()
        # the date: the browser's own field, or the Jalali one in front of it
        for selector in (
            "button.step-back",
            ":is(input[type=date], .date-picker)",
            "button.step-forward",
        )
    ]
    assert picker is not None
    boxes = [box for box in controls if box is not None]
    assert len(boxes) == 3
    for box in boxes:  # inside the card, and none over another
        assert (
            picker["x"] - 0.5
            <= box["x"]
            <= box["x"] + box["width"]
            <= picker["x"] + picker["width"] + 0.5
        )
    for one, other in ((0, 1), (1, 2), (0, 2)):
        a, b = boxes[one], boxes[other]
        apart = a["x"] + a["width"] <= b["x"] + 0.5 or b["x"] + b["width"] <= a["x"] + 0.5
        assert apart or a["y"] + a["height"] <= b["y"] + 0.5 or b["y"] + b["height"] <= a["y"] + 0.5
    back, date, forward = (box["y"] + box["height"] / 2 for box in boxes)
    assert abs(back - forward) < 4  # the steps side by side, always
    if text == 1:
        assert abs(date - back) < 4  # and the date between them, where it fits
    else:
        # the date readable whole: its own line, above the steps, where it does not
        assert date < back
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    date_field = row.locator(".picker .day-steps > :is(input[type=date], .date-picker)")
    assert date_field.evaluate("node => node.scrollWidth <= node.clientWidth + 1")

    # Found in review: Close was a 23 px target beside 44 px steps, and their arrows small.
    close = row.locator(".picker > .row > button.link").bounding_box()
    assert close is not None and close["height"] >= 44
    # Found in review: Close took a line of its own (Persian at 390 px by 1.5 px, either at
    # 360 px); on a phone it is at the label's end, the steps on the line under them.
    label = row.locator(".picker > .row > label").bounding_box()
    assert label is not None
    assert abs(close["y"] + close["height"] / 2 - (label["y"] + label["height"] / 2)) < 4
    assert close["y"] + close["height"] <= min(box["y"] for box in boxes) + 0.5
    next_day = row.locator(".picker .day-steps > button.step-forward")
    sizes = "b => [getComputedStyle(b, '::before').fontSize, getComputedStyle(b).fontSize]"
    arrow, text_size = (float(size.removesuffix("px")) for size in next_day.evaluate(sizes))
    assert arrow >= 1.5 * text_size
    # Each points away from the date, the way it goes (found in review: in Persian, inwards).
    previous_day = row.locator(".picker .day-steps > button.step-back")
    outwards = "right" if persian else "left"
    assert (arrow_points(previous_day), arrow_points(next_day)) == (
        outwards,
        {"left": "right", "right": "left"}[outwards],
    )
    next_day.focus()
    page.keyboard.press("Enter")
    heard = row.locator(".picker > p[aria-live=polite]")
    # the day after, and what is free on it, the day said as the slots say it (found in
    # review: "Fri, Dec 11" there, "Friday 11 December, 10:00" on the slots)
    after = day + timedelta(days=1)
    expect(heard).to_contain_text("وقت خالی" if persian else f"{after:%A} {after.day} {after:%B}: ")
    expect(next_day).to_be_focused()
    page.keyboard.press("Escape")
    expect(row.locator(".picker")).to_have_count(0)
    expect(row).to_be_focused()
