"""Real Chromium on a real server: the review step of a booking on the doctor's page. A link
with ?slot= opens that slot's week and its review; the patient writes a reason, adds a family
member inline and books for them; the result and its links show in the dialog. A slot taken
from another session meanwhile offers the nearest free times in the same dialog; a visitor is
asked to sign in and comes back to the same slot. Desktop and phone, English and Persian, one
run by keyboard only. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.browser import open_page, shoot, sign_in
from tests.e2e.contrast import low_contrast
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# Nowruz 1398: the first of Farvardin is 21 March 2019.
BIRTH = {"en": "2019-03-21", "fa": "1398/01/01"}


def slot_link(doctor: rows.Doctor, clinic: rows.Clinic, start: datetime) -> str:
    return f"/doctors/{doctor.pk}/?clinic={clinic.pk}&slot={quote(start.isoformat())}"


def key(start: datetime) -> str:
    """A slot's data-start on the grid: the instant as the browser's toISOString writes it."""
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def shown_time(start: datetime, language: str) -> str:
    text = f"{start:%H:%M}"
    return text.translate(PERSIAN_DIGITS) if language == "fa" else text


def open_review(page: Page, start: datetime, language: str) -> None:
    expect(page.locator("#review")).to_be_visible()
    expect(page.locator("#review-when")).to_contain_text(shown_time(start, language))
    day = page.locator("#grid section.day").first
    expect(day).to_have_attribute("data-day", start.date().isoformat())  # the slot's week


def add_family_member_by_mouse(page: Page, language: str) -> None:
    page.locator("#review-add-family").click()
    family = page.locator("#review-family")
    family.locator("input[name=first_name]").fill("Arash")
    family.locator("input[name=last_name]").fill("Karimi")
    # No birth date yet: it is asked for, in words, not with the API's "wrong format".
    page.locator("#review-family-save").click()
    problem = page.locator("#review-family-error")
    expect(problem).to_be_visible()
    expect(problem).not_to_contain_text("wrong format")
    if language == "en":
        expect(problem).to_contain_text("Enter the birth date")
    if language == "fa":  # the Jalali picker's text field, in front of the ISO value
        # A typed date that is none says the form it takes, in Persian digits.
        family.locator(".date-text").fill("۱۴۰۵/۱۳/۴۰")
        family.locator(".date-text").press("Tab")
        page.locator("#review-family-save").click()
        expect(problem).to_contain_text("۱۳۹۷")
        shoot(page, "booking-fa-birth-date-problem", full_page=False)
        # Its month grid opens inside the dialog; Escape closes the grid, not the review.
        family.locator(".date-open").click()
        expect(family.locator(".date-dialog")).to_be_visible()
        shoot(page, "booking-fa-birth-date-picker", full_page=False)
        page.keyboard.press("Escape")
        expect(family.locator(".date-dialog")).to_be_hidden()
        expect(page.locator("#review")).to_be_visible()
        family.locator(".date-text").fill(BIRTH["fa"])
        family.locator(".date-text").press("Tab")
    else:
        family.locator("#review-birth-date").fill(BIRTH["en"])
    relation = family.locator("select[name=relation]")
    if page.evaluate("document.documentElement.lang") == "en":  # a label, not a word mid-sentence
        expect(relation.locator("option").first).to_have_text("Child")
    relation.select_option("child")
    page.locator("#review-family-save").click()


def add_family_member_by_keyboard(page: Page) -> None:
    """From the dialog's title: Tab to each control, type, Enter; no mouse."""
    keys = page.keyboard
    keys.press("Tab")
    expect(page.locator(".review-close")).to_be_focused()
    keys.press("Tab")
    expect(page.locator("#review-people input[value='']")).to_be_focused()  # "Myself"
    keys.press("Tab")
    expect(page.locator("#review-add-family")).to_be_focused()
    keys.press("Enter")
    expect(page.locator("#review-family input[name=first_name]")).to_be_focused()
    keys.type("Arash")
    keys.press("Tab")
    keys.type("Karimi")
    keys.press("Tab")
    expect(page.locator("#review-birth-date")).to_be_focused()
    keys.type("03212019")  # the browser's own date field, month/day/year in en-US
    relation = page.locator("#review-family select")
    for _ in range(3):  # out of the date field's month, day and year parts
        keys.press("Tab")
        if relation.evaluate("node => node === document.activeElement"):
            break
    expect(relation).to_be_focused()
    keys.press("Tab")
    expect(page.locator("#review-family-save")).to_be_focused()
    keys.press("Enter")


