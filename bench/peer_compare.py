"""Nobat vs django-appointment on PostgreSQL: free-slot latency, booking rate, double bookings.

    ./run bench peer_compare    (or: .venv/bin/python bench/peer_compare.py --attempts 200)

The peer, django-appointment 3.12.0 (the newest 3.12), is installed by this script into its
own virtual environment (``bench/.peer-venv``, git-ignored, reused while it holds the pinned
version) and runs in its own process: a small driver and a minimal Django settings module for
it are written to a temp dir, migrated into their own database, and the driver stays up for
the run: it prints its free-slot figures as a line of JSON on stdout, then one line for each
booking round it is asked for on stdin. Nothing of the peer's code is part of this repository.

Both systems get the same clinic (Asia/Tehran): one doctor working 10:00-17:00 every day, lunch
13:00-14:00, 30-minute slots, and the :00 slot of each working hour booked on each of the next
30 days (180 visits), which leaves 6 free slots a day. For the peer, lunch is one
``Unavailability`` a day (it has no recurring break) and the visits are ``AppointmentRequest``
+ ``Appointment`` rows.

Measured, each system with its own code, never both at once:

* free slots of 1 day and of 30 days, ``--reps`` times each, median and p95. Ours:
  ``queries.free_slots`` in a unit of work (as the API calls it); theirs:
  ``appointment.services.get_available_slots_for_staff`` once a day (it has no range call;
  its next-available-date view loops the same way), after loading the staff member.
* booking throughput with 1 and with 16 client processes (each its own connection), ``--attempts``
  in total per run, the same random picks among the free slots in both systems; ``--rounds``
  runs of each, the seeded visits alone again before each, and the median round reported (a run
  lasts about a second: one round says as much about the machine's moment as about the code).
  The rounds alternate, ours then theirs, then theirs then ours, and so on: the peer's driver
  stays up between its rounds, idle, so the machine's drift over the minutes falls on both.
  Ours: the bus's ``BookAppointment`` as a patient. Theirs: what its two booking views do on
  the server, ``AppointmentRequestForm`` validated and saved, then ``AppointmentForm`` +
  ``ClientDataForm`` and ``utils.db_helpers.create_and_save_appointment`` (the admin e-mail is
  left out).
  The peer checks no availability on that path; nothing is added for it.
* double bookings after each run, by SQL in each database: overlapping appointments of the
  same doctor (ours: active statuses; theirs has no status, every row counts).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench_db import recreate_database  # this folder is the script's: first on the path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.factories

PEER = "django-appointment"
PEER_VERSION = "3.12.0"  # the newest 3.12 release
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/nobat_bench_peer"
DEFAULT_PEER_URL = "postgres://postgres@127.0.0.1:5432/peer_bench_theirs"
ZONE = "Asia/Tehran"
DAYS = 30
HOURS = (10, 11, 12, 14, 15, 16)  # working hours; the :00 slot of each is booked
PATIENTS = 50
CLIENTS = (1, 16)
GOAL_GRID = 40.0  # theirs / ours on the 30-day free slots
GOAL_BOOKING = 3.0  # ours / theirs in booking attempts a second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=100, help="free-slot calls per figure")
    parser.add_argument("--attempts", type=int, default=200, help="booking attempts per run")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each booking figure")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--peer-database-url", default=DEFAULT_PEER_URL)
    parser.add_argument("--peer-venv", type=Path, default=ROOT / "bench" / ".peer-venv")
    args = parser.parse_args()
    if args.rounds < 1 or args.rounds % 2 == 0:
        parser.error("--rounds: an odd number, so that one round is the median")
    for url in (args.database_url, args.peer_database_url):
        if not any(host in url for host in ("@127.0.0.1", "@localhost", "@[::1]")):
            raise SystemExit(f"loopback databases only: {url}")

    peer_python = _peer_venv(args.peer_venv)
    days = _days()
    picks = _picks(days, args.attempts)

    # One system at a time on a shared machine: the load beside each is part of the result.
    loads = [os.getloadavg()[0]]
    recreate_database(args.database_url)
    recreate_database(args.peer_database_url)
    _progress(f"{PEER}: migrate, seed, free slots (its own process)")
    with _Peer(peer_python, args, days, picks) as peer:
        _progress("Nobat: migrate, seed, free slots")
        nobat = _Nobat(args, days)
        ours: dict[str, Any] = {"slots": nobat.slots, "booking": {}, "rounds": {}}
        theirs: dict[str, Any] = {"version": peer.version, "slots": peer.slots, "booking": {}}
        for clients in CLIENTS:
            _progress(f"booking, {clients} client(s), {args.rounds} rounds each, alternating")
            mine: list[dict[str, Any]] = []
            peers: list[dict[str, Any]] = []
            for n in range(args.rounds):
                pair = ((mine, nobat), (peers, peer))
                for runs, system in pair if n % 2 == 0 else reversed(pair):
                    runs.append(system.round(clients, picks[clients]))
            ours["booking"][clients] = _median_round(mine)
            theirs["booking"][clients] = _median_round(peers)
            ours["rounds"][clients] = [
                a["attempts_rate"] / b["attempts_rate"] for a, b in zip(mine, peers, strict=True)
            ]
        nobat.close()
    loads.append(os.getloadavg()[0])
    _report(ours, theirs, args, loads)


def _progress(step: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {step}", file=sys.stderr, flush=True)


def _peer_venv(venv: Path) -> Path:
    """The peer's own interpreter: made once, reinstalled only when it holds another version."""
    python = venv / "bin" / "python"
    if python.exists():
        found = subprocess.run(
            [str(python), "-c", f"import importlib.metadata as m; print(m.version({PEER!r}))"],
            capture_output=True,
            text=True,
        )
        if found.returncode == 0 and found.stdout.strip() == PEER_VERSION:
            return python
    print(f"installing {PEER}=={PEER_VERSION} into {venv} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"{PEER}=={PEER_VERSION}",
            "psycopg[binary]",
        ],
        check=True,
    )
    return python


