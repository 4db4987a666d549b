"""Reviews of visits through the API: every role on every operation, the rules' refusals, the
rating it keeps, and the search's sort by rating and minimum rating."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.domain.model import Role
from scheduler.services import commands
from tests import factories
from tests.e2e.test_api_doctor_search import at_hour, found, local_day, named, next_free

pytestmark = pytest.mark.django_db

Client = Callable[[rows.User | None], APIClient]
TEHRAN = ZoneInfo("Asia/Tehran")


def past_visit(
    doctor: rows.Doctor, patient: rows.Patient, *, status: str = "fulfilled", days_ago: int = 2
) -> rows.Appointment:
    start = datetime.now(TEHRAN).replace(hour=10, minute=0, second=0, microsecond=0)
    return factories.appointment(doctor, patient, start - timedelta(days=days_ago), status=status)


def review_url(visit: rows.Appointment) -> str:
    return f"/api/appointments/{visit.pk}/review/"


def write(client: APIClient, visit: rows.Appointment, stars: int = 4, text: str = "") -> Any:
    return client.post(review_url(visit), {"stars": stars, "text": text}, format="json")


def rate(doctor: rows.Doctor, *stars: int) -> None:
    """Reviews of the doctor by as many patients, each after a visit of their own."""
    for n, given in enumerate(stars):
        patient = factories.patient()
        visit = past_visit(doctor, patient, days_ago=n + 1)
        build_bus().handle(
            commands.WriteVisitReview(
                actor=factories.actor_of(patient), appointment_id=visit.pk, stars=given
            )
        )


@pytest.fixture
def visit(doctor: rows.Doctor) -> rows.Appointment:
    patient = factories.patient(first_name="Maryam", last_name="Karimi")
    return past_visit(doctor, patient)


@pytest.fixture
def as_author(client_for: Client, visit: rows.Appointment) -> APIClient:
    return client_for(visit.patient.user)


def test_the_patient_reviews_the_visit_and_anyone_reads_it(
    as_author: APIClient, visit: rows.Appointment, visitor: APIClient
) -> None:
    response = write(as_author, visit, 5, "  Listened well.\r\nOn time.  ")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["stars"], body["text"], body["author"]) == (
        5,
        "Listened well.\nOn time.",
        "Maryam K.",
    )
    assert body["reply"] is None and body["hidden"] is False and body["edited_at"] is None
    written = datetime.fromisoformat(body["written_at"])
    assert datetime.fromisoformat(body["editable_until"]) == written + timedelta(days=7)

    listed = visitor.get(f"/api/doctors/{visit.doctor_id}/reviews/").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]
    rating = rows.DoctorRating.objects.get(doctor_id=visit.doctor_id)
    assert (str(rating.mean), rating.count) == ("5.0", 1)
    stored = rows.StoredEvent.objects.filter(type="ReviewWritten").get()
    assert stored.payload["review_id"] == body["id"] and stored.version == 1


def test_every_role_but_the_patient_who_booked_is_refused(
    client_for: Client, visit: rows.Appointment, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    unverified = factories.doctor(clinic, verified=False)
    refusals = {
        "other patient": (factories.patient().user, 404),
        "the doctor": (doctor.user, 403),
        "another doctor": (factories.doctor(clinic).user, 404),
        "unverified doctor": (unverified.user, 404),
        "the clinic's desk": (factories.receptionist(clinic).user, 403),
        "another clinic's desk": (factories.receptionist(factories.clinic()).user, 404),
        "admin": (factories.admin(), 403),
    }
    for who, (user, status) in refusals.items():
        assert write(client_for(user), visit).status_code == status, who
    assert write(client_for(None), visit).status_code == 401
    assert not rows.Review.objects.exists()
    assert (
        client_for(factories.patient().user)
        .patch(review_url(visit), {"stars": 1}, format="json")
        .status_code
        == 404
    )


@pytest.mark.parametrize("status", ["booked", "cancelled", "noshow", "arrived"])
def test_only_a_visit_that_took_place_is_reviewed(
    client_for: Client, doctor: rows.Doctor, patient: rows.Patient, status: str
) -> None:
    visit = past_visit(doctor, patient, status=status)
    response = write(client_for(patient.user), visit)
    assert response.status_code == 409 and response.json()["code"] == "not_fulfilled"


def test_one_review_per_visit(as_author: APIClient, visit: rows.Appointment) -> None:
    assert write(as_author, visit, 5).status_code == 201
    again = write(as_author, visit, 1)
    assert again.status_code == 409 and again.json()["code"] == "already_reviewed"
    assert rows.Review.objects.get().stars == 5


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"stars": 0}, "stars"),
        ({"stars": 6}, "stars"),
        ({"stars": "five"}, "stars"),
        ({}, "stars"),
        ({"stars": 3, "text": "x" * 2001}, "text"),
        ({"stars": 3, "text": "x" * 5000}, "text"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    as_author: APIClient, visit: rows.Appointment, data: dict[str, Any], field: str
) -> None:
    response = as_author.post(review_url(visit), data, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not rows.Review.objects.exists()


def test_the_author_edits_for_seven_days(as_author: APIClient, visit: rows.Appointment) -> None:
    write(as_author, visit, 2, "Late.")
    edited = as_author.patch(
        review_url(visit), {"stars": 4, "text": "Late, but kind."}, format="json"
    )
    assert edited.status_code == 200 and edited.json()["stars"] == 4
    assert edited.json()["edited_at"] is not None
    assert str(rows.DoctorRating.objects.get(doctor_id=visit.doctor_id).mean) == "4.0"
    # Written eight days ago: the week is over (moved in the row, not by waiting).
    rows.Review.objects.update(written_at=datetime.now(TEHRAN) - timedelta(days=8))
    late = as_author.patch(review_url(visit), {"stars": 1}, format="json")
    assert late.status_code == 409 and late.json()["code"] == "edit_window_over"
    assert rows.Review.objects.get().stars == 4


def test_the_doctor_replies_once_and_no_one_else_does(
    as_author: APIClient, visit: rows.Appointment, client_for: Client, clinic: rows.Clinic
) -> None:
    review_id = write(as_author, visit).json()["id"]
    url = f"/api/reviews/{review_id}/reply/"
    others = {
        "the author": (visit.patient.user, 403),
        "another doctor": (factories.doctor(clinic).user, 403),
        "the desk": (factories.receptionist(clinic).user, 403),
        "admin": (factories.admin(), 403),
    }
    for who, (user, status) in others.items():
        assert client_for(user).post(url, {"text": "Hi"}, format="json").status_code == status, who
    assert client_for(None).post(url, {"text": "Hi"}, format="json").status_code == 401
    as_doctor = client_for(visit.doctor.user)
    assert as_doctor.post(url, {"text": "  "}, format="json").status_code == 400
    replied = as_doctor.post(url, {"text": "Thank you, get well."}, format="json")
    assert replied.status_code == 200
    assert replied.json()["reply"]["text"] == "Thank you, get well."
    again = as_doctor.post(url, {"text": "And again"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_replied"
    rows.Doctor.objects.filter(pk=visit.doctor_id).update(verified=False)
    assert as_doctor.post(url, {"text": "x"}, format="json").status_code == 403


def test_an_admin_hides_with_a_reason_and_shows_again(
    as_author: APIClient,
    visit: rows.Appointment,
    as_admin: APIClient,
    client_for: Client,
    visitor: APIClient,
    clinic: rows.Clinic,
) -> None:
    review_id = write(as_author, visit, 1).json()["id"]
    rate(visit.doctor, 5)
    hide = f"/api/reviews/{review_id}/hide/"
    for user in (visit.patient.user, visit.doctor.user, factories.receptionist(clinic).user):
        assert client_for(user).post(hide, {"reason": "x"}, format="json").status_code == 403
    assert as_admin.post(hide, {}, format="json").status_code == 400
    assert as_admin.post(hide, {"reason": "x" * 501}, format="json").status_code == 400
    hidden = as_admin.post(hide, {"reason": "Names another patient."}, format="json")
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True
    row = rows.Review.objects.get(pk=review_id)
    assert (row.hidden_reason, row.hidden_by.role) == ("Names another patient.", Role.ADMIN)
    assert row.hidden_at is not None
    rating = rows.DoctorRating.objects.get(doctor_id=visit.doctor_id)
    assert (str(rating.mean), rating.count) == ("5.0", 1)
    listed = visitor.get(f"/api/doctors/{visit.doctor_id}/reviews/").json()["results"]
    assert review_id not in [r["id"] for r in listed]
    # Hidden, it is not found by those it is not kept for.
    reply = f"/api/reviews/{review_id}/reply/"
    assert (
        client_for(factories.doctor(clinic).user)
        .post(reply, {"text": "x"}, format="json")
        .status_code
        == 404
    )
    again = as_admin.post(hide, {"reason": "Again"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "moderation_unchanged"

    show = f"/api/reviews/{review_id}/show/"
    assert client_for(visit.patient.user).post(show).status_code == 403
    assert as_admin.post(show).status_code == 200
    rating.refresh_from_db()
    assert (str(rating.mean), rating.count) == ("3.0", 2)
    assert rows.Review.objects.get(pk=review_id).hidden_reason == "Names another patient."
    types = set(rows.StoredEvent.objects.values_list("type", flat=True))
    assert {"ReviewHidden", "ReviewShown"} <= types
    assert (
        as_admin.post("/api/reviews/00000000-0000-0000-0000-000000000000/show/").status_code == 404
    )


def test_reviews_of_a_doctor_not_listed_are_not_found(
    visitor: APIClient, clinic: rows.Clinic
) -> None:
    unverified = factories.doctor(clinic, verified=False)
    assert visitor.get(f"/api/doctors/{unverified.pk}/reviews/").status_code == 404
    assert visitor.get(f"/api/doctors/{2**31 + 5}/reviews/").status_code == 404


def test_the_list_is_newest_first_and_paged(visitor: APIClient, doctor: rows.Doctor) -> None:
    rate(doctor, 5, 4, 3)
    newest = rows.Review.objects.order_by("-written_at").values_list("stars", flat=True)
    page = visitor.get(f"/api/doctors/{doctor.pk}/reviews/", {"limit": 2}).json()
    assert page["count"] == 3 and page["next"]
    assert [r["stars"] for r in page["results"]] == list(newest)[:2]


# -- the search -------------------------------------------------------------------------------


@pytest.fixture
def rated_doctors() -> dict[str, rows.Doctor]:
    at = factories.clinic()
    doctors = {
        "unrated_soonest": named(at, "Ali", "Ahmadi"),
        "four_many": named(at, "Bahar", "Bahrami"),
        "four_few": named(at, "Sara", "Zand"),
        "five": named(at, "Dara", "Dadgar"),
        "two": named(at, "Hamid", "Hosseini"),
    }
    rows.NextFreeSlot.objects.all().delete()
    for n, doctor in enumerate(doctors.values()):
        next_free(doctor, at, at_hour(local_day(1 + n), 10))
    rate(doctors["four_many"], 4, 4, 4, 4)
    rate(doctors["four_few"], 4)
    rate(doctors["five"], 5)
    rate(doctors["two"], 2, 2)
    return doctors


def test_sort_by_rating_then_count_then_first_available_unrated_last(
    visitor: APIClient, rated_doctors: dict[str, rows.Doctor]
) -> None:
    order = ["five", "four_many", "four_few", "two", "unrated_soonest"]
    assert found(visitor, sort="rating") == [rated_doctors[name].pk for name in order]
    first = visitor.get("/api/doctors/", {"sort": "rating"}).json()["results"][0]
    assert first["rating"] == {"mean": 5.0, "count": 1}
    unrated = visitor.get("/api/doctors/", {"sort": "rating"}).json()["results"][-1]
    assert unrated["rating"] is None


def test_a_minimum_rating_leaves_out_the_lower_and_the_unrated(
    visitor: APIClient, rated_doctors: dict[str, rows.Doctor]
) -> None:
    at_least_four = {rated_doctors[n].pk for n in ("five", "four_many", "four_few")}
    assert set(found(visitor, min_rating=4)) == at_least_four
    assert found(visitor, min_rating=5) == [rated_doctors["five"].pk]
    assert len(found(visitor, min_rating=1)) == 4
    for bad in ("0", "6", "x", "4.5"):
        response = visitor.get("/api/doctors/", {"min_rating": bad})
        assert response.status_code == 400 and "min_rating" in response.json(), bad


def test_the_home_page_sorts_filters_and_shows_the_rating(
    rated_doctors: dict[str, rows.Doctor], visitor: APIClient
) -> None:
    page = visitor.get("/", {"sort": "rating", "min_rating": "4"}).content.decode()
    assert "Dara" in page and "Hamid" not in page and "Ali" not in page
    assert "4.0" in page and "(4)" in page
    assert visitor.get("/", {"min_rating": "9"}).status_code == 400


def test_a_family_members_visit_is_reviewed_by_the_account_holder(
    client_for: Client, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    child = rows.Dependant.objects.create(
        patient=patient,
        first_name="Arash",
        last_name="Karimi",
        birth_date=datetime(2019, 4, 2).date(),
        relation="child",
    )
    visit = past_visit(doctor, patient)
    rows.Appointment.objects.filter(pk=visit.pk).update(dependant=child)
    assert write(client_for(patient.user), visit, 5).status_code == 201
    assert rows.Review.objects.get().author_id == patient.user_id


def test_a_forgotten_author_leaves_their_stars_without_their_words_or_name(
    as_author: APIClient, visit: rows.Appointment, visitor: APIClient
) -> None:
    write(as_author, visit, 2, "Dr. was late; my husband Reza waited too.")
    forgotten = as_author.post("/api/me/delete/", {"password": factories.PASSWORD}, format="json")
    assert forgotten.status_code in (200, 204), forgotten.content
    [shown] = visitor.get(f"/api/doctors/{visit.doctor_id}/reviews/").json()["results"]
    assert (shown["stars"], shown["text"], shown["author"]) == (2, "", "")
    rating = rows.DoctorRating.objects.get(doctor_id=visit.doctor_id)
    assert (str(rating.mean), rating.count) == ("2.0", 1)
    assert rows.StoredEvent.objects.filter(type="ReviewEdited").count() == 1


def test_a_doctors_page_in_the_api_carries_the_rating(
    visitor: APIClient, doctor: rows.Doctor
) -> None:
    assert visitor.get(f"/api/doctors/{doctor.pk}/").json()["rating"] is None
    rate(doctor, 5, 4)
    assert visitor.get(f"/api/doctors/{doctor.pk}/").json()["rating"] == {"mean": 4.5, "count": 2}


def test_the_authors_export_holds_their_reviews(
    as_author: APIClient, visit: rows.Appointment
) -> None:
    write(as_author, visit, 3, "Fine.")
    [review] = as_author.get("/api/me/export/").json()["reviews"]
    assert (review["stars"], review["text"], review["appointment_id"]) == (
        3,
        "Fine.",
        str(visit.pk),
    )
