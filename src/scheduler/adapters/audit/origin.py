"""Who is acting, and from which address: set for the length of an HTTP request (middleware.py)
or a socket (entrypoints.ws), read when an audit entry is written. Unset: the site's own
processes (command line, workers, the outbox relay), recorded as "system" with no address."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class Origin:
    # Asked when an entry is written, not when the request arrives: the API signs a token's
    # user in inside the view, after every middleware has run.
    user: Callable[[], User]
    ip: str | None


current: ContextVar[Origin | None] = ContextVar("audit_origin", default=None)