def _days() -> list[date]:
    """Tomorrow on: today's slots depend on the hour the bench runs."""
    today = datetime.now(ZoneInfo(ZONE)).date()
    return [today + timedelta(days=n) for n in range(1, DAYS + 1)]


def _picks(days: list[date], attempts: int) -> dict[int, list[list[tuple[str, str]]]]:
    """Each run's attempts, per client: (date, HH:MM) among the free :30 slots, drawn once so
    both systems try the very same slots in the same order, repeats (conflicts) included."""
    free = [(day.isoformat(), f"{hour:02d}:30") for day in days for hour in HOURS]
    picks = {}
    for clients in CLIENTS:
        chooser = random.Random(clients)
        shares = [attempts // clients + (n < attempts % clients) for n in range(clients)]
        picks[clients] = [[chooser.choice(free) for _ in range(share)] for share in shares]
    return picks


def _percentiles(took: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(took),
        "p95": statistics.quantiles(took, n=20, method="inclusive")[18],
    }


# Ours ------------------------------------------------------------------------------------------


class _Nobat:
    """Ours, in this process: migrated, seeded and its free slots measured when made; then one
    booking round at a time, each back to the seeded visits afterwards."""

    def __init__(self, args: argparse.Namespace, days: list[date]) -> None:
        os.environ["DATABASE_URL"] = args.database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.config.settings")
        import django
        from django.conf import settings

        django.setup()
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        from django.core.management import call_command
        from tests import factories

        from scheduler.adapters.orm import models as rows
        from scheduler.config.bootstrap import build_bus
        from scheduler.domain.model import Actor, Role
        from scheduler.services.commands import BookAppointment

        call_command("migrate", verbosity=0)
        clinic = factories.clinic(timezone=ZONE)
        doctor = factories.doctor(clinic, min_notice_minutes=0)
        patients = [factories.patient() for _ in range(PATIENTS)]
        bus = build_bus()
        zone = ZoneInfo(ZONE)
        for n, (day, hour) in enumerate((day, hour) for day in days for hour in HOURS):
            patient = patients[n % PATIENTS]
            bus.handle(
                BookAppointment(
                    actor=Actor(patient.user_id, Role.PATIENT, patient_id=patient.pk),
                    doctor_id=doctor.pk,
                    clinic_id=clinic.pk,
                    start=datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=zone),
                )
            )
        rows.StoredEvent.objects.all().delete()
        _analyse()
        self.url = args.database_url
        self.seeded = set(rows.Appointment.objects.values_list("pk", flat=True))
        self.slots = {}
        for span in (1, DAYS):
            took, count = _ours_slots(doctor.pk, clinic.pk, days[0], days[span - 1], args.reps)
            self.slots[span] = {**_percentiles(took), "count": count}
        self.plan = {
            "doctor": doctor.pk,
            "clinic": clinic.pk,
            "patients": [(p.pk, p.user_id) for p in patients],
        }

    def round(self, clients: int, picks: list[list[tuple[str, str]]]) -> dict[str, Any]:
        from django.db import connections

        assert len(picks) == clients
        connections.close_all()
        run = _race(_ours_client, self.plan, picks, self.url)
        run["doubles"] = _ours_double_bookings()
        _ours_clear(self.seeded)
        return run

    def close(self) -> None:
        from django.db import connections

        connections.close_all()


