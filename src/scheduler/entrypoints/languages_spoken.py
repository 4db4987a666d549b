"""The languages a doctor speaks, named in the reader's language (Django's own catalog names
every language it knows)."""

from __future__ import annotations

from django.utils.translation import get_language_info, gettext_lazy

from scheduler.domain.profiles import SPOKEN_LANGUAGES

# Django's catalog has no Persian for these.
_OWN_NAMES = {"ckb": gettext_lazy("Kurdish")}


def language_name(code: str) -> str:
    if code in _OWN_NAMES:
        return str(_OWN_NAMES[code])
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:  # a code stored before the list lost it: shown as it is
        return code


def spoken(codes: str) -> list[dict[str, str]]:
    """A doctor's stored "fa en" as [{"code": "fa", "name": "Persian"}, ...]."""
    return [{"code": code, "name": language_name(code)} for code in codes.split()]


def choices() -> list[tuple[str, str]]:
    """Read when a page is drawn, so the names are in its language."""
    return [(code, language_name(code)) for code in SPOKEN_LANGUAGES]
