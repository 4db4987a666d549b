"""Real Chromium on a real server: the no-show policy and video visits. A patient over the
clinic's limit reads why in the review step (and books a video visit that awaits the doctor,
or is told to call); the desk sees the patient's badge and forgives a no-show by keyboard; a
video visit's "Join" appears by itself 10 minutes before, for the patient and the doctor.
Desktop and phone, English and Persian. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from scheduler.adapters.orm import models as rows
from scheduler.domain.appointment import FORGIVE_NO_SHOW
from tests import factories
from tests.e2e.browser import open_live, open_page, shoot, sign_in, words_insets
from tests.e2e.contrast import low_contrast
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)

TEMPLATE = "https://meet.example.org/{room}"
CASES = pytest.mark.parametrize(
    ("language", "phone"), [("en", False), ("fa", True)], ids=["en-desktop", "fa-phone"]
)


def _policy(clinic: rows.Clinic, consequence: str) -> None:
    rows.Clinic.objects.filter(pk=clinic.pk).update(
        no_show_limit=2,
        no_show_window_months=6,
        no_show_consequence=consequence,
        video_url_template=TEMPLATE,
        phone="+982188776655",
    )


def _missed(doctor: rows.Doctor, patient: rows.Patient, *days_ago: int) -> list[rows.Appointment]:
    at = factories.slot_start(doctor.clinics.get(), days_ahead=0, hour=10)
    return [
        factories.appointment(doctor, patient, at - timedelta(days=days), status="noshow")
        for days in days_ago
    ]


@CASES
def test_a_patient_over_the_limit_reads_why_and_books_a_video_visit_that_awaits_the_doctor(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    language: str,
    phone: bool,
) -> None:
    patient = factories.patient(first_name="Sara", last_name="Ahmadi", language=language)
    _missed(doctor, patient, 5, 40)
    _policy(clinic, "needs_approval")
    start = factories.slot_start(clinic, days_ahead=3, hour=11)
    link = f"/doctors/{doctor.pk}/?clinic={clinic.pk}&slot={quote(start.isoformat())}"
    page = open_page(browser, contexts, server, phone=phone)
    sign_in(page, server, patient.user, link)
    name = f"no-show-review-{language}-{'phone' if phone else 'desktop'}"

    expect(page.locator("#review")).to_be_visible()
    reason = page.locator("#review-no-show")
    expect(reason).to_contain_text("2" if language == "en" else "۲")
    if language == "en":
        expect(reason).to_contain_text("Your booking will need the doctor's approval.")
    video = page.locator("input[name=visit_mode][value=video]")
    video.focus()
    page.keyboard.press("Space")  # by keyboard: a radio is chosen with Space
    expect(video).to_be_checked()
    reason.scroll_into_view_if_needed()
    shoot(page, f"{name}", full_page=False)
    assert low_contrast(page) == []

    page.locator("#review-confirm").click()
    expect(page.locator("#review-result")).to_be_focused()
    booked = rows.Appointment.objects.exclude(status="noshow").get()
    assert (booked.status, booked.visit_mode) == ("pending", "video")
    assert booked.video_room.startswith("nobat-")

    if language == "en":  # where the clinic bars online booking: why, its phone, no Confirm
        _policy(clinic, "no_online_booking")
        other = factories.slot_start(clinic, days_ahead=3, hour=15)
        page.goto(f"/doctors/{doctor.pk}/?clinic={clinic.pk}&slot={quote(other.isoformat())}")
        expect(page.locator("#review-no-show")).to_contain_text("Please call the clinic to book.")
        expect(page.locator("#review-no-show .clinic-phone")).to_be_visible()
        expect(page.locator("#review-confirm")).to_be_disabled()
        shoot(page, "no-show-review-en-barred", full_page=False)
        assert low_contrast(page) == []


@CASES
def test_the_desk_sees_the_badge_and_forgives_a_no_show_by_keyboard(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    receptionist: rows.Receptionist,
    language: str,
    phone: bool,
) -> None:
    rows.User.objects.filter(pk=receptionist.user_id).update(language=language)
    patient = factories.patient(first_name="Kaveh", last_name="Nazari", phone="+989120000007")
    older, newer = _missed(doctor, patient, 60, 9)
    _policy(clinic, "needs_approval")
    desk = open_live(
        browser, contexts, server, receptionist.user, f"/desk/{clinic.pk}/", phone=phone
    )
    name = f"no-show-desk-{language}-{'phone' if phone else 'desktop'}"

    summary = desk.locator("#new-booking > summary")
    summary.focus()
    desk.keyboard.press("Enter")
    search = desk.locator("#patient-search")
    search.focus()
    desk.keyboard.type("Kaveh")
    expect(desk.locator("#patient-results button")).to_have_count(1)
    desk.keyboard.press("ArrowDown")
    desk.keyboard.press("Enter")
    badge = desk.locator("#no-show-badge")
    expect(badge).to_contain_text("2" if language == "en" else "۲")
    if language == "en":
        expect(badge).to_have_text(
            "No-shows in the last 6 months: 2. Online bookings need approval."
        )
    forgive = desk.locator("#patient-no-shows button")
    expect(forgive).to_have_count(2)
    expect(desk.locator("#booking-doctor")).to_be_focused()
    for _ in range(4):  # back from the doctor's list to the last "Forgive one…"
        desk.keyboard.press("Shift+Tab")
        if forgive.last.evaluate("node => node === document.activeElement"):
            break
    expect(forgive.last).to_be_focused()
    shoot(desk, f"{name}-badge")
    assert low_contrast(desk) == []

    desk.keyboard.press("Enter")
    why = desk.locator("#patient-no-shows form.why input")
    expect(why).to_be_focused()
    desk.keyboard.type("Hospitalised that day")
    desk.keyboard.press("Enter")
    expect(badge).to_contain_text("1" if language == "en" else "۱")
    expect(badge).to_be_focused()
    expect(desk.locator("#patient-no-shows button")).to_have_count(1)
    expect(desk.locator(f'li[data-missed="{older.pk}"]')).to_contain_text("Hospitalised that day")
    change = rows.AppointmentChange.objects.get(action=FORGIVE_NO_SHOW)
    assert (change.appointment_id, change.actor_id) == (older.pk, receptionist.user_id)
    assert newer.pk != older.pk
    shoot(desk, f"{name}-forgiven")
    assert low_contrast(desk) == []


@CASES
def test_a_video_visits_join_link_appears_by_itself_10_minutes_before(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    language: str,
    phone: bool,
) -> None:
    _policy(clinic, "needs_approval")
    patient = factories.patient(first_name="Sara", last_name="Ahmadi", language=language)
    rows.User.objects.filter(pk=doctor.user_id).update(language=language)
    # The room opens 12 seconds after the page is asked for: time enough to see it closed.
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10, seconds=12)
    visit = factories.appointment(doctor, patient, start)
    rows.Appointment.objects.filter(pk=visit.pk).update(visit_mode="video", video_room="nobat-abc")
    name = f"video-{language}-{'phone' if phone else 'desktop'}"

    page = open_page(browser, contexts, server, phone=phone)
    sign_in(page, server, patient.user, "/me/appointments/")
    box = page.locator(f'li[data-appointment="{visit.pk}"] .video-visit')
    expect(box.locator(".badge.video")).to_be_visible()
    join = box.locator("a.join")
    expect(join).to_have_count(0)
    expect(box.locator(".opens")).to_be_visible()
    page.evaluate("window.sameDocument = true")
    shoot(page, f"{name}-waiting")
    assert low_contrast(page) == []

    expect(join).to_be_visible(timeout=40_000)  # no reload: a timer asks when the room opens
    expect(join).to_have_attribute("href", "https://meet.example.org/nobat-abc")
    # Its word stands as high in its box as the actions' in theirs (found in review: 3-4 px
    # higher, when the actions' words were centred).
    [joined] = words_insets(join)
    actions = words_insets(page.locator(f'li[data-appointment="{visit.pk}"] .actions a.button'))
    assert actions and all(abs(joined - inset) <= 0.5 for inset in actions), (joined, actions)
    assert page.evaluate("window.sameDocument") is True
    shoot(page, f"{name}-open")
    assert low_contrast(page) == []

    day = open_live(browser, contexts, server, doctor.user, "/doctor/", phone=phone)
    row = day.locator(f'li[data-appointment="{visit.pk}"]')
    expect(row.locator(".badge.video")).to_be_visible()
    doctor_join = row.locator("a.join")
    expect(doctor_join).to_have_attribute("href", "https://meet.example.org/nobat-abc")
    doctor_join.focus()
    expect(doctor_join).to_be_focused()
    shoot(day, f"{name}-doctor-day")
    assert low_contrast(day) == []