def _analyse() -> None:
    """What autovacuum does for a table that grew: both systems are measured on analysed
    tables (each as its seed left them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _ours_slots(
    doctor: int, clinic: int, first_day: date, last_day: date, reps: int
) -> tuple[list[float], int]:
    from scheduler.config.bootstrap import unit_of_work, utc_now
    from scheduler.services import queries

    took = []
    count = 0
    for _ in range(reps):
        began = time.perf_counter()
        uow = unit_of_work()
        with uow:
            slots = queries.free_slots(
                uow,
                doctor_id=doctor,
                clinic_id=clinic,
                first_day=first_day,
                last_day=last_day,
                now=utc_now(),
            )
        took.append((time.perf_counter() - began) * 1000)
        count = len(slots)
    return took, count


def _ours_client(
    plan: dict[str, Any], picks: list[tuple[str, str]], seed: int, url: str, barrier: Any
) -> dict[str, Any]:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.config.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from scheduler.config.bootstrap import build_bus
    from scheduler.domain.errors import DomainError, SlotTaken
    from scheduler.domain.model import Actor, Role
    from scheduler.services.commands import BookAppointment

    zone = ZoneInfo(ZONE)
    chooser = random.Random(seed)
    bus = build_bus()

    def book(day: str, at: str, patient: int, user: int) -> None:
        bus.handle(
            BookAppointment(
                actor=Actor(user, Role.PATIENT, patient_id=patient),
                doctor_id=plan["doctor"],
                clinic_id=plan["clinic"],
                start=datetime.fromisoformat(f"{day}T{at}").replace(tzinfo=zone),
            )
        )

    # Warm (imports, first queries) outside the clock; undone. Both of our paths: a booking,
    # and a refusal with its alternatives (the peer has no such path: it refuses nothing).
    with transaction.atomic():
        book(*picks[0], *plan["patients"][0])
        with contextlib.suppress(SlotTaken):
            book(*picks[0], *plan["patients"][1])
        transaction.set_rollback(True)
    booked = conflicts = rejected = 0
    barrier.wait()
    started = time.perf_counter()
    for day, at in picks:
        try:
            book(day, at, *chooser.choice(plan["patients"]))
            booked += 1
        except SlotTaken:
            conflicts += 1
        except DomainError:  # e.g. the patient already has a visit then
            rejected += 1
    finished = time.perf_counter()
    connection.close()
    return {
        "booked": booked,
        "conflicts": conflicts,
        "rejected": rejected,
        "started": started,
        "finished": finished,
    }


def _ours_double_bookings() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM orm_appointment a JOIN orm_appointment b
              ON a.id < b.id AND a.doctor_id = b.doctor_id
             AND a.start < b."end" AND b.start < a."end"
             AND a.status IN ('pending', 'booked', 'arrived')
             AND b.status IN ('pending', 'booked', 'arrived')
            """
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _ours_clear(seeded: set[Any]) -> None:
    """Back to the seeded 180 visits for the next run."""
    from scheduler.adapters.orm import models as rows

    rows.Appointment.objects.exclude(pk__in=seeded).delete()  # their history and keys cascade
    rows.StoredEvent.objects.all().delete()


