"""Email through Django's mail API (SMTP in production), in steps that let the delivery put
its commit in the right place, with faults sorted for retrying.

``start()`` hands the server everything but the final "." of the DATA phase. ``release()``
sends that dot without waiting, as the last act of the delivery's transaction; ``verdict()``
reads the server's answer after the commit. A process that dies before the dot leaves an
unfinished DATA the server throws away, and a log rolled back to "queued": it is sent later.
One that dies once the COMMIT is on its way has sent and logged. Only a death between those
two socket writes (microseconds apart) means the message will go out a second time. Backends
other than SMTP (files, the console, tests' memory) send the whole message in ``release()``.

An SMTP connection is kept from one message to the next (``thread_mailer()``: one a thread),
as connecting and greeting cost more than a message. A message that went wrong drops it, and
so does one left unfinished; a kept connection the server has closed meanwhile is replaced
before the message's DATA is done, so nothing of it was delivered.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import smtplib
import socket
import threading
from collections.abc import Callable
from email.generator import BytesGenerator
from email.message import Message
from email.policy import Compat32
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import sanitize_address
from django.core.validators import validate_email

from scheduler.adapters.notify.faults import (
    PermanentFault,
    TransientFault,
    Unreachable,
)

_LEADING_DOT = re.compile(rb"(?m)^\.")  # dot-stuffing, RFC 5321 section 4.5.2


class Mailer:
    """One message at a time: ``start()``, ``release()``, ``verdict()``, then ``done()``. Over
    SMTP the connection is kept across messages until ``close()``."""

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
        assert self._smtp is None and self._awaiting is None, "done() with the last one first"
        self._message = EmailMessage(subject, body, to=[to], headers={"Message-ID": message_id})
        try:
            with _sorted_faults():
                self._begin(self._message)
        except BaseException:
            # A fault, or the task queue's time limit or shutdown raised into the thread: the
            # server's replies may be unread, and the next message would read them as its own.
            self._drop()
            raise

    def _begin(self, message: EmailMessage) -> None:
        kept = self._connection is not None
        smtp = self._open()
        if smtp is None:
            return  # another backend: release() sends the whole message
        try:
            _send_all_but_the_dot(smtp, message)
        except (
            smtplib.SMTPServerDisconnected,
            ConnectionError,
            smtplib.SMTPSenderRefused,
        ) as error:
            # Lost, or refused with 421 ("closing the transmission channel").
            closed = getattr(error, "smtp_code", 421) == 421
            if not (kept and closed):
                raise
            # Closed by the server while kept (its idle timeout, a restart): no dot went, so
            # nothing was delivered; once more on a connection of our own.
            self.close()
            smtp = self._open()
            assert smtp is not None
            _send_all_but_the_dot(smtp, message)
        self._smtp = smtp

    def _open(self) -> smtplib.SMTP | None:
        """The connection, opened if need be; its smtplib client when it is SMTP."""
        if self._connection is None:
            self._connection = get_connection(fail_silently=False)
            self._connection.open()
            smtp = _smtp_of(self._connection)
            if smtp is not None and smtp.sock is not None:
                # The dot goes alone: without this, Nagle's algorithm holds it until the
                # body's ACK, which the server delays (40 ms on Linux).
                smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _smtp_of(self._connection)

    def release(self) -> None:
        """Let the message go: over SMTP the final dot, without waiting for the answer."""
        message, self._message = self._message, None
        assert message is not None, "start() first"
        try:
            with _sorted_faults():
                if self._smtp is None:
                    self._connection.send_messages([message])
                else:
                    self._smtp.send(b".\r\n")
                    self._awaiting, self._smtp = self._smtp, None
        except BaseException:  # as in start(): nothing half-read stays for the next message
            self._drop()
            raise

    def verdict(self) -> None:
        """Over SMTP, the server's answer to the message released; raises if it refused."""
        smtp, self._awaiting = self._awaiting, None
        if smtp is None:
            return
        try:
            with _sorted_faults():
                code, reply = smtp.getreply()
                if code != 250:
                    raise smtplib.SMTPDataError(code, reply)
        except BaseException:  # as in start(): nothing half-read stays for the next message
            self._drop()
            raise

    def done(self) -> None:
        """The end of one message's delivery, however it went: an SMTP connection between
        messages is kept for the next; one left mid-message (its DATA unfinished, or its
        answer unread) is dropped, as is any other backend's."""
        self._message = None
        between = self._smtp is None and self._awaiting is None
        if not (between and _smtp_of(self._connection) is not None):
            self.close()

    def _drop(self) -> None:
        """Close mid-exchange, without a QUIT: the server may be in DATA, where a QUIT is read
        as the message and waits for an answer that is not coming."""
        smtp = _smtp_of(self._connection)
        if smtp is not None:
            smtp.close()
        self.close()

    def close(self) -> None:
        """Quit the server; a fault now changes nothing (what was sent is logged already).
        A message started and not finished is dropped: the socket closes mid-DATA (a QUIT
        there would be read as more of the message)."""
        unfinished, self._smtp = self._smtp, None
        if unfinished is not None:
            unfinished.close()
        self._awaiting = None
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.close()


