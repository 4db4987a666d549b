"""The no-show policy and video visits: a clinic's settings, an appointment's visit mode and
room.

SQLite adds a NOT NULL column by rebuilding the table, which drops its triggers: the overlap
guards (0002, widened by 0004 and 0017_holds_proposed) are put back after the rebuild (and after the one undoing it).
"""

import importlib

import django.core.validators
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

import scheduler.adapters.orm.models

no_overlap = importlib.import_module("scheduler.adapters.orm.migrations.0002_no_overlap")
widened = importlib.import_module("scheduler.adapters.orm.migrations.0017_holds_proposed")


def restore_sqlite_guards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for create, drop in no_overlap.statements(widened.AFTER)["sqlite"]:
        schema_editor.execute(drop.replace("DROP TRIGGER", "DROP TRIGGER IF EXISTS"))
        schema_editor.execute(create)


class Migration(migrations.Migration):
    dependencies = [
        ("orm", "0017_holds_proposed"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_guards),
        migrations.AddField(
            model_name="appointment",
            name="video_room",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="video room"
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="visit_mode",
            field=models.CharField(
                choices=[("in_person", "in person"), ("video", "video")],
                default="in_person",
                max_length=16,
                verbose_name="visit mode",
            ),
        ),
        migrations.AddField(
            model_name="clinic",
            name="no_show_consequence",
            field=models.CharField(
                choices=[
                    ("needs_approval", "bookings need the doctor's approval"),
                    ("no_online_booking", "no online booking"),
                ],
                default="needs_approval",
                max_length=24,
                verbose_name="when over the limit",
            ),
        ),
        migrations.AddField(
            model_name="clinic",
            name="no_show_limit",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="After this many no-shows within the window, a patient's own bookings are held back. 0: no policy.",
                validators=[django.core.validators.MaxValueValidator(20)],
                verbose_name="no-show limit",
            ),
        ),
        migrations.AddField(
            model_name="clinic",
            name="no_show_window_months",
            field=models.PositiveSmallIntegerField(
                default=6,
                help_text="No-shows older than this no longer count.",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(36),
                ],
                verbose_name="no-show window (months)",
            ),
        ),
        migrations.AddField(
            model_name="clinic",
            name="video_url_template",
            field=models.CharField(
                blank=True,
                help_text="The video provider's room address, with {room} where the room's name goes, e.g. https://meet.jit.si/{room}. Empty: no video visits.",
                max_length=300,
                validators=[scheduler.adapters.orm.models.check_video_template],
                verbose_name="video visit address",
            ),
        ),
        migrations.RunPython(restore_sqlite_guards, migrations.RunPython.noop),
    ]
