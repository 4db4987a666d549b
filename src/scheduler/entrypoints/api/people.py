"""Text fields in requests that people read: names and reasons as people write them (Persian
ones with their zero-width non-joiners), without what makes one look like another
(entrypoints.plain_text); licence numbers folded to one spelling; emails as long as the column
that keeps them; passwords as Django's validators allow them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext
from rest_framework import serializers

from scheduler.domain.spelling import persian_spelling
from scheduler.entrypoints import plain_text

NAME_CHARS = 150
EMAIL_CHARS = 254  # RFC 5321, and the column


def _plain(value: str) -> None:
    if not plain_text.is_plain(value):
        raise serializers.ValidationError(gettext(plain_text.PLAIN_TEXT_ERROR))


class NameField(serializers.CharField):
    """A person's name in one spelling, whichever keyboard typed it."""

    def to_internal_value(self, data: Any) -> str:
        return persian_spelling(super().to_internal_value(data))


def name_field(**options: Any) -> serializers.CharField:
    return NameField(max_length=NAME_CHARS, validators=[_plain], **options)


def text_field(**options: Any) -> serializers.CharField:
    """A reason, a note: free text someone else reads."""
    return serializers.CharField(validators=[_plain], **options)


def _plain_lines(value: str) -> None:
    if not plain_text.is_plain(value, line_breaks=True):
        raise serializers.ValidationError(gettext(plain_text.PLAIN_TEXT_ERROR))


class LinesField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        return plain_text.one_kind_of_line_break(super().to_internal_value(data))


def lines_field(**options: Any) -> serializers.CharField:
    """Free text of a few lines (a textarea's, e.g. a booking's reason): line breaks kept."""
    return LinesField(validators=[_plain_lines], **options)


class LicenceNumberField(serializers.CharField):
    """Stored in one spelling, so that one licence cannot be signed up twice looking alike."""

    def to_internal_value(self, data: Any) -> str:
        number = plain_text.licence_number(super().to_internal_value(data))
        if number is None:
            raise serializers.ValidationError(gettext(plain_text.LICENCE_ERROR))
        return number


def email_field(**options: Any) -> serializers.EmailField:
    return serializers.EmailField(max_length=EMAIL_CHARS, **options)


def check_password(password: str, user: Any, *, field: str) -> None:
    """Django's password validators, with the user (a password like their name is refused);
    a 400 naming ``field`` if any refuses."""
    try:
        validate_password(password, user=user)
    except DjangoValidationError as error:
        raise serializers.ValidationError({field: list(error.messages)}) from None


def password_field() -> serializers.CharField:
    return serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)
