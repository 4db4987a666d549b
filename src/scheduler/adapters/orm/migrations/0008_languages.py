"""A clinic's language, and a user's language as a choice that may be absent.

"en" was every user's default, not a choice anyone made (no page offered one): it becomes "no
choice", so those users' messages now follow their clinic's language."""

from django.db import migrations, models

import scheduler.adapters.orm.models


def en_was_no_choice(apps, schema_editor):
    apps.get_model("orm", "User").objects.filter(language="en").update(language="")


class Migration(migrations.Migration):
    dependencies = [
        ("orm", "0007_statistics_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="clinic",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("fa", "فارسی")],
                default=scheduler.adapters.orm.models.site_language,
                help_text="For patients who chose no language: their messages, and pages about this clinic.",
                max_length=8,
                verbose_name="language",
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="language",
            field=models.CharField(
                blank=True,
                choices=[("en", "English"), ("fa", "فارسی")],
                default="",
                help_text="For pages and messages. Empty: the browser's, then the clinic's.",
                max_length=8,
                verbose_name="language",
            ),
        ),
        migrations.RunPython(en_was_no_choice, migrations.RunPython.noop),
    ]
