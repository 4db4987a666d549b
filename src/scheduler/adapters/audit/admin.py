"""The audit trail in the admin: to read and search, never to add, change or delete (not even
a superuser: the permissions say no, and the database refuses anyway)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from scheduler.adapters.audit.models import AuditEntry
from scheduler.adapters.orm.admin import ReadOnlyAdmin, clock, when_filter


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin[AuditEntry]):
    list_display = (
        "when",
        "actor_username",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "ip",
    )
    list_filter = (when_filter("at", past_only=True), "action", "actor_role", "object_type")
    search_fields = ("actor_username", "=object_id", "ip")
    show_full_result_count = False  # a count of the whole trail on every page is a full scan

    @admin.display(description=_("when"), ordering="at")
    def when(self, entry: AuditEntry) -> SafeString:
        # To the second, with its zone: entries a second apart must read apart.
        return clock(entry.at, seconds=True)