def _race(
    client: Any, plan: dict[str, Any], picks: list[list[tuple[str, str]]], url: str
) -> dict[str, Any]:
    """One process a client, released together; the run lasts from the first start to the
    last finish (perf_counter is one monotonic clock for all processes on Linux)."""
    context = mp.get_context("spawn")
    barrier = context.Barrier(len(picks))
    queue = context.Queue()
    workers = [
        context.Process(target=_report_to, args=(queue, client, plan, share, seed, url, barrier))
        for seed, share in enumerate(picks)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    return _summed(results)


def _median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The round of the median rate (of an odd number of rounds), with every round's rate and
    the most double bookings any round made."""
    ranked = sorted(rounds, key=lambda run: run["attempts_rate"])
    return {
        **ranked[len(ranked) // 2],
        "rates": [run["attempts_rate"] for run in ranked],
        "doubles": max(run["doubles"] for run in rounds),
    }


def _report_to(queue: Any, client: Any, *args: Any) -> None:
    queue.put(client(*args))


def _summed(results: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = max(r["finished"] for r in results) - min(r["started"] for r in results)
    total: dict[str, Any] = {
        key: sum(r[key] for r in results) for key in ("booked", "conflicts", "rejected")
    }
    attempts = total["booked"] + total["conflicts"] + total["rejected"]
    return {**total, "seconds": seconds, "attempts_rate": attempts / seconds}


# Theirs ----------------------------------------------------------------------------------------


# What the peer's driver prints before each answer: the only lines read from it.
ANSWER = "@answer "
PEER_WAIT_SECONDS = 900  # for any one answer; then the driver is stopped


class _Peer:
    """The peer's driver in its own interpreter, kept up for the whole run: it migrates, seeds
    and measures its free slots as it starts, then runs one booking round each time it is
    asked (a line on its stdin: the number of clients) and waits, idle, in between."""

    def __init__(
        self,
        python: Path,
        args: argparse.Namespace,
        days: list[date],
        picks: dict[int, list[list[tuple[str, str]]]],
    ) -> None:
        self.python = python
        self.plan = {
            "database_url": args.peer_database_url,
            "zone": ZONE,
            "days": [day.isoformat() for day in days],
            "hours": HOURS,
            "patients": PATIENTS,
            "reps": args.reps,
            "picks": {str(clients): share for clients, share in picks.items()},
        }
        self.url = args.peer_database_url

    def __enter__(self) -> _Peer:
        self.work = tempfile.TemporaryDirectory(prefix="peer-bench-")
        work = Path(self.work.name)
        (work / "peer_settings.py").write_text(PEER_SETTINGS)
        (work / "peer_driver.py").write_text(PEER_DRIVER)
        (work / "peer_urls.py").write_text(PEER_URLS)
        (work / "peer_migrations").mkdir()
        (work / "peer_migrations" / "__init__.py").write_text("")
        (work / "plan.json").write_text(json.dumps(self.plan))
        self.errors = (work / "stderr.log").open("w+")
        self.process = subprocess.Popen(
            [str(self.python), "peer_driver.py", "plan.json"],
            cwd=work,
            env={
                "PATH": os.environ.get("PATH", ""),
                "PYTHONPATH": str(work),
                "DJANGO_SETTINGS_MODULE": "peer_settings",
                "PEER_DATABASE_URL": self.url,
            },
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
        )
        started = self._answer()
        self.version: str = started["version"]
        # JSON made the keys strings.
        self.slots = {int(span): figures for span, figures in started["slots"].items()}
        return self

    def round(self, clients: int, picks: list[list[tuple[str, str]]]) -> dict[str, Any]:
        assert self.process.stdin is not None and len(picks) == clients
        self.process.stdin.write(f"{clients}\n")
        self.process.stdin.flush()
        return self._answer()

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        watchdog = threading.Timer(PEER_WAIT_SECONDS, self.process.kill)
        watchdog.start()
        try:
            for line in self.process.stdout:
                if line.startswith(ANSWER):
                    answer: dict[str, Any] = json.loads(line[len(ANSWER) :])
                    return answer
        finally:
            watchdog.cancel()
        self.errors.seek(0)
        sys.stderr.write(self.errors.read())
        raise SystemExit(f"the peer's driver failed ({self.process.wait()})")

    def __exit__(self, *exc: object) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()  # the driver ends at the end of its input
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.errors.close()
        self.work.cleanup()


# Report ----------------------------------------------------------------------------------------


def _report(
    ours: dict[str, Any], theirs: dict[str, Any], args: argparse.Namespace, loads: list[float]
) -> None:
    print(f"Nobat vs {PEER} {theirs['version']}, PostgreSQL, one doctor, {DAYS} days seeded")
    print(
        f"{os.cpu_count()} CPUs; 1-minute load average before: {loads[0]:.1f}, "
        f"after: {loads[1]:.1f}"
    )
    print("\nfree slots (ms, in process; ratio = theirs / ours, > 1: Nobat faster)")
    print(f"  {'':<16} {'ours':>9} {'theirs':>9} {'ratio':>8}   slots ours/theirs")
    for span in (1, DAYS):
        mine, peer = ours["slots"][span], theirs["slots"][span]
        for stat in ("median", "p95"):
            print(
                f"  {f'{span} day(s) {stat}':<16} {mine[stat]:9.2f} {peer[stat]:9.2f} "
                f"{peer[stat] / mine[stat]:7.1f}x   {mine['count']}/{peer['count']}"
            )
    print(
        f"\nbooking, {args.attempts} attempts a run over the free slots, median of {args.rounds} "
        "rounds (ratio = ours / theirs, > 1: Nobat faster)"
    )
    for clients in CLIENTS:
        mine, peer = ours["booking"][clients], theirs["booking"][clients]
        print(f"  {clients} client(s)")
        for name, run in (("ours", mine), ("theirs", peer)):
            print(
                f"    {name:<7} {run['booked']:4d} booked {run['conflicts']:4d} conflicts "
                f"{run['rejected']:4d} other refusals in {run['seconds']:6.2f} s = "
                f"{run['attempts_rate']:7.1f} attempts/s "
                f"(rounds {min(run['rates']):.0f}-{max(run['rates']):.0f}), "
                f"double-booked pairs (most in a round): {run['doubles']}"
            )
        paired = sorted(ours["rounds"][clients])
        print(
            f"    ratio   {mine['attempts_rate'] / peer['attempts_rate']:.2f}x attempts/s; "
            f"round by round (each beside the peer's next to it) "
            f"{paired[0]:.2f}-{paired[-1]:.2f}x, median {statistics.median(paired):.2f}x"
        )

    print("\ngoals")
    grid = theirs["slots"][DAYS]["median"] / ours["slots"][DAYS]["median"]
    _goal(f">= {GOAL_GRID:.0f}x on the {DAYS}-day free slots (median)", grid, GOAL_GRID)
    for clients in CLIENTS:
        mine, peer = ours["booking"][clients], theirs["booking"][clients]
        rate = mine["attempts_rate"] / peer["attempts_rate"]
        _goal(f">= {GOAL_BOOKING:.0f}x booking attempts/s, {clients} client(s)", rate, GOAL_BOOKING)
    doubles = sum(run["doubles"] for run in ours["booking"].values())
    print(f"  {'0 double bookings for us':<44} {doubles:>8}  {'met' if doubles == 0 else 'MISSED'}")
    peer_doubles = sum(run["doubles"] for run in theirs["booking"].values())
    if peer_doubles:
        print(
            f"\nthe peer made {peer_doubles} double-booked pairs: its booking path checks no "
            "availability and its tables have no overlap constraint"
        )
    for span in (1, DAYS):
        if theirs["slots"][span]["median"] < ours["slots"][span]["median"]:
            print(f"the peer is faster on {span}-day free slots (median)")
    for clients in CLIENTS:
        if theirs["booking"][clients]["attempts_rate"] > ours["booking"][clients]["attempts_rate"]:
            print(f"the peer takes more booking attempts a second with {clients} client(s)")


def _goal(title: str, value: float, goal: float) -> None:
    print(f"  {title:<44} {value:7.1f}x  {'met' if value >= goal else 'MISSED'}")


# The peer's side: written to a temp dir and run by the peer's own interpreter ------------------

PEER_SETTINGS = '''\
"""Just enough of a project for django-appointment on PostgreSQL."""

import os
from urllib.parse import urlsplit

_db = urlsplit(os.environ["PEER_DATABASE_URL"])

SECRET_KEY = "peer-bench"
DEBUG = False
USE_TZ = True
TIME_ZONE = "Asia/Tehran"
LANGUAGE_CODE = "en"
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "phonenumber_field",
    "appointment",
]
MIDDLEWARE = []
ROOT_URLCONF = "peer_urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.contrib.auth.context_processors.auth",
                                           "django.contrib.messages.context_processors.messages",
                                           "django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "postgres",
        "PASSWORD": _db.password or "",
        "HOST": _db.hostname,
        "PORT": _db.port or 5432,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
MIGRATION_MODULES = {"appointment": "peer_migrations"}
STATIC_URL = "/static/"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
'''

PEER_URLS = """\
from django.urls import include, path

urlpatterns = [path("appointment/", include("appointment.urls"))]
"""

PEER_DRIVER = '''\
"""django-appointment's side of bench/peer_compare.py: seed, time, print one JSON line."""

import datetime
import importlib.metadata
import json
import logging
import multiprocessing as mp
import random
import statistics
import sys
import time
from pathlib import Path


def setup():
    import django

    django.setup()
    # The package logs every booking at INFO through its own handlers.
    logging.disable(logging.INFO)


def seed(plan):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from appointment.models import (
        Appointment, AppointmentRequest, Service, StaffMember, Unavailability, WorkingHours,
    )

    # The package ships no migrations (its README has one run makemigrations): they are made
    # into this temp dir (MIGRATION_MODULES), never into the installed package.
    call_command("makemigrations", "appointment", verbosity=0)
    call_command("migrate", verbosity=0)
    User = get_user_model()
    doctor = User.objects.create_user(username="doctor", email="doctor@example.test",
                                      first_name="Doctor", last_name="One")
    service = Service.objects.create(name="Visit", duration=datetime.timedelta(minutes=30),
                                     price=0)
    staff = StaffMember.objects.create(user=doctor, slot_duration=30, appointment_buffer_time=0)
    staff.services_offered.add(service)
    for weekday in range(7):
        WorkingHours.objects.create(staff_member=staff, day_of_week=weekday,
                                    start_time=datetime.time(10), end_time=datetime.time(17))
    clients = [
        User.objects.create_user(username=f"patient{n}", email=f"patient{n}@example.test",
                                 first_name="Patient", last_name=str(n))
        for n in range(plan["patients"])
    ]
    n = 0
    for day in map(datetime.date.fromisoformat, plan["days"]):
        # No recurring break in the package: lunch is an unavailability a day.
        Unavailability.objects.create(staff_member=staff, date=day, description="lunch",
                                      start_time=datetime.time(13), end_time=datetime.time(14))
        for hour in plan["hours"]:
            ar = AppointmentRequest.objects.create(
                date=day, start_time=datetime.time(hour), end_time=datetime.time(hour, 30),
                service=service, staff_member=staff)
            Appointment.objects.create(client=clients[n % len(clients)], appointment_request=ar,
                                       phone="+12125550123")
            n += 1
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as for ours
    return staff.pk, service.pk, [c.pk for c in clients]


def slots(staff_id, service_id, days, reps):
    from appointment.models import Service, StaffMember
    from appointment.services import get_available_slots_for_staff
    from appointment.utils.db_helpers import get_weekday_num_from_date

    took, count = [], 0
    for _ in range(reps):
        began = time.perf_counter()
        staff = StaffMember.objects.get(pk=staff_id)
        service = Service.objects.get(pk=service_id)
        found = []
        for day in days:
            found += get_available_slots_for_staff(day, staff, get_weekday_num_from_date(day),
                                                   service=service)
        took.append((time.perf_counter() - began) * 1000)
        count = len(found)
    return {
        "median": statistics.median(took),
        "p95": statistics.quantiles(took, n=20, method="inclusive")[18],
        "count": count,
    }


class Request:
    """What create_and_save_appointment reads of a request: a signed-in client."""

    def __init__(self, user):
        self.user = user


def book(staff_id, service_id, day, at, user):
    """What the two booking views do on the server for a signed-in client; True if booked."""
    from appointment.forms import AppointmentForm, AppointmentRequestForm, ClientDataForm
    from appointment.models import StaffMember
    from appointment.utils.db_helpers import create_and_save_appointment

    start = datetime.time.fromisoformat(at)
    end = (datetime.datetime.combine(datetime.date.today(), start)
           + datetime.timedelta(minutes=30)).time()
    # appointment_request_submit
    form = AppointmentRequestForm({"date": day, "start_time": start.isoformat(),
                                   "end_time": end.isoformat(), "service": service_id,
                                   "staff_member": staff_id})
    if not form.is_valid() or not StaffMember.objects.filter(
            id=form.cleaned_data["staff_member"].id).exists():
        return False
    ar = form.save()
    # appointment_client_information
    client_form = ClientDataForm({"name": user.get_full_name(), "email": user.email}, user=user)
    appointment_form = AppointmentForm({"phone_0": "US", "phone_1": "2125550123",
                                        "address": "", "additional_info": ""})
    if not (appointment_form.is_valid() and client_form.is_valid()):
        return False
    ar.payment_type = "full"
    ar.save()
    create_and_save_appointment(ar, client_form.cleaned_data, appointment_form.cleaned_data,
                                Request(user))
    return True


def client(staff_id, service_id, client_ids, picks, seed, barrier, queue):
    setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    users = list(get_user_model().objects.filter(pk__in=client_ids).order_by("pk"))
    chooser = random.Random(seed)
    # Warm (imports, first queries) outside the clock; undone.
    with transaction.atomic():
        book(staff_id, service_id, *picks[0], users[0])
        transaction.set_rollback(True)
    booked = rejected = 0
    barrier.wait()
    started = time.perf_counter()
    for day, at in picks:
        if book(staff_id, service_id, day, at, chooser.choice(users)):
            booked += 1
        else:
            rejected += 1
    finished = time.perf_counter()
    connection.close()
    queue.put({"booked": booked, "conflicts": 0, "rejected": rejected,
               "started": started, "finished": finished})


def race(staff_id, service_id, client_ids, picks):
    context = mp.get_context("spawn")
    barrier = context.Barrier(len(picks))
    queue = context.Queue()
    workers = [
        context.Process(target=client, args=(staff_id, service_id, client_ids, share, seed,
                                             barrier, queue))
        for seed, share in enumerate(picks)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    seconds = max(r["finished"] for r in results) - min(r["started"] for r in results)
    total = {key: sum(r[key] for r in results) for key in ("booked", "conflicts", "rejected")}
    attempts = total["booked"] + total["conflicts"] + total["rejected"]
    return {**total, "seconds": seconds, "attempts_rate": attempts / seconds}


def double_bookings():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*)
            FROM appointment_appointment a
            JOIN appointment_appointmentrequest ra ON ra.id = a.appointment_request_id
            JOIN appointment_appointment b ON a.id < b.id
            JOIN appointment_appointmentrequest rb ON rb.id = b.appointment_request_id
            WHERE ra.staff_member_id = rb.staff_member_id AND ra.date = rb.date
              AND ra.start_time < rb.end_time AND rb.start_time < ra.end_time
        """)
        return cursor.fetchone()[0]


def clear(seeded):
    from appointment.models import AppointmentRequest

    AppointmentRequest.objects.exclude(pk__in=seeded).delete()


def answer(value):
    print("@answer " + json.dumps(value), flush=True)


def main():
    plan = json.loads(Path(sys.argv[1]).read_text())
    setup()
    from django.db import connections
    from appointment.models import AppointmentRequest

    staff_id, service_id, client_ids = seed(plan)
    seeded = set(AppointmentRequest.objects.values_list("pk", flat=True))
    days = [datetime.date.fromisoformat(d) for d in plan["days"]]
    answer({
        "version": importlib.metadata.version("django-appointment"),
        "slots": {str(span): slots(staff_id, service_id, days[:span], plan["reps"])
                  for span in (1, len(days))},
    })
    for line in sys.stdin:  # a booking round for each line: its number of clients
        connections.close_all()
        run = race(staff_id, service_id, client_ids, plan["picks"][line.strip()])
        run["doubles"] = double_bookings()
        clear(seeded)
        answer(run)


if __name__ == "__main__":
    main()
'''


if __name__ == "__main__":
    main()
