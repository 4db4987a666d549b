"""The notification log (read-only, with a retry for failures); the inlines of reminder
offsets (clinic page) and contact preferences (user page), which entrypoints.web.combined_admin
puts on those pages."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

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
        "due",
        "kind",
        "channel",
        "recipient",
        "address",
        "status",
        "attempts",
        "provider_id",
        "error",
    )
    list_filter = (orm_admin.when_filter("scheduled_for"), "status", "channel", "kind")
    search_fields = ("recipient__username", "address", "provider_id", "appointment__id")
    list_select_related = ("recipient", "appointment__clinic")
    actions = ["retry"]

    @admin.display(description=_("due"), ordering="scheduled_for")
    def due(self, notification: Notification) -> SafeString:
        return orm_admin.clock(notification.scheduled_for, notification.appointment.clinic.timezone)

    @admin.action(description=_("Send failed messages again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        delivery.retry_failed([row.pk for row in queryset])


class ReminderOffsetInline(admin.TabularInline[ReminderOffset, orm.Clinic]):
    model = ReminderOffset
    extra = 0
    verbose_name = _("reminder (none: 24 h and 2 h before)")
    verbose_name_plural = _("reminders (none: 24 h and 2 h before)")


class ContactPreferenceInline(admin.StackedInline[ContactPreference, orm.User]):
    model = ContactPreference
    can_delete = False
    verbose_name = _("notification channels")
    verbose_name_plural = _("notification channels")
