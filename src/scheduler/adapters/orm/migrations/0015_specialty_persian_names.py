"""Specialties named in Persian too, and found by either name: the folded names
(domain.spelling) of the specialties already there, which saving a specialty keeps from now on."""

from django.db import migrations, models

from scheduler.domain.spelling import specialty_search_name


def fill_search_names(apps, schema_editor):
    Specialty = apps.get_model("orm", "Specialty")
    specialties = list(Specialty.objects.all())
    for specialty in specialties:
        specialty.search_name = specialty_search_name(
            specialty.name, specialty.name_fa, specialty.slug
        )
    Specialty.objects.bulk_update(specialties, ["search_name"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("orm", "0014_merge_issue_13"),
    ]

    operations = [
        migrations.AddField(
            model_name="specialty",
            name="name_fa",
            field=models.CharField(blank=True, max_length=100, verbose_name="name in Persian"),
        ),
        migrations.AddField(
            model_name="specialty",
            name="search_name",
            field=models.CharField(
                blank=True, editable=False, max_length=250, verbose_name="name for search"
            ),
        ),
        migrations.RunPython(fill_search_names, migrations.RunPython.noop),
    ]
