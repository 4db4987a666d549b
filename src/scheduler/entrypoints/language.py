"""Which language a response is in, and the switcher that changes it.

In order: the signed-in user's stored choice; the switcher's cookie (someone not signed in who
chose); the browser's Accept-Language; the clinic's default on a page about one clinic
(``clinic_default``); the site's default (LANGUAGE_CODE). URLs stay the same in every language,
so a link shared between a Persian and an English reader works for both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.http import require_POST

from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus
from scheduler.services import commands

LANGUAGE_CODES = frozenset(code for code, _ in settings.LANGUAGES)


def supported(code: str | None) -> str | None:
    if not code:
        return None
    base = code.lower().split("-")[0]
    return base if base in LANGUAGE_CODES else None


def _chosen(request: HttpRequest) -> str | None:
    """The reader's own choice, when they made one: stored on their account or in the cookie."""
    return stored_or_cookie(
        getattr(request, "user", AnonymousUser()),
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
    )


def stored_or_cookie(user: object, cookie: str | None) -> str | None:
    if getattr(user, "is_authenticated", False):
        stored = supported(getattr(user, "language", ""))
        if stored:
            return stored
    return supported(cookie)


def _from_browser(request: HttpRequest) -> str | None:
    return from_header(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))


def from_header(header: str) -> str | None:
    """The first language of an Accept-Language header that we speak; q=0 says "not this one"."""
    for code, weight in parse_accept_lang_header(header):
        found = supported(code)
        if found and weight > 0:
            return found
    return None


class PreferredLanguageMiddleware:
    """Stands where Django's LocaleMiddleware would, after authentication: the user's stored
    choice comes first and only a signed-in user has one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = _chosen(request) or _from_browser(request)
        request.language_chosen = chosen is not None  # type: ignore[attr-defined]
        _activate(request, chosen or settings.LANGUAGE_CODE)
        response = self.get_response(request)
        # A bearer token's user is answered in their stored language: the token varies it too.
        patch_vary_headers(response, ("Accept-Language", "Cookie", "Authorization"))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def _activate(request: HttpRequest, language: str) -> None:
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()


def asked_language(request: HttpRequest) -> str:
    """The language the request asked for (its user's stored one, the cookie, Accept-Language),
    empty when it asked for none: what a new account keeps as its choice."""
    if not getattr(request, "language_chosen", False):
        return ""
    return supported(translation.get_language()) or ""


def clinic_default(request: HttpRequest, language: str) -> None:
    """A page about one clinic speaks its language to a reader who expressed no choice."""
    if not getattr(request, "language_chosen", True) and supported(language):
        _activate(request, language)


def keep_the_switchers_choice(
    sender: object, request: HttpRequest | None, user: Any, **_: Any
) -> None:
    """Signing in on a page after choosing with the switcher: the choice goes on the account,
    so the messages follow it too, unless the account holds a choice already."""
    cookie = supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)) if request else None
    if cookie and not supported(getattr(user, "language", "")):
        build_bus().handle(commands.UpdateProfile(actor=actor_for(user), language=cookie))


@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """The switcher on every page: remembered in a cookie, and on the account of a signed-in
    user so that their messages follow too."""
    language = supported(request.POST.get("language"))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if language is None:
        return response
    if request.user.is_authenticated:
        build_bus().handle(commands.UpdateProfile(actor=actor_for(request.user), language=language))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    return response
