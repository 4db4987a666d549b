"""The database's refusal to change or delete an audit entry, per vendor, as (create, drop)
statements; migration 0002 applies them.

PostgreSQL: a row trigger raising restrict_violation (an IntegrityError, as on SQLite) before
any UPDATE or DELETE. TRUNCATE is a different statement that fires no row trigger: the app never
issues it; Django's test runner does, to empty the database between tests.
SQLite: BEFORE UPDATE and BEFORE DELETE triggers that abort the statement.

A migration that makes SQLite rebuild the table (most ALTERs of a column) drops its triggers:
such a migration must create them again.
"""

from __future__ import annotations

TABLE = "audit_auditentry"
REFUSAL = "audit_entry_append_only"

_FUNCTION = f"""
    CREATE FUNCTION {REFUSAL}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSAL}: audit entries are never changed or deleted'
            USING ERRCODE = 'restrict_violation';
    END
    $$
"""


def statements(vendor: str) -> list[tuple[str, str]]:
    """(create, drop) of each guard on ``vendor``'s database; none on others."""
    if vendor == "postgresql":
        return [
            (_FUNCTION, f"DROP FUNCTION {REFUSAL}()"),
            (
                f"CREATE TRIGGER {REFUSAL} BEFORE UPDATE OR DELETE ON {TABLE} "
                f"FOR EACH ROW EXECUTE FUNCTION {REFUSAL}()",
                f"DROP TRIGGER {REFUSAL} ON {TABLE}",
            ),
        ]
    if vendor == "sqlite":
        return [
            (
                f"CREATE TRIGGER {REFUSAL}_{event.lower()} BEFORE {event} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
                f"DROP TRIGGER {REFUSAL}_{event.lower()}",
            )
            for event in ("UPDATE", "DELETE")
        ]
    return []
