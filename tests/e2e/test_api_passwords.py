"""Password reset, change and email verification over the API, mail through a real SMTP server
on loopback, delivered by the Dramatiq job the outbox queues: the link that arrives works once;
a new password ends every refresh token; no answer tells whether an account exists."""

from __future__ import annotations

import re
import secrets
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from scheduler.adapters import account_tokens
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.entrypoints.api.throttles import ResendByUser
from scheduler.services import commands
from tests import factories
from tests.integration.notifications.conftest import relay
from tests.loopback import SmtpSink
from tests.task_queue import Worker

NEW_PASSWORD = "a brand new secret 7"
RESET_LINK = re.compile(r"/password-reset/(?P<uid>[^/\s]+)/(?P<token>[^/\s]+)/")
VERIFY_LINK = re.compile(r"/verify-email/(?P<token>[^/\s]+)/")


def from_address() -> APIClient:
    """A client from a loopback address of its own: counts of other tests are not its."""
    return APIClient(REMOTE_ADDR=f"127.{secrets.randbelow(250) + 1}.{secrets.randbelow(250)}.7")


def sign_in(user: rows.User, password: str) -> Any:
    return from_address().post(
        "/api/auth/token/", {"username": user.username, "password": password}, format="json"
    )


def refresh(token: str) -> int:
    answer = from_address().post("/api/auth/token/refresh/", {"refresh": token}, format="json")
    return int(answer.status_code)


def ask_reset(login: str, client: APIClient | None = None) -> Any:
    return (client or from_address()).post(
        "/api/auth/password-reset/", {"login": login}, format="json"
    )


def confirm(uid: str, token: str, password: str = NEW_PASSWORD) -> Any:
    return from_address().post(
        "/api/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": password},
        format="json",
    )


def mails_after_the_jobs(worker: Worker, smtp: SmtpSink) -> list[Any]:
    relay()
    worker.drain()
    return list(smtp.mails)


@pytest.fixture
def verified(transactional_db: None) -> rows.User:
    return factories.patient(email_verified=True).user


def test_a_reset_round_trip_through_the_mail(
    worker: Worker, smtp: SmtpSink, verified: rows.User
) -> None:
    old_refresh = sign_in(verified, factories.PASSWORD).json()["refresh"]

    asked = ask_reset(verified.email.upper())
    [mail] = mails_after_the_jobs(worker, smtp)

    assert asked.status_code == 202
    assert mail.recipients == (verified.email,)
    link = RESET_LINK.search(mail.body)
    assert link is not None, mail.body
    assert mail.body.count("http://") == 1
    done = confirm(link["uid"], link["token"])
    assert done.status_code == 200, done.json()
    assert refresh(old_refresh) == 401
    assert sign_in(verified, factories.PASSWORD).status_code == 401
    assert sign_in(verified, NEW_PASSWORD).status_code == 200
    used = confirm(link["uid"], link["token"], "yet another secret 9")
    assert used.status_code == 400 and "token" in used.json()
    types = rows.StoredEvent.objects.values_list("type", flat=True)
    assert {"PasswordResetRequested", "PasswordChanged"} <= set(types)


def test_the_reset_mail_speaks_the_users_language_with_its_digits(
    worker: Worker, smtp: SmtpSink, verified: rows.User
) -> None:
    rows.User.objects.filter(pk=verified.pk).update(language="fa")

    ask_reset(verified.email)
    [mail] = mails_after_the_jobs(worker, smtp)

    assert mail.subject == "تعیین گذرواژهٔ تازه در نوبت"
    hours = str(account_tokens.reset_hours()).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert f"تا {hours} ساعت" in mail.body
    assert f"\u2068{verified.username}\u2069" in mail.body
    assert RESET_LINK.search(mail.body) is not None, mail.body


def test_no_answer_tells_whether_the_account_exists(
    worker: Worker, smtp: SmtpSink, verified: rows.User
) -> None:
    known = ask_reset(verified.username)
    unknown = ask_reset("no-such-person")
    unverified = factories.patient().user  # an address never proven gets no keys

    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert ask_reset(unverified.email).status_code == 202
    assert [m.recipients for m in mails_after_the_jobs(worker, smtp)] == [(verified.email,)]


@pytest.mark.django_db
def test_expired_forged_and_foreign_links_are_refused(settings: Any) -> None:
    user = factories.patient(email_verified=True).user
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    generator: Any = default_token_generator
    long_ago = generator._num_seconds(generator._now()) - settings.PASSWORD_RESET_TIMEOUT - 60
    expired = generator._make_token_with_timestamp(user, long_ago, settings.SECRET_KEY)
    someone_elses = default_token_generator.make_token(factories.patient().user)

    for link_uid, token in (
        (uid, expired),
        (uid, "abc-0123456789abcdef"),
        (uid, someone_elses),
        ("not-base64!", default_token_generator.make_token(user)),
        (urlsafe_base64_encode(b"999999"), default_token_generator.make_token(user)),
    ):
        answer = confirm(link_uid, token)
        assert answer.status_code == 400, (link_uid, token)
        assert list(answer.json()) == ["token"]
    assert sign_in(user, factories.PASSWORD).status_code == 200


@pytest.mark.django_db
def test_a_weak_new_password_is_refused_with_the_validators_words() -> None:
    user = factories.patient(email_verified=True).user
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)

    answer = confirm(uid, token, "123")

    assert answer.status_code == 400
    assert "new_password" in answer.json()
    assert confirm(uid, token).status_code == 200  # the refusal spent nothing


