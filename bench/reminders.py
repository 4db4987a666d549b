"""Reminder throughput: 10,000 reminders due now, 2 worker processes, a local SMTP sink.

    ./run bench reminders        (needs PostgreSQL on 127.0.0.1:5432 and
                                               redis-server on the PATH; --help for sizes)

Makes N booked appointments (bulk rows, each its own doctor and patient) and logs a reminder due
now for each, as the notifier does for a reminder that waited in the log. Then it starts a
redis-server of its own on a free loopback port, an SMTP sink (aiosmtpd, in this process) and
W `scheduler worker` processes: their sweeps hand the due reminders to Dramatiq, their actors
send them. Prints messages/s, duplicates (must be 0) and missing (must be 0). Bounded: it gives
up after --timeout seconds.

Side by side, two baselines: the same messages as they arrived (up to --baseline of them), built
beforehand and sent by smtplib alone to a sink of their own, first one after another from this
process over one connection, then from W x T processes at once (one a worker thread), which is
the most the sink, sharing these cores, takes at all: no sender can beat that ceiling here. The
ratios say how close the workers, with their log, locks and task queue, come to a bare SMTP
client and to the ceiling on this machine at this moment.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench_db import recreate_database  # this folder is the script's: first on the path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.crowd and tests.loopback

if TYPE_CHECKING:
    from tests.loopback import Mail

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/nobat_bench_reminders"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=4, help="Dramatiq threads per worker")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument(
        "--baseline", type=int, default=2000, help="messages the bare SMTP client sends"
    )
    parser.add_argument(
        "--pool-size",
        type=int,
        default=0,
        help="DATABASE_POOL_SIZE of the workers (0, the default: a connection a job)",
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="nobat-bench-reminders-"))
    recreate_database(args.database_url)
    os.environ.update(
        DATABASE_URL=args.database_url,
        NOBAT_DATA_DIR=str(scratch / "data"),
        DJANGO_SETTINGS_MODULE="scheduler.config.settings",
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    prepared = time.monotonic()
    _log_due_reminders(args.reminders)
    print(
        f"{args.reminders} reminders due now, logged in {time.monotonic() - prepared:.1f} s; "
        f"{args.workers} worker processes x {args.threads} threads, "
        f"database pool {args.pool_size or 'none'}"
    )
    return _deliver(args, scratch)


def _log_due_reminders(count: int) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from tests import crowd, factories

    from scheduler.adapters.notify.models import Channel, Notification
    from scheduler.domain.notifications import Kind

    now = timezone.now()
    clinic = factories.clinic()
    appointments = crowd.booked_rows(crowd.pairs(count), clinic, now + timedelta(hours=2))
    Notification.objects.bulk_create(
        (
            Notification(
                appointment=appointment,
                kind=Kind.REMINDER.value,
                scheduled_for=now,
                about_start=appointment.start,
                channel=Channel.EMAIL.value,
                recipient_id=appointment.patient.user_id,
            )
            for appointment in appointments
        ),
        batch_size=2000,
    )


def _deliver(args: argparse.Namespace, scratch: Path) -> int:
    from django.db.models import Count
    from tests.loopback import RedisServer, WorkerProcess, smtp_sink, wait_for
    from tests.loopback import worker_env as environment

    from scheduler.adapters.notify.models import Notification

    with smtp_sink() as sink:
        redis = RedisServer(scratch / "redis").start()
        env = environment(
            redis_url=redis.url,
            smtp_port=sink.port,
            data_dir=scratch / "data",
            NOTIFY_SWEEP_SECONDS="1",
            DATABASE_POOL_SIZE=str(args.pool_size),
        )
        started = time.monotonic()
        workers = [
            WorkerProcess(env, log=scratch / f"worker{n}.log", threads=args.threads).start()
            for n in range(args.workers)
        ]
        try:
            # Once the log holds every reminder as sent, no late copy can come. The count
            # first: copies() parses what came, in this process, which the sink shares.
            done = wait_for(
                lambda: (
                    sink.count() >= args.reminders
                    and len(sink.copies()) >= args.reminders
                    and Notification.objects.filter(status=Notification.Status.SENT).count()
                    >= args.reminders
                ),
                timeout=args.timeout,
                interval=0.2,
            )
            # Steadier than the rates when the machine's speed moves: the work a message costs.
            worker_cpu = sum(worker.cpu_seconds() for worker in workers)
        finally:
            for worker in workers:
                worker.stop()
            redis.kill()
        mails = sink.received()

    copies = sink.copies()
    duplicates = sum(n - 1 for n in copies.values())
    missing = args.reminders - len(copies)
    statuses = dict(
        Notification.objects.values_list("status").annotate(n=Count("pk")).order_by("status")
    )
    if mails:
        first = min(mail.received_at for mail in mails)
        last = max(mail.received_at for mail in mails)
        rate = len(copies) / (last - started)
        print(f"from worker start to the last mail: {last - started:.1f} s")
        print(f"messages/s (worker start -> last mail): {rate:.0f}")
        if last > first:
            print(f"messages/s (first mail -> last mail):   {len(copies) / (last - first):.0f}")
        print(
            f"the workers' CPU: {worker_cpu:.1f} s in all, their start-up included: "
            f"{worker_cpu / len(copies) * 1000:.2f} ms a message"
        )
        built = _built(mails[: args.baseline])
        bare = _bare_smtp_rate(built)
        print(
            f"messages/s of smtplib alone, {len(built)} of the same messages "
            f"over one connection: {bare:.0f}; workers / bare client: {rate / bare:.2f}"
        )
        ceiling = _sink_ceiling(built, args.workers * args.threads)
        print(
            f"messages/s the sink takes at most: {ceiling:.0f}, from "
            f"{args.workers * args.threads} bare clients in as many processes; "
            f"workers / sink ceiling: {rate / ceiling:.2f}"
        )
    print(
        f"delivered {len(copies)}, duplicates {duplicates} (must be 0), missing {missing} "
        f"(must be 0); log: {statuses}"
    )
    if not done:
        print(f"gave up after {args.timeout:.0f} s; worker log:\n{workers[0].tail()}")
    return 0 if done and duplicates == 0 and missing == 0 else 1


Built = list[tuple[str, list[str], bytes]]


def _built(mails: list[Mail]) -> Built:
    """These mails as smtplib's sendmail() takes them: sender, recipients, bytes."""
    from django.core.mail import EmailMessage

    return [
        (
            mail.sender,
            list(mail.recipients),
            EmailMessage(
                mail.subject,
                mail.body,
                to=list(mail.recipients),
                headers={"Message-ID": mail.message_id},
            )
            .message()
            .as_bytes(linesep="\r\n"),
        )
        for mail in mails
    ]


