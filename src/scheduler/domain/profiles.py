"""What a person's profile may hold: a patient's record for the clinic, a doctor's page in
the directory. The entrypoints bound the input's shape; these are the rules of its meaning."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from scheduler.domain.errors import InvalidInput
from scheduler.domain.messages import gettext_noop

# Nobody on record is older than the oldest people ever were.
MAX_AGE_YEARS = 130
# A working life, generously: more is a typo (a year typed for a count).
MAX_YEARS_OF_EXPERIENCE = 70
# In the fee's currency (rials by default): ten times a specialist's dearest visit, and well
# inside the column's 32 bits.
MAX_CONSULTATION_FEE = 1_000_000_000

# The languages a doctor may say they speak (ISO 639-1, "ckb" for Sorani Kurdish, which has
# none): those of Iran's patients and of its visitors. Codes the pages can name.
SPOKEN_LANGUAGES = (
    "fa", "en", "ar", "az", "ckb", "tr", "ur", "hy", "ru", "fr", "de", "es", "it",
)  # fmt: skip

SEXES = ("female", "male", "other")
BLOOD_GROUPS = ("A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-")

# A doctor's photo: what a phone's camera makes is welcome, what no camera makes is refused
# before it is decoded (a small file can hold a huge image: a decompression bomb).
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 50_000_000
PHOTO_SIDE = 512  # the longest side shown; larger photos are scaled down to it
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")


def check_date_of_birth(born: date, *, today: date) -> None:
    if born > today:
        raise InvalidInput(
            gettext_noop("A date of birth cannot be in the future."), field="date_of_birth"
        )
    # 29 February has no twin 130 years back in a common year: the day before stands in.
    day = 28 if (today.month, today.day) == (2, 29) else today.day
    oldest = date(today.year - MAX_AGE_YEARS, today.month, day)
    if born < oldest:
        raise InvalidInput(
            gettext_noop("A date of birth more than %(years)s years ago is a mistake."),
            field="date_of_birth",
            params={"years": MAX_AGE_YEARS},
        )


def check_years_of_experience(years: int) -> None:
    if not 0 <= years <= MAX_YEARS_OF_EXPERIENCE:
        raise InvalidInput(
            gettext_noop("Years of experience are between 0 and %(most)s."),
            field="years_of_experience",
            params={"most": MAX_YEARS_OF_EXPERIENCE},
        )


def check_consultation_fee(fee: int) -> None:
    if not 0 <= fee <= MAX_CONSULTATION_FEE:
        raise InvalidInput(
            gettext_noop("A consultation fee is between 0 and %(most)s."),
            field="consultation_fee",
            params={"most": MAX_CONSULTATION_FEE},
        )


def languages_spoken(codes: Iterable[str]) -> str:
    """The codes as stored: known ones, each once, in the order given, space separated."""
    kept: list[str] = []
    for code in codes:
        if code not in SPOKEN_LANGUAGES:
            raise InvalidInput(gettext_noop("Choose languages from the list."), field="languages")
        if code not in kept:
            kept.append(code)
    return " ".join(kept)


def check_choice(field: str, value: str, allowed: tuple[str, ...]) -> None:
    """An empty value says nothing; anything else is one of ``allowed``."""
    if value and value not in allowed:
        raise InvalidInput(gettext_noop("Choose one of the options."), field=field)


def check_photo_size(size: int) -> None:
    if size > PHOTO_MAX_BYTES:
        raise InvalidInput(
            gettext_noop("A photo is at most %(megabytes)s MB."),
            field="photo",
            params={"megabytes": PHOTO_MAX_BYTES // (1024 * 1024)},
        )


def check_username(username: str) -> None:
    """One signs in with a username, an email address or a phone number: a username that reads
    as either of the others would stand in front of that person's sign-in (the login would name
    two accounts and be refused), so it has a letter and no "@"."""
    if "@" in username or not any(char.isalpha() for char in username):
        raise InvalidInput(
            gettext_noop(
                "A username needs a letter and no @ (email addresses and phone numbers sign in "
                "as they are)."
            ),
            field="username",
        )
