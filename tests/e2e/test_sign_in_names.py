"""Signing in with a username, an email address or a phone number (pages, admin and the API's
token share one backend): a phone in any spelling, Persian digits too, an email in any case;
an email or phone that two accounts share is refused with a word to use the username, never
signed into one of them; and guesses count against the one account however it is named."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.sign_in import Ambiguous, account_for
from tests import factories

pytestmark = pytest.mark.django_db


def address() -> str:
    return f"127.{secrets.randbelow(250) + 1}.{secrets.randbelow(250)}.11"


def token(login: str, password: str = factories.PASSWORD) -> Any:
    return APIClient(REMOTE_ADDR=address()).post(
        "/api/auth/token/", {"username": login, "password": password}, format="json"
    )


def page_sign_in(login: str, password: str = factories.PASSWORD) -> Any:
    return Client(REMOTE_ADDR=address()).post(
        "/login/", {"username": login, "password": password, "next": "/"}
    )


def person(email: str, phone: str) -> rows.User:
    user = factories.patient(phone=phone).user
    user.email = email
    user.save()
    return user


@pytest.fixture
def sara() -> rows.User:
    return person("Sara.Ahmadi@Example.test", "+989123456789")


@pytest.mark.parametrize(
    "login",
    [
        "sara.ahmadi@example.test",
        "SARA.AHMADI@EXAMPLE.TEST",
        " Sara.Ahmadi@Example.test ",
        "+989123456789",
        "0912 345 6789",
        "09123456789",
        "+98 (912) 345-6789",
        "۰۹۱۲۳۴۵۶۷۸۹",
        "٠٩١٢٣٤٥٦٧٨٩",  # Arabic-Indic digits, as some keyboards type them
    ],
)
def test_each_way_of_naming_the_account_signs_into_it(sara: rows.User, login: str) -> None:
    assert account_for(login) == sara

    tokens = token(login)
    page = page_sign_in(login)

    assert tokens.status_code == 200 and "access" in tokens.json()
    assert page.status_code == 302 and int(page.wsgi_request.session["_auth_user_id"]) == sara.pk


def test_the_username_still_signs_in(sara: rows.User) -> None:
    assert token(sara.username).status_code == 200
    assert page_sign_in(sara.username).status_code == 302


def test_a_wrong_password_or_an_unknown_name_signs_in_nowhere(sara: rows.User) -> None:
    assert token("0912 345 6789", "wrong password").status_code == 401
    assert token("nobody@example.test").status_code == 401
    assert token("0912 999 9999").status_code == 401
    assert page_sign_in("0912 345 6789", "wrong password").status_code == 200


def test_a_shared_email_or_phone_is_refused_and_the_username_asked_for(
    sara: rows.User,
) -> None:
    # Two accounts from before sign-up refused taken addresses: a family's phone and email.
    brother = person("sara.ahmadi@example.TEST", "+989123456789")

    for login in ("sara.ahmadi@example.test", "0912 345 6789", "۰۹۱۲ ۳۴۵ ۶۷۸۹"):
        with pytest.raises(Ambiguous):
            account_for(login)
        tokens = token(login)
        page = page_sign_in(login)
        assert tokens.status_code == 400 and "username" in tokens.json()["username"][0]
        assert page.status_code == 200 and "_auth_user_id" not in page.wsgi_request.session
        assert "sign in with your username" in page.text
    assert token(sara.username).status_code == 200
    assert token(brother.username).status_code == 200


def test_an_account_without_a_password_makes_no_ambiguity(sara: rows.User) -> None:
    """A patient the desk recorded with the same phone has no password: not an account to
    sign in to, so the phone still names Sara's."""
    recorded = factories.patient(phone="+989123456789").user
    recorded.set_unusable_password()
    recorded.save()

    assert account_for("0912 345 6789") == sara
    assert token("0912 345 6789").status_code == 200


def test_a_closed_account_is_not_signed_into(sara: rows.User) -> None:
    sara.is_active = False
    sara.save()
    assert token("0912 345 6789").status_code == 401


def test_guesses_count_against_the_account_however_it_is_spelt(
    settings: Any, sara: rows.User
) -> None:
    settings.SIGN_IN_ACCOUNT_RATE = "3/min"
    spellings = ["0912 345 6789", "+989123456789", "SARA.AHMADI@example.test"]

    answers = [token(login, "guess").status_code for login in spellings]
    stopped = token(sara.username)
    page = page_sign_in("۰۹۱۲۳۴۵۶۷۸۹")

    assert answers == [401, 401, 401]
    assert stopped.status_code == 429  # the right password, the same account: not checked
    assert page.status_code == 429


def test_a_device_the_account_signed_in_from_is_not_locked_out_by_others_guesses(
    settings: Any, sara: rows.User
) -> None:
    """Found in review: five wrong passwords a minute from anywhere kept Sara out for good. A
    browser or app she signed in from before keeps a bucket of its own for her account."""
    phone_app = APIClient(REMOTE_ADDR=address())
    sign_in = {"username": sara.username, "password": factories.PASSWORD}
    assert phone_app.post("/api/auth/token/", sign_in, format="json").status_code == 200
    browser = Client(REMOTE_ADDR=address())
    assert browser.post("/login/", {**sign_in, "next": "/"}).status_code == 302
    del browser.cookies[django_settings.SESSION_COOKIE_NAME]  # signed out; the device kept
    settings.SIGN_IN_ACCOUNT_RATE = "5/min"  # the two sign-ins above, from devices new then

    guesses = [token(sara.username, "guess").status_code for _ in range(3)]

    assert guesses == [401, 401, 401]
    assert token(sara.username).status_code == 429  # a device she never used: still stopped
    assert phone_app.post("/api/auth/token/", sign_in, format="json").status_code == 200
    assert browser.post("/login/", {**sign_in, "next": "/"}).status_code == 302
    # Her devices' own guesses are still counted, in their own bucket.
    tries = [
        phone_app.post("/api/auth/token/", {**sign_in, "password": "guess"}, format="json")
        for _ in range(5)
    ]
    assert [answer.status_code for answer in tries] == [401, 401, 401, 401, 429]


