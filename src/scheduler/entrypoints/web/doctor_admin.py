"""The admin's doctor list: a doctor is verified (or no longer) through VerifyDoctor, so the
change is recorded and patients may book them from then on; the flag is not edited by hand.
Registered from config.urls, like the schedule screens: it needs the bus."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from scheduler.adapters.orm import admin as orm_admin
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus
from scheduler.services import commands


@admin.register(rows.Doctor)
class DoctorAdmin(orm_admin.GuardedAdmin[rows.Doctor]):
    list_display = ("__str__", "specialty", "licence_number", "verified")
    list_filter = ("verified", "specialty")
    search_fields = ("user__first_name", "user__last_name", "licence_number")
    readonly_fields = ("verified",)
    actions = ["verify", "unverify"]

    @admin.action(description=_("Verify selected doctors"))
    def verify(self, request: HttpRequest, queryset: QuerySet[rows.Doctor]) -> None:
        self._set(request, queryset, verified=True)

    @admin.action(description=_("Withdraw verification of selected doctors"))
    def unverify(self, request: HttpRequest, queryset: QuerySet[rows.Doctor]) -> None:
        self._set(request, queryset, verified=False)

    def _set(
        self, request: HttpRequest, queryset: QuerySet[rows.Doctor], *, verified: bool
    ) -> None:
        bus, actor = build_bus(), actor_for(request.user)
        changed = sum(
            bool(bus.handle(commands.VerifyDoctor(actor=actor, doctor_id=pk, verified=verified)))
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(
            request,
            ngettext("%(count)d doctor changed.", "%(count)d doctors changed.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )
