"""Servers on loopback for the notification tests and benchmarks: an SMTP sink, a redis-server
of our own that we may kill, `scheduler worker` processes we may kill, and a scripted HTTP
server. (tests.servers runs `scheduler serve`.)"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import redis
from aiosmtpd.controller import Controller

from tests.servers import database_env, free_port

LOOPBACK = "127.0.0.1"


def wait_for(condition: Callable[[], bool], *, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


# -- SMTP ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    received_at: float  # time.monotonic()


@dataclass
class SmtpSink:
    """aiosmtpd on a free loopback port, keeping every accepted message.

    It offers PIPELINING, as Postfix and the big providers do, unless ``pipelining`` is False.
    ``refuse`` maps a recipient to the reply its RCPT gets (e.g. "450 ...", "550 ..."), for as
    many times as ``refusals`` allows (None: always).

    A message is kept as it came and parsed when asked for (``received()``): parsing costs the
    sink more than receiving, and the sink shares the machine with what a benchmark measures.
    """

    port: int = field(default_factory=free_port)
    refuse: dict[str, str] = field(default_factory=dict)
    refusals: int | None = None
    pipelining: bool = True
    _arrived: list[tuple[bytes, str, tuple[str, ...], float]] = field(default_factory=list)
    _parsed: list[Mail] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    async def handle_EHLO(  # aiosmtpd's hook names
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        if not self.pipelining:
            return responses
        # aiosmtpd reads commands one after another from the stream, so it takes them
        # pipelined; it only does not say so.
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        with self._lock:
            reply = self.refuse.get(address)
            if reply and self.refusals != 0:
                if self.refusals is not None:
                    self.refusals -= 1
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        arrival = (envelope.content, envelope.mail_from, tuple(envelope.rcpt_tos), time.monotonic())
        with self._lock:
            self._arrived.append(arrival)
        return "250 Message accepted for delivery"

    def start(self) -> SmtpSink:
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
        self._controller = Controller(self, hostname=LOOPBACK, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def received(self) -> list[Mail]:
        with self._lock:
            self._parsed += map(_parsed, self._arrived[len(self._parsed) :])
            return list(self._parsed)

    @property
    def mails(self) -> list[Mail]:
        return self.received()

    def count(self) -> int:
        with self._lock:
            return len(self._arrived)

    def copies(self) -> Counter[str]:
        """How many times each Message-ID arrived."""
        return Counter(mail.message_id for mail in self.received())


def _parsed(arrival: tuple[bytes, str, tuple[str, ...], float]) -> Mail:
    content, sender, recipients, received_at = arrival
    parsed = message_from_bytes(content, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    body = parsed.get_body(preferencelist=("plain",))
    return Mail(
        message_id=str(parsed["Message-ID"]),
        sender=sender,
        recipients=recipients,
        subject=str(parsed["Subject"]).strip(),  # as unfolded
        body=body.get_content() if body is not None else "",
        received_at=received_at,
    )


@contextlib.contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    try:
        yield sink
    finally:
        sink.stop()


# -- Redis -----------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own on a free loopback port, without persistence: killed and
    started again, it comes back empty."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self) -> RedisServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                LOOPBACK,
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        if not wait_for(lambda: _pings(client), timeout=10):
            raise RuntimeError("redis-server did not start")
        return self

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None

    def keys(self) -> int:
        return int(redis.Redis.from_url(self.url).dbsize())

    def run_id(self) -> str:
        """Differs for every start of a server: tells a restart from a reconnect."""
        return str(redis.Redis.from_url(self.url).info("server")["run_id"])

    def keys_loaded_at_start(self) -> int:
        """How many keys this server read from disk when it started (0: it came up empty)."""
        return int(redis.Redis.from_url(self.url).info("persistence")["rdb_last_load_keys_loaded"])


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


# -- `scheduler worker` ------------------------------------------------------------------------


WORKER_COMMAND = (sys.executable, "-m", "scheduler.entrypoints.cli", "worker")


class WorkerProcess:
    """`scheduler worker` in a process of its own: outbox relay, notification sweep, Dramatiq."""

    def __init__(self, env: dict[str, str], *, log: Path, threads: int = 2) -> None:
        self.env = env
        self.log = log
        self.threads = threads
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        with self.log.open("ab") as out:
            self._process = subprocess.Popen(
                [*WORKER_COMMAND, "--threads", str(self.threads)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def kill(self) -> None:
        """SIGKILL: no goodbye, transactions cut off mid-way, messages held in memory lost."""
        if self._process is not None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=10)
            self._process = None

    def stop(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
            self._process = None

    def cpu_seconds(self) -> float:
        """The CPU time the process has used so far, its own threads' (Linux's /proc)."""
        assert self._process is not None, "start() first"
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        user, system = int(fields[11]), int(fields[12])  # utime, stime: stat(5) fields 14, 15
        return (user + system) / os.sysconf("SC_CLK_TCK")

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def worker_env(*, redis_url: str, smtp_port: int, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a production-runtime worker on this run's database, talking to our
    own Redis and SMTP servers."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "EMAIL_", "SMS_", "NOTIFY_", "DRAMATIQ_"))
    }
    env.update(
        database_env(),
        REDIS_URL=redis_url,
        EMAIL_HOST=LOOPBACK,
        EMAIL_PORT=str(smtp_port),
        SMS_BACKEND="file",
        NOBAT_DATA_DIR=str(data_dir),
        DJANGO_SECRET_KEY="test-worker",
        LOG_LEVEL="WARNING",
        **extra,
    )
    return env


# -- HTTP --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    delay: float = 0.0

    @classmethod
    def json(cls, status: int, payload: Any) -> Answer:
        return cls(status, json.dumps(payload).encode())


@dataclass
class ScriptedHttpServer:
    """Answers POSTs from a script (the last answer repeats) and records each request."""

    answers: list[Answer]
    requests: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://{LOOPBACK}:{self._server.server_address[1]}"

    def start(self) -> ScriptedHttpServer:
        script = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = parse_qs(self.rfile.read(length).decode())
                script.requests.append((self.path, form))
                answer = script.answers[min(len(script.requests), len(script.answers)) - 1]
                time.sleep(answer.delay)
                with contextlib.suppress(ConnectionError):  # the client gave up waiting
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@dataclass
class FaultRig:
    """What a fault test breaks and restarts: an SMTP sink, a redis-server of its own, and the
    environment of `scheduler worker` processes against them (their logs in ``logs``)."""

    sink: SmtpSink
    redis: RedisServer
    env: dict[str, str]
    logs: Path

    def worker(self, name: str) -> WorkerProcess:
        return WorkerProcess(self.env, log=self.logs / f"{name}.log").start()


@contextlib.contextmanager
def fault_rig(directory: Path, **settings: str) -> Iterator[FaultRig]:
    """A rig whose outbox sweeps every half second; ``settings``: the swept work's own."""
    with smtp_sink() as sink:
        redis = RedisServer(directory / "redis").start()
        try:
            env = worker_env(
                redis_url=redis.url,
                smtp_port=sink.port,
                data_dir=directory / "data",
                OUTBOX_SWEEP_SECONDS="0.5",
                **settings,
            )
            yield FaultRig(sink, redis, env, directory)
        finally:
            redis.kill()
