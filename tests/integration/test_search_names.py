"""Doctor.search_name, what the name search matches: the folded name and username
(domain.spelling), written when a doctor signs up, kept through renames, and filled for
doctors from before it by migration 0013."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus, unit_of_work
from scheduler.domain.model import Role
from scheduler.services.commands import RegisterUser
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_doctor_signs_up_with_a_folded_search_name() -> None:
    clinic = factories.clinic()
    factories.specialty()
    user_id = build_bus().handle(
        RegisterUser(
            role=Role.DOCTOR,
            username="Dr.Hosseini",
            password="a long secret",
            first_name="علي",  # Arabic yeh, as an Arabic keyboard types it
            last_name="Hosséini",
            specialty="cardiology",
            licence_number="MC-77",
            clinic_id=clinic.pk,
        )
    )

    assert rows.Doctor.objects.get(user_id=user_id).search_name == "علی hosseini dr.hosseini"


def test_renaming_a_doctors_user_renames_their_search_name() -> None:
    doctor = factories.doctor()

    with unit_of_work() as uow:
        uow.accounts.update_contact(doctor.user_id, {"last_name": "Ṣadeghi"})
        uow.commit()

    doctor.refresh_from_db()
    assert doctor.search_name == f"doctor sadeghi {doctor.user.username}"


def test_the_migration_fills_the_names_of_doctors_from_before() -> None:
    step = importlib.import_module("scheduler.adapters.orm.migrations.0013_search_names")
    doctor = factories.doctor()
    rows.User.objects.filter(pk=doctor.user_id).update(first_name="MINA", last_name="Ğazi")
    rows.Doctor.objects.update(search_name="")

    step.fill_search_names(apps, None)

    doctor.refresh_from_db()
    assert doctor.search_name == f"mina gazi {doctor.user.username}"
