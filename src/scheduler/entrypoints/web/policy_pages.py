"""What the pages show of a clinic's no-show policy and video visits: the reason a patient
reads before confirming a booking, and whether they may choose a video visit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import policies
from scheduler.domain.model import Actor, Role
from scheduler.entrypoints.error_text import say


def booking_review(viewer: Actor | None, clinic: rows.Clinic, now: datetime) -> dict[str, Any]:
    """The doctor page's review step: the patient's no-show standing at the clinic (why their
    booking will wait for the doctor, or why they must call), and the visit modes offered."""
    reason, barred = "", False
    if viewer is not None and viewer.role is Role.PATIENT and viewer.patient_id is not None:
        standing = policies.standing(viewer.patient_id, clinic, now)
        if standing.patient_reason:
            reason = say(standing.patient_reason, standing.params)
        barred = standing.barred
    return {
        "no_show_reason": reason,
        "no_show_barred": barred,
        "offers_video": bool(clinic.video_url_template),
    }
