"""The patient's whole journey in real Chromium, as issue 13 asks for it: search -> the doctor's
page -> sign up from the picked slot -> book it with a reason -> my appointments -> move it to
another time (the same appointment) -> cancel it with a reason. Once on a desktop in English
and once on a phone in Persian; screenshots in test-artifacts/."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import directory
from tests.e2e.browser import open_page, shoot
from tests.e2e.contrast import low_contrast
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long secret 42"
PEOPLE = {
    "en": ("Leila", "Rostami", "0912 111 2233"),
    "fa": ("لیلا", "رستمی", "۰۹۱۲ ۱۱۱ ۲۲۳۴"),
}


def notice_minutes(slot_minutes: int = 30) -> int:
    """About a day's notice, so the first free slot lies past the clinic's cancellation cut-off
    and the journey can move and cancel it; its edge is put mid-slot so that the slot the search
    offers is still bookable when the patient confirms it seconds later (a whole-day notice once
    let the edge pass the offered slot between search and confirm)."""
    minute = timezone.now().minute % slot_minutes
    return 24 * 60 + (slot_minutes // 2 - minute) % slot_minutes


def live(page: Page) -> None:
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def readable(page: Page, step: str) -> None:
    assert low_contrast(page) == [], step


@pytest.mark.parametrize(("language", "phone"), [("en", False), ("fa", True)])
def test_search_sign_up_book_move_and_cancel(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    doctor: rows.Doctor,
    clinic: rows.Clinic,
    language: str,
    phone: bool,
) -> None:
    rows.Schedule.objects.filter(doctor=doctor).update(min_notice_minutes=notice_minutes())
    directory().rebuild()  # the read model the search shows, as the relay would keep it
    name = f"journey-{language}-{'phone' if phone else 'desktop'}"
    page = open_page(browser, contexts, server, phone=phone, locale=language)

    # 1. Find the doctor by specialty; one click on the next free slot.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.locator("#search-q").fill(doctor.specialty.name[:5].upper())
    page.locator("#search-q").press("Enter")
    page.wait_for_url("**/?*q=*")
    card = page.locator("ol.results li", has=page.locator("a.next-slot")).first
    expect(card).to_contain_text(str(doctor))
    readable(page, "search results")
    shoot(page, f"{name}-1-search")
    card.locator("a.next-slot").click()

    # 2. The doctor's page opens on that slot's review; a visitor is asked to sign up.
    page.wait_for_url(f"**/doctors/{doctor.pk}/**")
    slot = parse_qs(urlparse(page.url).query)["slot"][0]
    expect(page.locator("#review")).to_be_visible()
    shoot(page, f"{name}-2-visitor", full_page=False)
    page.locator("#review-signup").click()

    # 3. Sign up; back on the doctor's page with the slot still picked.
    first, last, phone_number = PEOPLE[language]
    page.locator("#id_first_name").fill(first)
    page.locator("#id_last_name").fill(last)
    page.locator("#id_phone").fill(phone_number)
    page.locator("#id_email").fill(f"journey-{language}@example.test")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_again").fill(PASSWORD)
    readable(page, "sign-up form")
    shoot(page, f"{name}-3-sign-up")
    page.locator("#id_again").press("Enter")
    page.wait_for_url(f"**/doctors/{doctor.pk}/**")
    (kept,) = parse_qs(urlparse(page.url).query)["slot"]
    assert instant(kept) == instant(slot)

    # 4. Review: a reason, for myself, confirm; the result is where the eye is.
    expect(page.locator("#review")).to_be_visible()
    page.locator("#review-reason").fill("Chest pain when climbing stairs")
    shoot(page, f"{name}-4-review", full_page=False)
    page.locator("#review-confirm").click()
    expect(page.locator("#review-result")).to_be_visible()
    expect(page.locator("#review-result")).to_be_in_viewport()
    readable(page, "booking result")
    shoot(page, f"{name}-5-booked", full_page=False)
    booking = rows.Appointment.objects.get(patient__user__email=f"journey-{language}@example.test")
    assert booking.start == instant(slot)
    assert booking.reason == "Chest pain when climbing stairs"
    expect(page.locator("#review-calendar")).to_have_attribute(
        "href", f"/me/appointments/{booking.pk}/calendar.ics"
    )

    # 5. My appointments: the visit with its reason and status in words.
    page.goto("/me/appointments/")
    live(page)
    row = page.locator(f'li[data-appointment="{booking.pk}"]')
    expect(row).to_contain_text("Chest pain when climbing stairs")
    readable(page, "my appointments")
    shoot(page, f"{name}-6-mine")

    # 6. Move it from the live grid to a later day: the same appointment.
    row.locator('[data-action="move"]').click()
    live(page)
    expect(page.locator("#grid .slot.free").first).to_be_visible()
    starts = page.locator("#grid .slot.free").evaluate_all(
        "cells => cells.map(c => c.dataset.start)"
    )
    target = next(s for s in starts if instant(s) > booking.end)
    page.locator(f'#grid .slot.free[data-start="{target}"]').click()
    page.locator("#message button.primary").click()
    expect(page.locator("#message")).to_have_class("message ok")
    moved = rows.Appointment.objects.get(pk=booking.pk)
    assert moved.start == datetime.fromisoformat(target)
    shoot(page, f"{name}-7-moved")

    # 7. Cancel it with a reason.
    page.goto("/me/appointments/")
    live(page)
    row = page.locator(f'li[data-appointment="{booking.pk}"]')
    row.locator('[data-action="cancel"]').click()
    row.locator('input[name="reason"]').fill("Feeling better")
    row.locator('input[name="reason"]').press("Enter")
    expect(row).to_have_attribute("data-status", "cancelled")
    shoot(page, f"{name}-8-cancelled")
    cancelled = rows.Appointment.objects.get(pk=booking.pk)
    assert cancelled.status == "cancelled"
    assert cancelled.history.order_by("-seq").first().note == "Feeling better"
