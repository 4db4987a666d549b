"""The recipient as the SMTP conversation names it: a plain address as it is, any other as
Django's sanitize_address makes it."""

from __future__ import annotations

import pytest
from django.core.mail.message import sanitize_address
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.adapters.notify.mail import PLAIN_ADDRESS, _recipient


@settings(max_examples=200, deadline=None)
@given(st.from_regex(PLAIN_ADDRESS, fullmatch=True))
def test_a_plain_address_is_what_sanitize_address_would_make_it(address: str) -> None:
    assert _recipient(address, "utf-8") == sanitize_address(address, "utf-8") == address


def test_an_address_that_is_not_plain_still_goes_through_sanitize_address() -> None:
    assert _recipient("mina@bücher.example", "utf-8") == "mina@xn--bcher-kva.example"
    assert _recipient('"mina rahimi"@example.org', "utf-8") == '"mina rahimi"@example.org'


@pytest.mark.parametrize(
    "address",
    [
        "=?us-ascii?q?bob?=@example.org",
        "=?utf-8?q?a?=b@example.org",
        "=?utf-8?q?a_b?=@example.org",
        "a.=?utf-8?q?b?=@example.org",
    ],
)
def test_a_local_part_with_an_encoded_word_names_the_mailbox_django_would(address: str) -> None:
    """Django's parser decodes an encoded word at the start of the local part, so the account
    mail (Django's own backend) went to bob@example.org while reminders kept the literal."""
    assert _recipient(address, "utf-8") == sanitize_address(address, "utf-8")
