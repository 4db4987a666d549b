"""The account link pages without a browser: the reset form is throttled as the API is, and
an email is confirmed by the button on the link's page, not by opening it (mail scanners
open links)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from django.test import Client

from scheduler.adapters import account_tokens
from scheduler.adapters.orm import models as rows
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_reset_form_is_throttled_per_address(settings: Any) -> None:
    settings.PASSWORD_RESET_RATE = "2/min"
    page = Client(REMOTE_ADDR=f"127.{secrets.randbelow(250) + 1}.3.5")

    answers = [page.post("/password-reset/", {"login": f"x{n}"}) for n in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    assert "asked for too often" in answers[-1].content.decode()


def test_an_empty_login_is_a_400_on_the_form() -> None:
    assert Client().post("/password-reset/", {"login": "  "}).status_code == 400


def test_opening_the_link_verifies_nothing_the_button_does() -> None:
    user = factories.patient().user
    path = f"/verify-email/{account_tokens.verification_token_of(user)}/"

    opened = Client().get(path)
    assert opened.status_code == 200 and opened["Referrer-Policy"] == "same-origin"
    assert not rows.User.objects.get(pk=user.pk).email_verified

    confirmed = Client().post(path)

    assert confirmed.status_code == 200
    assert rows.User.objects.get(pk=user.pk).email_verified
    assert Client().post("/verify-email/forged/").status_code == 400


def test_a_dead_reset_link_says_so() -> None:
    answer = Client().get("/password-reset/MQ/not-a-token/")

    assert "expired or was used already" in answer.content.decode()


def test_a_dead_verification_link_leads_to_a_new_one() -> None:
    # Found in review: the dead link's page sent people to a profile page that does not exist.
    user = factories.patient().user
    page = Client()
    page.force_login(user)

    dead = page.post("/verify-email/forged/")
    asked = page.get("/verify-email/new-link/")
    sent = page.post("/verify-email/new-link/")

    assert 'href="/verify-email/new-link/"' in dead.content.decode()
    assert user.email in asked.content.decode()
    assert sent.status_code == 200 and "on its way" in sent.content.decode()
    requested = rows.StoredEvent.objects.filter(type="EmailVerificationRequested")
    assert requested.filter(aggregate_id__isnull=False).exists()
    assert Client().get("/verify-email/new-link/").status_code == 302  # sign in first
