"""One spelling for Persian names. Keyboards with an Arabic layout type Arabic yeh and kaf
(ي ى ك) where Persian ones (ی ک) look the same: "علي" and "علی" are one name to a reader, so
they are stored and searched as one, or the desk finds no patient and adds them twice."""

from __future__ import annotations

_PERSIAN_LETTERS = str.maketrans({"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9"})


def persian_spelling(text: str) -> str:
    return text.translate(_PERSIAN_LETTERS)
