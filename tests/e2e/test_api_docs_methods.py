"""The API's schema and docs pages are read only: any other method is refused, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/docs/", "/api/schema/"])
@pytest.mark.parametrize("method", ["OPTIONS", "POST", "PUT", "DELETE"])
def test_a_method_other_than_reading_is_a_405(path: str, method: str) -> None:
    assert Client().generic(method, path).status_code == 405


@pytest.mark.parametrize("path", ["/api/docs/", "/api/schema/"])
def test_they_are_read(path: str) -> None:
    assert Client().get(path).status_code == 200
    assert Client().head(path).status_code == 200
