"""A phone number field: any common way of writing a number in, E.164 out, else a 400."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from scheduler.adapters.phones import NotAPhone, normalized

# A number as the pages show it beside the stored one, which dialling and forms take.
READABLE_PHONE = "The phone grouped as people read it aloud (+98 912 345 6789); empty: none."


class PhoneField(serializers.CharField):
    default_error_messages = {
        "phone": _("That is not a phone number we can read: write it as, e.g., 0912 345 6789.")
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        if not text:
            return text
        try:
            return normalized(text)
        except NotAPhone:
            self.fail("phone")
        raise AssertionError("fail() raises")
