"""``{% video_visit row %}``: a video visit's label on a patient's or doctor's page, with the
"Join" link once its room is open (static/web/video_visits.js shows it when the time comes)."""

from __future__ import annotations

from typing import Any

from django import template

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import policies
from scheduler.adapters.orm.actors import actor_for, viewer_for
from scheduler.config.bootstrap import utc_now
from scheduler.domain.appointment import Status
from scheduler.domain.video_visits import JOINABLE

register = template.Library()


@register.inclusion_tag("web/video_visit.html", takes_context=True)
def video_visit(
    context: template.Context, row: rows.Appointment, holder: rows.User | None = None
) -> dict[str, Any]:
    """``holder``: the patient a signed booking link stands for (its page is opened without
    signing in, so its script reloads the page when the room opens, rather than ask the API)."""
    opens = policies.video_opens_at(row)
    if opens is None:
        return {"video": False}
    viewer = actor_for(holder) if holder is not None else viewer_for(context["request"].user)
    now = utc_now()
    url = policies.video_link(viewer, row, now)
    return {
        "video": True,
        "row": row,
        "opens": opens,
        "url": url,
        # A confirmed visit not yet open: when its link will appear (the script shows it).
        "reload": holder is not None,
        "waiting": url is None and Status(row.status) in JOINABLE and now < opens,
    }
