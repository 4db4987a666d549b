"""The pages' reviews without a browser: the doctor's page lists the shown ones a page at a time
with first names and initials only, and a reply form for the doctor alone; a patient's past
visit offers the review form, then their review, read-only once the week is over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus, utc_now
from scheduler.services import commands
from tests import factories
from tests.e2e.test_api_reviews import past_visit, rate

pytestmark = pytest.mark.django_db


def browser(user: rows.User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_doctors_page_lists_shown_reviews_a_page_at_a_time() -> None:
    doctor = factories.doctor()
    rate(doctor, 5, 4, 4, 3, 5, 2, 1)
    rows.User.objects.filter(reviews_written__isnull=False).update(last_name="Karimi")
    hidden = rows.Review.objects.get(stars=1)
    admin = factories.actor_of(factories.admin())
    build_bus().handle(commands.HideReview(actor=admin, review_id=hidden.pk, reason="Rude"))
    page = browser().get(f"/doctors/{doctor.pk}/").content.decode()
    assert page.count('class="ratings-review"') == 5
    assert "Karimi" not in page and " K.</bdi>" in page
    assert str(hidden.pk) not in page
    assert "ratings-reply-form" not in page
    second = browser().get(f"/doctors/{doctor.pk}/", {"reviews": "2"}).content.decode()
    assert second.count('class="ratings-review"') == 1
    assert browser().get(f"/doctors/{doctor.pk}/", {"reviews": "x"}).status_code == 200


def test_only_the_doctor_gets_reply_forms_and_persian_digits_in_fa() -> None:
    doctor = factories.doctor()
    rate(doctor, 4, 5)
    mine = browser(doctor.user).get(f"/doctors/{doctor.pk}/").content.decode()
    assert mine.count("ratings-reply-form") == 2
    other = factories.doctor()
    assert (
        "ratings-reply-form"
        not in browser(other.user).get(f"/doctors/{doctor.pk}/").content.decode()
    )
    persian = browser(factories.patient(language="fa").user).get(f"/doctors/{doctor.pk}/")
    assert "۴٫۵" in persian.content.decode()


def test_a_review_and_its_reply_are_dated_on_the_clinics_clock() -> None:
    # Found in review: a review written at 03:10 in Tehran on 7 December read "6 December", the
    # day in UTC, under a visit of the 7th.
    doctor = factories.doctor()
    rate(doctor, 4)
    late_evening_utc = datetime(2026, 12, 6, 23, 40, tzinfo=UTC)  # 7 December, 03:10 in Tehran
    rows.Review.objects.update(
        written_at=late_evening_utc, replied_at=late_evening_utc, reply="Thank you"
    )
    page = browser().get(f"/doctors/{doctor.pk}/").content.decode()
    assert page.count("Monday 7 December 2026") == 2
    assert "6 December 2026" not in page


def test_a_past_visit_offers_the_form_then_the_review_read_only_after_a_week() -> None:
    doctor, patient = factories.doctor(), factories.patient()
    visit = past_visit(doctor, patient)
    cancelled = past_visit(doctor, patient, status="cancelled", days_ago=3)
    page = browser(patient.user).get("/me/appointments/").content.decode()
    assert (
        page.count("visit-review-form") == 1
        and f'data-appointment="{visit.pk}" data-method="POST"' in page
    )
    assert f'data-appointment="{cancelled.pk}" data-method' not in page
    build_bus().handle(
        commands.WriteVisitReview(
            actor=factories.actor_of(patient), appointment_id=visit.pk, stars=3, text="Fine"
        )
    )
    row = browser(patient.user).get(f"/me/appointments/{visit.pk}/row/").content.decode()
    assert "visit-review-mine" in row and 'data-method="PATCH"' in row
    rows.Review.objects.update(written_at=utc_now() - timedelta(days=8))
    late = browser(patient.user).get(f"/me/appointments/{visit.pk}/row/").content.decode()
    assert "visit-review-mine" in late and "visit-review-form" not in late
