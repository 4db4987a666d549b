"""Email through Django's mail API (SMTP in production), in steps that let the delivery put
its commit in the right place, with faults sorted for retrying.

``start()`` hands the server everything but the final "." of the DATA phase. ``release()``
sends that dot without waiting, as the last act of the delivery's transaction; ``verdict()``
reads the server's answer after the commit. A process that dies before the dot leaves an
unfinished DATA the server throws away, and a log rolled back to "queued": it is sent later.
One that dies once the COMMIT is on its way has sent and logged. Only a death between those
two socket writes (microseconds apart) means the message will go out a second time. Backends
other than SMTP (files, the console, tests' memory) send the whole message in ``release()``.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import socket
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import sanitize_address
from django.core.validators import validate_email

from scheduler.adapters.notify.faults import PermanentFault, TransientFault

_LEADING_DOT = re.compile(rb"(?m)^\.")  # dot-stuffing, RFC 5321 section 4.5.2


class Mailer:
    """One message at a time, on one connection kept until ``close()``."""

    def __init__(self) -> None:
        self._connection: Any = None
        self._message: EmailMessage | None = None
        self._smtp: smtplib.SMTP | None = None  # a DATA phase awaiting its dot
        self._awaiting: smtplib.SMTP | None = None  # the dot sent, the answer not read

    def start(self, *, to: str, subject: str, body: str, message_id: str) -> None:
        """Validate and, over SMTP, send all but the end of the message."""
        try:
            validate_email(to)
        except ValidationError:
            raise PermanentFault(f"not an email address: {to!r}") from None
        self._message = EmailMessage(subject, body, to=[to], headers={"Message-ID": message_id})
        with _sorted_faults():
            if self._connection is None:
                self._connection = get_connection(fail_silently=False)
                self._connection.open()
            smtp = getattr(self._connection, "connection", None)
            if isinstance(smtp, smtplib.SMTP):
                if smtp.sock is not None:
                    # The dot goes alone: without this, Nagle's algorithm holds it until the
                    # body's ACK, which the server delays (40 ms on Linux).
                    smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                _send_all_but_the_dot(smtp, self._message)
                self._smtp = smtp

    def release(self) -> None:
        """Let the message go: over SMTP the final dot, without waiting for the answer."""
        message, self._message = self._message, None
        assert message is not None, "start() first"
        with _sorted_faults():
            if self._smtp is None:
                self._connection.send_messages([message])
            else:
                self._smtp.send(b".\r\n")
                self._awaiting, self._smtp = self._smtp, None

    def verdict(self) -> None:
        """Over SMTP, the server's answer to the message released; raises if it refused."""
        smtp, self._awaiting = self._awaiting, None
        if smtp is None:
            return
        with _sorted_faults():
            code, reply = smtp.getreply()
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)

    def close(self) -> None:
        """Quit the server; a fault now changes nothing (what was sent is logged already).
        A message started and not finished is dropped: the socket closes mid-DATA (a QUIT
        there would be read as more of the message)."""
        unfinished, self._smtp = self._smtp, None
        if unfinished is not None:
            unfinished.close()
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.close()


def _send_all_but_the_dot(smtp: smtplib.SMTP, message: EmailMessage) -> None:
    """smtplib's sendmail() up to the end of the DATA phase, for one recipient."""
    encoding = message.encoding or settings.DEFAULT_CHARSET
    sender = sanitize_address(message.from_email, encoding)
    [recipient] = [sanitize_address(address, encoding) for address in message.recipients()]
    # Django's SafeMIME messages take linesep, as its own SMTP backend passes it.
    data = message.message().as_bytes(linesep="\r\n")  # type: ignore[call-arg]
    smtp.ehlo_or_helo_if_needed()
    options = [f"size={len(data)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
    code, reply = smtp.mail(sender, options)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = smtp.rcpt(recipient)
    if code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    code, reply = smtp.docmd("DATA")
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    stuffed = _LEADING_DOT.sub(b"..", data)
    smtp.send(stuffed if stuffed.endswith(b"\r\n") else stuffed + b"\r\n")


@contextlib.contextmanager
def _sorted_faults() -> Any:
    try:
        yield
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        raise _by_code(min(codes, default=550), f"refused: {error.recipients}") from error
    except smtplib.SMTPResponseException as error:
        said = f"SMTP {error.smtp_code}: {error.smtp_error!r}"
        raise _by_code(error.smtp_code, said) from error
    except (smtplib.SMTPServerDisconnected, TimeoutError, ConnectionError) as error:
        raise TransientFault(f"SMTP connection: {error!r}") from error
    except smtplib.SMTPException as error:  # no TLS, no AUTH...: the setup, not the moment
        raise PermanentFault(f"SMTP: {error!r}") from error
    except OSError as error:  # DNS, unreachable host: may pass
        raise TransientFault(f"SMTP connection: {error!r}") from error


def _by_code(code: int, text: str) -> TransientFault | PermanentFault:
    return TransientFault(text) if 400 <= code < 500 else PermanentFault(text)
