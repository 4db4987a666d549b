"""The domain's texts in the reader's language: the one place they are translated.

The domain marks its texts (``domain.messages.gettext_noop``) and names their values; the API's
error handler, the sockets and the pages that show a refusal pass the error here, in the
language already active for the request or socket. Values are shown as the reader reads them:
a word of the domain's vocabulary (``Term``) translated, a date on their calendar, numbers and
times in their digits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy

from scheduler.adapters.local_dates import day_label, digits, weekday_name
from scheduler.domain.errors import DomainError
from scheduler.domain.messages import Span, Term, Weekday
from scheduler.domain.schedule import WallInterval

TERMS: Mapping[str, Promise] = {
    # roles
    "patient": pgettext_lazy("role", "patient"),
    "doctor": pgettext_lazy("role", "doctor"),
    "receptionist": pgettext_lazy("role", "receptionist"),
    "admin": pgettext_lazy("role", "admin"),
    # states of an appointment
    "pending": pgettext_lazy("appointment state", "pending"),
    "booked": pgettext_lazy("appointment state", "booked"),
    "arrived": pgettext_lazy("appointment state", "arrived"),
    "in_consultation": pgettext_lazy("appointment state", "in consultation"),
    "fulfilled": pgettext_lazy("appointment state", "fulfilled"),
    "cancelled": pgettext_lazy("appointment state", "cancelled"),
    "rejected": pgettext_lazy("appointment state", "rejected"),
    "noshow": pgettext_lazy("appointment state", "no-show"),
    # what is done to one
    "confirm": pgettext_lazy("appointment action", "confirm"),
    "reject": pgettext_lazy("appointment action", "reject"),
    "cancel": pgettext_lazy("appointment action", "cancel"),
    "reschedule": pgettext_lazy("appointment action", "reschedule"),
    "check_in": pgettext_lazy("appointment action", "check in"),
    "start": pgettext_lazy("appointment action", "call in"),
    "complete": pgettext_lazy("appointment action", "complete"),
    "no_show": pgettext_lazy("appointment action", "no-show"),
    "undo": pgettext_lazy("appointment action", "undo"),
    "forgive_no_show": pgettext_lazy("appointment action", "forgive no-show"),
}


def language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def error_text(error: DomainError) -> str:
    return say(error.template, error.params)


def say(template: str, values: Mapping[str, object] | None = None) -> str:
    """``template`` (an English text marked for translation) in the active language."""
    translated = gettext(template)
    if not values or "%(" not in template:
        return translated
    reader = language()
    return translated % {name: shown(value, reader) for name, value in values.items()}


def shown(value: object, reader: str) -> object:
    match value:
        case Term():
            term = TERMS.get(str(value))
            return str(term) if term is not None else value.english
        case Weekday():
            return weekday_name(value, reader)
        case Span():
            text, number = value.wording
            return gettext(text) % {"n": digits(number, reader)} if "%(" in text else gettext(text)
        case bool():
            return value
        case int() | float():
            return digits(value, reader)
        case time():
            return digits(f"{value:%H:%M}", reader)
        case WallInterval():
            return digits(value, reader)
        case datetime():
            return value.isoformat()
        case date():
            return day_label(value, reader)
    return value
