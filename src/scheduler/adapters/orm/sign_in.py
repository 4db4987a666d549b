"""Who a sign-in names: a username, an email address or a phone number, resolved to one account.

The pages, the admin and the API's token sign in through ``LoginNameBackend``. A username is
matched as Django matches it (exactly); an email in any letter case; a phone in any common
spelling (Persian digits, spaces, 0912 or +98912), folded to E.164 as phones are stored. Only
accounts that can sign in count (active, with a password: a patient the desk added has none
until they sign up). When an email or a phone belongs to two such accounts, the login is
refused (``Ambiguous``) rather than guessed: the person is asked for their username, when
the password they typed is one of those accounts' (``is_ambiguous``)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from scheduler.adapters.orm import models as rows
from scheduler.adapters.phones import as_phone

# The longest name an account is known by (an email address, RFC 5321): nothing longer is one.
LONGEST = 254


class Ambiguous(Exception):
    """The email or phone typed belongs to more than one account."""


def accounts_signing_in() -> QuerySet[rows.User]:
    """The accounts one can sign in to: an email or phone is "taken" among these."""
    return rows.User.objects.filter(is_active=True).exclude(
        password__startswith=UNUSABLE_PASSWORD_PREFIX
    )


def account_for(login: str) -> rows.User | None:
    """The one account ``login`` names; None if none; Ambiguous if several (a username may
    look like someone else's email or phone: then neither is guessed)."""
    found = _named(login, 2)
    if len(found) > 1:
        raise Ambiguous(login)
    return found[0] if found else None


# The most accounts one email or phone is tried against (a family's, from before sign-up
# refused taken addresses): each is one more password hash.
MOST_SHARING = 5


def is_ambiguous(login: str, password: str) -> bool:
    """Whether ``login`` names several accounts and ``password`` is one of theirs: only then is
    the person told to sign in with their username. Anyone else, a guesser too, hears what a
    wrong password hears, and learns nothing of who shares an address or number."""
    named = _named(login, MOST_SHARING)
    if len(named) < 2:
        return False  # no hash here: the backend's one is all a single account's sign-in takes
    # Each one's password is checked, a match or not: which one fits does not show in the time.
    fits = [user.check_password(password) for user in named]
    return any(fits)


def _named(login: str, most: int) -> list[rows.User]:
    login = login.strip()
    # A NUL names no one, and PostgreSQL refuses it in a query (the throttles ask before any
    # form has checked the text): found by the fuzzer.
    if not login or len(login) > LONGEST or "\x00" in login:
        return []
    named = Q(username=login)
    if "@" in login:
        named |= Q(email__iexact=login, pk__in=accounts_signing_in())
    elif phone := as_phone(login):
        named |= Q(phone=phone, pk__in=accounts_signing_in())
    return list(rows.User.objects.filter(named).distinct().order_by("pk")[:most])


def throttled_account(login: str) -> tuple[str, rows.User | None]:
    """The sign-in throttles' key for ``login``: one per account, however its email or phone
    is spelt (else a guesser would get a fresh allowance from each spelling), the folded text
    when it names no single account; and that account, if it names one."""
    try:
        user = account_for(login)
    except Ambiguous:
        user = None
    ident = user.username if user else (as_phone(login) or login.strip())
    return hashlib.sha256(ident.lower()[:254].encode()).hexdigest(), user


class LoginNameBackend(ModelBackend):
    """Django's backend, found by username, email or phone."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> rows.User | None:
        if username is None:
            username = kwargs.get(rows.User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = account_for(str(username))
        except Ambiguous:
            raise PermissionDenied("Ambiguous sign-in name.") from None  # no backend guesses
        if user is None:
            # As ModelBackend: hash anyway, so the time taken does not tell who has an account.
            rows.User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
