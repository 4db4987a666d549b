"""Phone numbers as people write them (``0912 000 0001``, ``+98 912 000 0001``, ``۰۹۱۲...``) ->
one form, E.164 (``+989120000001``), with Google's phonenumbers library. A number without a
country code is read in PHONE_REGION (the clinics' country; Iran for the demo)."""

from __future__ import annotations

import phonenumbers
from django.conf import settings


class NotAPhone(ValueError):
    """Not a number anyone can be called or texted on."""


def normalized(text: str) -> str:
    """The number in E.164; NotAPhone when it is none."""
    try:
        number = phonenumbers.parse(text, settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise NotAPhone(text) from None
    if not phonenumbers.is_valid_number(number):
        raise NotAPhone(text)
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def as_phone(text: str) -> str | None:
    """The number ``text`` is, in E.164, or None when it is something else (a name)."""
    try:
        return normalized(text)
    except NotAPhone:
        return None


def readable(e164: str) -> str:
    """A stored number grouped as people read it aloud (``+98 21 8877 6655``); as stored when
    it no longer parses."""
    try:
        number = phonenumbers.parse(e164, settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        return e164
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))
