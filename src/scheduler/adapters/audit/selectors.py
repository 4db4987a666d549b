"""Reading the audit trail: for admins, newest first, narrowed by any of its columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from scheduler.adapters.audit.models import AuditEntry
from scheduler.domain import access
from scheduler.domain.model import Actor


@dataclass(frozen=True, kw_only=True)
class AuditFilters:
    actor_id: int | None = None
    role: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    ip: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


def audit_entries(*, viewer: Actor, filters: AuditFilters) -> QuerySet[AuditEntry]:
    access.ensure_may_read_audit(viewer)
    exact = {
        "actor_id": filters.actor_id,
        "actor_role": filters.role,
        "action": filters.action,
        "object_type": filters.object_type,
        "object_id": filters.object_id,
        "ip": filters.ip,
        "at__gte": filters.since,
        "at__lt": filters.until,
    }
    return AuditEntry.objects.filter(
        **{name: value for name, value in exact.items() if value is not None}
    ).order_by("-at", "-id")
