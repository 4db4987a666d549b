"""Audit entries are never changed or deleted: the database refuses (append_only)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from scheduler.adapters.audit import append_only


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for create, _ in append_only.statements(schema_editor.connection.vendor):
        schema_editor.execute(create)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for _, drop in reversed(append_only.statements(schema_editor.connection.vendor)):
        schema_editor.execute(drop)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
