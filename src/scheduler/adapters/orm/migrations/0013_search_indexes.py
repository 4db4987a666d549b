"""Indexes for the doctor search (adapters/orm/doctor_search.py), measured by bench/search.py.

- Free in a part of the day, on any day ahead: each part's last free start, only where the part
  has one, with the pair beside it, so the search reads the future ones from the index alone
  instead of every free day of the directory.
- A doctor's sex: the users are mostly patients; an index over the doctors alone (the search
  says ``role = 'doctor'`` with the sex, so the planner may use it) finds them without reading
  every patient.

Partial indexes: PostgreSQL and SQLite both have them. Written as SQL, not model Meta, since the
models do not declare them (the search's needs are the search's).
"""

from django.db import migrations

PARTS = ("morning", "afternoon", "evening")

INDEXES = [
    (
        f"CREATE INDEX search_free_{part} ON orm_freeday ({part}_last, doctor_id, clinic_id) "
        f"WHERE {part}_last IS NOT NULL",
        f"DROP INDEX search_free_{part}",
    )
    for part in PARTS
] + [
    (
        "CREATE INDEX search_doctor_sex ON orm_user (sex, id) WHERE role = 'doctor'",
        "DROP INDEX search_doctor_sex",
    )
]


class Migration(migrations.Migration):
    dependencies = [
        ("orm", "0012_directory_read_model"),
    ]

    operations = [migrations.RunSQL(sql, reverse_sql) for sql, reverse_sql in INDEXES]