def test_a_device_cookie_is_the_accounts_alone(settings: Any, sara: rows.User) -> None:
    """One account's device cookie gives no bucket of its own for another account."""
    other = factories.patient().user
    browser = Client(REMOTE_ADDR=address())
    browser.post("/login/", {"username": sara.username, "password": factories.PASSWORD})
    del browser.cookies[django_settings.SESSION_COOKIE_NAME]
    settings.SIGN_IN_ACCOUNT_RATE = "2/min"
    assert [token(other.username, "guess").status_code for _ in range(2)] == [401, 401]
    answer = browser.post("/login/", {"username": other.username, "password": factories.PASSWORD})
    assert answer.status_code == 429


def test_a_device_cookie_counts_for_nothing_once_the_password_changed(
    settings: Any, sara: rows.User
) -> None:
    """Found in review: cookies earned with the old password kept a bucket each, so whoever
    had once known it could go on guessing the new one."""
    old_phone = APIClient(REMOTE_ADDR=address())
    signed = {"username": sara.username, "password": factories.PASSWORD}
    assert old_phone.post("/api/auth/token/", signed, format="json").status_code == 200
    sara.set_password("a brand new secret 9")
    sara.save()
    settings.SIGN_IN_ACCOUNT_RATE = "3/min"

    guesses = [
        old_phone.post("/api/auth/token/", {**signed, "password": "guess"}, format="json")
        for _ in range(2)
    ]

    assert [answer.status_code for answer in guesses] == [401, 401]
    assert token(sara.username, "guess").status_code == 429  # one bucket: the account's


def test_a_sign_in_posted_from_another_site_leaves_the_browsers_device_cookie_alone(
    sara: rows.User,
) -> None:
    """Found in review: a page elsewhere could post a sign-in form and put its own account's
    cookie in the visitor's browser, in place of theirs."""
    browser = Client(REMOTE_ADDR=address())
    signed = {"username": sara.username, "password": factories.PASSWORD}
    answer = browser.post("/api/auth/token/", signed, HTTP_SEC_FETCH_SITE="cross-site")
    assert answer.status_code == 200 and "nobat_device" not in answer.cookies
    mine = browser.post("/api/auth/token/", signed, HTTP_SEC_FETCH_SITE="same-origin")
    assert "nobat_device" in mine.cookies


def test_a_username_like_someone_elses_email_signs_into_neither(sara: rows.User) -> None:
    """Usernames may hold an "@": one chosen as Sara's address must not take her sign-in."""
    impostor = factories.patient().user
    impostor.username = "sara.ahmadi@example.test"
    impostor.save()

    assert token("sara.ahmadi@example.test").status_code == 400
    assert token(sara.username).status_code == 200


def test_a_name_longer_than_any_account_has_names_none(sara: rows.User) -> None:
    assert account_for("0912 345 6789" + " " * 300 + "x") is None
    assert token("a" * 100_000 + "@example.test").status_code == 401


def test_the_api_keeps_an_email_or_phone_to_one_account(sara: rows.User) -> None:
    """Else taking someone's address would lock them out of signing in with it."""
    signed_up = APIClient(REMOTE_ADDR=address()).post(
        "/api/auth/register/",
        {
            "role": "patient",
            "username": "reza",
            "password": "a long secret 42",
            "email": "SARA.AHMADI@example.test",
        },
        format="json",
    )
    reza = APIClient()
    reza.force_authenticate(factories.patient().user)
    moved = reza.patch("/api/me/", {"phone": "0912 345 6789"}, format="json")

    assert signed_up.status_code == 400 and "email" in signed_up.json()
    assert moved.status_code == 400 and "phone" in moved.json()
    assert account_for("0912 345 6789") == sara


def test_a_shared_email_or_phone_with_a_wrong_password_is_only_a_wrong_password(
    sara: rows.User,
) -> None:
    # Found in review: "belongs to more than one account" came before the password was checked,
    # telling anyone which addresses and numbers a family shares.
    person("sara.ahmadi@example.test", "+989123456789")
    alone = token("nobody@example.test", "guess")

    for login in ("sara.ahmadi@example.test", "0912 345 6789"):
        tokens = token(login, "guess")
        page = page_sign_in(login, "guess")
        assert tokens.status_code == alone.status_code == 401
        assert tokens.json() == alone.json()
        assert page.status_code == 200 and "_auth_user_id" not in page.wsgi_request.session
        assert "sign in with your username" not in page.text
        assert "do not match" in page.text


@pytest.mark.parametrize(
    ("path", "field"),
    [("/api/auth/password-reset/", "login"), ("/api/auth/token/", "username")],
)
def test_a_nul_in_a_login_is_a_400_not_a_500(path: str, field: str) -> None:
    """The throttles resolve the login before the form checks it; PostgreSQL refuses a NUL in
    a query (a 500 found by the fuzzer on the production runtime)."""
    answer = APIClient().post(path, {field: "a\x00b", "password": "x"}, format="multipart")

    assert answer.status_code == 400