_threads = threading.local()


def thread_mailer() -> Mailer:
    """This thread's mailer, whose SMTP connection the thread's deliveries share."""
    mailer: Mailer | None = getattr(_threads, "mailer", None)
    if mailer is None:
        mailer = _threads.mailer = Mailer()
    return mailer


def _smtp_of(connection: Any) -> smtplib.SMTP | None:
    smtp = getattr(connection, "connection", None)
    return smtp if isinstance(smtp, smtplib.SMTP) else None


# What a command's unexpected reply raises, from its code and text.
_Refusal = Callable[[int, bytes], smtplib.SMTPException]


def _send_all_but_the_dot(smtp: smtplib.SMTP, message: EmailMessage) -> None:
    """smtplib's sendmail() up to the end of the DATA phase, for one recipient. Where the
    server offers PIPELINING (RFC 2920), MAIL, RCPT and DATA go in one write and their replies
    are read together: one round trip to the server where there were three."""
    encoding = message.encoding or settings.DEFAULT_CHARSET
    sender = _sender(message.from_email, encoding)
    [recipient] = [_recipient(address, encoding) for address in message.recipients()]
    data = as_bytes(message.message())
    smtp.ehlo_or_helo_if_needed()
    size = f" SIZE={len(data)}" if smtp.does_esmtp and smtp.has_extn("size") else ""
    steps: tuple[tuple[str, tuple[int, ...], _Refusal], ...] = (
        (
            f"MAIL FROM:{smtplib.quoteaddr(sender)}{size}",
            (250,),
            lambda code, reply: smtplib.SMTPSenderRefused(code, reply, sender),
        ),
        (
            f"RCPT TO:{smtplib.quoteaddr(recipient)}",
            (250, 251),
            lambda code, reply: smtplib.SMTPRecipientsRefused({recipient: (code, reply)}),
        ),
        ("DATA", (354,), smtplib.SMTPDataError),
    )
    if smtp.does_esmtp and smtp.has_extn("pipelining"):
        smtp.send("".join(f"{command}\r\n" for command, _, _ in steps))
        try:
            for _, accepted, refusal in steps:
                _expect(smtp, accepted, refusal)
        except (smtplib.SMTPException, OSError):
            # The server may be in DATA all the same: a QUIT now would be read as the message,
            # and wait for an answer that never comes. Dropped, the DATA is thrown away.
            smtp.close()
            raise
    else:
        for command, accepted, refusal in steps:
            smtp.putcmd(command)
            _expect(smtp, accepted, refusal)
    stuffed = _LEADING_DOT.sub(b"..", data)
    smtp.send(stuffed if stuffed.endswith(b"\r\n") else stuffed + b"\r\n")


def _expect(smtp: smtplib.SMTP, accepted: tuple[int, ...], refusal: _Refusal) -> None:
    code, reply = smtp.getreply()
    if code not in accepted:
        raise refusal(code, reply)


class _QuickFolding(Compat32):
    """compat32, the policy of Django's messages, save that a header that fits on its line in
    plain ASCII is written as it is: what compat32 writes for it (a test holds it to that),
    without an email.header.Header made and encoded for each, which was half of the CPU a
    message's MIME took."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if (
            isinstance(value, str)
            and value.isascii()
            and value.isprintable()  # no line breaks, tabs or form feeds (Header folds them)
            and self.max_line_length
            and len(name) + 2 + len(value) <= self.max_line_length
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_SMTP_FOLDING = _QuickFolding(linesep="\r\n")


def as_bytes(message: Message) -> bytes:
    """The message as Django's own SMTP backend sends it (``as_bytes(linesep="\\r\\n")``)."""
    out = io.BytesIO()
    BytesGenerator(out, mangle_from_=False, policy=_SMTP_FOLDING).flatten(message)
    return out.getvalue()


# An address of ASCII dot-atoms, which sanitize_address gives back as it is (tests hold it
# to that): its parser took a twentieth of a message's CPU in the reminders benchmark. Not one
# that starts with "=?": the parser decodes an encoded word there, and Django's own backend
# (account and waitlist mail) sends to the mailbox it decodes to.
PLAIN_ADDRESS = re.compile(
    r"(?!=\?)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*"
)


def _recipient(address: str, encoding: str) -> str:
    return address if PLAIN_ADDRESS.fullmatch(address) else sanitize_address(address, encoding)


@functools.lru_cache(maxsize=4)
def _sender(address: str, encoding: str) -> str:
    # The same for every message, and parsing it costs as much as a round trip to the server.
    return sanitize_address(address, encoding)


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
        raise Unreachable(f"SMTP connection: {error!r}") from error
    except smtplib.SMTPException as error:  # no TLS, no AUTH...: the setup, not the moment
        raise PermanentFault(f"SMTP: {error!r}") from error
    except OSError as error:  # DNS, unreachable host: may pass
        raise Unreachable(f"SMTP connection: {error!r}") from error


def _by_code(code: int, text: str) -> TransientFault | PermanentFault:
    return TransientFault(text) if 400 <= code < 500 else PermanentFault(text)
