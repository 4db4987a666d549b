"""Admin pages that show more than one adapter's rows: a clinic with its reminder offsets, a
user with their notification channels. Registered here, once, from config.urls: no adapter
unregisters another's page, whatever the order of INSTALLED_APPS."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from scheduler.adapters.notify.admin import ContactPreferenceInline, ReminderOffsetInline
from scheduler.adapters.orm import admin as orm_admin
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus
from scheduler.domain.model import Actor
from scheduler.entrypoints.web.profile_page import PhoneField
from scheduler.services.commands import DeactivateUser, SetPassword

# The admin's own names, in the reader's language (Django's say "Django administration").
admin.site.site_header = _("Nobat administration")
admin.site.site_title = _("Nobat admin")
admin.site.index_title = _("Clinics, people and appointments")

# Who sets a password on the admin's page: Django builds that page's form without the request.
_setting_passwords: ContextVar[Actor] = ContextVar("setting_passwords")


class CommandPasswordForm(AdminPasswordChangeForm):  # type: ignore[type-arg]
    """Django's form, saved by SetPassword: with the password, every refresh token goes."""

    def save(self, commit: bool = True) -> rows.User:
        usable = self.cleaned_data["set_usable_password"]
        build_bus().handle(
            SetPassword(
                actor=_setting_passwords.get(),
                user_id=self.user.pk,
                new_password=self.cleaned_data["password1"] if usable else None,
            )
        )
        self.user.refresh_from_db(fields=["password"])
        user: rows.User = self.user
        return user


class ClinicForm(forms.ModelForm):  # type: ignore[type-arg]
    """The clinic's phone however it is written, kept in E.164 as users' phones are. No Meta:
    the admin builds it for the clinic with all its fields, this one declared over them."""

    phone = PhoneField(label=_("phone"), help_text=rows.Clinic._meta.get_field("phone").help_text)


@admin.register(rows.Clinic)
class ClinicAdmin(orm_admin.ClinicAdmin):
    form = ClinicForm
    inlines = [*orm_admin.ClinicAdmin.inlines, ReminderOffsetInline]


@admin.register(rows.User)
class UserAdmin(orm_admin.NobatUserAdmin):
    inlines = [*orm_admin.NobatUserAdmin.inlines, ContactPreferenceInline]
    change_password_form = CommandPasswordForm

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        acting = _setting_passwords.set(actor_for(request.user))
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _setting_passwords.reset(acting)

    def save_model(self, request: HttpRequest, obj: rows.User, form: Any, change: bool) -> None:
        closing = change and "is_active" in form.changed_data and not obj.is_active
        if closing:
            obj.is_active = True  # closed by the command below, which revokes the tokens too
        super().save_model(request, obj, form, change)
        if closing:
            build_bus().handle(DeactivateUser(actor=actor_for(request.user), user_id=obj.pk))
            obj.is_active = False
