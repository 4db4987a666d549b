"""A patient's reference: what the API gives staff with each patient it shows them (found by
their whole phone number or email, or just added), and takes back with a booking or a hold as
the introduction access.patient_to_know asks for a patient new to the clinic. Signed for the
member of staff it was given to, and good for one working day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import signing
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from scheduler.entrypoints.api.pagination import id_field

_SALT = "scheduler.patient-ref"
MAX_AGE = timedelta(hours=12)  # a desk's shift: the next day they look the caller up again

# The serializer context's key for the signed-in user's id, whom a reference is given to.
USER_ID = "user_id"


def ref_for(patient_id: int, user_id: int) -> str:
    return signing.TimestampSigner(salt=_SALT).sign_object([patient_id, user_id])


def patient_of(ref: str, user_id: int) -> int | None:
    """The patient a live reference given to ``user_id`` names; None for anyone else's, a
    forged, damaged or expired one."""
    try:
        found = signing.TimestampSigner(salt=_SALT).unsign_object(ref, max_age=MAX_AGE)
    except signing.BadSignature:  # SignatureExpired too
        return None
    match found:
        case [int(patient_id), int(given_to)] if given_to == user_id:
            return patient_id
    return None


class PatientRefField(serializers.CharField):
    """A patient row's reference for the user the serializer's context names."""

    def __init__(self) -> None:
        super().__init__(
            source="*",
            read_only=True,
            help_text="Staff: send it back as patient_ref to book or hold a slot for this "
            "patient while they are new to your clinic. Yours alone, for 12 hours.",
        )

    def to_representation(self, value: Any) -> str:
        return ref_for(value.pk, self.context[USER_ID])


class ForPatientInput(serializers.Serializer[Any]):
    """The patient a booking or a hold is for: by id, and by reference the first time."""

    patient_id = id_field(
        required=False, help_text="Staff: whom it is for. Patients: leave out (themselves)."
    )
    patient_ref = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Staff: the ref GET or POST /api/patients/ gave with the patient; needed "
        "while they have no booking at your clinic (a slot you hold with it is booked by its "
        "hold_id alone). Names the patient without patient_id.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        ref = attrs.pop("patient_ref", None)
        if ref is None:
            return attrs
        patient_id = patient_of(ref, self.context[USER_ID])
        if patient_id is None and "patient_id" in attrs:
            # A page kept open past a ref's day still books the clinic's own patients by id;
            # a stranger's is then refused as no such patient (access.patient_to_know).
            return attrs
        if patient_id is None:
            raise serializers.ValidationError(
                {"patient_ref": [_("This reference has expired: look the patient up again.")]}
            )
        if attrs.get("patient_id", patient_id) != patient_id:
            raise serializers.ValidationError(
                {"patient_ref": [_("This reference is for another patient.")]}
            )
        return {**attrs, "patient_id": patient_id, "patient_introduced": True}
