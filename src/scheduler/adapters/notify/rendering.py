"""Messages in the recipient's language (en or fa), with times on the clinic's clock.

One template per language and kind under templates/notify/<language>/<kind>.txt: its first line
is the subject (and the text message), the rest the email body. Persian gets Jalali dates and
Persian digits. Messages about a visit to come carry the signed link to the booking's own page
(see it, cancel it, without signing in): at the end of their text message, as in their emails,
which also link to the patient's place in the queue (the booking page does too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.template import Context, Engine

from scheduler.adapters.local_dates import isolated, moment_label, zone_name
from scheduler.domain.notifications import Kind

LANGUAGES = ("en", "fa")

# Plain text: no HTML escaping of names and reasons.
_engine = Engine(dirs=[str(Path(__file__).parent / "templates")], autoescape=False)


# Names and places as people typed them, often in Latin letters: in a right-to-left message each
# is isolated, so "Sara Ahmadi، دوشنبه ۱۶ آذر" keeps its order on a phone.
ISOLATED = ("patient", "doctor", "clinic", "address", "reason")

# The kinds about a visit to come: their text message carries the booking's link too.
LINKED = frozenset({Kind.REQUESTED, Kind.BOOKED, Kind.CONFIRMED, Kind.RESCHEDULED, Kind.REMINDER})
# A visit's note: its text message carries the visit's page on the patient's account, which
# opens once they sign in (the note is medical: a forwarded text must not open it).
ON_THE_PAGE = frozenset({Kind.VISIT_NOTE, Kind.VISIT_NOTE_AMENDED})


@dataclass(frozen=True)
class Rendered:
    template: str
    language: str
    subject: str
    body: str
    link: str = ""

    @property
    def text(self) -> str:
        """The text message: the subject line, and the link where there is one."""
        return f"{self.subject} {self.link}".strip()


def language_of(preferred: str, default: str = LANGUAGES[0]) -> str:
    """The recipient's own choice, else ``default`` (their clinic's language)."""
    for candidate in (preferred, default):
        code = candidate.lower().split("-")[0]
        if code in LANGUAGES:
            return code
    return LANGUAGES[0]


def template_of(kind: Kind, language: str) -> str:
    """The template's name: the log keeps it with what was sent."""
    return f"notify/{language}/{kind.value}.txt"


def render(kind: Kind, *, language: str, zone: str, **context: Any) -> Rendered:
    """``context`` holds names and places; the datetimes in it (``start``, ``previous_start``)
    become ``when`` and ``previous_when`` on the clinic's clock in ``language`` (en or fa)."""
    name = template_of(kind, language)
    values = {**context, "zone": zone_name(zone, language)}
    values |= {key: isolated(context[key], language) for key in ISOLATED if context.get(key)}
    for key, target in (("start", "when"), ("previous_start", "previous_when")):
        at = context.get(key)
        if isinstance(at, datetime):
            values[target] = moment_label(at, zone, language)
    text = _engine.get_template(name).render(Context(values)).strip()
    subject, _, body = text.partition("\n")
    link = str(context.get("booking_url", "")) if kind in LINKED else ""
    if kind in ON_THE_PAGE:
        link = str(context.get("page_url", ""))
    return Rendered(name, language, subject.strip(), body.strip() + "\n", link)