def _bare_smtp_rate(built: Built) -> float:
    """Messages/s of smtplib sending these mails, built beforehand, over one connection."""
    import smtplib

    from tests.loopback import LOOPBACK, smtp_sink

    with smtp_sink() as sink, smtplib.SMTP(LOOPBACK, sink.port) as client:
        started = time.monotonic()
        for sender, recipients, data in built:
            client.sendmail(sender, recipients, data)
        took = time.monotonic() - started
        assert sink.count() == len(built)
    return len(built) / took


def _sink_ceiling(built: Built, clients: int) -> float:
    """Messages/s the sink (in this process, as the workers' is) takes from ``clients`` bare
    smtplib clients, each in a process of its own, sending ``built`` between them: what no
    sender can beat on this machine at this moment."""
    import multiprocessing

    from tests.loopback import smtp_sink

    shares = [built[n::clients] for n in range(clients)]
    with smtp_sink() as sink, multiprocessing.get_context("spawn").Pool(clients) as pool:
        # All begin at once, a moment after the processes had time to start.
        at = time.monotonic() + 3
        spans = pool.starmap(_send_bare, [(sink.port, share, at) for share in shares])
        assert sink.count() == len(built)
    # CLOCK_MONOTONIC is one clock for every process of the machine.
    return len(built) / (max(end for _, end in spans) - min(start for start, _ in spans))


def _send_bare(port: int, built: Built, at: float) -> tuple[float, float]:
    """One bare client's share of the ceiling, from ``at`` on: when it began and ended."""
    import smtplib

    with smtplib.SMTP("127.0.0.1", port) as client:
        time.sleep(max(0.0, at - time.monotonic()))
        started = time.monotonic()
        for sender, recipients, data in built:
            client.sendmail(sender, recipients, data)
        return started, time.monotonic()


if __name__ == "__main__":
    raise SystemExit(main())
