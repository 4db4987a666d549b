"""The admin's reviews: read, never edited or deleted here; hidden (with a reason the admin
gives on a page of its own) and shown again through the HideReview and ShowReview commands,
so who did it, when and why are recorded and the doctor's rating follows. Registered from
config.urls, like the doctors' list: it needs the bus."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from scheduler.adapters.orm import admin as orm_admin
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus
from scheduler.domain import reviews
from scheduler.domain.errors import DomainError
from scheduler.entrypoints.error_text import error_text
from scheduler.services import commands
from scheduler.services.audit import Record


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are they hidden?"),
        max_length=reviews.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with each review; the author and the doctor do not see it."),
    )


@admin.register(rows.Review)
class ReviewAdmin(orm_admin.ReadOnlyAdmin[rows.Review]):
    # Read-only pages (no Save, which wrote an empty change to the history); the actions
    # change reviews, through the bus.
    audited = (Record.PATIENT, lambda review: review.patient_id)
    list_display = ("written", "doctor", "stars", "hidden", "replied")
    list_filter = ("hidden", "stars")
    search_fields = ("doctor__user__last_name", "text")
    list_select_related = ("doctor__user", "appointment__clinic")
    # Every moment on the visit's clinic's clock, in the reader's calendar, as the visits are:
    # not Django's UTC fields (a review written at 03:10 in Tehran read as the day before).
    fields = readonly_fields = (
        "appointment",
        "doctor",
        "patient",
        "author",
        "stars",
        "text",
        "written",
        "edited",
        "reply",
        "replied",
        "hidden",
        "hidden_reason",
        "hidden_by",
        "hidden_on",
    )
    actions = ["hide", "show"]

    @admin.display(description=_("written at"), ordering="written_at")
    def written(self, review: rows.Review) -> SafeString:
        return _on_clinic_clock(review, review.written_at)

    @admin.display(description=_("edited at"))
    def edited(self, review: rows.Review) -> SafeString:
        return _on_clinic_clock(review, review.edited_at)

    @admin.display(description=_("replied at"), ordering="replied_at")
    def replied(self, review: rows.Review) -> SafeString:
        return _on_clinic_clock(review, review.replied_at)

    @admin.display(description=_("hidden at"))
    def hidden_on(self, review: rows.Review) -> SafeString:
        return _on_clinic_clock(review, review.hidden_at)

    @admin.action(description=_("Hide selected reviews…"))
    def hide(
        self, request: HttpRequest, queryset: QuerySet[rows.Review]
    ) -> TemplateResponse | None:
        form = HideForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._each(
                request,
                queryset,
                lambda actor, pk: commands.HideReview(actor=actor, review_id=pk, reason=reason),
            )
            return None
        return TemplateResponse(
            request,
            "admin/reviews_hide.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Hide reviews"),
                "form": form,
                "reviews": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Show selected reviews again"))
    def show(self, request: HttpRequest, queryset: QuerySet[rows.Review]) -> None:
        self._each(
            request, queryset, lambda actor, pk: commands.ShowReview(actor=actor, review_id=pk)
        )

    def _each(self, request: HttpRequest, queryset: QuerySet[rows.Review], command: Any) -> None:
        bus, actor = build_bus(), actor_for(request.user)
        changed, refusals = 0, []
        for pk in queryset.values_list("pk", flat=True):
            try:
                bus.handle(command(actor, pk))
                changed += 1
            except DomainError as error:
                refusals.append(error_text(error))
        self.message_user(
            request,
            ngettext("%(count)d review changed.", "%(count)d reviews changed.", changed)
            % {"count": changed},
            messages.SUCCESS if changed else messages.WARNING,
        )
        for refusal in sorted(set(refusals)):
            self.message_user(request, refusal, messages.WARNING)


def _on_clinic_clock(review: rows.Review, at: datetime | None) -> SafeString:
    return orm_admin.clock(at, review.appointment.clinic.timezone)
