"""The doctor's calendar page in real Chromium, served by `scheduler serve` talking to the fake
Google: which busy calendar is read, failing or gone, and a new choice saved by keyboard.
Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from scheduler.adapters.gcal import sync
from scheduler.adapters.orm import models as rows
from scheduler.services.calendar_sync import CalendarUnavailable
from tests import factories, gcal_fake
from tests.e2e.browser import open_page, shoot, sign_in
from tests.gcal_fake import PRIMARY, FakeGoogle
from tests.servers import serving

pytestmark = pytest.mark.django_db(transaction=True)

FAMILY = "family@group.calendar.test"
WORK = "work@group.calendar.test"
LEFT = "old-team@group.calendar.test"


def google_env(google: FakeGoogle) -> dict[str, str]:
    """The server's settings for the fake Google (the tokens open with the shared secret)."""
    return {
        "GCAL_CLIENT_ID": gcal_fake.CLIENT_ID,
        "GCAL_CLIENT_SECRET": gcal_fake.CLIENT_SECRET,
        "GCAL_AUTH_URI": f"{google.base_url}/auth",
        "GCAL_TOKEN_URI": f"{google.base_url}/token",
        "GCAL_REVOKE_URI": f"{google.base_url}/revoke",
        "GCAL_API_ROOT": f"{google.base_url}/",
    }


def test_the_doctor_sees_each_busy_calendar_and_saves_a_new_choice_by_keyboard(
    browser: Browser,
    contexts: list[BrowserContext],
    clinic: rows.Clinic,
    google: FakeGoogle,
    tmp_path: Path,
) -> None:
    doctor = factories.doctor(clinic)
    google.add_calendar(WORK, "Work", role="reader")
    google.add_calendar(LEFT, "Old team", role="reader")
    gcal_fake.connect(doctor, google, busy=(WORK, LEFT, FAMILY, PRIMARY))
    google.fail_next(503, "backendError")  # the first calendar read: Work
    google.lose(LEFT)
    with pytest.raises(CalendarUnavailable):  # Work is retried later; the others were read
        sync.pull(doctor.pk)

    with serving(tmp_path / "server", env=google_env(google)) as server:
        desktop = open_page(browser, contexts, server)
        sign_in(desktop, server, doctor.user, "/doctor/calendar/")
        feeds = desktop.locator("#busy-calendars li.feed")
        expect(feeds).to_have_count(4)
        expect(desktop.locator(f'li[data-calendar="{LEFT}"]')).to_have_attribute(
            "data-state", "gone"
        )
        expect(desktop.locator(f'li[data-calendar="{LEFT}"]')).to_contain_text(
            "no longer has this calendar"
        )
        expect(desktop.locator(f'li[data-calendar="{WORK}"]')).to_contain_text("backendError")
        expect(desktop.locator(f'li[data-calendar="{FAMILY}"]')).to_have_attribute(
            "data-state", "read"
        )
        shoot(desktop, "calendar-busy-calendars")

        phone = open_page(browser, contexts, server, phone=True)
        sign_in(phone, server, doctor.user, "/doctor/calendar/")
        expect(phone.locator("#busy-calendars")).to_be_visible()
        shoot(phone, "calendar-busy-calendars-phone")

        # By keyboard: stop counting Family, then Save. The gone calendar, which Google no
        # longer lists, goes with the save.
        family = desktop.locator(f'input[name="busy"][value="{FAMILY}"]')
        expect(family).to_be_checked()
        family.focus()
        desktop.keyboard.press("Space")
        expect(family).not_to_be_checked()
        save = desktop.get_by_role("button", name="Save")
        save.focus()
        desktop.keyboard.press("Enter")
        expect(desktop.get_by_role("status")).to_contain_text("Saved.")
        expect(feeds).to_have_count(2)
        expect(desktop.locator(f'li[data-calendar="{LEFT}"]')).to_have_count(0)
        shoot(desktop, "calendar-saved")
