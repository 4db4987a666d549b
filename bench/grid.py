"""A doctor's 30-day slot grid: the domain's one pass, the use case in process, the API.

    ./run bench grid    (or: .venv/bin/python bench/grid.py --runs 200)

A fresh database with one doctor at one clinic on the factories' hours (10:00-17:00, lunch
13:00-14:00, 30-minute slots: 12 a day, 360 in 30 days), every other slot booked (180 free,
180 busy). Then, each ``--runs`` times, p50 and p95 of:

- the grid in process through ``queries.free_slots`` (the schedule and busy-time queries
  included), as the API and the live grids call it;
- the same grid through the API (``GET /api/doctors/<id>/slots/`` in Django's test client:
  routing, permissions, serialising; no socket);
- cost against work: the domain's ``availability.free_slots`` over the same 30 days with 0, 100,
  1,000 and 10,000 busy intervals, beside the plain definition (each slot tested against every
  busy interval, what it did before) measured in the same run, and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from bench_db import recreate_database  # this folder is the script's: first on the path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.factories

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/nobat_bench_grid"
DAYS = 30
BUSY_COUNTS = (0, 100, 1_000, 10_000)
TARGET_IN_PROCESS_MS = 5.0
TARGET_API_MS = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.config.settings")
    # The API's access line, once a request, would bury the figures under hundreds of lines.
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if args.database_url.startswith("postgres"):
        recreate_database(args.database_url)
    doctor_id, clinic_id, first_day = _prepare()
    last_day = first_day + timedelta(days=DAYS - 1)

    from django.test import Client

    from scheduler.config.bootstrap import unit_of_work, utc_now
    from scheduler.services import queries

    def in_process() -> int:
        with unit_of_work(read_only=True) as uow:
            return len(
                queries.free_slots(
                    uow,
                    doctor_id=doctor_id,
                    clinic_id=clinic_id,
                    first_day=first_day,
                    last_day=last_day,
                    now=utc_now(),
                )
            )

    client = Client()
    url = f"/api/doctors/{doctor_id}/slots/?clinic={clinic_id}&from={first_day}&to={last_day}"

    def through_api() -> int:
        response = client.get(url)
        assert response.status_code == 200, response.content
        return len(response.json()["slots"])

    print(f"one doctor, {DAYS} days of 12 slots, every other one booked; {args.runs} runs each")
    print(f"  {'30-day grid':<34} {'free':>5} {'p50 ms':>8} {'p95 ms':>8}  target")
    for name, call, target in (
        ("in process (queries.free_slots)", in_process, TARGET_IN_PROCESS_MS),
        ("through the API", through_api, TARGET_API_MS),
    ):
        free, took = _timed(call, args.runs)
        p50, p95 = _percentiles(took)
        met = "met" if p50 <= target else "NOT met"
        print(f"  {name:<34} {free:5d} {p50:8.2f} {p95:8.2f}  p50 <= {target:.0f} ms: {met}")
    _cost_against_work(first_day, last_day, max(args.runs // 10, 5))


def _cost_against_work(first_day: date, last_day: date, runs: int) -> None:
    """The domain alone: its one sorted pass against the slot-by-slot definition."""
    from scheduler.adapters.orm import models as rows
    from scheduler.config.bootstrap import unit_of_work
    from scheduler.domain import availability
    from scheduler.domain.intervals import Interval, local_days
    from scheduler.domain.rules import timing_problem
    from scheduler.domain.schedule import Schedule

    doctor = rows.Doctor.objects.get()
    with unit_of_work() as uow:
        schedule = uow.schedules.get(doctor.pk, doctor.clinics.get().pk)
    window = local_days(first_day, last_day, ZoneInfo(schedule.timezone))
    now = window.start - timedelta(days=1)

    def plain(schedule: Schedule, busy: list[Interval]) -> list[Interval]:
        return [
            slot
            for day in range((last_day - first_day).days + 1)
            for slot in availability.day_grid(schedule, first_day + timedelta(days=day))
            if timing_problem(schedule, slot, now, staff=False) is None
            and not any(slot.overlaps(block) for block in busy)
        ]

    print(f"\ncost against work: the domain's 30-day grid, {runs} runs each")
    print(f"  {'busy intervals':>14} {'free':>5} {'one pass ms':>12} {'plain ms':>10} {'ratio':>7}")
    span = window.end - window.start
    for count in BUSY_COUNTS:
        # Short busy blocks spread evenly over the whole window (calendar events, visits).
        step = span / max(count, 1)
        busy = [
            Interval(window.start + step * n, window.start + step * n + timedelta(minutes=5))
            for n in range(count)
        ]
        one_pass = partial(
            availability.free_slots,
            schedule,
            first_day=first_day,
            last_day=last_day,
            busy=busy,
            now=now,
        )
        free, fast = _timed(lambda: len(one_pass()), runs)  # noqa: B023 (called at once)
        slow_runs = max(1, runs // 10) if count >= 1_000 else runs
        _, slow = _timed(lambda: len(plain(schedule, busy)), slow_runs)  # noqa: B023 (ditto)
        p50_fast, p50_slow = statistics.median(fast), statistics.median(slow)
        print(
            f"  {count:>14,} {free:5d} {p50_fast:12.2f} {p50_slow:10.2f} "
            f"{p50_slow / p50_fast:6.0f}x"
        )


def _timed(call: Callable[[], int], runs: int) -> tuple[int, list[float]]:
    result = call()  # warm: connections, caches, imports
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        took.append((time.perf_counter() - start) * 1000)
    return result, took


def _percentiles(took: list[float]) -> tuple[float, float]:
    return statistics.median(took), statistics.quantiles(took, n=20, method="inclusive")[18]


def _prepare() -> tuple[int, int, date]:
    """The doctor, their clinic, and the grid's first day (tomorrow on the clinic's clock)."""
    import django
    from django.conf import settings

    django.setup()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["testserver"]
    from django.core.management import call_command
    from tests import factories

    from scheduler.adapters.orm import models as rows

    call_command("migrate", verbosity=0)
    at = factories.clinic()
    doctor = factories.doctor(at)
    patient = factories.patient()
    starts: list[datetime] = [
        factories.slot_start(at, days_ahead=day, hour=hour, minute=0)
        for day in range(1, DAYS + 1)
        for hour in (10, 11, 12, 14, 15, 16)
    ]
    factories.appointments(at, ((doctor, patient, start, "booked") for start in starts))
    rows.StoredEvent.objects.all().delete()
    first_day = starts[0].astimezone(ZoneInfo(at.timezone)).date()
    return doctor.pk, at.pk, first_day


if __name__ == "__main__":
    main()
