"""Texts for people, written in English and marked for translation without Django.

The domain says what went wrong; the entrypoints say it in the reader's language
(entrypoints.error_text). ``gettext_noop`` is named as Django's is so that ``makemessages``
(xgettext) collects every marked text into the catalogs; here it only hands the text back.
Values go in by name (``%(minutes)s``), so a translation may put them in its own order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from enum import Enum


def gettext_noop(text: str) -> str:
    return text


class Term(str):
    """A word of the domain's own vocabulary put into a message (a role, a state, an action):
    translated as a word at the entrypoint, shown in English with spaces for underscores."""

    __slots__ = ()

    def __new__(cls, value: object) -> Term:
        return super().__new__(cls, value.value if isinstance(value, Enum) else str(value))

    @property
    def english(self) -> str:
        return self.replace("_", " ")


class Weekday(int):
    """A day of the week put into a message, Monday = 0 as Python counts: shown by name."""

    __slots__ = ()

    NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

    @property
    def english(self) -> str:
        return self.NAMES[self]


class Span(int):
    """A length of time in minutes put into a message: said in whole hours when it is some
    ("2 hours"), in minutes otherwise. Each wording is its own text, so that no language
    needs plural forms of a template."""

    __slots__ = ()

    @property
    def wording(self) -> tuple[str, int]:
        """The text that says it, and the number that goes into it."""
        hours, minutes = divmod(int(self), 60)
        if minutes:
            return (gettext_noop("1 minute") if self == 1 else gettext_noop("%(n)s minutes")), self
        return (gettext_noop("1 hour") if hours == 1 else gettext_noop("%(n)s hours")), hours

    @property
    def english(self) -> str:
        text, number = self.wording
        return text % {"n": number} if "%(" in text else text


def render(template: str, values: Mapping[str, object]) -> str:
    """The English text: the template with its named values put in."""
    if "%(" not in template:
        return template
    return template % {name: _english(value) for name, value in values.items()}


def _english(value: object) -> object:
    match value:
        case Term() | Weekday() | Span():
            return value.english
        case time():
            return f"{value:%H:%M}"
        case date():
            return value.isoformat()
    return value
