"""What a hostile review sent, and what it must get: 4xx with a reason, never a 500, never a
socket that dies of an unhandled error; and rules that held only by accident made to hold."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from scheduler.entrypoints.ws import consumers
from tests import factories
from tests.e2e.conftest import Client
from tests.e2e.sockets import closed_with, live, receive, session_cookie, socket
from tests.e2e.test_api_appointments import APPOINTMENTS, booking
from tests.e2e.test_api_schedules import url, week

pytestmark = pytest.mark.django_db

FAR = ("0001-01-01", "9999-12-31")


@pytest.mark.parametrize("day", FAR)
def test_dates_at_the_ends_of_the_calendar_are_400(
    as_receptionist: APIClient, doctor: rows.Doctor, clinic: rows.Clinic, day: str
) -> None:
    answers = [
        as_receptionist.get(f"/api/doctors/{doctor.pk}/slots/", {"clinic": clinic.pk, "from": day}),
        as_receptionist.get(APPOINTMENTS, {"from": day}),
        as_receptionist.get(APPOINTMENTS, {"to": day}),
        as_receptionist.get(f"/api/live/slots/{doctor.pk}/", {"from": day}),
        as_receptionist.get(f"/api/live/desk/{clinic.pk}/", {"date": day}),
        as_receptionist.post(
            APPOINTMENTS,
            {**booking(doctor, factories.slot_start(clinic)), "start": f"{day}T23:30:00+00:00"},
            format="json",
        ),
    ]

    assert [answer.status_code for answer in answers] == [400] * len(answers)


@pytest.mark.parametrize("day", FAR)
def test_overrides_at_the_ends_of_the_calendar_are_400(
    as_doctor: APIClient, doctor: rows.Doctor, day: str
) -> None:
    answer = as_doctor.put(
        url(doctor), week(overrides=[{"date": day, "closed": True}]), format="json"
    )

    assert answer.status_code == 400


@pytest.mark.parametrize("day", FAR)
def test_pages_with_such_a_date_show_today(
    client_for: Client, doctor: rows.Doctor, day: str
) -> None:
    page = client_for(doctor.user)
    page.force_login(doctor.user)

    assert page.get("/doctor/", {"from": day}).status_code == 200
    assert page.get(f"/doctors/{doctor.pk}/", {"from": day}).status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("own_channel_layer")
@live
async def test_sockets_asked_for_such_a_date_close_as_bad_requests(
    receptionist: rows.Receptionist, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    cookie = await session_cookie(receptionist.user)
    for path in (
        f"/ws/slots/{doctor.pk}/?from=9999-12-31&days=1",
        f"/ws/desk/{clinic.pk}/?date=0001-01-01",
    ):
        async with socket(path, headers=[cookie]) as ws:
            assert await closed_with(ws) == 4400


HUGE = "99999999999999999999"


def test_huge_numbers_are_400_and_pages_are_bounded(
    as_admin: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    for path in ("/api/appointments/", "/api/doctors/", "/api/clinics/", "/api/notifications/"):
        assert as_admin.get(path, {"limit": HUGE}).status_code == 200
        assert as_admin.get(path, {"offset": HUGE}).status_code == 200
    assert as_admin.get("/api/patients/", {"q": "a", "limit": HUGE}).status_code == 200
    assert as_admin.get(APPOINTMENTS, {"doctor": HUGE}).status_code == 400
    too_big = {**booking(doctor, factories.slot_start(clinic)), "clinic_id": 2**70}
    assert as_admin.post(APPOINTMENTS, too_big, format="json").status_code == 400

    factories.clinic(), factories.clinic(), factories.clinic()
    page = as_admin.get("/api/clinics/", {"limit": 1000}).json()
    assert len(page["results"]) <= 100


def test_json_nested_past_reading_is_400(visitor: APIClient, as_patient: APIClient) -> None:
    deep = "[" * 50_000
    for client, path in ((visitor, "/api/auth/token/"), (visitor, "/api/auth/register/")):
        answer = client.generic("POST", path, deep, content_type="application/json")
        assert answer.status_code == 400
    answer = as_patient.generic("PATCH", "/api/me/", deep, content_type="application/json")
    assert answer.status_code == 400


# Half of a UTF-16 pair, escaped as JSON allows: Python reads it into text no UTF-8 carries.
LONE = '"\\ud800"'


@pytest.mark.parametrize(
    ("who", "method", "path", "body"),
    [
        ("visitor", "POST", "/api/auth/token/", f'{{"username": {LONE}, "password": "x"}}'),
        ("visitor", "POST", "/api/auth/password-reset/", f'{{"login": {LONE}}}'),
        ("visitor", "POST", "/api/auth/register/", f'{{"role": {LONE}}}'),
        ("as_patient", "PATCH", "/api/me/", f'{{"sex": {LONE}}}'),
        ("as_patient", "POST", "/api/me/dependants/", f'{{"relation": {LONE}}}'),
        ("as_patient", "POST", "/api/appointments/", f'{{"visit_mode": {LONE}}}'),
        ("as_patient", "PATCH", "/api/me/", f'{{{LONE}: "x"}}'),  # a key, too
    ],
)
def test_half_a_utf16_pair_is_400_not_500(
    request: pytest.FixtureRequest, who: str, method: str, path: str, body: str
) -> None:
    """Found by an attacker: a 500 (four of them signed in as no one), where sign-in looked
    the name up before any check, and a choice field's message quoted it back."""
    client: APIClient = request.getfixturevalue(who)
    answer = client.generic(method, path, body, content_type="application/json")
    assert answer.status_code == 400, answer.content
    assert "UTF-16" in answer.json()["detail"]
    # A whole pair (an emoji) is one character, and reads as any other.
    emoji = client.generic(
        "POST",
        "/api/auth/token/",
        '{"username": "\\ud83d\\ude00", "password": "x"}',
        content_type="application/json",
    )
    assert emoji.status_code == 401


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("own_channel_layer")
@live
async def test_a_socket_answers_odd_frames_and_stays_open(doctor: rows.Doctor) -> None:
    async with socket(f"/ws/slots/{doctor.pk}/?days=1") as ws:
        await receive(ws)  # the snapshot
        # Each told what it must send; an attacker found the unreadable ones answered
        # "Unknown message.", as if their type were the fault.
        odd_frames = [
            {"bytes_data": b"\x00\x01"},
            {"text_data": "[" * 100_000},
            {"text_data": "not json"},
            # Found by an attacker: half a UTF-16 pair in a token closed the socket with 1011.
            {"text_data": f'{{"type": "auth", "token": {LONE}}}'},
        ]
        for frame in odd_frames:
            await ws.send_to(**frame)
            assert await receive(ws) == {"type": "error", "detail": consumers.NOT_JSON}, frame
        await ws.send_to(text_data="null")
        assert await receive(ws) == {"type": "error", "detail": consumers.UNKNOWN_MESSAGE}
        await ws.send_to(text_data=json.dumps({"type": "snapshot"}))
        assert (await receive(ws))["type"] == "snapshot"  # still open, still serving


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("own_channel_layer")
@live
async def test_a_message_racing_a_refused_start_is_ignored(doctor: rows.Doctor) -> None:
    async with socket(f"/ws/slots/{doctor.pk}/?days=0") as ws:
        await ws.send_to(text_data=json.dumps({"type": "snapshot"}))
        assert await closed_with(ws) == 4400


