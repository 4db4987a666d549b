"""The no-show policy in the use cases: a patient's own booking meets it; staff forgive."""

from __future__ import annotations

import uuid
from datetime import datetime

from scheduler.domain import access, no_show_policy
from scheduler.domain.model import Actor
from scheduler.domain.no_show_policy import Standing
from scheduler.services import commands
from scheduler.services.ports import Clock
from scheduler.services.unit_of_work import UnitOfWork


def standing(uow: UnitOfWork, patient_id: int, clinic_id: int, now: datetime) -> Standing:
    policy = uow.policies.no_show_policy(clinic_id)
    since = no_show_policy.window_start(now, policy.window_months)
    missed = uow.policies.missed_visits(patient_id, clinic_id, since) if policy.limit else []
    return no_show_policy.standing(policy, missed, now)


def needs_approval(
    uow: UnitOfWork, actor: Actor, patient_id: int, clinic_id: int, now: datetime
) -> bool:
    """Whether a booking must wait for the doctor because of the patient's no-shows; refused
    outright when the policy bars online booking. Staff booking for a patient pass: the desk
    sees the standing as a warning and decides."""
    if actor.is_staff:
        return False
    current = standing(uow, patient_id, clinic_id, now)
    no_show_policy.ensure_may_book_online(current)
    return current.needs_approval


def forgive_no_show(cmd: commands.ForgiveNoShow, uow: UnitOfWork, clock: Clock) -> uuid.UUID:
    with uow:
        appointment = uow.appointments.get(cmd.appointment_id)
        access.ensure_may(cmd.actor, appointment, "forgive_no_show")
        appointment.forgive_no_show(actor_user_id=cmd.actor.user_id, now=clock(), reason=cmd.reason)
        uow.commit()
    return appointment.id
