"""Text people type that other people read (names, reasons, licence numbers): what they see
must be what is stored. Invisible characters, bidirectional controls and characters that look
blank would let one name pass for another; Persian spelling keeps its zero-width (non-)joiner.
Both the API's fields and the pages' forms check with these."""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_noop

from scheduler.adapters.local_dates import latin_digits

# Control, format, line/paragraph separators, private use, unassigned.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cn"})
PERSIAN_JOINERS = frozenset({"\u200c", "\u200d"})
BLANK_LOOKING = frozenset({"\u115f", "\u1160", "\u3164", "\uffa0"})  # Hangul fillers
LICENCE = re.compile(r"[A-Z0-9][A-Z0-9/-]{0,49}")

# Translated where they are shown, in the reader's language.
PLAIN_TEXT_ERROR = gettext_noop("Use letters, digits, spaces and punctuation only.")
LICENCE_ERROR = gettext_noop("Letters, digits, - and / only, as on the licence.")


def is_plain(value: str, *, line_breaks: bool = False) -> bool:
    """``line_breaks``: text of a few lines (a textarea's), whose breaks are \n (one_kind_of_
    line_break); any other control character is refused still."""
    allowed = PERSIAN_JOINERS | {"\n"} if line_breaks else PERSIAN_JOINERS
    return not any(
        ch in BLANK_LOOKING or (unicodedata.category(ch) in HIDDEN_CATEGORIES and ch not in allowed)
        for ch in value
    )


def one_kind_of_line_break(value: str) -> str:
    """A browser sends a textarea's line breaks as \r\n, its scripts read them as \n."""
    return value.replace("\r\n", "\n")


def licence_number(value: str) -> str | None:
    """The number as stored (compatibility forms folded, Persian digits as ASCII, upper case),
    or None if it has anything but letters, digits, - and /."""
    folded = latin_digits(unicodedata.normalize("NFKC", value)).strip().upper()
    return folded if LICENCE.fullmatch(folded) else None