def register(**fields: Any) -> dict[str, Any]:
    return {"role": "patient", "username": "new.one", "password": "a long secret 42", **fields}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"first_name": "\u202eevil"}, "first_name"),  # right-to-left override
        ({"last_name": "a\u0000b"}, "last_name"),
        ({"email": f"{'a' * 250}@example.test"}, "email"),
        ({"username": "sara.karimi", "password": "sara.karimi"}, "password"),
    ],
)
def test_sign_up_refuses_what_would_mislead(
    visitor: APIClient, fields: dict[str, Any], field: str
) -> None:
    answer = visitor.post("/api/auth/register/", register(**fields), format="json")

    assert answer.status_code == 400 and field in answer.json()


def test_a_persian_name_keeps_its_zero_width_non_joiner(visitor: APIClient) -> None:
    answer = visitor.post("/api/auth/register/", register(first_name="علی\u200cرضا"), format="json")

    assert answer.status_code == 201 and answer.json()["first_name"] == "علی\u200cرضا"


def test_one_licence_one_doctor_in_any_letter_case(visitor: APIClient, clinic: rows.Clinic) -> None:
    existing = factories.doctor(clinic)
    answer = visitor.post(
        "/api/auth/register/",
        register(
            role="doctor",
            specialty=existing.specialty.slug,
            clinic_id=clinic.pk,
            licence_number=existing.licence_number.lower(),
        ),
        format="json",
    )

    assert answer.status_code == 400 and "licence_number" in answer.json()


