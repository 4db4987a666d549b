"""A message's bytes on the wire: exactly what Django's own SMTP backend would send."""

from __future__ import annotations

import string
from email.errors import HeaderParseError
from email.policy import Policy, compat32

import pytest
from django.core.mail import EmailMessage
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.adapters.notify.mail import _SMTP_FOLDING, as_bytes

_DJANGO_FOLDING = compat32.clone(linesep="\r\n")


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(["Subject", "To", "From", "Message-ID", "Content-Type", "X-Long-Name"]),
    value=st.text(alphabet=string.printable.replace("\r", "").replace("\n", ""), max_size=90)
    | st.text(max_size=40),
)
def test_a_header_is_written_as_compat32_writes_it(name: str, value: str) -> None:
    assert _folded(_SMTP_FOLDING, name, value) == _folded(_DJANGO_FOLDING, name, value)


def _folded(policy: Policy, name: str, value: str) -> bytes | str:
    """The header's line, or the error (vertical tabs can make compat32 refuse a value)."""
    try:
        return policy.fold_binary(name, value)
    except HeaderParseError as error:
        return repr(error)


@pytest.mark.parametrize(
    "subject",
    [
        "Reminder: your visit tomorrow at 10:30",
        "یادآوری: نوبت شما فردا ساعت ۱۰:۳۰ با دکتر سارا احمدی در درمانگاه نوبت",
        "Your visit with Dr. Sara Ahmadi at Nobat Clinic, Valiasr Street, was moved to 10:30",
    ],
)
def test_a_whole_message_is_what_djangos_smtp_backend_sends(subject: str) -> None:
    message = EmailMessage(
        subject,
        "Hello Mina,\n.a line that begins with a dot\nسلام\n" + "x" * 1200,
        to=["mina.rahimi@example.org"],
        headers={"Message-ID": "<notification-1@nobat>"},
    ).message()

    assert as_bytes(message) == message.as_bytes(linesep="\r\n")  # type: ignore[call-arg]
