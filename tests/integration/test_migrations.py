"""The models and their migrations agree: a change to a model (or to the choices it reads from
the domain, such as a new notification kind) comes with its migration."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from scheduler.domain.appointment import ACTIVE
from tests import factories


@pytest.mark.django_db
def test_no_model_change_is_missing_its_migration() -> None:
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit:
        pytest.fail(f"a migration is missing:\n{out.getvalue()}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", sorted(s.value for s in ACTIVE))
def test_the_database_keeps_every_active_status_apart(status: str) -> None:
    """On both databases (a constraint on PostgreSQL, a trigger on SQLite): a visit in any
    active state holds its slot even against a write that skips the use cases."""
    doctor = factories.doctor()
    existing = factories.appointment(
        doctor, factories.patient(), factories.slot_start(doctor.clinics.get()), status=status
    )

    with pytest.raises(IntegrityError, match="appointment_doctor_no_overlap"):
        factories.appointment(doctor, factories.patient(), existing.start, status="booked")
