"""The admin's statistics over 1,000,000 appointments on PostgreSQL: p50 and p95 of each query.

    ./run bench stats    (or: .venv/bin/python bench/stats.py --appointments 1000000 --runs 20)

A fresh database: 12 clinics in three zones, 10 doctors each on the factories' hours, 50,000
patients, then appointments written by INSERT ... SELECT generate_series (never row by row):
each doctor's half-hour visits, day after day, the last month still ahead; the past fulfilled,
cancelled (with who did it), no-show or rejected; one notification for every other visit. Then
each dashboard query runs ``--runs`` times for three windows: the default (last 30 days, every
clinic, per day), one clinic over a quarter per week, every clinic over a year per month.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench_db import recreate_database  # this folder is the script's: first on the path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.factories

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/nobat_bench_stats"
ZONES = ("Asia/Tehran",) * 8 + ("Asia/Dubai",) * 2 + ("Europe/Istanbul",) * 2
DOCTORS_A_CLINIC = 10
PATIENTS = 50_000
SLOTS_A_DAY = 12  # 10:00-13:00 and 14:00-17:00, half an hour each
BUDGET_MS = 300.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.config.settings")
    recreate_database(args.database_url)
    began = time.perf_counter()
    today = _load(args.appointments)
    print(f"loaded {args.appointments:,} appointments in {time.perf_counter() - began:.0f} s")

    from scheduler.adapters.orm import models as rows
    from scheduler.adapters.orm import statistics as stats

    one_clinic = rows.Clinic.objects.order_by("pk").values_list("pk", flat=True).first()
    windows = {
        "last 30 days, all clinics, per day": stats.Window(
            first_day=today - timedelta(days=29), last_day=today
        ),
        "a quarter, one clinic, per week": stats.Window(
            first_day=today - timedelta(days=89),
            last_day=today,
            clinic_id=one_clinic,
            period="week",
        ),
        "a year, all clinics, per month": stats.Window(
            first_day=today - timedelta(days=365), last_day=today, period="month"
        ),
    }
    queries: dict[str, Callable[[stats.Window], Any]] = {
        "volume (3 groupings)": stats.volume,
        "status mix": stats.status_mix,
        "lead time": stats.lead_time,
        "utilisation": stats.utilisation,
        "busy hours": stats.busy_hours,
        "new patients": stats.new_patients,
        "notifications": stats.notification_delivery,
    }
    slow = 0
    for title, window in windows.items():
        print(f"\n{title} ({window.first_day} .. {window.last_day}), {args.runs} runs each")
        print(f"  {'query':<22} {'p50 ms':>8} {'p95 ms':>8}  p95 < {BUDGET_MS:.0f} ms")
        for name, query in queries.items():
            took = []
            for _ in range(args.runs):
                start = time.perf_counter()
                query(window)
                took.append((time.perf_counter() - start) * 1000)
            p50 = statistics.median(took)
            p95 = statistics.quantiles(took, n=20, method="inclusive")[18]
            slow += p95 >= BUDGET_MS
            print(f"  {name:<22} {p50:8.1f} {p95:8.1f}  {'yes' if p95 < BUDGET_MS else 'NO'}")
    print(f"\nqueries over budget: {slow}")


def _load(appointments: int) -> date:
    """Clinics, doctors and their schedules through the factories; the rest in bulk SQL.
    Returns today (UTC)."""
    import django
    from django.conf import settings

    django.setup()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.management import call_command
    from django.db import connection
    from tests import factories

    from scheduler.adapters.orm import models as rows

    call_command("migrate", verbosity=0)
    for n, zone in enumerate(ZONES):
        clinic = factories.clinic(timezone=zone)
        for _ in range(DOCTORS_A_CLINIC):
            doctor = factories.doctor(clinic)
            if n % 3:
                doctor.specialty = factories.specialty(f"specialty-{n % 4}")
                doctor.save()
    rows.StoredEvent.objects.all().delete()
    doctors = len(ZONES) * DOCTORS_A_CLINIC
    days = -(-appointments // (doctors * SLOTS_A_DAY))
    today = date.today()
    first_day = today - timedelta(days=days - 30)
    with connection.cursor() as sql:
        sql.execute(
            """
            INSERT INTO orm_user (password, is_superuser, username, first_name, last_name,
                                  email, is_staff, is_active, date_joined, role, phone, language,
                                  email_verified, forgotten)
            SELECT '', false, 'bench-patient-' || n, 'Patient', n::text, '', false, true,
                   now(), 'patient', '', 'en', false, false
            FROM generate_series(1, %s) AS n
            """,
            [PATIENTS],
        )
        sql.execute(
            "INSERT INTO orm_patient (user_id) SELECT id FROM orm_user WHERE role = 'patient'"
        )
        # Visit i: doctor i % doctors, its (i / doctors)-th slot: day after day, 12 a day.
        sql.execute(
            """
            WITH doctor AS (
                SELECT row_number() OVER (ORDER BY d.id) - 1 AS n, d.id, dc.clinic_id, c.timezone
                FROM orm_doctor d
                JOIN orm_doctor_clinics dc ON dc.doctor_id = d.id
                JOIN orm_clinic c ON c.id = dc.clinic_id
            ), patient AS (
                SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM orm_patient
            ), visit AS (
                SELECT i, i %% %(doctors)s AS doctor_n, i / %(doctors)s AS k
                FROM generate_series(0, %(appointments)s - 1) AS i
            ), placed AS (
                SELECT v.i, d.id AS doctor_id, d.clinic_id,
                       ((%(first_day)s::date + (v.k / 12)::int)
                        + time '10:00' + (v.k %% 12) * interval '30 minutes'
                        + CASE WHEN v.k %% 12 >= 6 THEN interval '1 hour' ELSE interval '0' END
                       ) AT TIME ZONE d.timezone AS start,
                       (v.i::bigint * 7919) %% %(patients)s AS patient_n
                FROM visit v JOIN doctor d ON d.n = v.doctor_n
            )
            INSERT INTO orm_appointment (id, doctor_id, patient_id, clinic_id, start, "end",
                                         status, reason, version, created_at, updated_at)
            SELECT gen_random_uuid(), p.doctor_id, pt.id, p.clinic_id, p.start,
                   p.start + interval '30 minutes',
                   CASE WHEN p.start > now() THEN
                            CASE WHEN p.i %% 10 = 0 THEN 'pending' ELSE 'booked' END
                        WHEN p.i %% 100 < 70 THEN 'fulfilled'
                        WHEN p.i %% 100 < 85 THEN 'cancelled'
                        WHEN p.i %% 100 < 95 THEN 'noshow'
                        ELSE 'rejected' END,
                   '', 1,
                   p.start - ((p.i * 37) %% 45) * interval '1 day'
                           - ((p.i * 13) %% 24) * interval '1 hour',
                   p.start
            FROM placed p JOIN patient pt ON pt.n = p.patient_n
            """,
            {
                "doctors": doctors,
                "appointments": appointments,
                "first_day": first_day,
                "patients": PATIENTS,
            },
        )
        # Who cancelled: the patient, the doctor, or (one in ten) a sweep with no one signed in.
        sql.execute(
            """
            INSERT INTO orm_appointmentchange (appointment_id, seq, at, actor_id, action,
                                               from_status, to_status, note)
            SELECT a.id, 1, a.created_at + interval '1 hour',
                   CASE WHEN a.created_at::time < '02:24' THEN NULL
                        WHEN extract(hour from a.created_at)::int % 2 = 0 THEN pu.user_id
                        ELSE du.user_id END,
                   'cancel', 'booked', 'cancelled', ''
            FROM orm_appointment a
            JOIN orm_patient pu ON pu.id = a.patient_id
            JOIN orm_doctor du ON du.id = a.doctor_id
            WHERE a.status = 'cancelled'
            """
        )
        sql.execute(
            """
            INSERT INTO notify_notification (appointment_id, kind, scheduled_for, channel,
                recipient_id, about_start, details, status, address, template, attempts,
                provider_id, error, created_at, updated_at)
            SELECT a.id, 'reminder', a.start - interval '1 day',
                   CASE WHEN a.created_at::time < '12:00' THEN 'email' ELSE 'sms' END,
                   p.user_id, a.start, '{}',
                   CASE WHEN a.start - interval '1 day' > now() THEN 'queued'
                        WHEN a.status = 'cancelled' THEN 'skipped'
                        WHEN extract(minute from a.created_at)::int = 0
                             AND extract(hour from a.created_at)::int % 5 = 0 THEN 'failed'
                        ELSE 'sent' END,
                   '', '', 1, '', '', a.created_at, a.created_at
            FROM orm_appointment a JOIN orm_patient p ON p.id = a.patient_id
            WHERE a.created_at::time >= '00:00' AND extract(hour from a.created_at)::int % 2 = 0
            """
        )
        sql.execute("ANALYZE")
    return today


if __name__ == "__main__":
    main()
