"""An admin sets a clinic's no-show policy and video provider in the clinic's form; a video
address that is not https, or has no {room}, is refused with the reason."""

from __future__ import annotations

from typing import Any

import pytest

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.admin_forms import clinic_fields
from tests.e2e.test_patient_pages_review import signed_in

pytestmark = pytest.mark.django_db


def _fields(clinic: rows.Clinic, form: str) -> dict[str, Any]:
    return clinic_fields(
        clinic,
        form,
        cancel_cutoff_minutes="120",
        no_show_limit="3",
        no_show_window_months="6",
        no_show_consequence="no_online_booking",
    )


@pytest.mark.parametrize(
    ("template", "refusal"),
    [
        ("http://meet.example.org/{room}", "https://"),
        ("https://meet.example.org/room", "{room}"),
    ],
)
def test_a_bad_video_address_is_refused(clinic: rows.Clinic, template: str, refusal: str) -> None:
    client = signed_in(factories.admin())
    url = f"/admin/orm/clinic/{clinic.pk}/change/"
    fields = _fields(clinic, client.get(url).content.decode())
    refused = client.post(url, {**fields, "video_url_template": template})
    assert refused.status_code == 200 and refusal in refused.content.decode()
    clinic.refresh_from_db()
    assert (clinic.video_url_template, clinic.no_show_limit) == ("", 0)


def test_the_admin_sets_the_policy_and_the_video_address(clinic: rows.Clinic) -> None:
    client = signed_in(factories.admin())
    url = f"/admin/orm/clinic/{clinic.pk}/change/"
    form = client.get(url).content.decode()
    assert 'name="no_show_limit"' in form and 'name="video_url_template"' in form
    saved = client.post(
        url, {**_fields(clinic, form), "video_url_template": "https://meet.jit.si/{room}"}
    )
    assert saved.status_code == 302
    clinic.refresh_from_db()
    assert (clinic.no_show_limit, clinic.no_show_consequence) == (3, "no_online_booking")
    assert clinic.video_url_template == "https://meet.jit.si/{room}"
    too_long = client.post(url, {**_fields(clinic, form), "no_show_window_months": "37"})
    assert too_long.status_code == 200
