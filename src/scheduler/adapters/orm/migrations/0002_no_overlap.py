"""The database's last word on overlap: per doctor and per patient, among active statuses.

PostgreSQL: exclusion constraints over tstzrange (btree_gist for the equality part).
SQLite: triggers that abort an insert or update that would overlap.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

ACTIVE = "('pending', 'booked', 'arrived')"
HOLDERS = {"doctor": "appointment_doctor_no_overlap", "patient": "appointment_patient_no_overlap"}


def _postgres(holder: str, name: str, active: str) -> tuple[str, str]:
    create = (
        f"ALTER TABLE orm_appointment ADD CONSTRAINT {name} EXCLUDE USING gist "
        f"({holder}_id WITH =, tstzrange(start, \"end\", '[)') WITH &&) "
        f"WHERE (status IN {active})"
    )
    return create, f"ALTER TABLE orm_appointment DROP CONSTRAINT {name}"


def _sqlite(holder: str, name: str, event: str, active: str) -> tuple[str, str]:
    trigger = f"{name}_{event.split()[0].lower()}"
    create = f"""
        CREATE TRIGGER {trigger} BEFORE {event} ON orm_appointment
        WHEN NEW.status IN {active} AND EXISTS (
            SELECT 1 FROM orm_appointment other
            WHERE other.{holder}_id = NEW.{holder}_id
              AND other.id != NEW.id
              AND other.status IN {active}
              AND other.start < NEW."end" AND NEW.start < other."end")
        BEGIN SELECT RAISE(ABORT, '{name}'); END
    """
    return create, f"DROP TRIGGER {trigger}"


def statements(active: str = ACTIVE) -> dict[str, list[tuple[str, str]]]:
    """Per database vendor, (create, drop) of each guard, over the ``active`` statuses (0004
    widens them)."""
    return {
        "postgresql": [_postgres(holder, name, active) for holder, name in HOLDERS.items()],
        "sqlite": [
            _sqlite(holder, name, event, active)
            for holder, name in HOLDERS.items()
            for event in ("INSERT", 'UPDATE OF start, "end", status')
        ],
    }


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for create, _ in statements().get(vendor, []):
        schema_editor.execute(create)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for _, drop in statements().get(schema_editor.connection.vendor, []):
        schema_editor.execute(drop)


class Migration(migrations.Migration):
    dependencies = [("orm", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
