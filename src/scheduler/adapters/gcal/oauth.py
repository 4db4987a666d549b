"""OAuth 2.0 for a web server, by hand over google-auth's transport: consent URL (offline
access, PKCE), code exchange, revocation, and the credentials the API client refreshes.

Endpoints and the client come from the settings (GCAL_*), so tests point them at a loopback
server.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import google_auth_httplib2
import httplib2
from django.conf import settings
from google.auth.exceptions import TransportError
from google.oauth2.credentials import Credentials

SCOPES = (
    "https://www.googleapis.com/auth/calendar.events",  # write the appointments
    "https://www.googleapis.com/auth/calendar.readonly",  # list calendars, read busy times
)


class OAuthError(Exception):
    """The consent or the code exchange failed; the message can be shown to the doctor."""


@dataclass(frozen=True)
class Grant:
    access_token: str
    refresh_token: str
    expiry: datetime
    scopes: tuple[str, ...]


def is_configured() -> bool:
    return bool(settings.GCAL_CLIENT_ID and settings.GCAL_CLIENT_SECRET)


def new_state() -> str:
    return secrets.token_urlsafe(32)


def new_code_verifier() -> str:
    return secrets.token_urlsafe(64)


def code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(*, state: str, code_verifier: str, redirect_uri: str) -> str:
    query = {
        "client_id": settings.GCAL_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join(SCOPES),
        "access_type": "offline",  # a refresh token
        "prompt": "consent",  # a refresh token every time, also on a reconnect
        "include_granted_scopes": "true",
        "state": state,
        "code_challenge": code_challenge(code_verifier),
        "code_challenge_method": "S256",
    }
    return f"{settings.GCAL_AUTH_URI}?{urlencode(query)}"


def exchange_code(code: str, *, redirect_uri: str, code_verifier: str, http: Any = None) -> Grant:
    status, body = _post(
        settings.GCAL_TOKEN_URI,
        {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": settings.GCAL_CLIENT_ID,
            "client_secret": settings.GCAL_CLIENT_SECRET,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        },
        http,
    )
    if status != 200:
        reason = body.get("error_description") or body.get("error") or f"HTTP {status}"
        raise OAuthError(f"Google refused the sign-in: {reason}")
    refresh_token = body.get("refresh_token")
    if not refresh_token:
        raise OAuthError("Google gave no offline access; please connect again.")
    granted = tuple(str(body.get("scope", "")).split())
    missing = [scope for scope in SCOPES if scope not in granted]
    if missing:
        raise OAuthError(
            "Nobat needs access to your calendars' events; please allow it on Google's page."
        )
    return Grant(
        access_token=str(body["access_token"]),
        refresh_token=str(refresh_token),
        expiry=datetime.now(UTC) + timedelta(seconds=int(body.get("expires_in", 3600))),
        scopes=granted,
    )


def revoke(token: str, *, http: Any = None) -> bool:
    """Ask Google to forget the grant; False when it could not be reached or refused."""
    try:
        status, _ = _post(settings.GCAL_REVOKE_URI, {"token": token}, http)
    except OAuthError:
        return False
    return status == 200


def credentials(
    *, access_token: str, refresh_token: str, expiry: datetime | None, scopes: tuple[str, ...]
) -> Credentials:
    """Credentials that refresh themselves at GCAL_TOKEN_URI (google-auth wants naive UTC)."""
    naive = expiry.astimezone(UTC).replace(tzinfo=None) if expiry else None
    return Credentials(  # type: ignore[no-untyped-call]
        token=access_token or None,
        refresh_token=refresh_token,
        token_uri=settings.GCAL_TOKEN_URI,
        client_id=settings.GCAL_CLIENT_ID,
        client_secret=settings.GCAL_CLIENT_SECRET,
        scopes=list(scopes) or list(SCOPES),
        expiry=naive,
    )


def new_http() -> httplib2.Http:
    return httplib2.Http(timeout=settings.GCAL_HTTP_TIMEOUT_SECONDS)


def _post(url: str, form: dict[str, str], http: Any) -> tuple[int, dict[str, Any]]:
    request = google_auth_httplib2.Request(http or new_http())
    try:
        response = request(
            url=url,
            method="POST",
            body=urlencode(form),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    except (TransportError, OSError) as error:
        raise OAuthError("Google could not be reached; please try again.") from error
    try:
        body = json.loads(response.data or b"{}")
    except ValueError:
        body = {}
    return response.status, body if isinstance(body, dict) else {}
