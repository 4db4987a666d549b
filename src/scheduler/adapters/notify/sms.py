"""Text messages through an ``SmsGateway``: a file or the log for the embedded runtime, and
Kavenegar's REST API (or anything that speaks it) in production. SMS_BACKEND chooses."""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any, Protocol
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode
from urllib.request import Request, urlopen

from django.conf import settings
from django.utils import timezone

from scheduler.adapters.notify.faults import PermanentFault, TransientFault, Unreachable
from scheduler.config.logs import without_link_secrets

log = logging.getLogger(__name__)


class SmsGateway(Protocol):
    def send(self, *, to: str, text: str, reference: str) -> str:
        """Send ``text`` to the phone number ``to``; return the provider's message id.

        ``reference`` is ours and the same on every try of one message, for providers that
        drop a repeat. Raises TransientFault or PermanentFault.
        """


class FileSmsGateway:
    """Appends one JSON line per message: what the embedded runtime "sends"."""

    _lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, *, to: str, text: str, reference: str) -> str:
        line = json.dumps(
            {"at": timezone.now().isoformat(), "to": to, "text": text, "reference": reference},
            ensure_ascii=False,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
            out.flush()
            os.fsync(out.fileno())
        return f"file:{reference}"


class ConsoleSmsGateway:
    """Logs each message, without what a reader of the log could use: the number but its last
    four digits, the text with its links' tokens (a cancel link) masked."""

    def send(self, *, to: str, text: str, reference: str) -> str:
        log.info("SMS to %s [%s]: %s", masked_number(to), reference, without_link_secrets(text))
        return f"console:{reference}"


def masked_number(number: str) -> str:
    return "*" * max(len(number) - 4, 0) + number[-4:]


# Kavenegar's own codes (also its HTTP status) that may pass: server busy, out of credit,
# too many requests. Every other non-200 code is about the request: sending it again fails too.
_KAVENEGAR_TRANSIENT = frozenset({409, 418, 429, 451})


class KavenegarSmsGateway:
    """POST {base}/{api key}/sms/send.json with receptor, message, sender and localid; the
    answer is {"return": {"status": 200, "message": ...}, "entries": [{"messageid": ...}]}."""

    def __init__(self, *, base_url: str, api_key: str, sender: str, timeout: float) -> None:
        self.url = f"{base_url.rstrip('/')}/{quote(api_key, safe='')}/sms/send.json"
        self.sender = sender
        self.timeout = timeout

    def send(self, *, to: str, text: str, reference: str) -> str:
        form = {"receptor": to, "message": text, "localid": reference}
        if self.sender:
            form["sender"] = self.sender
        request = Request(
            self.url,
            data=urlencode(form).encode(),
            method="POST",
            headers={"Accept": "application/json"},
        )
        try:
            with urlopen(request, timeout=self.timeout) as response:
                status, body = response.status, response.read()
        except HTTPError as error:
            status, body = error.code, error.read()
        except (URLError, OSError) as error:  # refused, reset, timed out, DNS
            raise Unreachable(f"SMS gateway unreachable: {error!r}") from error
        return _message_id(status, body)


def _message_id(http_status: int, body: bytes) -> str:
    answer = _json(body)
    returned = answer.get("return") if isinstance(answer, dict) else None
    code = returned.get("status") if isinstance(returned, dict) else None
    if not isinstance(code, int):
        if 200 <= http_status < 300:
            # Maybe sent, maybe not: try again; the retry carries the same localid.
            raise TransientFault(f"unreadable answer from the SMS gateway: {body[:300]!r}")
        code = http_status
    if code == 200:
        entries = answer.get("entries")
        first = entries[0] if isinstance(entries, list) and entries else {}
        return str(first.get("messageid", "")) if isinstance(first, dict) else ""
    said = f"SMS gateway {code}: {body[:300].decode('utf-8', 'replace')}"
    if code in _KAVENEGAR_TRANSIENT or code >= 500 or http_status >= 500:
        raise TransientFault(said)
    raise PermanentFault(said)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def gateway() -> SmsGateway:
    match settings.SMS_BACKEND:
        case "file":
            return FileSmsGateway(Path(settings.SMS_FILE_PATH))
        case "console":
            return ConsoleSmsGateway()
        case "kavenegar":
            return KavenegarSmsGateway(
                base_url=settings.SMS_API_URL,
                api_key=settings.SMS_API_KEY,
                sender=settings.SMS_SENDER,
                timeout=settings.SMS_TIMEOUT,
            )
    raise ValueError(f"SMS_BACKEND must be file, console or kavenegar: {settings.SMS_BACKEND!r}")