def test_a_key_used_again_with_another_reason_is_refused(
    as_patient: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    first = booking(doctor, factories.slot_start(clinic))
    as_patient.post(APPOINTMENTS, first, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    again = as_patient.post(
        APPOINTMENTS,
        {**first, "reason": "Something else"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )

    assert again.status_code == 400 and "Idempotency-Key" in again.json()


def test_an_unknown_api_path_is_a_json_404(visitor: APIClient) -> None:
    answer = visitor.get("/api/doctors/-1/")

    assert answer.status_code == 404 and answer.json()["code"] == "not_found"


# -- the second review -----------------------------------------------------------------------


def span(weekday: int, start: str, end: str) -> dict[str, Any]:
    return {"weekday": weekday, "start": start, "end": end}


@pytest.mark.parametrize(
    "changes",
    [
        {"hours": [span(0, f"{h:02}:00", f"{h:02}:30") for h in range(8, 17)]},  # 9 in a day
        {"hours": [span(0, "10:00", "11:00")] * 1000},  # refused before each is read
        {"hours": [span(0, "10:00:00.000001", "11:00")]},
        {"overrides": [{"date": "2030-01-01", "closed": True}] * 500},
    ],
)
def test_a_schedule_too_big_to_be_one_is_400(
    as_doctor: APIClient, doctor: rows.Doctor, changes: dict[str, Any]
) -> None:
    answer = as_doctor.put(url(doctor), week(**changes), format="json")

    assert answer.status_code == 400


def test_a_doctor_no_longer_verified_sees_no_ones_visits(
    client_for: Client, doctor: rows.Doctor, patient: rows.Patient
) -> None:
    from scheduler.config.bootstrap import build_bus

    build_bus().handle(factories.booking(doctor, patient))
    rows.Doctor.objects.filter(pk=doctor.pk).update(verified=False)
    as_doctor = client_for(doctor.user)

    assert as_doctor.get(APPOINTMENTS).json()["results"] == []
    grid = as_doctor.get(f"/api/live/slots/{doctor.pk}/", {"days": 3}).json()
    assert [slot["booking"] for slot in grid["slots"]] == [None]


@pytest.mark.parametrize(
    "name", ["\u061cAli", "A\u200bli", "\u3164", "A\u2028li", "Ali\u00ad", "Ali\U000e0041"]
)
def test_names_with_hidden_characters_are_400(visitor: APIClient, name: str) -> None:
    answer = visitor.post("/api/auth/register/", register(first_name=name), format="json")

    assert answer.status_code == 400 and "first_name" in answer.json()


@pytest.mark.parametrize("twin", ["ＥＶ-1", "ev-1", "EV\u200b-1", "\u202eEV-1", "EV\u20101"])
def test_a_licence_number_written_another_way_is_the_same_or_refused(
    visitor: APIClient, clinic: rows.Clinic, twin: str
) -> None:
    def sign_up(username: str, licence: str) -> Any:
        return visitor.post(
            "/api/auth/register/",
            register(
                role="doctor",
                username=username,
                specialty=factories.specialty().slug,
                clinic_id=clinic.pk,
                licence_number=licence,
            ),
            format="json",
        )

    assert sign_up("first.doctor", "EV-1").status_code == 201
    answer = sign_up("second.doctor", twin)

    assert answer.status_code == 400 and "licence_number" in answer.json()


def test_reasons_with_hidden_characters_are_400(
    as_patient: APIClient, as_doctor: APIClient, doctor: rows.Doctor, clinic: rows.Clinic
) -> None:
    start = factories.slot_start(clinic)
    booked = as_patient.post(
        APPOINTMENTS, booking(doctor, start, reason="\u202egniht"), format="json"
    )
    away = as_doctor.post(
        f"/api/doctors/{doctor.pk}/time-off/",
        {
            "start": start.isoformat(),
            "end": (start.replace(hour=12)).isoformat(),
            "reason": "a\u0007",
        },
        format="json",
    )

    assert booked.status_code == 400 and "reason" in booked.json()
    assert away.status_code == 400 and "reason" in away.json()


def test_the_desk_may_not_undo_what_only_a_doctor_does(
    as_receptionist: APIClient, doctor: rows.Doctor, patient: rows.Patient, clinic: rows.Clinic
) -> None:

    from scheduler.config.bootstrap import build_bus
    from scheduler.services.commands import CompleteAppointment

    visit = factories.appointment(doctor, patient, factories.earlier_today(clinic, minutes_ago=10))
    build_bus().handle(
        CompleteAppointment(actor=factories.actor_of(doctor), appointment_id=visit.pk)
    )

    answer = as_receptionist.post(f"/api/appointments/{visit.pk}/undo/", format="json")

    assert answer.status_code == 403


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("own_channel_layer")
@live
async def test_an_unknown_socket_path_is_refused_at_the_handshake() -> None:
    from channels.testing import WebsocketCommunicator

    from scheduler.config.asgi import application
    from tests.e2e.sockets import ORIGIN

    for path in ("/ws/nope/", "/ws/slots/abc/", "/ws/slots/1"):
        communicator = WebsocketCommunicator(application, path, headers=[ORIGIN])
        connected, _ = await communicator.connect(timeout=5)
        assert not connected
        await communicator.disconnect()


def test_refusals_under_the_api_are_json(patient: rows.Patient) -> None:
    from django.test import Client as PageClient

    client = PageClient(enforce_csrf_checks=True)
    client.force_login(patient.user)

    mistyped = client.post("/api/appointment/", {}, content_type="application/json")
    no_token = client.patch("/api/me/", {"last_name": "X"}, content_type="application/json")
    crowded = client.get("/api/doctors/?" + "&".join(["a=1"] * 1200))

    assert (mistyped.status_code, mistyped.json()["code"]) == (404, "not_found")
    assert (no_token.status_code, no_token.json()["code"]) == (
        403,
        "csrf_failed",
    )  # as Django's own CSRF refusal says it
    assert (crowded.status_code, crowded.json()["code"]) == (400, "bad_request")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("own_channel_layer")
@live
async def test_a_socket_flooded_with_messages_is_closed(
    doctor: rows.Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found in review: 200 snapshot requests in 3 s, each a round of queries and audit rows.
    monkeypatch.setattr(consumers, "MESSAGES_A_MINUTE", 3)
    async with socket(f"/ws/slots/{doctor.pk}/?days=1") as ws:
        await receive(ws)  # the snapshot
        for _ in range(3):
            await ws.send_to(text_data=json.dumps({"type": "snapshot"}))
            assert (await receive(ws))["type"] == "snapshot"
        await ws.send_to(text_data=json.dumps({"type": "snapshot"}))

        assert await closed_with(ws) == 4429


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        (
            "/api/auth/token/",
            "application/x-www-form-urlencoded; charset=utf-7",
            b"username=%2B2AA-&password=x",
        ),
        (
            "/api/auth/token/",
            "multipart/form-data; boundary=XX; charset=utf-7",
            b'--XX\r\nContent-Disposition: form-data; name="username"\r\n\r\n+2AA-\r\n--XX--\r\n',
        ),
        ("/login/", "application/x-www-form-urlencoded; charset=utf-7", b"username=%2B2AA-"),
        (
            "/api/auth/register/",
            "application/x-www-form-urlencoded; charset=unicode_escape",
            b"role=%5Cud800",
        ),
    ],
)
def test_a_body_in_a_charset_other_than_utf8_is_415_not_500(
    path: str, content_type: str, body: bytes
) -> None:
    """Found by an attacker: UTF-7 (or unicode_escape) carries half a UTF-16 pair past the JSON
    parser's check into a form's fields; sign-in, sign-up and every form the API takes answered
    500, signed in as no one."""
    from django.test import Client as PageClient

    answer = PageClient().generic("POST", path, body, content_type=content_type)
    assert answer.status_code == 415
    assert b"UTF-8" in answer.content


def test_a_body_that_says_it_is_utf8_is_read(visitor: APIClient) -> None:
    for charset in ("UTF-8", "utf8", "us-ascii"):
        answer = visitor.generic(
            "POST",
            "/api/auth/token/",
            b"username=nobody&password=x",
            content_type=f"application/x-www-form-urlencoded; charset={charset}",
        )
        assert answer.status_code == 401, (charset, answer.content)
