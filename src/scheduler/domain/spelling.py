"""One spelling for Persian names. Keyboards with an Arabic layout type Arabic yeh and kaf
(ي ى ك) where Persian ones (ی ک) look the same: "علي" and "علی" are one name to a reader, so
they are stored and searched as one, or the desk finds no patient and adds them twice."""

from __future__ import annotations

import unicodedata

_PERSIAN_LETTERS = str.maketrans({"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9"})


def persian_spelling(text: str) -> str:
    return text.translate(_PERSIAN_LETTERS)


# Marks a reader skips when matching: Latin accents and Arabic-script vowel signs (harakat,
# tanwin, shadda, sukun, superscript alef) decompose to or are combining marks; tatweel and
# the zero-width joiners only stretch or join letters.
_IGNORED = {"\u0640", "\u200c", "\u200d"}


def folded(text: str) -> str:
    """A name as search matches it: "Hosséini", "HOSSEINI" and "hosseini" are one, and so
    are "علي" / "علی" and "مُحمّد" / "محمد". Words are kept apart by single spaces."""
    decomposed = unicodedata.normalize("NFKD", persian_spelling(text))
    kept = "".join(
        char for char in decomposed if not unicodedata.combining(char) and char not in _IGNORED
    )
    return " ".join(kept.casefold().split())


# Doctor.search_name's length.
SEARCH_NAME_LENGTH = 300


SPECIALTY_SEARCH_NAME_LENGTH = 250


def specialty_search_name(name: str, name_fa: str, slug: str) -> str:
    """What a specialty is found by: its names in English and Persian, and its slug."""
    return folded(f"{name} {name_fa} {slug}")[:SPECIALTY_SEARCH_NAME_LENGTH]


def doctor_search_name(first_name: str, last_name: str, username: str) -> str:
    """What a doctor is found by: their name as it is written, and their username."""
    return folded(f"{first_name} {last_name} {username}")[:SEARCH_NAME_LENGTH]
