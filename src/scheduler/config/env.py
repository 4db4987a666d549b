"""Reading settings from the environment, with the embedded runtime's defaults."""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def flag(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def csv(name: str, *, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def networks(name: str, *, default: str) -> list[str]:
    """Comma-separated networks (CIDR or single addresses); a malformed one refuses to start."""
    values = csv(name, default=default)
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError as error:
            raise ImproperlyConfigured(f"{name}: {error}") from None
    return values


def one_of(name: str, choices: list[str], *, default: str) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)} (got {value!r})")
    return value


def https_url(name: str) -> str:
    """An https:// address, or "" when unset; anything else refuses to start."""
    value = os.environ.get(name, "").strip()
    if value and not value.startswith("https://"):
        raise ImproperlyConfigured(f"{name} must start with https:// (got {value!r})")
    return value


def secret_key(data_dir: Path) -> str:
    """DJANGO_SECRET_KEY, or a random key kept in the data dir so sessions survive restarts."""
    configured = os.environ.get("DJANGO_SECRET_KEY")
    if configured:
        return configured
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
