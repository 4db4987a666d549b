"""What pages read from a query string or a form, read safely: odd input is no value."""

from __future__ import annotations

from django import forms


def row_id(text: str | None) -> int | None:
    """A row id, or None for anything else ("²", "-1", 2**64 and "" included)."""
    try:
        value = forms.IntegerField(min_value=1, max_value=2**31 - 1).clean(text)
    except forms.ValidationError:
        return None
    return None if value is None else int(value)
