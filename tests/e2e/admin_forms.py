"""What the Django admin's clinic form posts back: every required field as it stands, so a
test changes only what it means to (a new required field of the clinic goes here, once)."""

from __future__ import annotations

import re

from scheduler.adapters.orm import models as rows

MANAGEMENT_FIELD = r'name="([^"]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)" value="(\d+)"'


def clinic_fields(clinic: rows.Clinic, form: str, **changes: str) -> dict[str, str]:
    fields = {
        "name": clinic.name,
        "address": clinic.address,
        "city": clinic.city,
        "timezone": clinic.timezone,
        "language": clinic.language,
        "phone": clinic.phone,
        "cancel_cutoff_minutes": str(clinic.cancel_cutoff_minutes),
        "no_show_limit": str(clinic.no_show_limit),
        "no_show_window_months": str(clinic.no_show_window_months),
        "no_show_consequence": clinic.no_show_consequence,
        "video_url_template": clinic.video_url_template,
        "waitlist_offer_minutes": str(clinic.waitlist_offer_minutes),
    }
    # The inline formsets' management fields, as the page rendered them.
    inline = re.findall(
        r'name="([^"]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)" value="(\d+)"', form
    )
    return {**fields, **dict(inline), **changes}
