"""The Content-Security-Policy holds in a real browser: the site's own scripts run, an injected
inline script does not (and the tests' watcher, which every screenshot checks, sees it)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.browser import open_page
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_injected_inline_script_is_blocked_and_seen(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_page(browser, contexts, server)
    response = page.goto("/")
    assert response is not None
    assert "script-src 'self'" in (response.header_value("content-security-policy") or "")

    page.evaluate(
        "const s = document.createElement('script');"
        "s.textContent = 'window.injected = true';"
        "document.body.append(s);"
    )

    expect(page.locator("body")).to_be_visible()
    page.wait_for_function("window.cspViolations.length > 0")
    assert page.evaluate("window.injected === undefined")


def test_the_api_docs_work_without_the_policy(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_page(browser, contexts, server)
    response = page.goto("/api/docs/")

    assert response is not None and response.header_value("content-security-policy") is None
