"""Fields of a person in requests: names as people write them (Persian ones with their
zero-width non-joiners), without the invisible controls that make one name look like
another; emails as long as the column that keeps them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

# Bidirectional overrides and isolates, and the marks: they reorder what the desk reads.
BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
NAME_CHARS = 150
EMAIL_CHARS = 254  # RFC 5321, and the column


def _plain_text(value: str) -> None:
    if any(ch in BIDI_CONTROLS or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise serializers.ValidationError("Use letters, spaces and punctuation only.")


def name_field(**options: Any) -> serializers.CharField:
    return serializers.CharField(max_length=NAME_CHARS, validators=[_plain_text], **options)


def email_field(**options: Any) -> serializers.EmailField:
    return serializers.EmailField(max_length=EMAIL_CHARS, **options)