@pytest.mark.parametrize(
    ("language", "phone", "keyboard"),
    [("en", False, True), ("fa", True, False), ("en", True, False), ("fa", False, False)],
    ids=["en-desktop-keyboard", "fa-phone", "en-phone", "fa-desktop"],
)
def test_a_patient_reviews_a_slot_and_books_it_for_a_family_member(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    language: str,
    phone: bool,
    keyboard: bool,
) -> None:
    patient = factories.patient(first_name="Sara", last_name="Ahmadi", language=language)
    start = factories.slot_start(clinic, days_ahead=3, hour=11)
    page = open_page(browser, contexts, server, phone=phone, locale="en-US")
    sign_in(page, server, patient.user, slot_link(doctor, clinic, start))
    name = f"booking-{language}-{'phone' if phone else 'desktop'}"

    open_review(page, start, language)
    expect(page.locator("#review-title")).to_be_focused()
    expect(page.locator("#review-people input:checked")).to_have_value("")  # myself, first
    if keyboard:
        add_family_member_by_keyboard(page)
    else:
        add_family_member_by_mouse(page, language)
    chosen = page.locator("#review-people label:has(input:checked)")
    expect(chosen).to_contain_text("Arash Karimi")
    if keyboard:
        expect(page.locator("#review-people input:checked")).to_be_focused()
        page.keyboard.press("Tab")  # the "add a family member" button
        page.keyboard.press("Tab")
        expect(page.locator("#review-reason")).to_be_focused()
        page.keyboard.type("Fever and a cough for three days")
    else:
        page.locator("#review-reason").fill("Fever and a cough for three days")
    count = "32 of 500" if language == "en" else "۳۲"
    expect(page.locator("#review-reason-count")).to_contain_text(count)
    shoot(page, f"{name}-review", full_page=False)
    assert low_contrast(page) == []

    if keyboard:
        page.keyboard.press("Tab")
        expect(page.locator("#review-confirm")).to_be_focused()
        page.keyboard.press("Enter")
    else:
        page.locator("#review-confirm").click()

    result = page.locator("#review-result")
    expect(result).to_be_focused()
    expect(result).to_contain_text("Arash Karimi")
    expect(result).to_contain_text(shown_time(start, language))
    appointment = rows.Appointment.objects.get()
    assert appointment.dependant is not None and appointment.dependant.first_name == "Arash"
    assert appointment.dependant.birth_date.isoformat() == BIRTH["en"]
    assert (appointment.patient_id, appointment.reason) == (
        patient.pk,
        "Fever and a cough for three days",
    )
    expect(page.locator("#review-calendar")).to_have_attribute(
        "href", f"/me/appointments/{appointment.pk}/calendar.ics"
    )
    expect(page.locator("#review-see")).to_have_attribute(
        "href", f"/me/appointments/{appointment.pk}/"
    )
    shoot(page, f"{name}-done", full_page=False)
    assert low_contrast(page) == []
    assert "slot=" not in page.url  # a reload does not offer the booked slot again
    if keyboard:  # the page behind is inert: Tab goes round the dialog's own controls
        inside = "document.getElementById('review').contains(document.activeElement)"
        for _ in range(8):
            page.keyboard.press("Tab")
            assert page.evaluate(inside)

    page.keyboard.press("Escape")
    expect(page.locator("#review")).to_be_hidden()
    expect(page.locator(f'[data-start="{key(start)}"]')).to_have_attribute("data-state", "mine")


