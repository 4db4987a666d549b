# Issue 13 grew in parallel: profiles, cancellation cut-off, family members, calendar feeds,
# search indexes and names join here.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orm", "0013_calendar_feeds"),
        ("orm", "0013_cancel_cutoff"),
        ("orm", "0013_dependants"),
        ("orm", "0013_search_indexes"),
        ("orm", "0013_search_names"),
    ]

    operations = []
