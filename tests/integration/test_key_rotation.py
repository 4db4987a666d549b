"""Rotating the secret key (deploy/README.md, Rotating keys): what the old key signed still
verifies while it is among DJANGO_SECRET_KEY_FALLBACKS, and API tokens, signed with
JWT_SIGNING_KEY, do not notice. Each side is a process of its own, started with the
environment of one release: the keys are read once, when the settings are."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.settings_process import last_json, output_of

SIGN = """
import json, django
django.setup()
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.backends.db import SessionStore
from rest_framework_simplejwt.tokens import AccessToken
from scheduler.adapters import account_tokens, visit_links
from scheduler.adapters.orm.models import User
user = User(pk=7, username="rotated", email="r@example.test", password="md5$x$y")
print(json.dumps({
    "session": SessionStore().encode({"_auth_user_id": "7"}),
    "reset": default_token_generator.make_token(user),
    "verification": account_tokens.verification_token_of(user),
    "visit": visit_links.token_for(__import__("uuid").UUID(int=7)),
    "access": str(AccessToken.for_user(user)),
}))
"""

VERIFY = """
import json, sys, uuid, django
django.setup()
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.backends.db import SessionStore
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken
from scheduler.adapters import account_tokens, visit_links
from scheduler.adapters.orm.models import User
signed = json.loads(sys.stdin.read())
user = User(pk=7, username="rotated", email="r@example.test", password="md5$x$y")
try:
    AccessToken(signed["access"])
    access = True
except TokenError:
    access = False
print(json.dumps({
    "session": SessionStore().decode(signed["session"]) == {"_auth_user_id": "7"},
    "reset": default_token_generator.check_token(user, signed["reset"]),
    "verification": account_tokens.verification_holder(signed["verification"]) is not None,
    "visit": visit_links.appointment_of(signed["visit"]) == uuid.UUID(int=7),
    "access": access,
}))
"""


def run(script: str, tmp_path: Path, keys: dict[str, str], given: str = "") -> Any:
    return last_json(
        output_of(
            script,
            tmp_path,
            given=keys,
            without={"DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY_FALLBACKS", "JWT_SIGNING_KEY"},
            stdin=given,
        )
    )


def signed_then_verified(tmp_path: Path, before: dict[str, str], after: dict[str, str]) -> Any:
    signed = run(SIGN, tmp_path, before)
    return run(VERIFY, tmp_path, after, json.dumps(signed))


def test_what_the_old_key_signed_verifies_while_it_is_a_fallback(tmp_path: Path) -> None:
    verified = signed_then_verified(
        tmp_path,
        {"DJANGO_SECRET_KEY": "old-secret-" + "o" * 40, "JWT_SIGNING_KEY": "jwt-" + "j" * 40},
        {
            "DJANGO_SECRET_KEY": "new-secret-" + "n" * 40,
            "DJANGO_SECRET_KEY_FALLBACKS": "old-secret-" + "o" * 40,
            "JWT_SIGNING_KEY": "jwt-" + "j" * 40,
        },
    )

    assert verified == {
        "session": True,
        "reset": True,
        "verification": True,
        "visit": True,
        "access": True,
    }


def test_without_the_fallback_and_the_jwt_key_a_new_secret_ends_them_all(tmp_path: Path) -> None:
    verified = signed_then_verified(
        tmp_path,
        {"DJANGO_SECRET_KEY": "old-secret-" + "o" * 40},
        {"DJANGO_SECRET_KEY": "new-secret-" + "n" * 40},
    )

    assert verified == {
        "session": False,
        "reset": False,
        "verification": False,
        "visit": False,
        "access": False,
    }
