"""Real Chromium: a review after a visit. The patient rates a visit that took place from My
appointments by keyboard (stars as a radio group, words with a counter); the doctor replies on
their own page; the review, the reply and the rating show on the doctor's page and in the
search. Desktop in English, phone in Persian; screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.browser import open_page, shoot, sign_in
from tests.e2e.contrast import low_contrast
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "en": ("Listened carefully.\nExplained everything.", "Thank you, get well soon."),
    "fa": ("با حوصله گوش دادند.\nهمه چیز را توضیح دادند.", "سپاس، سلامت باشید."),
}


@pytest.mark.parametrize(
    ("language", "phone"), [("en", False), ("fa", True)], ids=["en-desktop", "fa-phone"]
)
def test_review_after_a_visit(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    clinic: rows.Clinic,
    language: str,
    phone: bool,
) -> None:
    doctor = factories.doctor(clinic)
    rows.User.objects.filter(pk=doctor.user_id).update(
        first_name="Nima", last_name="Rahimi", language=language
    )
    patient = factories.patient(language=language, first_name="Maryam", last_name="Karimi")
    visit = factories.appointment(
        doctor, patient, factories.slot_start(clinic, days_ahead=-3), status="fulfilled"
    )
    review_text, reply_text = WORDS[language]
    name = f"visit-review-{language}-{'phone' if phone else 'desktop'}"

    # The patient rates the visit from their list, by keyboard only.
    page = open_page(browser, contexts, server, phone=phone)
    sign_in(page, server, patient.user, "/me/appointments/")
    row = page.locator(f'li[data-appointment="{visit.pk}"]')
    opener = row.locator(".visit-review-open summary")
    opener.focus()
    page.keyboard.press("Enter")
    first_star = row.locator('input[name="stars"]').first
    page.keyboard.press("Tab")
    expect(first_star).to_be_focused()
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(row.locator('input[name="stars"]:checked')).to_have_value("4")
    page.keyboard.press("Tab")
    expect(row.locator("textarea")).to_be_focused()
    page.keyboard.type(review_text)
    expect(row.locator(".ratings-count")).not_to_be_empty()
    shoot(page, f"{name}-form")
    assert low_contrast(page) == []
    page.keyboard.press("Tab")
    expect(row.locator('button[type="submit"]')).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_have_class("message ok")
    mine = page.locator(f'li[data-appointment="{visit.pk}"] .visit-review-mine')
    expect(mine).to_be_visible()
    expect(mine).to_be_focused()
    review = rows.Review.objects.get(appointment=visit)
    assert (review.stars, review.text) == (4, review_text)
    # Within the week it may still be changed.
    expect(page.locator(f'li[data-appointment="{visit.pk}"] .visit-review-open')).to_have_count(1)
    shoot(page, f"{name}-written")

    # The doctor replies on their own page.
    as_doctor = open_page(browser, contexts, server, phone=phone)
    sign_in(as_doctor, server, doctor.user, f"/doctors/{doctor.pk}/")
    item = as_doctor.locator(f'li.ratings-review[data-review="{review.pk}"]')
    expect(item).to_contain_text("Maryam K.")
    expect(item).not_to_contain_text("Karimi")
    answer = item.locator(".ratings-answer summary")
    answer.focus()
    as_doctor.keyboard.press("Enter")
    as_doctor.keyboard.press("Tab")
    expect(item.locator("textarea")).to_be_focused()
    as_doctor.keyboard.type(reply_text)
    as_doctor.keyboard.press("Tab")
    as_doctor.keyboard.press("Enter")
    expect(item.locator(".ratings-reply")).to_contain_text(reply_text)
    expect(item.locator(".ratings-answer")).to_have_count(0)
    review.refresh_from_db()
    assert review.reply == reply_text

    # Anyone sees the rating, the review and the reply on the doctor's page...
    mean = "۴٫۰" if language == "fa" else "4.0"
    reader = open_page(browser, contexts, server, phone=phone)
    sign_in(reader, server, factories.patient(language=language).user, f"/doctors/{doctor.pk}/")
    expect(reader.locator(".doctor-profile .ratings-badge")).to_contain_text(mean)
    section = reader.locator("#reviews")
    expect(section.locator(".ratings-review")).to_have_count(1)
    expect(section.locator(".ratings-reply")).to_contain_text(reply_text)
    expect(section.locator(".ratings-answer")).to_have_count(0)  # not theirs to answer
    section.scroll_into_view_if_needed()
    shoot(reader, f"{name}-doctor-page")
    assert low_contrast(reader) == []

    # ... and in the search, sorted by rating.
    reader.goto("/?sort=rating&min_rating=4")
    card = reader.locator("li.result").first
    expect(card).to_contain_text("Nima")
    expect(card.locator(".ratings-badge")).to_contain_text(mean)
    expect(reader.locator("#search-sort")).to_have_value("rating")
    shoot(reader, f"{name}-search")
    assert low_contrast(reader) == []
