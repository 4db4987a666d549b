"""Phone numbers stored as typed become E.164, as new ones are (adapters.phones): a search by
number finds them however they were written. A number that is none stays as it was."""

import phonenumbers
from django.conf import settings
from django.db import migrations


def to_e164(apps, schema_editor):
    user_model = apps.get_model("orm", "User")
    for user in user_model.objects.exclude(phone="").only("pk", "phone").iterator():
        try:
            number = phonenumbers.parse(user.phone, settings.PHONE_REGION)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if e164 != user.phone:
                user_model.objects.filter(pk=user.pk).update(phone=e164)


class Migration(migrations.Migration):
    dependencies = [("orm", "0002_no_overlap")]

    operations = [migrations.RunPython(to_e164, migrations.RunPython.noop)]
