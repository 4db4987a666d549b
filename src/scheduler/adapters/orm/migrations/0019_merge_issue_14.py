"""Issue 14's branches meet: slot holds, the waitlist, the no-show policy, video visits, reviews, visit notes, documents."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orm", "0017_documents_attached"),
        ("orm", "0017_notes_visit_notes"),
        ("orm", "0017_policy_noshow_video"),
        ("orm", "0017_reviews_and_ratings"),
        ("orm", "0018_waitlist_entries_offers"),
    ]

    operations: list[migrations.operations.base.Operation] = []
