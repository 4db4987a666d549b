"""The API in Persian: error messages in the request's language (DRF's, ours, the domain's),
a token's user heard in their stored language, display strings beside ISO times on request,
weekday names in the schedule, and a socket's refusal in the language of its handshake."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from channels.db import database_sync_to_async
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from scheduler.adapters.local_dates import moment_label
from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.sockets import closed_with, live, receive, session_cookie, socket, token_for

APPOINTMENTS = "/api/appointments/"
PERSIAN = {"HTTP_ACCEPT_LANGUAGE": "fa-IR,fa;q=0.9,en;q=0.5"}
TEHRAN = ZoneInfo("Asia/Tehran")


def booking(doctor: rows.Doctor, start: datetime) -> dict[str, Any]:
    return {
        "doctor_id": doctor.pk,
        "clinic_id": doctor.clinics.get().pk,
        "start": start.isoformat(),
    }


def with_token(user: rows.User) -> APIClient:
    """A client that signs in as an API client does, with a bearer token (no session)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


@pytest.mark.django_db
def test_missing_fields_are_named_in_persian(as_patient: APIClient) -> None:
    response = as_patient.post(APPOINTMENTS, {}, format="json", **PERSIAN)

    assert response.status_code == 400
    assert response.json()["doctor_id"] == ["این مقدار لازم است."]
    assert response["Content-Language"] == "fa"


@pytest.mark.django_db
def test_our_own_field_messages_are_in_persian(as_patient: APIClient, doctor: rows.Doctor) -> None:
    payload = {**booking(doctor, datetime(2030, 1, 5, 10)), "start": "2030-01-05T10:00:00"}

    response = as_patient.post(APPOINTMENTS, payload, format="json", **PERSIAN)

    assert response.status_code == 400
    assert response.json()["start"] == [
        "زمان را همراه با اختلافش با UTC بدهید، مثلاً 2025-03-01T10:00:00+03:30."
    ]


@pytest.mark.django_db
def test_a_taken_slot_is_409_in_persian_with_the_nearest_free_ones(
    as_patient: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    taken = factories.slot_start(clinic, hour=11)
    factories.appointment(doctor, factories.patient(), taken)

    response = as_patient.post(APPOINTMENTS, booking(doctor, taken), format="json", **PERSIAN)

    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["holder"]) == ("slot_taken", "doctor")
    assert body["detail"] == "این نوبت همین الان گرفته شد."
    assert len(body["alternatives"]) == 3
    # The alternatives stay ISO 8601 in every language, said for people beside.
    for offered in body["alternatives"]:
        start = datetime.fromisoformat(offered["start"])
        assert offered["start_display"] == moment_label(start, "Asia/Tehran", "fa")


