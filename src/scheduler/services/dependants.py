"""Family members on a patient's account: added, changed and removed by the account holder."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from scheduler.domain import access, dependants
from scheduler.domain.events import DependantAdded, DependantRemoved, DependantUpdated
from scheduler.services import commands
from scheduler.services.ports import Clock
from scheduler.services.unit_of_work import UnitOfWork


def add_dependant(cmd: commands.AddDependant, uow: UnitOfWork, clock: Clock) -> int:
    """The new family member's id."""
    patient_id = access.family_holder(cmd.actor)
    now = clock()
    person = _person(cmd, now.date())
    with uow:
        dependants.ensure_room(uow.dependants.active_count(patient_id))
        dependant_id = uow.dependants.add(patient_id, person)
        uow.dependants.events.append(
            DependantAdded(
                occurred_at=now,
                user_id=cmd.actor.user_id,
                actor_user_id=cmd.actor.user_id,
                dependant_id=dependant_id,
            )
        )
        uow.commit()
    return dependant_id


def update_dependant(cmd: commands.UpdateDependant, uow: UnitOfWork, clock: Clock) -> int:
    patient_id = access.family_holder(cmd.actor)
    now = clock()
    person = _person(cmd, now.date())
    with uow:
        current = uow.dependants.get(cmd.dependant_id)
        access.ensure_family_of(patient_id, current)
        uow.dependants.save(
            replace(
                current,
                first_name=person.first_name,
                last_name=person.last_name,
                birth_date=person.birth_date,
                relation=person.relation,
            )
        )
        uow.dependants.events.append(
            DependantUpdated(
                occurred_at=now,
                user_id=cmd.actor.user_id,
                actor_user_id=cmd.actor.user_id,
                dependant_id=current.id,
            )
        )
        uow.commit()
    return current.id


def remove_dependant(cmd: commands.RemoveDependant, uow: UnitOfWork, clock: Clock) -> int:
    """Off the account's list: the row stays for the visits booked for them (their names
    stay on the doctor's day), and no new visit may be booked for them."""
    patient_id = access.family_holder(cmd.actor)
    with uow:
        current = uow.dependants.get(cmd.dependant_id)
        access.ensure_family_of(patient_id, current)
        uow.dependants.save(replace(current, active=False))
        uow.dependants.events.append(
            DependantRemoved(
                occurred_at=clock(),
                user_id=cmd.actor.user_id,
                actor_user_id=cmd.actor.user_id,
                dependant_id=current.id,
            )
        )
        uow.commit()
    return current.id


def _person(cmd: commands.AddDependant, today: date) -> dependants.Person:
    return dependants.person(
        first_name=cmd.first_name,
        last_name=cmd.last_name,
        birth_date=cmd.birth_date,
        relation=cmd.relation,
        today=today,
    )
