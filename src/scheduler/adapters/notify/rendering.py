"""Messages in the recipient's language (en or fa), with times on the clinic's clock.

One template per language and kind under templates/notify/<language>/<kind>.txt: its first line
is the subject (and the text message), the rest the email body. Persian gets Jalali dates and
Persian digits. Messages about a visit to come end their text message with the link to the
patient's place in the queue, as their emails say it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jdatetime
from django.template import Context, Engine

from scheduler.domain.notifications import Kind

LANGUAGES = ("en", "fa")
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

# Plain text: no HTML escaping of names and reasons.
_engine = Engine(dirs=[str(Path(__file__).parent / "templates")], autoescape=False)


# The kinds about a visit to come: their text message carries the queue link too.
LINKED = frozenset({Kind.BOOKED, Kind.CONFIRMED, Kind.RESCHEDULED, Kind.REMINDER})


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


def language_of(preferred: str) -> str:
    code = preferred.lower().split("-")[0]
    return code if code in LANGUAGES else LANGUAGES[0]


def local_time(at: datetime, zone: str, language: str) -> str:
    local = at.astimezone(ZoneInfo(zone))
    if language == "fa":
        jalali = jdatetime.datetime.fromgregorian(datetime=local, locale="fa_IR")
        return str(jalali.strftime("%A %-d %B %Y، ساعت %H:%M")).translate(_PERSIAN_DIGITS)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M}"


def render(kind: Kind, *, language: str, zone: str, **context: Any) -> Rendered:
    """``context`` holds names and places; the datetimes in it (``start``, ``previous_start``)
    become ``when`` and ``previous_when`` on the clinic's clock in ``language``."""
    language = language_of(language)
    name = f"notify/{language}/{kind.value}.txt"
    values = {**context, "zone": zone}
    for key, target in (("start", "when"), ("previous_start", "previous_when")):
        at = context.get(key)
        if isinstance(at, datetime):
            values[target] = local_time(at, zone, language)
    text = _engine.get_template(name).render(Context(values)).strip()
    subject, _, body = text.partition("\n")
    link = str(context.get("visit_url", "")) if kind in LINKED else ""
    return Rendered(name, language, subject.strip(), body.strip() + "\n", link)