@pytest.mark.django_db
def test_a_rule_with_values_puts_them_in_persian(
    as_patient: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    start = factories.slot_start(clinic, hour=8)

    response = as_patient.post(APPOINTMENTS, booking(doctor, start), format="json", **PERSIAN)

    assert response.status_code == 400
    assert response.json()["code"] == "outside_working_hours"
    message = response.json()["start"][0]
    assert "کار نمی‌کند" in message
    assert "۰۸:۰۰ تا ۰۸:۳۰" in message  # the clinic's times, in Persian digits
    assert message.startswith("پزشک " + moment_label(start, "Asia/Tehran", "fa").split("،")[0])


@pytest.mark.django_db
def test_the_domains_own_words_are_translated_inside_a_message(
    as_patient: APIClient, as_doctor: APIClient, known_visit: rows.Appointment
) -> None:
    confirm = f"{APPOINTMENTS}{known_visit.pk}/confirm/"

    by_patient = as_patient.post(confirm, **PERSIAN)
    by_doctor = as_doctor.post(confirm, **PERSIAN)

    assert by_patient.status_code == 403
    assert by_patient.json()["detail"] == "نقش «بیمار» اجازهٔ «تأیید» نوبت‌ها را ندارد."
    assert by_doctor.status_code == 409
    assert by_doctor.json()["detail"] == "«تأیید» برای نوبتی با وضعیت «قطعی» ممکن نیست."
    english = as_patient.post(confirm, HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    assert english == "A patient may not confirm appointments."


@pytest.mark.django_db
def test_the_same_refusal_in_english_is_unchanged(
    as_patient: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    taken = factories.slot_start(clinic, hour=11)
    factories.appointment(doctor, factories.patient(), taken)

    response = as_patient.post(
        APPOINTMENTS, booking(doctor, taken), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.json()["detail"] == "That slot was just taken."
    assert response["Content-Language"] == "en"
    assert "start_display" not in response.json()["alternatives"][0]


@pytest.mark.django_db
def test_a_token_user_who_chose_persian_hears_persian_without_asking(
    patient: rows.Patient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    rows.User.objects.filter(pk=patient.user_id).update(language="fa")
    taken = factories.slot_start(clinic, hour=11)
    factories.appointment(doctor, factories.patient(), taken)

    response = with_token(patient.user).post(APPOINTMENTS, booking(doctor, taken), format="json")

    assert response.status_code == 409
    assert response.json()["detail"] == "این نوبت همین الان گرفته شد."
    assert response["Content-Language"] == "fa"


@pytest.mark.django_db
def test_a_token_users_stored_choice_comes_before_the_browsers(
    patient: rows.Patient, doctor: rows.Doctor
) -> None:
    rows.User.objects.filter(pk=patient.user_id).update(language="en")

    response = with_token(patient.user).post(APPOINTMENTS, {}, format="json", **PERSIAN)

    assert response.json()["doctor_id"] == ["This field is required."]
    assert response["Content-Language"] == "en"


@pytest.mark.django_db
def test_a_token_user_without_a_choice_gets_the_browsers_language(
    patient: rows.Patient,
) -> None:
    response = with_token(patient.user).post(APPOINTMENTS, {}, format="json", **PERSIAN)

    assert response.json()["doctor_id"] == ["این مقدار لازم است."]


@pytest.mark.django_db
def test_one_who_signs_up_in_persian_keeps_persian_for_their_messages() -> None:
    def sign_up(name: str, **headers: str) -> Any:
        return APIClient(REMOTE_ADDR=f"127.0.9.{len(name)}").post(
            "/api/auth/register/",
            {"role": "patient", "username": name, "password": "a long secret 77"},
            format="json",
            **headers,
        )

    in_persian = sign_up("maryam", **PERSIAN)
    unasked = sign_up("anonymous")
    chosen = sign_up("bilingual", **PERSIAN | {"HTTP_COOKIE": "django_language=en"})

    assert in_persian.status_code == 201, in_persian.json()
    assert in_persian.json()["language"] == "fa"
    assert unasked.json()["language"] == ""  # their clinic's language will do
    assert chosen.json()["language"] == "en"


@pytest.mark.django_db
def test_a_change_of_language_is_answered_with_the_new_one(patient: rows.Patient) -> None:
    client = with_token(patient.user)

    chosen = client.patch("/api/me/", {"language": "fa"}, format="json")
    cleared = client.patch("/api/me/", {"language": ""}, format="json")

    assert chosen.json()["language"] == "fa"
    assert cleared.json()["language"] == ""


@pytest.mark.django_db
def test_a_session_call_without_its_csrf_token_is_refused_in_persian(
    patient: rows.Patient,
) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(patient.user)

    response = client.post(APPOINTMENTS, {}, format="json", **PERSIAN)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "دوباره وارد شوید، یا همراه نشست توکن CSRF را بفرستید.",
        "code": "csrf_failed",
    }


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_refused_in_persian(as_patient: APIClient) -> None:
    response = as_patient.post(APPOINTMENTS, b"{bad", content_type="application/json", **PERSIAN)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("بدنهٔ درخواست JSON خوانا نیست: Expecting")


# -- display strings ----------------------------------------------------------------------------


@pytest.fixture
def known_visit(doctor: rows.Doctor, patient: rows.Patient) -> rows.Appointment:
    """Monday 7 December 2026, 10:30 in Tehran: 16 Azar 1405."""
    return factories.appointment(doctor, patient, datetime(2026, 12, 7, 10, 30, tzinfo=TEHRAN))


@pytest.mark.django_db
def test_calendar_jalali_adds_persian_display_strings_next_to_iso(
    as_patient: APIClient, known_visit: rows.Appointment
) -> None:
    response = as_patient.get(f"{APPOINTMENTS}{known_visit.pk}/?calendar=jalali")

    assert response.status_code == 200
    body = response.json()
    assert datetime.fromisoformat(body["start"]) == datetime(
        2026, 12, 7, 7, 0, tzinfo=ZoneInfo("UTC")
    )
    assert body["start_display"] == "دوشنبه ۱۶ آذر ۱۴۰۵، ساعت ۱۰:۳۰"
    assert body["end_display"] == "دوشنبه ۱۶ آذر ۱۴۰۵، ساعت ۱۱:۰۰"


@pytest.mark.django_db
def test_calendar_gregorian_gives_english_display_strings(
    as_patient: APIClient, known_visit: rows.Appointment
) -> None:
    body = as_patient.get(f"{APPOINTMENTS}?calendar=gregorian", **PERSIAN).json()

    assert body["results"][0]["start_display"] == "Monday 7 December 2026, 10:30"


@pytest.mark.django_db
def test_a_persian_request_gets_display_strings_and_an_english_one_none(
    as_patient: APIClient, known_visit: rows.Appointment
) -> None:
    persian = as_patient.get(f"{APPOINTMENTS}{known_visit.pk}/", **PERSIAN).json()
    english = as_patient.get(f"{APPOINTMENTS}{known_visit.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert persian["start_display"] == "دوشنبه ۱۶ آذر ۱۴۰۵، ساعت ۱۰:۳۰"
    assert "start_display" not in english


@pytest.mark.django_db
def test_free_slots_carry_display_strings_on_the_clinics_clock(
    visitor: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    day = factories.slot_start(clinic, days_ahead=3).date()

    body = visitor.get(
        f"/api/doctors/{doctor.pk}/slots/?from={day}&to={day}&calendar=jalali"
    ).json()

    first = body["slots"][0]
    start = datetime.fromisoformat(first["start"])
    assert first["start_display"] == moment_label(start, "Asia/Tehran", "fa")
    assert first["start_display"].endswith("ساعت ۱۰:۰۰")


@pytest.mark.django_db
def test_a_persian_clinics_slots_are_in_persian_unless_the_reader_asked_otherwise(
    visitor: APIClient,
) -> None:
    persian = factories.clinic(language="fa")
    doctor = factories.doctor(persian)
    day = factories.slot_start(persian, days_ahead=3).date()
    slots = f"/api/doctors/{doctor.pk}/slots/?from={day}&to={day}"

    unasked = visitor.get(slots)
    english = visitor.get(slots, HTTP_ACCEPT_LANGUAGE="en")

    assert unasked["Content-Language"] == "fa"
    assert unasked.json()["slots"][0]["start_display"].endswith("ساعت ۱۰:۰۰")
    assert english["Content-Language"] == "en"
    assert "start_display" not in english.json()["slots"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("calendar", ["hijri", "JALALI!", "1", "jalali%00"])
def test_an_unknown_calendar_is_400_on_the_field(
    as_patient: APIClient, known_visit: rows.Appointment, calendar: str
) -> None:
    response = as_patient.get(f"{APPOINTMENTS}{known_visit.pk}/?calendar={calendar}", **PERSIAN)

    assert response.status_code == 400
    assert list(response.json()) == ["calendar"]
    assert "یک انتخاب معتبر نیست" in response.json()["calendar"][0]


@pytest.mark.django_db
def test_an_unknown_calendar_books_nothing(
    as_patient: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    start = factories.slot_start(clinic)

    response = as_patient.post(
        f"{APPOINTMENTS}?calendar=mayan", booking(doctor, start), format="json"
    )

    assert response.status_code == 400
    assert "calendar" in response.json()
    assert not rows.Appointment.objects.exists()


# -- weekday names ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_weekly_hours_take_and_give_weekday_names(
    as_doctor: APIClient, doctor: rows.Doctor
) -> None:
    schedule = {
        "hours": [
            {"weekday": "saturday", "start": "09:00", "end": "13:00"},
            {"weekday": "Monday", "start": "10:00", "end": "17:00"},
            {"weekday": 2, "start": "10:00", "end": "12:00"},  # integers, as the API first took
        ],
        "breaks": [{"weekday": "monday", "start": "13:00", "end": "14:00"}],
        "force": True,
    }

    response = as_doctor.put(f"/api/doctors/{doctor.pk}/schedule/", schedule, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert sorted(span["weekday"] for span in body["hours"]) == ["monday", "saturday", "wednesday"]
    assert body["breaks"] == [{"weekday": "monday", "start": "13:00:00", "end": "14:00:00"}]
    again = as_doctor.get(f"/api/doctors/{doctor.pk}/schedule/").json()
    assert {span["weekday"] for span in again["hours"]} == {"monday", "saturday", "wednesday"}


@pytest.mark.django_db
@pytest.mark.parametrize("weekday", ["funday", 7, -1, True, None, "", "0"])
def test_a_day_that_is_no_weekday_is_400_in_the_readers_language(
    as_doctor: APIClient, doctor: rows.Doctor, weekday: object
) -> None:
    schedule = {"hours": [{"weekday": weekday, "start": "09:00", "end": "13:00"}]}

    response = as_doctor.put(
        f"/api/doctors/{doctor.pk}/schedule/", schedule, format="json", **PERSIAN
    )

    assert response.status_code == 400
    assert "hours" in response.json()


@pytest.mark.django_db
def test_a_schedule_refusal_names_the_weekday_in_persian(
    as_doctor: APIClient, doctor: rows.Doctor
) -> None:
    schedule = {
        "hours": [
            {"weekday": "saturday", "start": "09:00", "end": "12:00"},
            {"weekday": "saturday", "start": "11:00", "end": "14:00"},
        ]
    }

    response = as_doctor.put(
        f"/api/doctors/{doctor.pk}/schedule/", schedule, format="json", **PERSIAN
    )

    assert response.status_code == 400
    assert response.json()["hours"] == [
        "ساعت‌های کاری شنبه با هم هم‌پوشانی دارند: ۰۹:۰۰-۱۲:۰۰ و ۱۱:۰۰-۱۴:۰۰"
    ]


# -- sockets ------------------------------------------------------------------------------------


@live
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("own_channel_layer")
async def test_a_socket_refuses_in_the_language_of_its_handshake(
    receptionist: rows.Receptionist, patient: rows.Patient
) -> None:
    path = f"/ws/desk/{receptionist.clinic_id}/"
    persian = (b"accept-language", b"fa-IR,fa;q=0.9")

    async with socket(path, headers=[await session_cookie(patient.user), persian]) as ws:
        error = await receive(ws)
        assert await closed_with(ws) == 4403
    async with socket(f"{path}?token=not-a-token", headers=[persian]) as ws:
        bad_token = await receive(ws)
        assert await closed_with(ws) == 4401
    async with socket(path, headers=[await session_cookie(patient.user)]) as ws:
        english = await receive(ws)

    assert error["detail"] == "این میز پذیرش برای منشی‌های همین مطب است."
    assert bad_token["detail"] == "توکن نامعتبر است یا منقضی شده."
    assert english["detail"] == "This desk is for the clinic's receptionists."


@live
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("own_channel_layer")
async def test_a_token_socket_speaks_its_users_stored_language(
    receptionist: rows.Receptionist, patient: rows.Patient
) -> None:
    await database_sync_to_async(rows.User.objects.filter(pk=patient.user_id).update)(language="fa")
    token = await token_for(patient.user)

    async with socket(
        f"/ws/desk/{receptionist.clinic_id}/?token={token}",
        headers=[(b"accept-language", b"en")],
    ) as ws:
        error = await receive(ws)
        assert await closed_with(ws) == 4403

    assert error["detail"] == "این میز پذیرش برای منشی‌های همین مطب است."


@live
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("own_channel_layer")
async def test_a_sockets_snapshot_names_things_in_the_language_of_its_handshake(
    receptionist: rows.Receptionist, doctor: rows.Doctor
) -> None:
    # Found by a reviewer: the desk's doctor cards said the specialty in the site's default
    # language whatever the page's, while the same page's booking form said it in the page's.
    await database_sync_to_async(rows.Specialty.objects.filter(pk=doctor.specialty_id).update)(
        name="Cardiology", name_fa="قلب و عروق"
    )
    path = f"/ws/desk/{receptionist.clinic_id}/"
    cookie = await session_cookie(receptionist.user)
    specialties = {}
    for language in ("fa", "en"):
        async with socket(path, headers=[cookie, (b"accept-language", language.encode())]) as ws:
            [card] = (await receive(ws))["doctors"]
            specialties[language] = card["specialty"]

    assert specialties == {"fa": "قلب و عروق", "en": "Cardiology"}
