"""Text fields in requests that people read: names and reasons as people write them (Persian
ones with their zero-width non-joiners), without what makes one look like another
(entrypoints.plain_text); licence numbers folded to one spelling; emails as long as the column
that keeps them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from scheduler.entrypoints import plain_text

NAME_CHARS = 150
EMAIL_CHARS = 254  # RFC 5321, and the column


def _plain(value: str) -> None:
    if not plain_text.is_plain(value):
        raise serializers.ValidationError(plain_text.PLAIN_TEXT_ERROR)


def name_field(**options: Any) -> serializers.CharField:
    return serializers.CharField(max_length=NAME_CHARS, validators=[_plain], **options)


def text_field(**options: Any) -> serializers.CharField:
    """A reason, a note: free text someone else reads."""
    return serializers.CharField(validators=[_plain], **options)


class LicenceNumberField(serializers.CharField):
    """Stored in one spelling, so that one licence cannot be signed up twice looking alike."""

    def to_internal_value(self, data: Any) -> str:
        number = plain_text.licence_number(super().to_internal_value(data))
        if number is None:
            raise serializers.ValidationError(plain_text.LICENCE_ERROR)
        return number


def email_field(**options: Any) -> serializers.EmailField:
    return serializers.EmailField(max_length=EMAIL_CHARS, **options)
