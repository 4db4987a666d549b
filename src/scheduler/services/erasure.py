"""A patient's right to be forgotten: their future visits are cancelled as any cancellation is
(the slots free up, the doctors are told), then the person is anonymised. The visits stay,
nameless, with their statuses and history: the clinics' counts do not change. The files they
attached to their visits go, as if they had removed each one. The stars of their reviews
stay, without their words."""

from __future__ import annotations

from scheduler.domain import access
from scheduler.domain.errors import InvalidInput
from scheduler.domain.events import PatientForgotten
from scheduler.domain.messages import gettext_noop
from scheduler.services import commands, documents
from scheduler.services.ports import Clock
from scheduler.services.unit_of_work import UnitOfWork

CANCEL_REASON = "The patient deleted their account."


def forget_patient(cmd: commands.ForgetPatient, uow: UnitOfWork, clock: Clock) -> int:
    """How many visits to come were cancelled."""
    patient_id = access.ensure_may_be_forgotten(cmd.actor)
    user_id = cmd.actor.user_id
    now = clock()
    with uow:
        if not uow.accounts.password_matches(user_id, cmd.password):
            raise InvalidInput(gettext_noop("That is not your password."), field="password")
        upcoming = uow.appointments.upcoming_of_patient(patient_id, now)
        for appointment in upcoming:
            appointment.cancel(actor_user_id=user_id, now=now, reason=CANCEL_REASON)
            appointment.reason = ""  # their words go with them (forget() blanks the rest)
        for document in uow.documents.attached_by(user_id):
            documents.discard(uow, document, actor_user_id=user_id, now=now)
        for review in uow.reviews.of_patient(patient_id):
            if review.text:
                review.forget_words(cmd.actor, now=now)
                uow.reviews.save(review)
        uow.accounts.forget(user_id)
        uow.accounts.revoke_sessions(user_id)
        uow.accounts.events.append(
            PatientForgotten(
                occurred_at=now, user_id=user_id, actor_user_id=user_id, patient_id=patient_id
            )
        )
        uow.commit()
    return len(upcoming)