@pytest.mark.django_db
def test_asking_too_often_is_stopped_per_address_and_per_account(settings: Any) -> None:
    settings.PASSWORD_RESET_RATE = "2/min"
    client = from_address()
    per_address = [ask_reset(f"x{n}", client).status_code for n in range(3)]
    settings.PASSWORD_RESET_RATE = "10000/min"
    settings.PASSWORD_RESET_ACCOUNT_RATE = "2/min"
    per_account = [ask_reset("Sara@Example.test").status_code for _ in range(3)]

    assert per_address == [202, 202, 429]
    assert per_account == [202, 202, 429]
    stopped = ask_reset("sara@example.test")
    assert stopped.status_code == 429 and int(stopped["Retry-After"]) > 0


@pytest.mark.django_db
def test_a_change_ends_other_sessions_and_hands_this_one_fresh_tokens() -> None:
    user = factories.patient().user
    other_device = sign_in(user, factories.PASSWORD).json()["refresh"]
    this_device = APIClient()
    this_device.credentials(
        HTTP_AUTHORIZATION=f"Bearer {sign_in(user, factories.PASSWORD).json()['access']}"
    )

    wrong = this_device.post(
        "/api/me/password/",
        {"current_password": "guess", "new_password": NEW_PASSWORD},
        format="json",
    )
    changed = this_device.post(
        "/api/me/password/",
        {"current_password": factories.PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert wrong.status_code == 400 and "current_password" in wrong.json()
    assert changed.status_code == 200, changed.json()
    assert refresh(other_device) == 401
    assert this_device.get("/api/me/").status_code == 401  # the old access token is over too
    assert refresh(changed.json()["refresh"]) == 200
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {changed.json()['access']}")
    assert fresh.get("/api/me/").status_code == 200


@pytest.mark.django_db
def test_a_closed_account_can_refresh_no_more() -> None:
    user = factories.patient().user
    token = sign_in(user, factories.PASSWORD).json()["refresh"]

    build_bus().handle(
        commands.DeactivateUser(actor=factories.actor_of(factories.admin()), user_id=user.pk)
    )

    assert refresh(token) == 401
    assert rows.StoredEvent.objects.filter(type="UserDeactivated").count() == 1


def test_verification_round_trip_and_a_new_address(worker: Worker, smtp: SmtpSink) -> None:
    signed_up = from_address().post(
        "/api/auth/register/",
        {
            "role": "patient",
            "username": "nazanin",
            "password": "a long secret 42",
            "email": "nazanin@example.test",
        },
        format="json",
    )
    assert signed_up.status_code == 201 and signed_up.json()["email_verified"] is False
    [mail] = mails_after_the_jobs(worker, smtp)
    link = VERIFY_LINK.search(mail.body)
    assert link is not None and mail.recipients == ("nazanin@example.test",)

    verified = APIClient().post("/api/auth/verify-email/", {"token": link["token"]}, format="json")

    user = rows.User.objects.get(username="nazanin")
    client = APIClient()
    client.force_authenticate(user)
    assert verified.status_code == 200
    assert client.get("/api/me/").json()["email_verified"] is True
    moved = client.patch("/api/me/", {"email": "naz@example.test"}, format="json")
    assert moved.json()["email_verified"] is False
    mails = mails_after_the_jobs(worker, smtp)
    assert [m.recipients for m in mails] == [("nazanin@example.test",), ("naz@example.test",)]
    stale = APIClient().post("/api/auth/verify-email/", {"token": link["token"]}, format="json")
    assert stale.status_code == 400 and "token" in stale.json()


@pytest.mark.django_db
def test_expired_or_forged_verification_tokens_are_refused(settings: Any) -> None:
    user = factories.patient().user
    token = account_tokens.verification_token_of(user)
    settings.EMAIL_VERIFICATION_MAX_AGE = -1
    expired = APIClient().post("/api/auth/verify-email/", {"token": token}, format="json")
    settings.EMAIL_VERIFICATION_MAX_AGE = 3600
    forged = APIClient().post("/api/auth/verify-email/", {"token": token + "x"}, format="json")

    assert expired.status_code == forged.status_code == 400
    assert not rows.User.objects.get(pk=user.pk).email_verified


@pytest.mark.django_db
def test_another_link_is_throttled_per_user(settings: Any) -> None:
    settings.VERIFICATION_RESEND_RATE = "1/min"
    user = factories.patient().user
    # Ids come round again from test to test: another test's count is not this user's.
    cache.delete(ResendByUser().get_cache_key(SimpleNamespace(user=user), None))
    client = APIClient()
    client.force_authenticate(user)

    first = client.post("/api/me/verify-email/resend/")
    second = client.post("/api/me/verify-email/resend/")

    assert first.status_code == 202
    assert second.status_code == 429 and int(second["Retry-After"]) > 0


@pytest.mark.django_db
def test_changing_ones_address_back_and_forth_is_throttled_like_asking_for_links(
    settings: Any,
) -> None:
    # Found in review: each new address is mailed a link, and nothing limited how often.
    settings.VERIFICATION_RESEND_RATE = "2/min"
    user = factories.patient().user
    cache.delete(ResendByUser().get_cache_key(SimpleNamespace(user=user), None))
    client = APIClient()
    client.force_authenticate(user)

    answers = [
        client.patch("/api/me/", {"email": f"victim{n % 2}@example.test"}, format="json")
        for n in range(3)
    ]
    renamed = client.patch("/api/me/", {"first_name": "Still"}, format="json")

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    assert renamed.status_code == 200  # only a new address is limited
