"""Numbers in the admin's own templates, written in the reader's digits (Django's are Latin
whatever the language)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.translation import get_language

from scheduler.adapters import local_dates

register = template.Library()


@register.filter
def reader_digits(value: object) -> str:
    return local_dates.digits(value, get_language() or settings.LANGUAGE_CODE)
