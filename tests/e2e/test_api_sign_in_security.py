"""Signing in to the API as an attacker would: guessing passwords is throttled per address and
per account (429 with Retry-After); a refresh token is good once; logout and a new password end
the tokens."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from tests import factories

pytestmark = pytest.mark.django_db


def from_address() -> APIClient:
    """A client from a loopback address of its own: counts of other tests are not its."""
    return APIClient(REMOTE_ADDR=f"127.{secrets.randbelow(250) + 1}.{secrets.randbelow(250)}.9")


def sign_in(client: APIClient, user: rows.User, password: str) -> Any:
    return client.post(
        "/api/auth/token/", {"username": user.username, "password": password}, format="json"
    )


def test_guessing_from_one_address_is_stopped(settings: Any, patient: rows.Patient) -> None:
    settings.SIGN_IN_RATE = "3/min"
    client = from_address()

    answers = [sign_in(client, patient.user, f"guess-{n}").status_code for n in range(3)]
    stopped = sign_in(client, patient.user, factories.PASSWORD)

    assert answers == [401, 401, 401]
    assert stopped.status_code == 429 and int(stopped["Retry-After"]) > 0
    assert sign_in(from_address(), patient.user, factories.PASSWORD).status_code == 200


def test_the_wait_is_said_in_the_readers_digits(settings: Any, patient: rows.Patient) -> None:
    settings.SIGN_IN_RATE = "1/min"
    client = from_address()
    client.credentials(HTTP_ACCEPT_LANGUAGE="fa")

    sign_in(client, patient.user, "guess")
    stopped = sign_in(client, patient.user, "guess again")

    assert stopped.status_code == 429
    assert not any(digit in stopped.json()["detail"] for digit in "0123456789")
    assert any(digit in stopped.json()["detail"] for digit in "۰۱۲۳۴۵۶۷۸۹")


def test_guessing_one_account_from_many_addresses_is_stopped(
    settings: Any, patient: rows.Patient
) -> None:
    settings.SIGN_IN_ACCOUNT_RATE = "3/min"

    answers = [sign_in(from_address(), patient.user, f"guess-{n}").status_code for n in range(4)]

    assert answers == [401, 401, 401, 429]


def test_making_accounts_in_bulk_is_stopped(settings: Any) -> None:
    settings.SIGN_UP_RATE = "2/min"
    client = from_address()

    def sign_up(n: int) -> int:
        body = {
            "role": "patient",
            "username": f"bulk{n}-{secrets.token_hex(3)}",
            "password": "a long secret 42",
        }
        return int(client.post("/api/auth/register/", body, format="json").status_code)

    assert [sign_up(n) for n in range(3)] == [201, 201, 429]


def test_a_refresh_token_is_good_once_and_logout_ends_it(patient: rows.Patient) -> None:
    client = from_address()
    tokens = sign_in(client, patient.user, factories.PASSWORD).json()

    renewed = client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    again = client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    out = client.post("/api/auth/logout/", {"refresh": renewed.json()["refresh"]}, format="json")
    after = client.post(
        "/api/auth/token/refresh/", {"refresh": renewed.json()["refresh"]}, format="json"
    )

    assert renewed.status_code == 200 and "refresh" in renewed.json()
    assert again.status_code == 401  # spent by the renewal
    assert out.status_code == 200
    assert after.status_code == 401


def test_refreshing_tokens_leaves_the_addresss_sign_ins_alone(
    settings: Any, patient: rows.Patient
) -> None:
    """Found in review: every refresh counted as a sign-in of the address, so a clinic's desks
    behind one address, their apps refreshing, kept each other from signing in."""
    client = from_address()
    tokens = sign_in(client, patient.user, factories.PASSWORD).json()
    settings.SIGN_IN_RATE = "3/min"
    settings.TOKEN_REFRESH_RATE = "4/min"
    refresh = tokens["refresh"]
    answers = []
    for _ in range(5):
        answer = client.post("/api/auth/token/refresh/", {"refresh": refresh}, format="json")
        answers.append(answer.status_code)
        refresh = answer.json().get("refresh", refresh)

    assert answers == [200, 200, 200, 200, 429]  # a rate of their own
    assert sign_in(client, patient.user, factories.PASSWORD).status_code == 200


def test_a_new_password_ends_the_tokens_handed_out_before(patient: rows.Patient) -> None:
    client = from_address()
    tokens = sign_in(client, patient.user, factories.PASSWORD).json()
    patient.user.set_password("another long secret 7")
    patient.user.save()

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = client.get("/api/me/")
    client.credentials()
    refreshed = client.post(
        "/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    if refreshed.status_code == 200:  # a refresh may mint, but what it mints is refused
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
        assert client.get("/api/me/").status_code == 401
    assert me.status_code == 401


def test_a_forged_forwarded_address_is_not_a_new_address(settings: Any) -> None:
    # Found in review: DRF's throttles believed any X-Forwarded-For, one forged address a try.
    settings.SIGN_IN_RATE = "3/min"
    client = from_address()

    answers = [
        client.post(
            "/api/auth/token/",
            {"username": f"nobody-{n}", "password": "guess"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        ).status_code
        for n in range(4)
    ]

    assert answers == [401, 401, 401, 429]