@pytest.mark.parametrize(
    ("language", "phone"), [("en", False), ("fa", True)], ids=["en", "fa-phone"]
)
def test_a_slot_taken_from_another_session_offers_the_nearest_in_the_dialog(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    other_patient: rows.Patient,
    language: str,
    phone: bool,
) -> None:
    patient = factories.patient(language=language)
    start = factories.slot_start(clinic, days_ahead=2, hour=10)
    link = slot_link(doctor, clinic, start)
    page = open_page(browser, contexts, server, phone=phone)
    sign_in(page, server, patient.user, link)
    open_review(page, start, language)
    expect(page.locator("#review-hold")).to_be_visible()
    # The patient's hold on the slot runs out while they write (holds.js), and another
    # patient books the same time from their own browser first.
    rows.Appointment.every.filter(status="proposed").update(
        hold_expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    other = open_page(browser, contexts, server)
    sign_in(other, server, other_patient.user, link)
    open_review(other, start, "en")
    other.locator("#review-confirm").click()
    expect(other.locator("#review-result")).to_be_visible()

    page.locator("#review-reason").fill("Check-up")
    page.locator("#review-confirm").click()

    problem = page.locator("#review-problem")
    expect(problem).to_be_visible()
    expect(page.locator("#review-hold")).to_be_hidden()  # the hold ran out: no countdown
    alternatives = problem.locator("button")
    expect(alternatives.first).to_be_focused()
    shoot(page, f"booking-taken-{language}", full_page=False)
    assert low_contrast(page) == []
    alternatives.first.click()  # picks that time in the same dialog, and holds it
    expect(problem).to_be_hidden()
    expect(page.locator("#review-hold")).to_be_visible()
    expect(page.locator("#review-confirm")).to_be_focused()
    page.locator("#review-confirm").click()

    expect(page.locator("#review-result")).to_be_visible()
    mine = rows.Appointment.objects.get(patient=patient)
    assert mine.start != start and mine.reason == "Check-up"
    expect(page.locator("#review-when")).to_contain_text(
        shown_time(mine.start.astimezone(start.tzinfo), language)
    )


def test_a_visitor_is_asked_to_sign_in_and_comes_back_to_the_same_slot(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    patient: rows.Patient,
    other_patient: rows.Patient,
) -> None:
    page = open_page(browser, contexts, server, phone=True)
    page.goto(f"/doctors/{doctor.pk}/?clinic={clinic.pk}")
    # The slot by its time: ".slot.free" first would be another one once this one is held.
    chosen = str(page.locator(".slot.free").first.get_attribute("data-start"))
    cell = page.locator(f'[data-start="{chosen}"]')
    start = datetime.fromisoformat(chosen)
    cell.click()

    expect(page.locator("#review-sign-in")).to_be_visible()
    expect(page.locator("#review-fields")).to_be_hidden()
    shoot(page, "booking-visitor-phone", full_page=False)
    for link in ("#review-login", "#review-signup"):
        href = str(page.locator(link).get_attribute("href"))
        assert href.startswith(("/login/?next=", "/signup/?next="))
    (back,) = parse_qs(urlsplit(str(page.locator("#review-login").get_attribute("href"))).query)[
        "next"
    ]
    query = parse_qs(urlsplit(back).query)
    assert query["clinic"] == [str(clinic.pk)]
    assert datetime.fromisoformat(query["slot"][0].replace("Z", "+00:00")) == start

    page.keyboard.press("Escape")
    expect(page.locator("#review")).to_be_hidden()
    expect(cell).to_be_focused()

    # Signed in, the patient lands on the same slot's review.
    sign_in(page, server, patient.user, back)
    expect(page.locator("#review-fields")).to_be_visible()
    expect(page.locator("#review-when")).to_contain_text(
        f"{start.astimezone(ZoneInfo(clinic.timezone)):%H:%M}"
    )

    # Closed, the review lets its hold on the slot go; a link to a slot someone took
    # meanwhile shows the week and says so.
    # Shown once the hold's event has come round through the outbox and the socket: bounded,
    # and longer than the default (CI on a loaded machine once took more than 5 s).
    expect(cell).to_have_attribute("data-state", "held-mine", timeout=15_000)
    page.keyboard.press("Escape")
    expect(cell).to_have_attribute("data-state", "free")
    factories.appointment(doctor, other_patient, start, clinic=clinic)
    page.goto(back)
    expect(page.locator("#message")).to_contain_text("no longer free")
    expect(page.locator("#review")).to_be_hidden()


def test_a_doctor_who_confirms_requests_gets_a_request_and_the_patient_is_told_so(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    clinic: rows.Clinic,
    patient: rows.Patient,
) -> None:
    careful = factories.doctor(clinic, requires_approval=True)
    start = factories.slot_start(clinic, days_ahead=4, hour=15)
    page = open_page(browser, contexts, server, phone=True)
    sign_in(page, server, patient.user, slot_link(careful, clinic, start))
    open_review(page, start, "en")

    page.locator("#review-confirm").click()

    expect(page.locator("#review-title")).to_have_text("Request sent")
    expect(page.locator("#review-result")).to_contain_text("waiting for the doctor to confirm")
    assert rows.Appointment.objects.get().status == "pending"
    shoot(page, "booking-requested-phone", full_page=False)


@pytest.mark.parametrize(
    ("language", "phone"), [("en", False), ("fa", True)], ids=["en", "fa-phone"]
)
def test_the_patients_other_visits_that_day_are_said_before_confirm(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    language: str,
    phone: bool,
) -> None:
    """Found in review: nothing said that the patient already had a visit that day, and a
    second one that day is as often a booking made twice as a plan. Said, with whom and for
    whom; not refused; a cancelled visit, or a day with none, says nothing."""
    patient = factories.patient(first_name="Sara", language=language)
    start = factories.slot_start(clinic, days_ahead=3, hour=11)
    other = factories.doctor(clinic)
    own = factories.appointment(other, patient, start - timedelta(hours=1))
    child = rows.Dependant.objects.create(
        patient=patient,
        first_name="Arash",
        last_name="Karimi",
        birth_date=datetime(2019, 3, 21).date(),
        relation="child",
    )
    theirs = factories.appointment(other, patient, start + timedelta(hours=4))
    rows.Appointment.objects.filter(pk=theirs.pk).update(dependant=child, status="pending")
    factories.appointment(other, patient, start + timedelta(hours=5), status="cancelled")
    factories.appointment(other, patient, start + timedelta(hours=3))
    # Past three, a count (found in review: five pushed Confirm a phone's length down).
    factories.appointment(other, patient, start + timedelta(hours=5, minutes=30))
    page = open_page(browser, contexts, server, phone=phone)
    sign_in(page, server, patient.user, slot_link(doctor, clinic, start))
    open_review(page, start, language)

    said = page.locator("#review-same-day")
    items = said.locator("li")
    expect(items).to_have_count(4)
    more = items.last.get_by_role("button")
    expect(more).to_have_text("و ۱ نوبت دیگر" if language == "fa" else "and 1 more")
    heading = {"fa": "در این روز نوبت‌های دیگری هم دارید", "en": "You already have visits that day:"}
    expect(said).to_contain_text(heading[language])
    expect(items.first).to_contain_text(shown_time(own.start.astimezone(start.tzinfo), language))
    expect(items.first).to_contain_text(str(other))
    expect(items.first).to_contain_text(clinic.name)  # a patient's may be at any clinic
    expect(items.first.locator("a")).to_have_attribute("href", f"/me/appointments/{own.pk}/")
    # The three nearest the time asked, said in the day's order.
    expect(items.nth(1)).to_contain_text(shown_time(start + timedelta(hours=3), language))
    expect(items.nth(2)).to_contain_text("Arash Karimi")
    expect(items.nth(2)).to_contain_text(
        shown_time(theirs.start.astimezone(start.tzinfo), language)
    )
    # Found in review: a request the doctor had not taken read as a visit.
    expect(items.nth(2)).to_contain_text(
        "(هنوز تأیید نشده)" if language == "fa" else "(not confirmed yet)"
    )
    expect(page.locator("#review-title")).to_be_focused()  # said beside it, not moved to
    shoot(page, f"booking-same-day-{language}", full_page=False)
    assert low_contrast(page) == []
    # The rest in place, not on a page that would let the held slot go (found in review).
    more.click()
    expect(items).to_have_count(4)
    expect(items.last).to_contain_text(shown_time(start + timedelta(hours=5, minutes=30), language))
    expect(said.locator("ul")).to_be_focused()

    page.locator("#review-confirm").click()  # said, not refused
    expect(page.locator("#review-result")).to_be_visible()
    assert rows.Appointment.objects.filter(patient=patient, start=start).exists()
    expect(items).to_have_count(0)  # what it said was before this booking

    # Another day, with none of the patient's visits: nothing said.
    page.keyboard.press("Escape")
    next_day = start + timedelta(days=1)
    with page.expect_response(lambda reply: "/api/appointments/?from=" in reply.url):
        page.locator(f'[data-start="{key(next_day)}"]').click()
    expect(page.locator("#review-when")).to_contain_text(shown_time(next_day, language))
    expect(said.locator("li")).to_have_count(0)


def test_visits_that_day_read_too_late_are_not_said_under_the_booking_made(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
) -> None:
    """Found in review: on a slow line, Confirm before the patient's visits were read; they
    came back under "Appointment booked", and without the visit just booked."""
    patient = factories.patient()
    start = factories.slot_start(clinic, days_ahead=3, hour=11)
    factories.appointment(factories.doctor(clinic), patient, start - timedelta(hours=1))
    page = open_page(browser, contexts, server)
    held: list[Route] = []
    page.route("**/api/appointments/?from=*", lambda route: held.append(route))
    sign_in(page, server, patient.user, slot_link(doctor, clinic, start))
    open_review(page, start, "en")
    page.locator("#review-confirm").click()
    expect(page.locator("#review-result")).to_be_visible()

    with page.expect_response(lambda reply: "/api/appointments/?from=" in reply.url):
        held[0].continue_()
    expect(page.locator("#review-same-day li")).to_have_count(0)


@pytest.mark.parametrize(
    ("language", "phone"), [("en", False), ("fa", True)], ids=["en", "fa-phone"]
)
def test_slots_over_the_patients_visits_elsewhere_are_marked_on_the_grid(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    language: str,
    phone: bool,
) -> None:
    """Found in review: the grid offered a slot over the patient's visit with another doctor
    elsewhere, and only the review, once opened, said it was theirs. It is marked a clash, in a
    word and a look of its own (found in a later review: struck like a taken one, the two
    looked alike), and the day says why; the slot beside it and one over a cancelled visit stay
    free. A link to a clashing time says so rather than open its review; the marks follow the
    patient's visits when the page comes back into view."""
    patient = factories.patient(language=language)
    start = factories.slot_start(clinic, days_ahead=3, hour=11)
    elsewhere = factories.clinic()
    other = factories.appointment(factories.doctor(elsewhere), patient, start, minutes=45)
    cancelled = start + timedelta(hours=3)
    factories.appointment(factories.doctor(clinic), patient, cancelled, status="cancelled")
    taken = start + timedelta(hours=4)
    factories.appointment(doctor, factories.patient(), taken)
    page = open_page(browser, contexts, server, phone=phone)
    sign_in(page, server, patient.user, slot_link(doctor, clinic, start))

    told = {"fa": "نوبت دیگری دارید؛ برنامهٔ این هفتهٔ پزشک", "en": "already have a visit at"}
    expect(page.locator("#message")).to_contain_text(told[language])
    expect(page.locator("#review")).to_be_hidden()
    word = {"fa": "تداخل", "en": "clash"}[language]
    for marked in (start, start + timedelta(minutes=30)):  # the visit runs into the second
        slot = page.locator(f'[data-start="{key(marked)}"]')
        expect(slot).to_have_attribute("data-state", "clash")
        expect(slot).to_be_disabled()
        expect(slot).to_contain_text(word)
        expect(slot).to_have_css("text-decoration-line", "none")  # Persian zeros stay whole
        expect(slot).to_have_attribute(
            "aria-label",
            re.compile("خانواده‌تان در این زمان نوبت دیگری" if language == "fa" else "family have"),
        )
    taken_slot = page.locator(f'[data-start="{key(taken)}"]')
    expect(taken_slot).to_have_attribute("data-state", "taken")
    looks = "node => getComputedStyle(node).backgroundColor"
    assert taken_slot.evaluate(looks) != page.locator(f'[data-start="{key(start)}"]').evaluate(
        looks
    )
    day = page.locator(f'section.day[data-day="{start.date().isoformat()}"]')
    said = {"fa": "تداخل: شما یا یکی از خانواده‌تان", "en": "Clash: you or your family"}
    expect(day.locator("p.hint")).to_contain_text(said[language])  # once, under the day
    expect(page.locator("section.day p.hint", has_text=said[language])).to_have_count(1)
    for free in (start + timedelta(hours=1), cancelled):
        expect(page.locator(f'[data-start="{key(free)}"]')).to_have_attribute("data-state", "free")
    page.locator(f'[data-start="{key(start)}"]').scroll_into_view_if_needed()
    shoot(page, f"booking-grid-own-visit-{language}", full_page=False)
    assert low_contrast(page) == []

    # Cancelled from another tab: back on this one, the slots are free again.
    rows.Appointment.objects.filter(pk=other.pk).update(status="cancelled")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(page.locator(f'[data-start="{key(start)}"]')).to_have_attribute("data-state", "free")
    expect(page.locator("section.day p.hint", has_text=said[language])).to_have_count(0)


def test_the_clinics_desk_pressing_a_slot_is_led_to_its_desk(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
) -> None:
    """Found in review: a receptionist on a doctor's page was told to sign in as a patient to
    book, as if booking were not theirs to do. They are led to their desk, on the slot's day;
    another clinic's receptionist, who runs no desk here, is told as before."""
    start = factories.slot_start(clinic, days_ahead=3, hour=11)
    page = open_page(browser, contexts, server)
    sign_in(page, server, factories.receptionist(clinic).user, slot_link(doctor, clinic, start))
    page.locator(f'[data-start="{key(start)}"]').click()
    link = page.locator("#message a")
    expect(link).to_have_attribute("href", f"/desk/{clinic.pk}/?date={start.date().isoformat()}")
    link.click()
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")

    elsewhere = open_page(browser, contexts, server)
    sign_in(
        elsewhere,
        server,
        factories.receptionist(factories.clinic()).user,
        slot_link(doctor, clinic, start),
    )
    elsewhere.locator(f'[data-start="{key(start)}"]').click()
    expect(elsewhere.locator("#message")).to_contain_text("Sign in as a patient to book.")
    expect(elsewhere.locator("#message a")).to_have_count(0)
