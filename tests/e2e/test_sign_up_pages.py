"""The sign-up pages (/signup/, /signup/doctor/) through Django's client: each refusal next to
its field with what was typed kept (never a password), taken emails, phones and licences,
``next`` kept on this site only, a new doctor unverified and out of the directory, the
verification mail sent as for the API's sign-up, and sign-up throttled like the API's."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest
from django.test import Client

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.test_api_passwords import VERIFY_LINK, mails_after_the_jobs
from tests.loopback import SmtpSink
from tests.task_queue import Worker

pytestmark = pytest.mark.django_db

PASSWORD = "a long secret 42"


def from_address() -> Client:
    """A client from a loopback address of its own: the sign-up counts of other tests are not
    its."""
    return Client(REMOTE_ADDR=f"127.{secrets.randbelow(250) + 1}.{secrets.randbelow(250)}.9")


def patient_form(**changes: str) -> dict[str, str]:
    form = {
        "first_name": "Sara",
        "last_name": "Ahmadi",
        "phone": "0912 345 6789",
        "email": "sara@example.test",
        "password": PASSWORD,
        "again": PASSWORD,
        "language": "en",
    }
    return {**form, **changes}


def doctor_form(at: rows.Clinic, **changes: str) -> dict[str, str]:
    factories.specialty("cardiology")
    form = {
        **patient_form(first_name="Reza", last_name="Karimi", email="reza@example.test"),
        "phone": "0935 111 2233",
        "specialty": "cardiology",
        "licence_number": "M-12345",
        "clinic": str(at.pk),
    }
    return {**form, **changes}


def field_error(page: str, name: str) -> str:
    """The message shown under the field ``name`` ("" if none)."""
    found = re.search(rf'<p class="problem" id="id_{name}_error">(.*?)</p>', page, re.S)
    return found[1].strip() if found else ""


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"first_name": ""}, "first_name", "Please fill this in."),
        ({"last_name": ""}, "last_name", "Please fill this in."),
        ({"last_name": "x" * 151}, "last_name", "no more than 150"),
        ({"phone": ""}, "phone", "Please fill this in."),
        ({"phone": "12"}, "phone", "not a phone number we can read"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"password": ""}, "password", "Please fill this in."),
        ({"password": "short", "again": "short"}, "password", "at least 8"),
        ({"password": "ahmadi123", "again": "ahmadi123"}, "password", "too similar"),
        ({"again": "something else 42"}, "again", "The two passwords differ."),
    ],
)
def test_each_refusal_is_shown_next_to_its_field_and_what_was_typed_stays(
    changes: dict[str, str], field: str, words: str
) -> None:
    answer = from_address().post("/signup/?next=/doctors/1/", patient_form(**changes))

    page = answer.content.decode()
    assert answer.status_code == 400
    assert words in field_error(page, field)
    assert f'id="id_{field}"' in page and 'aria-invalid="true"' in page
    kept = {name: value for name, value in patient_form(**changes).items() if name != field}
    for name in ("first_name", "last_name", "email"):
        if kept.get(name):
            assert f'value="{kept[name]}"' in page
    assert PASSWORD not in page  # never sent back
    assert not rows.User.objects.filter(first_name="Sara").exists()


def test_a_patient_signs_up_is_signed_in_and_lands_where_they_were(clinic: rows.Clinic) -> None:
    client = from_address()
    back = f"/doctors/7/?clinic={clinic.pk}&slot=2030-01-02T10:00:00%2B03:30"
    form_page = client.get("/signup/", {"next": back}).content.decode()
    assert 'name="next" value="/doctors/7/?clinic=' in form_page

    answer = client.post("/signup/", {**patient_form(phone="۰۹۱۲ ۳۴۵ ۶۷۸۹"), "next": back})

    assert answer.status_code == 302 and answer["Location"] == back
    user = rows.User.objects.get(email="sara@example.test")
    assert user.phone == "+989123456789"  # as every phone is stored
    assert user.role == "patient" and hasattr(user, "patient")
    assert user.language == "en"
    assert client.get("/api/me/").json()["username"] == user.username  # the session is theirs


def test_a_new_patient_is_welcomed_on_the_first_page_once() -> None:
    """Signed up, a patient landed on the search with no word that anything had happened."""
    client = from_address()
    assert client.post("/signup/", patient_form()).status_code == 302

    first, then = client.get("/").text, client.get("/").text

    assert "Welcome to Nobat, <bdi>Sara</bdi>: your account is ready." in first
    assert "We have sent a link to <bdi>sara@example.test</bdi>" in first
    assert "Welcome to Nobat" not in then


def test_a_patient_without_an_email_is_welcomed_without_a_link() -> None:
    client = from_address()
    assert client.post("/signup/", patient_form(email="")).status_code == 302

    landed = client.get("/").text

    assert "your account is ready." in landed and "We have sent a link" not in landed


@pytest.mark.parametrize(
    "elsewhere", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_next_leads_to_no_other_site(elsewhere: str) -> None:
    client = from_address()
    assert elsewhere not in client.get("/signup/", {"next": elsewhere}).content.decode()

    answer = client.post("/signup/", {**patient_form(), "next": elsewhere})

    assert answer.status_code == 302 and answer["Location"] == "/"


def test_sign_in_and_sign_up_link_to_each_other_keeping_next() -> None:
    client = from_address()
    back = "/doctors/3/?slot=2030-01-02T10:00:00Z"
    quoted = "%2Fdoctors%2F3%2F%3Fslot%3D2030-01-02T10%3A00%3A00Z"

    assert f'href="/signup/?next={quoted}"' in client.get("/login/", {"next": back}).text
    assert f'href="/login/?next={quoted}"' in client.get("/signup/", {"next": back}).text


@pytest.mark.parametrize(
    ("taken", "field", "words"),
    [
        ({"email": "SARA@example.test"}, "email", "An account with this email address exists"),
        ({"phone": "+98 912 345 6789"}, "phone", "An account with this phone number exists"),
    ],
)
def test_an_email_or_phone_someone_signs_in_with_is_taken(
    taken: dict[str, str], field: str, words: str
) -> None:
    assert from_address().post("/signup/", patient_form()).status_code == 302
    again = patient_form(**{"email": "other@example.test", "phone": "0912 000 0099", **taken})

    answer = from_address().post("/signup/", again)

    assert answer.status_code == 400 and words in field_error(answer.text, field)
    assert rows.User.objects.filter(first_name="Sara").count() == 1


def test_a_phone_the_desk_recorded_is_not_taken_from_its_patient() -> None:
    """A patient the desk added has no password: signing up with that phone is theirs to do."""
    factories.patient(phone="+989123456789").user.set_unusable_password()
    recorded = rows.User.objects.get(phone="+989123456789")
    recorded.set_unusable_password()
    recorded.save()

    assert from_address().post("/signup/", patient_form()).status_code == 302


def test_a_taken_username_is_refused_by_the_api_as_before(visitor: Any) -> None:
    body = {"role": "patient", "username": "same", "password": PASSWORD}
    assert visitor.post("/api/auth/register/", body, format="json").status_code == 201
    again = visitor.post("/api/auth/register/", body, format="json")
    assert again.status_code == 400 and "username" in again.json()


def test_a_doctor_is_told_what_happens_next_before_and_after(clinic: rows.Clinic) -> None:
    client = from_address()
    before = client.get("/signup/doctor/").text
    assert "What happens next" in before and "patients cannot find you" in before
    assert f'<option value="{clinic.pk}">' in before

    answer = client.post("/signup/doctor/", {**doctor_form(clinic), "next": "/"})
    after = client.get(answer["Location"])

    assert answer.status_code == 302 and answer["Location"] == "/signup/doctor/done/"
    assert "awaiting approval" in after.text and "patients cannot find you yet" in after.text
    doctor = rows.Doctor.objects.get(user__email="reza@example.test")
    assert doctor.verified is False and doctor.licence_number == "M-12345"
    assert list(doctor.clinics.all()) == [clinic] and doctor.specialty.slug == "cardiology"
    listed = from_address().get("/api/doctors/").json()
    found = listed["results"] if isinstance(listed, dict) else listed
    assert doctor.pk not in [row["id"] for row in found]
    assert from_address().get(f"/api/doctors/{doctor.pk}/").status_code == 404
    assert client.get(f"/api/doctors/{doctor.pk}/").status_code == 200  # but to themselves


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"specialty": ""}, "specialty", "Please fill this in."),
        ({"specialty": "astrology"}, "specialty", "No such specialty."),
        ({"licence_number": ""}, "licence_number", "Please fill this in."),
        ({"clinic": ""}, "clinic", "Please fill this in."),
        ({"clinic": "999999"}, "clinic", "No such clinic."),
        ({"clinic": "abc"}, "clinic", "valid integer"),
        ({"email": ""}, "email", "Please fill this in."),
    ],
)
def test_a_doctors_refusals_are_next_to_their_fields(
    clinic: rows.Clinic, changes: dict[str, str], field: str, words: str
) -> None:
    answer = from_address().post("/signup/doctor/", doctor_form(clinic, **changes))

    assert answer.status_code == 400 and words in field_error(answer.text, field)
    assert 'value="M-12345"' in answer.text or field == "licence_number"
    assert not rows.Doctor.objects.filter(licence_number="M-12345").exists()


def test_a_licence_number_is_signed_up_once(clinic: rows.Clinic) -> None:
    assert from_address().post("/signup/doctor/", doctor_form(clinic)).status_code == 302
    again = doctor_form(
        clinic, email="other@example.test", phone="0935 000 0001", licence_number="m-12345"
    )

    answer = from_address().post("/signup/doctor/", again)

    assert answer.status_code == 400
    assert "licence number exists" in field_error(answer.text, "licence_number")


def test_signing_up_in_bulk_is_stopped_as_on_the_api(settings: Any) -> None:
    settings.SIGN_UP_RATE = "2/min"
    client = from_address()

    def sign_up(n: int) -> int:
        form = patient_form(email=f"bulk{n}@example.test", phone=f"0912 000 00{n:02}")
        return client.post("/signup/", form).status_code

    answers = [sign_up(n) for n in range(2)]
    refused = client.post("/signup/", patient_form(email="bulk9@example.test"))

    assert answers == [302, 302] and refused.status_code == 429
    # It counts tries, refused forms too: not "accounts made" (found in review).
    assert "Signing up was tried too often from this connection." in refused.text


def test_the_form_needs_its_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/signup/", patient_form()).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_address_is_sent_a_link_as_on_the_api(worker: Worker, smtp: SmtpSink) -> None:
    assert from_address().post("/signup/", patient_form()).status_code == 302

    [mail] = mails_after_the_jobs(worker, smtp)

    assert mail.recipients == ("sara@example.test",) and VERIFY_LINK.search(mail.body)


def test_the_persian_page_is_right_to_left_with_its_words() -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="fa").get("/signup/doctor/").text
    assert 'dir="rtl"' in page and 'lang="fa"' in page
