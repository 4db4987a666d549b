"""Slot holds (domain.holds): an appointment row in status ``proposed`` with an expiry. The
overlap guards of 0002 (widened by 0004) widen to it, so a hold and another's booking can never
overlap, by the database.

The guards go first and come back last: SQLite adds a NOT NULL column by remaking the table,
which would drop its triggers silently."""

import importlib
from collections.abc import Callable

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

no_overlap = importlib.import_module("scheduler.adapters.orm.migrations.0002_no_overlap")
in_consultation = importlib.import_module(
    "scheduler.adapters.orm.migrations.0004_in_consultation_holds_the_slot"
)

BEFORE = in_consultation.AFTER
AFTER = "('pending', 'booked', 'arrived', 'in_consultation', 'proposed')"

Step = Callable[[StateApps, BaseDatabaseSchemaEditor], None]


def _drop(statuses: str) -> Step:
    def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for _, statement in no_overlap.statements(statuses).get(
            schema_editor.connection.vendor, []
        ):
            schema_editor.execute(statement)

    return drop


def _create(statuses: str) -> Step:
    def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for statement, _ in no_overlap.statements(statuses).get(
            schema_editor.connection.vendor, []
        ):
            schema_editor.execute(statement)

    return create


class Migration(migrations.Migration):
    dependencies = [
        ("orm", "0016_merge_review_fixes"),
    ]

    operations = [
        migrations.RunPython(_drop(BEFORE), _create(BEFORE)),
        migrations.AlterModelOptions(
            name="appointment",
            options={
                "default_manager_name": "objects",
                "ordering": ["start"],
                "verbose_name": "appointment",
                "verbose_name_plural": "appointments",
            },
        ),
        migrations.AddField(
            model_name="appointment",
            name="hold_expires_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="held until"),
        ),
        migrations.AddField(
            model_name="appointment",
            name="hold_purpose",
            field=models.CharField(blank=True, max_length=16, verbose_name="hold purpose"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Awaiting the doctor"),
                    ("booked", "Booked"),
                    ("arrived", "Arrived"),
                    ("in_consultation", "In consultation"),
                    ("fulfilled", "Fulfilled"),
                    ("cancelled", "Cancelled"),
                    ("rejected", "Rejected"),
                    ("noshow", "No-show"),
                    ("proposed", "Held"),
                    ("released", "Hold released"),
                ],
                max_length=16,
                verbose_name="status",
            ),
        ),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(
                condition=models.Q(("status", "proposed")),
                fields=["hold_expires_at"],
                name="appointment_hold_expiry",
            ),
        ),
        migrations.RunPython(_create(AFTER), _drop(AFTER)),
    ]
