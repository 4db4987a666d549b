"""Real Chromium (Debian's, never a downloaded build) driven by Playwright against a real
server: pages on a desktop and a phone, a signed-in session, screenshots in test-artifacts/.
The ``browser`` and ``contexts`` fixtures are in tests/e2e/conftest.py."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from PIL import Image
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    WebSocketRoute,
    expect,
    sync_playwright,
)

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.services.commands import Command
from tests.servers import Server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 15_000


@contextmanager
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `./run test` installs Debian's chromium")
    # Playwright's sync API keeps an event loop running in this thread; Django then refuses
    # the ORM here unless told that this thread's loop never runs Django code.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


# Every page records what its Content-Security-Policy blocked.
WATCH_CSP = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (event) => window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`));
"""


def open_page(
    browser: Browser,
    contexts: list[BrowserContext],
    server: Server,
    *,
    phone: bool = False,
    locale: str | None = None,
    timezone_id: str | None = None,
) -> Page:
    """``locale``: the browser's language (its Accept-Language); ``timezone_id``: its clock."""
    viewport = {"width": 390, "height": 844} if phone else {"width": 1200, "height": 900}
    context = browser.new_context(
        base_url=server.url,
        viewport=viewport,  # type: ignore[arg-type]
        locale=locale,
        timezone_id=timezone_id,
    )
    context.set_default_timeout(WAIT_MS)
    context.add_init_script(WATCH_CSP)
    contexts.append(context)
    return context.new_page()


def sign_in(page: Page, server: Server, user: rows.User, then: str) -> None:
    """A session made here (the server shares the database and the secret key), then ``then``.
    The login form itself is tested without a browser: the test run's fast password hasher is
    not one the server knows."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    page.context.add_cookies(
        [{"name": name, "value": client.cookies[name].value, "url": server.url}]
    )
    page.goto(then)


def open_live(
    browser: Browser,
    contexts: list[BrowserContext],
    server: Server,
    user: rows.User,
    path: str,
    *,
    phone: bool = False,
) -> Page:
    """A live screen (desk, agenda, grid) signed in as ``user``, once its socket is open."""
    page = open_page(browser, contexts, server, phone=phone)
    sign_in(page, server, user, path)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    return page


def shoot(page: Page, name: str, *, full_page: bool = True) -> None:
    """A screenshot of the page as its user sees it, which the Content-Security-Policy has
    not cut short: anything it blocked fails the test. ``full_page`` False: the viewport only,
    as a modal dialog is seen."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
    assert page.evaluate("window.cspViolations") == [], f"{name}: the page broke its CSP"


def arrow_points(control: Locator) -> str:
    """Which way the chevron drawn in ``control`` points, "left" or "right", read off its
    pixels. A computed style cannot tell: a browser mirrors ‹ and › in right-to-left text by
    itself, so a style that mirrors them too turns them back."""
    control.page.mouse.move(0, 0)  # no hover colour
    image = Image.open(io.BytesIO(control.screenshot())).convert("L")
    ink = [
        (x, y)
        for x in range(image.width)
        for y in range(image.height)
        if image.getpixel((x, y)) < 110  # type: ignore[operator]  # the glyph, not the border
    ]
    assert ink, "no chevron drawn"
    left, right = min(x for x, _ in ink), max(x for x, _ in ink)

    def height_at(column: int) -> int:
        rows = [y for x, y in ink if abs(x - column) <= 1]
        return max(rows) - min(rows)

    # The tip is one point; the open side is as tall as the chevron.
    return "left" if height_at(left) < height_at(right) else "right"


def words_insets(controls: Locator) -> list[float]:
    """How far below its box's top each control's words begin: alike, side by side their words
    stand on one line, links and buttons mixed."""
    insets: list[float] = controls.evaluate_all(
        """controls => controls.map((control) => {
             const words = document.createRange();
             words.selectNodeContents(control);
             return words.getBoundingClientRect().top - control.getBoundingClientRect().top;
           })"""
    )
    return insets


def until(page: Page, done: Callable[[], bool], failure: str) -> None:
    """Wait for ``done``, giving the page's route handlers their turns meanwhile (a plain sleep
    would hold them back)."""
    for _ in range(WAIT_MS // 100):
        if done():
            return
        page.wait_for_timeout(100)
    raise AssertionError(failure)


class RoutedSocket:
    """A live page's socket (the path ``path`` starts with) through the test: it can lose what
    the server sends, as a connection that dropped would, or a restart of the server's
    messaging, and drop."""

    def __init__(self, page: Page, path: str) -> None:
        self.page = page
        self.sockets: list[WebSocketRoute] = []
        self.lost: list[str | bytes] = []
        self.losing = False
        page.route_web_socket(re.compile(re.escape(path)), self._through)

    def _through(self, page_side: WebSocketRoute) -> None:
        def from_server(message: str | bytes) -> None:
            if self.losing:
                self.lost.append(message)
            else:
                page_side.send(message)

        page_side.connect_to_server().on_message(from_server)
        self.sockets.append(page_side)

    def unheard(self, command: Command) -> Any:
        """``command`` runs, and its change reaches the socket and goes no further; what the
        command returned."""
        self.losing, lost = True, len(self.lost)
        result = build_bus().handle(command)
        until(
            self.page, lambda: len(self.lost) > lost, "the change never reached the page's socket"
        )
        self.losing = False
        return result

    def drop(self) -> None:
        """The connection drops; the page opens another, which starts with a snapshot."""
        opened = len(self.sockets)
        self.sockets[-1].close(code=1012)
        until(self.page, lambda: len(self.sockets) > opened, "the page never opened another socket")
        expect(self.page.locator("#live-status")).to_have_attribute("data-state", "live")
