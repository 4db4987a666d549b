from __future__ import annotations

import pytest
from django.test import Client

from tests import factories


@pytest.mark.django_db
def test_home_lists_clinics_with_their_verified_doctors() -> None:
    at = factories.clinic()
    shown = factories.doctor(at)
    hidden = factories.doctor(at, verified=False)

    page = Client().get("/").content.decode()

    assert at.name in page
    assert f"/api/doctors/{shown.pk}/slots/" in page
    assert f"/api/doctors/{hidden.pk}/slots/" not in page
