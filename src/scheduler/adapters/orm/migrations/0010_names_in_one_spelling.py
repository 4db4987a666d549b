"""Names typed with an Arabic keyboard (ي ك) in the one spelling the API now stores
(domain.spelling), so the desk's search finds them whichever letters are typed."""

from django.db import migrations

from scheduler.domain.spelling import persian_spelling

ARABIC_LETTERS = ("\u064a", "\u0649", "\u0643")


def one_spelling(apps, schema_editor):
    User = apps.get_model("orm", "User")
    for field in ("first_name", "last_name"):
        for letter in ARABIC_LETTERS:
            for user in User.objects.filter(**{f"{field}__contains": letter}).only(field):
                setattr(user, field, persian_spelling(getattr(user, field)))
                user.save(update_fields=[field])


class Migration(migrations.Migration):
    dependencies = [
        ("orm", "0009_labels_in_both_languages"),
    ]

    operations = [
        migrations.RunPython(one_spelling, migrations.RunPython.noop),
    ]
