"""Real Chromium on a real server: from the sign-in page to a new password by the emailed link
(made here: the link's token is the same whoever makes it), a refused pair of passwords on the
way, the link spent once used. Screenshots of each step go to test-artifacts/."""

from __future__ import annotations

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Browser, BrowserContext, expect

from tests import factories
from tests.e2e.browser import open_page, shoot
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a brand new secret 7"


def test_a_new_password_from_the_sign_in_page(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    user = factories.patient(email_verified=True).user
    page = open_page(browser, contexts, server, phone=True)

    page.goto("/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Username or email address").fill(user.email)
    shoot(page, "password-reset-ask")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("status")).to_contain_text("on its way")
    shoot(page, "password-reset-asked")

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = f"/password-reset/{uid}/{default_token_generator.make_token(user)}/"
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("The same again").fill("something else 8")
    page.get_by_role("button", name="Set the password").click()
    expect(page.get_by_role("alert")).to_have_text("The two passwords differ.")
    page.get_by_label("New password", exact=True).fill("1234")
    page.get_by_label("The same again").fill("1234")
    page.get_by_role("button", name="Set the password").click()
    expect(page.get_by_role("alert").first).to_contain_text("too short")
    shoot(page, "password-reset-refused")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("The same again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set")
    shoot(page, "password-reset-done")

    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text("expired or was used already")
    shoot(page, "password-reset-spent")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".who")).to_be_visible()  # the new password signs in
