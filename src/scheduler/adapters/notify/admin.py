"""The notification log (read-only, with a retry for failures); the inlines of reminder
offsets (clinic page) and contact preferences (user page), which entrypoints.web.combined_admin
puts on those pages."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from scheduler.adapters.notify import delivery
from scheduler.adapters.notify.models import ContactPreference, Notification, ReminderOffset
from scheduler.adapters.orm import admin as orm_admin
from scheduler.adapters.orm import models as orm
from scheduler.services.audit import Record


@admin.register(Notification)
class NotificationAdmin(orm_admin.ReadOnlyAdmin[Notification]):
    # Each shows the patient's address and what they were told of their visit.
    audited = (Record.APPOINTMENT, lambda notification: notification.appointment_id)
    list_display = (
        "scheduled_for",
        "kind",
        "channel",
        "recipient",
        "address",
        "status",
        "attempts",
        "provider_id",
        "error",
    )
    list_filter = ("status", "channel", "kind")
    search_fields = ("recipient__username", "address", "provider_id", "appointment__id")
    date_hierarchy = "scheduled_for"
    list_select_related = ("recipient",)
    actions = ["retry"]

    @admin.action(description="Send failed messages again")
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        delivery.retry_failed([row.pk for row in queryset])


class ReminderOffsetInline(admin.TabularInline[ReminderOffset, orm.Clinic]):
    model = ReminderOffset
    extra = 0
    verbose_name = "reminder (none: 24 h and 2 h before)"


class ContactPreferenceInline(admin.StackedInline[ContactPreference, orm.User]):
    model = ContactPreference
    can_delete = False
    verbose_name = "notification channels"
