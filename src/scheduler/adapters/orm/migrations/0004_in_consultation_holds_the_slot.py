"""A patient in consultation holds the slot: the overlap guards of 0002 widen to that status."""

import importlib
from collections.abc import Callable

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

no_overlap = importlib.import_module("scheduler.adapters.orm.migrations.0002_no_overlap")

BEFORE = no_overlap.ACTIVE
AFTER = "('pending', 'booked', 'arrived', 'in_consultation')"


def _swap(old: str, new: str) -> Callable[[StateApps, BaseDatabaseSchemaEditor], None]:
    def swap(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        vendor = schema_editor.connection.vendor
        for _, drop in no_overlap.statements(old).get(vendor, []):
            schema_editor.execute(drop)
        for create, _ in no_overlap.statements(new).get(vendor, []):
            schema_editor.execute(create)

    return swap


class Migration(migrations.Migration):
    dependencies = [("orm", "0003_phones_in_e164")]
    operations = [
        migrations.AlterField(
            model_name="appointment",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "pending"),
                    ("booked", "booked"),
                    ("arrived", "arrived"),
                    ("in_consultation", "in_consultation"),
                    ("fulfilled", "fulfilled"),
                    ("cancelled", "cancelled"),
                    ("rejected", "rejected"),
                    ("noshow", "noshow"),
                ],
                max_length=16,
            ),
        ),
        migrations.RunPython(_swap(BEFORE, AFTER), _swap(AFTER, BEFORE)),
    ]
