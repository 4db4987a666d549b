"""A doctor's page in the directory: what they write about themselves (saved with the rest of
their profile by UpdateProfile) and their photo. A doctor edits their own; each change
commits with a ProfileUpdated event."""

from __future__ import annotations

from scheduler.domain import access, profiles
from scheduler.domain.events import ProfileUpdated
from scheduler.services import commands
from scheduler.services.ports import Clock
from scheduler.services.unit_of_work import UnitOfWork

DOCTOR_FIELDS = (
    "bio",
    "years_of_experience",
    "languages",
    "consultation_fee",
    "accepts_new_patients",
)


def doctor_fields_wanted(cmd: commands.UpdateProfile) -> dict[str, object]:
    """The doctor's fields the command sets, as stored; InvalidInput beyond the domain's
    bounds, NotAllowed if the actor is not a doctor."""
    wanted: dict[str, object] = {}
    if cmd.bio is not None:
        wanted["bio"] = cmd.bio.strip()
    if cmd.years_of_experience is not None:
        if cmd.years_of_experience != "":
            profiles.check_years_of_experience(cmd.years_of_experience)
        wanted["years_of_experience"] = (
            None if cmd.years_of_experience == "" else cmd.years_of_experience
        )
    if cmd.consultation_fee is not None:
        if cmd.consultation_fee != "":
            profiles.check_consultation_fee(cmd.consultation_fee)
        # 0 is a free visit, not an unknown fee
        wanted["consultation_fee"] = None if cmd.consultation_fee == "" else cmd.consultation_fee
    if cmd.languages is not None:
        wanted["languages"] = profiles.languages_spoken(cmd.languages)
    if cmd.accepts_new_patients is not None:
        wanted["accepts_new_patients"] = cmd.accepts_new_patients
    if wanted:
        access.own_doctor(cmd.actor)
    return wanted


def set_doctor_photo(cmd: commands.SetDoctorPhoto, uow: UnitOfWork, clock: Clock) -> None:
    doctor_id = access.own_doctor(cmd.actor)
    profiles.check_photo_size(len(cmd.content))
    with uow:
        uow.accounts.replace_doctor_photo(doctor_id, cmd.content)
        _record(uow, cmd, clock, ("photo",))
        uow.commit()


def remove_doctor_photo(cmd: commands.RemoveDoctorPhoto, uow: UnitOfWork, clock: Clock) -> bool:
    """Whether there was one."""
    doctor_id = access.own_doctor(cmd.actor)
    with uow:
        if not uow.accounts.replace_doctor_photo(doctor_id, None):
            return False
        _record(uow, cmd, clock, ("photo",))
        uow.commit()
    return True


def _record(
    uow: UnitOfWork, cmd: commands.ActorCommand, clock: Clock, fields: tuple[str, ...]
) -> None:
    uow.accounts.events.append(
        ProfileUpdated(
            occurred_at=clock(),
            user_id=cmd.actor.user_id,
            actor_user_id=cmd.actor.user_id,
            fields=fields,
        )
    )
