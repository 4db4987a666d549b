"""The models and their migrations agree: a change to a model (or to the choices it reads from
the domain, such as a new notification kind) comes with its migration."""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import IntegrityError

from scheduler.adapters.orm import models as rows
from scheduler.domain.appointment import OCCUPYING
from tests import factories


@pytest.mark.django_db
def test_no_model_change_is_missing_its_migration() -> None:
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit:
        pytest.fail(f"a migration is missing:\n{out.getvalue()}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", sorted(s.value for s in OCCUPYING))
def test_the_database_keeps_every_active_status_apart(status: str) -> None:
    """On both databases (a constraint on PostgreSQL, a trigger on SQLite): a visit in any
    active state, or a slot hold, holds its slot even against a write that skips the use
    cases."""
    doctor = factories.doctor()
    existing = factories.appointment(
        doctor, factories.patient(), factories.slot_start(doctor.clinics.get()), status=status
    )

    with pytest.raises(IntegrityError, match="appointment_doctor_no_overlap"):
        factories.appointment(doctor, factories.patient(), existing.start, status="booked")


@pytest.mark.django_db
def test_addresses_people_signed_up_with_count_as_confirmed() -> None:
    """Before 0006 nobody could confirm an address; without its data step, nobody could reset
    a password. A walk-in's address the desk typed (no password) is not trusted."""
    step = importlib.import_module("scheduler.adapters.orm.migrations.0006_email_verified")
    signed_up = factories.patient().user
    walk_in = factories.patient().user
    walk_in.set_unusable_password()
    walk_in.save()
    no_email = factories.patient().user
    rows.User.objects.filter(pk=no_email.pk).update(email="")
    rows.User.objects.update(email_verified=False)

    step.trust_addresses_people_signed_up_with(apps, None)

    verified = dict(rows.User.objects.values_list("pk", "email_verified"))
    assert [verified[u.pk] for u in (signed_up, walk_in, no_email)] == [True, False, False]


@pytest.mark.django_db
def test_names_typed_with_arabic_letters_take_their_persian_spelling() -> None:
    step = importlib.import_module("scheduler.adapters.orm.migrations.0010_names_in_one_spelling")
    arabic = factories.patient().user
    latin = factories.patient(first_name="Ali").user
    rows.User.objects.filter(pk=arabic.pk).update(first_name="علي", last_name="كريمي")

    step.one_spelling(apps, None)

    arabic.refresh_from_db()
    latin.refresh_from_db()
    assert (arabic.first_name, arabic.last_name, latin.first_name) == ("علی", "کریمی", "Ali")
