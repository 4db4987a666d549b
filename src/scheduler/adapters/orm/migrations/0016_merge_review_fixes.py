# The review round of issue 13: clinic phones and Persian specialty names join here.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orm", "0015_clinic_phone"),
        ("orm", "0015_specialty_persian_names"),
    ]

    operations = []
