"""Who is at the other end of a socket: the Django session (pages), or a JWT access token as
``?token=`` or in the first message (API clients). Nobody (AnonymousUser) otherwise."""

from __future__ import annotations

from importlib import import_module
from typing import Any, NamedTuple
from urllib.parse import parse_qs

from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware, InstanceSessionWrapper, SessionMiddleware
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from scheduler.adapters.orm.actors import viewer_for
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor
from scheduler.entrypoints.language import from_header, stored_or_cookie, supported

AUTH_ERROR = "auth_error"
# When the query's token runs out (seconds since the epoch): the socket ends with it.
TOKEN_EXPIRES = "token_expires"
# The token's refusal, translated when it is sent (the consumer knows the socket's language).
BAD_TOKEN = gettext_noop("The token is invalid or expired.")


def query_params(scope: dict[str, Any]) -> dict[str, str]:
    """The socket URL's query string, the last value of each name."""
    parsed = parse_qs(scope.get("query_string", b"").decode("latin1"))
    return {name: values[-1] for name, values in parsed.items()}


class TokenHolder(NamedTuple):
    user: AbstractBaseUser
    expires: float  # seconds since the epoch, the token's ``exp``


def _token_holder(raw: str) -> TokenHolder | None:
    authentication = JWTAuthentication()
    try:
        token = authentication.get_validated_token(raw.encode())
        return TokenHolder(authentication.get_user(token), float(token["exp"]))
    except (InvalidToken, TokenError, AuthenticationFailed, KeyError):
        return None


token_holder = database_sync_to_async(_token_holder)


actor_of = database_sync_to_async(viewer_for)


def _language_of(scope: dict[str, Any]) -> str:
    """The socket's language, chosen at the handshake as a page's is: the user's stored choice,
    the switcher's cookie, then the language of the page that opened it (``?language=``: a
    page served in its clinic's language says so, where the browser's header would not), the
    handshake's Accept-Language, the site's default."""
    headers = dict(scope.get("headers", ()))
    cookie = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)
    return (
        stored_or_cookie(scope.get("user"), cookie)
        or supported(query_params(scope).get("language"))
        or from_header(headers.get(b"accept-language", b"").decode("latin1"))
        or settings.LANGUAGE_CODE
    )


language_of = database_sync_to_async(_language_of)


def password_stamp(user: AbstractBaseUser | AnonymousUser) -> str:
    """Changes when the user's password does (Django's session auth hash): a new password ends
    every open socket, as it ends sessions and tokens."""
    return user.get_session_auth_hash() if isinstance(user, AbstractBaseUser) else ""


def _actor_now(user_id: int, session_key: str | None, stamp: str) -> Actor | None:
    """Who the socket's user is now: None once deactivated, deleted, given a new password, or
    signed out of the session the socket was opened with."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if session_key is not None and not store().exists(session_key):
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or password_stamp(user) != stamp:
        return None
    return viewer_for(user)


actor_now = database_sync_to_async(_actor_now)


class TokenAuthMiddleware(BaseMiddleware):  # type: ignore[misc]
    """A ``token`` in the query string decides who the user is, over any session. A bad one
    leaves a visitor and ``scope["auth_error"]``, so the consumer can say so and close."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        token = query_params(scope).get("token")
        if token:
            holder = await token_holder(token)
            scope = {
                **scope,
                "user": holder.user if holder else AnonymousUser(),
                AUTH_ERROR: None if holder else BAD_TOKEN,
                TOKEN_EXPIRES: holder.expires if holder else None,
            }
        return await super().__call__(scope, receive, send)


class SocketSessionMiddleware(SessionMiddleware):  # type: ignore[misc]
    """Channels' ``SessionMiddleware``, without its hand on every frame a socket sends.

    Channels' wrapper of ``send`` saves a changed session on ``http.response.start`` only, a
    message no socket sends, yet it asked the session whether it changed, through two lazy
    objects, before each frame: a twentieth of a server's time in a fan-out to 500 sockets.
    The session is read as there; the frames go straight to the server."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        sessions = InstanceSessionWrapper(scope, send)
        await sessions.resolve_session()
        return await self.inner(sessions.scope, receive, send)


def session_or_token(inner: Any) -> Any:
    """Channels' ``AuthMiddlewareStack`` with ``SocketSessionMiddleware``, and a token over both."""
    return CookieMiddleware(SocketSessionMiddleware(AuthMiddleware(TokenAuthMiddleware(inner))))
