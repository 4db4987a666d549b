"""The sign-in forms of the pages and of the admin count against the same throttles as the
API's: passwords guessed there are stopped too, with when to try again."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from django.test import Client

from scheduler.adapters.orm import models as rows
from tests import factories

pytestmark = pytest.mark.django_db


def from_address() -> Client:
    return Client(REMOTE_ADDR=f"127.{secrets.randbelow(250) + 1}.{secrets.randbelow(250)}.7")


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_guessing_on_a_sign_in_form_is_stopped(
    settings: Any, patient: rows.Patient, path: str
) -> None:
    settings.SIGN_IN_RATE = "3/min"
    client = from_address()
    user = factories.admin() if path.startswith("/admin") else patient.user

    tries = [
        client.post(path, {"username": user.username, "password": f"guess-{n}"}).status_code
        for n in range(3)
    ]
    stopped = client.post(path, {"username": user.username, "password": factories.PASSWORD})

    assert tries == [200, 200, 200]  # the form again, with its error
    assert stopped.status_code == 429 and int(stopped["Retry-After"]) > 0
    assert "Too many tries" in stopped.content.decode()
    other = from_address().post(path, {"username": user.username, "password": factories.PASSWORD})
    assert other.status_code == 302  # from elsewhere, the right password still works
