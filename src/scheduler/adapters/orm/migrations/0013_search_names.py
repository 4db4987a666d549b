"""Doctors who signed up before the name search: their folded names (domain.spelling), which
sign-up and renames keep from now on."""

from django.db import migrations

from scheduler.domain.spelling import doctor_search_name


def fill_search_names(apps, schema_editor):
    Doctor = apps.get_model("orm", "Doctor")
    doctors = list(Doctor.objects.select_related("user"))
    for doctor in doctors:
        user = doctor.user
        doctor.search_name = doctor_search_name(user.first_name, user.last_name, user.username)
    Doctor.objects.bulk_update(doctors, ["search_name"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("orm", "0012_directory_read_model"),
    ]

    operations = [
        migrations.RunPython(fill_search_names, migrations.RunPython.noop),
    ]
