"""One row per read or change of a record: append-only (the database refuses UPDATE and DELETE,
append_only.py).

Who acted is kept as plain values, as they were at the time: no foreign key to the user, so no
later deletion or anonymisation of a user ever needs to touch (or cascade into) the trail.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from scheduler.adapters.orm import models as orm
from scheduler.domain.model import Role

# Besides the domain's roles: nobody signed in (signing up, say), and the site's own processes
# (command line, workers, the outbox relay).
VISITOR = "visitor"
SYSTEM = "system"
ROLES = [*(role.value for role in Role), VISITOR, SYSTEM]
ROLE_LABELS = {
    **{role.value: label for role, label in orm.ROLE_LABELS.items()},
    VISITOR: _("visitor"),
    SYSTEM: _("the site itself"),
}


class AuditEntry(models.Model):
    at = models.DateTimeField(_("at"), db_index=True)
    actor_id = models.BigIntegerField(
        _("user id"), null=True, blank=True, help_text=_("The user's id, if any.")
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    actor_role = models.CharField(
        _("role"), max_length=16, choices=[(role, ROLE_LABELS[role]) for role in ROLES]
    )
    action = models.CharField(
        _("action"),
        max_length=64,
        help_text=_("An event's name, or a read such as 'appointment.read'."),
    )
    object_type = models.CharField(_("record type"), max_length=32)
    object_id = models.CharField(_("record id"), max_length=64)
    ip = models.GenericIPAddressField(
        _("IP address"), null=True, blank=True, help_text=_("None: the site's own processes.")
    )
    detail = models.JSONField(
        _("detail"), default=dict, blank=True, help_text=_("Ids only, never names.")
    )

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ("-at", "-id")
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object"),
            models.Index(fields=["actor_id", "at"], name="audit_actor"),
            models.Index(fields=["actor_username"], name="audit_username"),
            models.Index(fields=["action", "at"], name="audit_action"),
            models.Index(fields=["actor_role", "at"], name="audit_role"),
            models.Index(fields=["ip", "at"], name="audit_ip"),
        ]

    def __str__(self) -> str:
        who = self.actor_username or self.actor_role
        return f"{self.at:%Y-%m-%d %H:%M:%S} {who} {self.action} {self.object_id}"
