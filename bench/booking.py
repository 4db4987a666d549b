"""Booking throughput on PostgreSQL: the service layer vs a raw SQL insert loop, side by side.

    ./run bench booking    (or: .venv/bin/python bench/booking.py --clients 32)

N client processes race over the same doctor-day grids (random doctor, random slot, random
patient), first through the whole use case (domain checks, history, outbox, exclusion
constraints), then as bare INSERTs into the same constrained table. Prints bookings/s,
conflicts, double bookings (must be 0) and the ratio. Bounded: a fixed number of attempts.
The clinic is not new: each doctor has --history-days of visits behind them and as many days
half booked after the raced ones, and the tables are analysed, as autovacuum would have done.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_db import recreate_database  # this folder is the script's: first on the path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.factories

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/nobat_bench"


@dataclass(frozen=True)
class Plan:
    doctors: list[int]
    clinics: dict[int, int]
    patients: list[tuple[int, int]]  # (patient id, user id)
    starts: list[datetime]  # the grid's slot starts, shared by all doctors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--processes", type=int, default=os.cpu_count() or 2, help="server processes"
    )
    parser.add_argument("--attempts", type=int, default=100, help="per client")
    parser.add_argument("--doctors", type=int, default=20)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--history-days", type=int, default=90, help="visits held; booked ahead")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.config.settings")
    recreate_database(args.database_url)
    plan = _prepare(args.doctors, args.days, patients=args.patients, history=args.history_days)
    grid = len(plan.doctors) * len(plan.starts)
    total = args.clients * args.attempts
    print(
        f"{args.clients} clients x {args.attempts} attempts over {len(plan.doctors)} doctors "
        f"x {len(plan.starts)} slots = {grid} free slots ({total / grid:.1f} attempts a slot)"
    )

    service = _run(_service_client, plan, args)
    _check("service layer", service)
    _clear_appointments(plan)
    raw = _run(_raw_client, plan, args)
    _check("raw SQL insert", raw)

    print(f"\nservice / raw SQL throughput ratio: {service['rate'] / raw['rate']:.2f}")
    print(f"booking throughput through the service layer: {service['rate']:.0f} bookings/s")


def _prepare(doctors: int, days: int, *, patients: int, history: int) -> Plan:
    import django
    from django.conf import settings

    django.setup()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.management import call_command
    from django.db import connection
    from tests import factories

    from scheduler.adapters.orm import models as rows

    call_command("migrate", verbosity=0)
    at = factories.clinic()
    made = [factories.doctor(at, min_notice_minutes=0) for _ in range(doctors)]
    people = [factories.patient() for _ in range(patients)]
    starts = _starts(at, range(1, days + 1))
    # Visits held (any patient) and, past the raced days, every other slot booked (a patient
    # at one doctor at a time).
    chooser = random.Random(0)
    held = [
        (doctor, chooser.choice(people), start, "completed")
        for doctor in made
        for start in _starts(at, range(-history, 0))
    ]
    later = _starts(at, range(days + 1, days + 1 + history))[::2]
    held += [
        (doctor, people[(n * len(made) + d) % len(people)], start, "booked")
        for n, start in enumerate(later)
        for d, doctor in enumerate(made)
    ]
    factories.appointments(at, held)
    rows.StoredEvent.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Plan(
        doctors=[d.pk for d in made],
        clinics={d.pk: at.pk for d in made},
        patients=[(p.pk, p.user_id) for p in people],
        starts=starts,
    )


def _starts(at: Any, days: range) -> list[datetime]:
    from tests import factories

    return [
        factories.slot_start(at, days_ahead=day, hour=hour, minute=minute)
        for day in days
        for hour in (10, 11, 12, 14, 15, 16)
        for minute in (0, 30)
    ]


def _run(client: Any, plan: Plan, args: argparse.Namespace) -> dict[str, Any]:
    """Clients are threads spread over a few processes, as requests over daphne workers."""
    context = mp.get_context("spawn")
    barrier = context.Barrier(args.clients)
    results_queue = context.Queue()
    seeds = list(range(args.clients))
    workers = [
        context.Process(
            target=_process,
            args=(client, results_queue, plan, args, seeds[index :: args.processes], barrier),
        )
        for index in range(args.processes)
    ]
    for worker in workers:
        worker.start()
    results = [results_queue.get(timeout=600) for _ in seeds]
    for worker in workers:
        worker.join(timeout=60)
    started = min(r["started"] for r in results)
    finished = max(r["finished"] for r in results)
    booked = sum(r["booked"] for r in results)
    return {
        "booked": booked,
        "conflicts": sum(r["conflicts"] for r in results),
        "seconds": finished - started,
        "rate": booked / (finished - started),
    }


def _process(
    client: Any,
    results: Any,
    plan: Plan,
    args: argparse.Namespace,
    seeds: list[int],
    barrier: Any,
) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.config.settings")
    import django

    django.setup()
    threads = [
        threading.Thread(
            target=lambda seed=seed: results.put(
                client(plan, args.attempts, seed, args.database_url, barrier)
            )
        )
        for seed in seeds
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def attempter(plan: Plan, chooser: random.Random) -> Callable[[], bool]:
    """One booking attempt through the whole use case a call (a random patient, doctor and
    slot of ``plan``): True when booked, False when the slot was taken. Django must be set up."""
    from scheduler.config.bootstrap import build_bus
    from scheduler.domain.errors import SlotTaken
    from scheduler.domain.model import Actor, Role
    from scheduler.services.commands import BookAppointment

    bus = build_bus()

    def attempt() -> bool:
        doctor = chooser.choice(plan.doctors)
        patient, user = chooser.choice(plan.patients)
        try:
            bus.handle(
                BookAppointment(
                    actor=Actor(user, Role.PATIENT, patient_id=patient),
                    doctor_id=doctor,
                    clinic_id=plan.clinics[doctor],
                    start=chooser.choice(plan.starts),
                )
            )
        except SlotTaken:
            return False
        return True

    return attempt


def _service_client(plan: Plan, attempts: int, seed: int, url: str, barrier: Any) -> dict[str, Any]:
    from django.db import connection

    attempt = attempter(plan, random.Random(seed))
    booked = conflicts = 0
    connection.ensure_connection()  # as the raw client connects before the start
    barrier.wait()
    started = time.perf_counter()
    for _ in range(attempts):
        if attempt():
            booked += 1
        else:
            conflicts += 1
    finished = time.perf_counter()
    connection.close()
    return {
        "booked": booked,
        "conflicts": conflicts,
        "started": started,
        "finished": finished,
    }


def _raw_client(plan: Plan, attempts: int, seed: int, url: str, barrier: Any) -> dict[str, Any]:
    import psycopg

    chooser = random.Random(seed)
    booked = conflicts = 0
    with psycopg.connect(url, autocommit=True) as db:
        barrier.wait()
        started = time.perf_counter()
        for _ in range(attempts):
            doctor = chooser.choice(plan.doctors)
            patient, _user = chooser.choice(plan.patients)
            start = chooser.choice(plan.starts)
            now = datetime.now(UTC)
            try:
                db.execute(
                    "INSERT INTO orm_appointment (id, doctor_id, patient_id, clinic_id, start,"
                    ' "end", status, reason, version, created_at, updated_at, hold_purpose,'
                    " visit_mode, video_room) VALUES"
                    " (%s, %s, %s, %s, %s, %s, 'booked', '', 1, %s, %s, '', 'in_person', '')",
                    (
                        uuid.uuid4(),
                        doctor,
                        patient,
                        plan.clinics[doctor],
                        start,
                        start + timedelta(minutes=30),
                        now,
                        now,
                    ),
                )
                booked += 1
            except (psycopg.errors.ExclusionViolation, psycopg.errors.DeadlockDetected):
                conflicts += 1
        finished = time.perf_counter()
    return {"booked": booked, "conflicts": conflicts, "started": started, "finished": finished}


def _check(name: str, result: dict[str, Any]) -> None:
    doubles = _double_bookings()
    attempts = (result["booked"] + result["conflicts"]) / result["seconds"]
    print(
        f"{name:>16}: {result['booked']:5d} booked, {result['conflicts']:5d} conflicts "
        f"in {result['seconds']:.2f} s = {result['rate']:6.0f} bookings/s "
        f"({attempts:6.0f} attempts/s), double bookings: {doubles}"
    )
    if doubles:
        raise SystemExit(f"{name}: {doubles} double bookings")


def _double_bookings() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM orm_appointment a JOIN orm_appointment b
              ON a.id < b.id AND (a.doctor_id = b.doctor_id OR a.patient_id = b.patient_id)
             AND a.start < b."end" AND b.start < a."end"
             AND a.status IN ('pending', 'booked', 'arrived')
             AND b.status IN ('pending', 'booked', 'arrived')
            """
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _clear_appointments(plan: Plan) -> None:
    from scheduler.adapters.orm import models as rows

    rows.IdempotencyKey.objects.all().delete()
    rows.AppointmentChange.objects.all().delete()
    rows.Appointment.objects.filter(start__lt=plan.starts[-1] + timedelta(hours=1)).exclude(
        status="completed"
    ).delete()  # the raced days' bookings, not the clinic's history and later bookings
    rows.StoredEvent.objects.all().delete()


if __name__ == "__main__":
    main()
