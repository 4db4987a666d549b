"""The Kavenegar-style SMS adapter against an HTTP server on loopback that records requests and
answers as scripted: accepted, 500, 429, a refused number, nonsense, too slow, nobody there."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from scheduler.adapters.notify import delivery, sms
from scheduler.adapters.notify.faults import PermanentFault, TransientFault
from scheduler.adapters.notify.models import ContactPreference, Notification
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.services import commands
from tests import factories
from tests.integration.notifications.conftest import relay
from tests.loopback import Answer, ScriptedHttpServer
from tests.servers import free_port

ACCEPTED = Answer.json(
    200,
    {
        "return": {"status": 200, "message": "تایید شد"},
        "entries": [{"messageid": 8792343, "status": 1, "receptor": "09121234567"}],
    },
)


@pytest.fixture
def provider() -> Iterator[ScriptedHttpServer]:
    server = ScriptedHttpServer([ACCEPTED]).start()
    try:
        yield server
    finally:
        server.stop()


def gateway(url: str, timeout: float = 5) -> sms.KavenegarSmsGateway:
    return sms.KavenegarSmsGateway(
        base_url=f"{url}/v1", api_key="secret/key", sender="10004346", timeout=timeout
    )


def test_a_message_is_posted_with_our_reference_and_the_provider_id_comes_back(
    provider: ScriptedHttpServer,
) -> None:
    message_id = gateway(provider.url).send(
        to="09121234567", text="یادآوری نوبت", reference="nobat-7"
    )

    assert message_id == "8792343"
    [(path, form)] = provider.requests
    assert path == "/v1/secret%2Fkey/sms/send.json"
    assert form == {
        "receptor": ["09121234567"],
        "message": ["یادآوری نوبت"],
        "localid": ["nobat-7"],
        "sender": ["10004346"],
    }


@pytest.mark.parametrize(
    ("answer", "fault", "said"),
    [
        (Answer(500, b"<html>Internal Server Error</html>"), TransientFault, "500"),
        (Answer(503, b""), TransientFault, "503"),
        (Answer(429, b"slow down"), TransientFault, "429"),
        (
            Answer.json(411, {"return": {"status": 411, "message": "receptor"}}),
            PermanentFault,
            "411",
        ),
        (Answer.json(200, {"return": {"status": 418, "message": "credit"}}), TransientFault, "418"),
        (
            Answer.json(401, {"return": {"status": 401, "message": "inactive"}}),
            PermanentFault,
            "401",
        ),
        (Answer(200, b"<html>maintenance</html>"), TransientFault, "unreadable"),
        (Answer(200, b'{"entries": []}'), TransientFault, "unreadable"),
        (Answer(404, b"no such page"), PermanentFault, "404"),
    ],
)
def test_bad_answers_are_sorted_into_worth_retrying_or_not(
    provider: ScriptedHttpServer, answer: Answer, fault: type[Exception], said: str
) -> None:
    provider.answers = [answer]

    with pytest.raises(fault, match=said):
        gateway(provider.url).send(to="09121234567", text="hi", reference="nobat-1")


def test_a_provider_too_slow_to_answer_is_a_transient_fault(provider: ScriptedHttpServer) -> None:
    provider.answers = [Answer(200, ACCEPTED.body, delay=1.0)]

    with pytest.raises(TransientFault, match="unreachable"):
        gateway(provider.url, timeout=0.2).send(to="0912", text="hi", reference="nobat-1")


def test_nobody_listening_is_a_transient_fault() -> None:
    with pytest.raises(TransientFault, match="unreachable"):
        gateway(f"http://127.0.0.1:{free_port()}").send(to="0912", text="hi", reference="n-1")


@pytest.mark.django_db
def test_a_text_message_is_retried_after_a_500_and_sent_once_with_the_same_reference(
    settings: Any, provider: ScriptedHttpServer, clinic: rows.Clinic, doctor: rows.Doctor
) -> None:
    settings.SMS_BACKEND = "kavenegar"
    settings.SMS_API_URL = f"{provider.url}/v1"
    settings.SMS_API_KEY = "key"
    provider.answers = [Answer(500, b"oops"), ACCEPTED]
    patient = factories.patient(phone="09121234567")
    ContactPreference.objects.create(user=patient.user, email=False)
    build_bus().handle(
        commands.BookAppointment(
            actor=factories.actor_of(patient),
            doctor_id=doctor.pk,
            clinic_id=clinic.pk,
            start=factories.slot_start(clinic, days_ahead=3),
        )
    )
    relay()
    confirmation = Notification.objects.get(kind="booked")
    assert confirmation.channel == "sms"

    with pytest.raises(TransientFault, match="500"):
        delivery.deliver(confirmation.pk, sms=sms.gateway())
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == ("queued", 1)

    assert delivery.deliver(confirmation.pk, sms=sms.gateway()) == "sent"
    assert delivery.deliver(confirmation.pk, sms=sms.gateway()) == "sent"  # a repeat: no-op

    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == ("sent", 2)
    assert confirmation.provider_id == "8792343"
    assert len(provider.requests) == 2
    assert {form["localid"][0] for _, form in provider.requests} == {f"nobat-{confirmation.pk}"}
    assert provider.requests[1][1]["message"][0].startswith("Appointment booked:")


def test_the_console_backend_logs_no_full_number_or_link_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = "Zq8xLw3vNp5tRk2mHs7yBd4f"
    text = f"نوبت شما فردا ساعت ۱۰. لغو: https://nobat.test/b/{token}/"

    with caplog.at_level("INFO", logger=sms.__name__):
        sms.ConsoleSmsGateway().send(to="09121234567", text=text, reference="r-1")

    [record] = caplog.records
    assert record.getMessage() == (
        "SMS to *******4567 [r-1]: نوبت شما فردا ساعت ۱۰. لغو: https://nobat.test/b/<redacted>/"
    )
