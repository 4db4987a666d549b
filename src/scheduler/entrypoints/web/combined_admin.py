"""Admin pages that show more than one adapter's rows: a clinic with its reminder offsets, a
user with their notification channels. Registered here, once, from config.urls: no adapter
unregisters another's page, whatever the order of INSTALLED_APPS."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from scheduler.adapters.notify.admin import ContactPreferenceInline, ReminderOffsetInline
from scheduler.adapters.orm import admin as orm_admin
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus
from scheduler.services.commands import DeactivateUser


@admin.register(rows.Clinic)
class ClinicAdmin(orm_admin.ClinicAdmin):
    inlines = [*orm_admin.ClinicAdmin.inlines, ReminderOffsetInline]


@admin.register(rows.User)
class UserAdmin(orm_admin.NobatUserAdmin):
    inlines = [*orm_admin.NobatUserAdmin.inlines, ContactPreferenceInline]

    def save_model(self, request: HttpRequest, obj: rows.User, form: Any, change: bool) -> None:
        closing = change and "is_active" in form.changed_data and not obj.is_active
        if closing:
            obj.is_active = True  # closed by the command below, which revokes the tokens too
        super().save_model(request, obj, form, change)
        if closing:
            build_bus().handle(DeactivateUser(actor=actor_for(request.user), user_id=obj.pk))
            obj.is_active = False
