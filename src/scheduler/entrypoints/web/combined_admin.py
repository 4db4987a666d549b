"""Admin pages that show more than one adapter's rows: a clinic with its reminder offsets, a
user with their notification channels. Registered here, once, from config.urls: no adapter
unregisters another's page, whatever the order of INSTALLED_APPS."""

from __future__ import annotations

from django.contrib import admin

from scheduler.adapters.notify.admin import ContactPreferenceInline, ReminderOffsetInline
from scheduler.adapters.orm import admin as orm_admin
from scheduler.adapters.orm import models as rows


@admin.register(rows.Clinic)
class ClinicAdmin(orm_admin.ClinicAdmin):
    inlines = [*orm_admin.ClinicAdmin.inlines, ReminderOffsetInline]


@admin.register(rows.User)
class UserAdmin(orm_admin.NobatUserAdmin):
    inlines = [*orm_admin.NobatUserAdmin.inlines, ContactPreferenceInline]
