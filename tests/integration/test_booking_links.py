"""The signed link to a booking's page: it names one booking, stops working a week after the
visit, and no token made otherwise (forged, changed, for the queue page, expired) opens it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from django.core import signing

from scheduler.adapters import visit_links

VISIT_END = datetime(2026, 5, 10, 9, 30, tzinfo=UTC)
BOOKING = uuid.UUID("6f1c1b9e-2a4f-4a34-9d55-2f0d5d3c8a11")
OTHER = uuid.UUID("0a4b7e2c-88a1-4f3c-b7a2-51e7c0f7d9aa")


def token(appointment_id: uuid.UUID = BOOKING) -> str:
    return visit_links.booking_token_for(appointment_id, visit_end=VISIT_END)


def test_the_link_names_its_booking_until_a_week_after_the_visit() -> None:
    assert visit_links.booking_of(token(), now=VISIT_END - timedelta(days=30)) == BOOKING
    assert visit_links.booking_of(token(), now=VISIT_END + timedelta(days=7)) == BOOKING
    assert visit_links.booking_of(token(), now=VISIT_END + timedelta(days=7, seconds=1)) is None


def test_each_booking_has_its_own_link() -> None:
    assert token(OTHER) != token()
    assert visit_links.booking_of(token(OTHER), now=VISIT_END) == OTHER


def test_a_changed_token_opens_nothing() -> None:
    value, _, signature = token().rpartition(":")
    hex_id, _, until = value.partition(".")
    later = signing.b62_encode(signing.b62_decode(until) + 365 * 86400)
    for changed in (
        f"{OTHER.hex}.{until}:{signature}",  # another booking under this one's signature
        f"{hex_id}.{later}:{signature}",  # a longer life
        f"{value}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        value,  # no signature
        "",
    ):
        assert visit_links.booking_of(changed, now=VISIT_END) is None


def test_a_forged_token_opens_nothing() -> None:
    forged = signing.Signer(key="not this site's key", salt=visit_links.BOOKING_SALT).sign(
        f"{BOOKING.hex}.{signing.b62_encode(int(VISIT_END.timestamp()))}"
    )
    assert visit_links.booking_of(forged, now=VISIT_END) is None


def test_the_queue_pages_token_is_no_booking_link() -> None:
    assert visit_links.booking_of(visit_links.token_for(BOOKING), now=VISIT_END) is None
    assert visit_links.appointment_of(token()) is None


def test_the_url_is_the_sites() -> None:
    url = visit_links.booking_url_for(BOOKING, visit_end=VISIT_END)
    assert url.endswith(f"/b/{token()}/")
