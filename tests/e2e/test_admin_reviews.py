"""The admin's reviews: hiding asks for a reason on a page of its own and goes through
HideReview (recorded, the rating recounted); showing through ShowReview; nothing is edited
or deleted by hand."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.test_api_reviews import rate

pytestmark = pytest.mark.django_db

REVIEWS = "/admin/orm/review/"


@pytest.fixture
def admin_page() -> Client:
    client = Client()
    client.force_login(factories.admin())
    return client


def test_hiding_asks_why_then_hides_through_the_command(admin_page: Client) -> None:
    doctor = factories.doctor()
    rate(doctor, 1, 5)
    low = rows.Review.objects.get(stars=1)
    chosen = {"action": "hide", "_selected_action": [low.pk]}

    asked = admin_page.post(REVIEWS, chosen)
    assert asked.status_code == 200 and 'name="reason"' in asked.content.decode()
    assert 'value="Hide it"' in asked.content.decode()  # one review: not "Hide them"
    assert not rows.Review.objects.get(pk=low.pk).hidden

    empty = admin_page.post(REVIEWS, {**chosen, "apply": "1", "reason": ""})
    assert empty.status_code == 200 and not rows.Review.objects.get(pk=low.pk).hidden

    done = admin_page.post(REVIEWS, {**chosen, "apply": "1", "reason": "Abuse"}, follow=True)
    assert "1 review changed." in done.content.decode()
    low.refresh_from_db()
    assert low.hidden and low.hidden_reason == "Abuse" and low.hidden_by is not None
    rating = rows.DoctorRating.objects.get(doctor=doctor)
    assert (str(rating.mean), rating.count) == ("5.0", 1)
    assert rows.StoredEvent.objects.filter(type="ReviewHidden").count() == 1

    again = admin_page.post(REVIEWS, {**chosen, "apply": "1", "reason": "Again"}, follow=True)
    assert "This review is hidden already." in again.content.decode()

    shown = admin_page.post(REVIEWS, {"action": "show", "_selected_action": [low.pk]}, follow=True)
    assert "1 review changed." in shown.content.decode()
    assert not rows.Review.objects.get(pk=low.pk).hidden
    assert rows.DoctorRating.objects.get(doctor=doctor).count == 2


def test_reviews_are_read_not_edited_or_deleted(admin_page: Client) -> None:
    doctor = factories.doctor()
    rate(doctor, 3)
    review = rows.Review.objects.get()
    assert admin_page.get(REVIEWS).status_code == 200
    page = admin_page.get(f"{REVIEWS}{review.pk}/change/")
    assert page.status_code == 200 and 'name="stars"' not in page.content.decode()
    # No Save: pressed, it said "changed successfully" and wrote an empty change (review).
    assert 'name="_save"' not in page.content.decode()
    saved = admin_page.post(f"{REVIEWS}{review.pk}/change/", {"_save": "Save"})
    assert saved.status_code == 403
    assert not LogEntry.objects.filter(object_id=str(review.pk)).exists()
    assert admin_page.get(f"{REVIEWS}add/").status_code == 403
    assert admin_page.get(f"{REVIEWS}{review.pk}/delete/").status_code == 403
    answer = admin_page.post(REVIEWS, {"action": "hide", "_selected_action": "abc"}, follow=True)
    assert answer.status_code == 200
