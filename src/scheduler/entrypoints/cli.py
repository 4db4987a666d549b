"""The `scheduler` command: demo, serve, worker, seed-demo, manage."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.config.settings")
    if "port" in args:  # links in messages point at this server unless told otherwise
        os.environ.setdefault("PUBLIC_URL", f"http://{args.host}:{args.port}")
    if args.run is _demo:
        # The demo's clinics are in Tehran and Shiraz: a browser that asks for no language we
        # speak reads the home and sign-in pages in Persian too, as it does the clinics' pages.
        os.environ.setdefault("NOBAT_LANGUAGE", "fa")
    import django

    django.setup()
    result: int = args.run(args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scheduler", description="Nobat appointment system")
    commands = parser.add_subparsers(required=True, metavar="command")

    demo = commands.add_parser("demo", help="migrate, seed the demo clinic (once), serve it")
    _serve_options(demo)
    demo.set_defaults(run=_demo)

    serve = commands.add_parser("serve", help="serve HTTP and WebSockets with daphne")
    _serve_options(serve)
    serve.set_defaults(run=_serve)

    worker = commands.add_parser("worker", help="outbox relay and Dramatiq worker threads")
    worker.add_argument("--threads", type=int, default=4, help="Dramatiq worker threads")
    worker.add_argument(
        "--metrics-port",
        type=int,
        default=_optional_int(os.environ.get("WORKER_METRICS_PORT")),
        help="serve this worker's metrics (Prometheus) on this port; none by default",
    )
    worker.add_argument(
        "--metrics-host", default=os.environ.get("WORKER_METRICS_HOST", "127.0.0.1")
    )
    worker.set_defaults(run=_worker)

    seed = commands.add_parser("seed-demo", help="add the demo clinic's data (skips if there)")
    seed.set_defaults(run=_seed)

    manage = commands.add_parser("manage", help="run a Django management command")
    manage.add_argument("arguments", nargs=argparse.REMAINDER)
    manage.set_defaults(run=_manage)
    return parser


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))


def _demo(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    from scheduler.entrypoints import demo_seed

    call_command("migrate", interactive=False, verbosity=0)
    demo_seed.seed(out=sys.stdout)
    print(demo_seed.LOGINS_HELP)
    return _serve(args)


# What a browser sends on a socket is a line of JSON (a token, "snapshot"); daphne's default of
# 1 MB a message would let each open socket hold a megabyte of anyone's sending.
SOCKET_MESSAGE_BYTES = 64 * 1024


def _serve(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.management import call_command

    from scheduler.config import bootstrap, runtime
    from scheduler.entrypoints.daphne_access import Daphne
    from scheduler.entrypoints.daphne_bodies import leave_request_bodies_to_django
    from scheduler.entrypoints.daphne_frames import (
        frames_sent_at_once,
        limits_on_what_browsers_send,
        plain_frame_logs,
    )

    if not _port_free(args.host, args.port):
        # daphne would log the failure and go on running with nothing listening.
        print(
            f"Port {args.port} on {args.host} is in use: stop what runs there, or choose "
            "another with --port N.",
            file=sys.stderr,
        )
        return 2
    call_command("collectstatic", interactive=False, verbosity=0)
    # The embedded runtime works its Dramatiq stub broker here; production has `worker`.
    runtime.start(
        bootstrap.event_handlers(),
        dramatiq_threads=0 if settings.DRAMATIQ_BROKER_URL else 2,
        directory_sweep=bootstrap.directory().refresh_due,
        holds_sweep=bootstrap.release_expired_holds,
    )
    url = f"http://{args.host}:{args.port}/"
    _announce(f"Nobat is running at {url}  (API docs: {url}api/docs/)  Ctrl+C stops it.")
    leave_request_bodies_to_django()
    plain_frame_logs()
    frames_sent_at_once()
    limits_on_what_browsers_send()
    _quiet_the_collector()
    try:
        Daphne().run(
            [
                "--bind",
                args.host,
                "--port",
                str(args.port),
                f"--websocket-max-message-size={SOCKET_MESSAGE_BYTES}",
                f"--websocket-max-frame-size={SOCKET_MESSAGE_BYTES}",
                "scheduler.config.asgi:application",
            ]
        )
    finally:
        runtime.stop()
    return 0


# The collector's thresholds for a serving process (Python's default: 700, 10, 10): see below.
COLLECT_AFTER_ALLOCATIONS = 50_000
YOUNG_COLLECTIONS_PER_OLDER = 20
OLDER_COLLECTIONS_PER_FULL = 100


def _quiet_the_collector() -> None:
    """Keep full garbage collections from stalling the sockets.

    With 500 sockets open in a process, a full collection walked every object of it (Django,
    the app, each socket's protocol and consumer) for 150 ms, in which none of its sockets heard
    anything; under a busy grid it ran a dozen times a minute, from the frames of a fan-out that
    outlived a young collection. What is loaded now lives as long as the process: frozen, no
    collection walks it again. Rarer collections then do the rest (``bench/fanout.py``: commit ->
    socket p99 from about 260 ms to 100-115 ms, its client doing the same). Cycles are still
    collected, later.
    """
    import gc

    import scheduler.config.asgi  # noqa: F401  (the application daphne serves: loaded now)

    gc.collect()
    gc.freeze()
    gc.set_threshold(
        COLLECT_AFTER_ALLOCATIONS, YOUNG_COLLECTIONS_PER_OLDER, OLDER_COLLECTIONS_PER_FULL
    )


def _announce(text: str) -> None:
    """A line for whoever started the process: on the terminal, or as a log line where the
    output is JSON lines (a banner among them would trip the collector)."""
    from django.conf import settings

    if settings.LOG_FORMAT == "json":
        logging.getLogger("scheduler.cli").info(text)
    else:
        print(f"\n{text}\n", flush=True)


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        # As daphne binds: over the TIME_WAIT ends of the last process's closed connections
        # (a restart behind nginx's keep-alive), never over a live listener.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _optional_int(value: str | None) -> int | None:
    return int(value) if value else None


def _worker(args: argparse.Namespace) -> int:
    from scheduler.adapters import metrics
    from scheduler.config import bootstrap, runtime

    if args.metrics_port is not None:
        metrics.serve(args.metrics_host, args.metrics_port)

    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    runtime.start(
        bootstrap.event_handlers(),
        dramatiq_threads=args.threads,
        directory_sweep=bootstrap.directory().refresh_due,
        holds_sweep=bootstrap.release_expired_holds,
    )
    _announce("worker: relaying the outbox and running Dramatiq actors; Ctrl+C stops it.")
    stopping.wait()
    runtime.stop()
    return 0


def _seed(args: argparse.Namespace) -> int:
    from scheduler.entrypoints import demo_seed

    demo_seed.seed(out=sys.stdout)
    return 0


def _manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["scheduler manage", *args.arguments])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
