"""Hypothesis throws bad JSON at every write endpoint the OpenAPI schema lists that takes a body,
as each signed-in role: bodies that do not parse, JSON that is not an object, and objects whose
documented fields hold the wrong kind of value. Every answer is a 4xx and no table gains, loses
or changes a row.

The operations come from the schema itself, so a write endpoint added later is covered without
anyone remembering to list it here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db.models import Model
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from tests import factories

pytestmark = pytest.mark.django_db

WRITES = ("post", "put", "patch", "delete")
SCHEMA = SchemaGenerator().get_schema(request=None, public=True)


def write_operations() -> Iterator[tuple[str, str, list[str]]]:
    """(method, path, the request body's documented field names) of every write that takes a
    body; one that takes none (a delete, a confirm) has no body to get wrong."""
    for path, operations in SCHEMA["paths"].items():
        for method, operation in operations.items():
            if method in WRITES and "requestBody" in operation:
                yield method, path, sorted(_body_fields(operation))


def _body_fields(operation: dict[str, Any]) -> set[str]:
    content = operation.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema", {})
    if "$ref" in body:
        body = SCHEMA["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    return set(body.get("properties", {}))


def _not_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
any_json = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
# A dict is the wrong kind of value for every field a write takes (text, number, date, flag, list).
wrong_value = st.dictionaries(st.text(max_size=5), any_json, max_size=3)


def bad_bodies(fields: list[str]) -> st.SearchStrategy[bytes]:
    unparsable = st.text(min_size=1).filter(_not_json).map(str.encode)
    not_an_object = (scalars | st.lists(any_json, max_size=4)).map(
        lambda value: json.dumps(value).encode()
    )
    strategies = [unparsable, not_an_object]
    if fields:
        wrong_kinds = st.fixed_dictionaries({field: wrong_value for field in fields}).map(
            lambda value: json.dumps(value).encode()
        )
        strategies.append(wrong_kinds)
    return st.one_of(strategies)


def table_contents() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the app owns, as values: what "nothing stored" is checked on."""
    owned: list[type[Model]] = [
        model
        for model in apps.get_models()
        if model._meta.app_label in ("orm", "notify", "gcal", "token_blacklist", "auth")
    ]
    return {
        model._meta.label: sorted(map(repr, model.objects.values_list()))  # type: ignore[misc]
        for model in owned
    }


@pytest.fixture
def world(
    clinic: rows.Clinic,
    doctor: rows.Doctor,
    patient: rows.Patient,
    receptionist: rows.Receptionist,
) -> dict[str, Any]:
    visit = factories.appointment(doctor, patient, factories.slot_start(clinic, hour=11))
    day_off = rows.TimeOff.objects.create(
        doctor=doctor,
        start=factories.slot_start(clinic, days_ahead=9, hour=9),
        end=factories.slot_start(clinic, days_ahead=9, hour=12),
    )
    return {
        "ids": {
            "{appointment_id}": str(visit.pk),
            "{doctor_id}": str(doctor.pk),
            "{clinic_id}": str(clinic.pk),
            "{time_off_id}": str(day_off.pk),
        },
        "users": [patient.user, doctor.user, receptionist.user],
    }


@pytest.mark.parametrize(("method", "path", "fields"), list(write_operations()))
def test_bad_json_is_refused_and_nothing_is_stored(
    world: dict[str, Any], method: str, path: str, fields: list[str]
) -> None:
    for placeholder, value in world["ids"].items():
        path = path.replace(placeholder, value)
    before = table_contents()

    @settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(user=st.sampled_from(world["users"]), body=bad_bodies(fields))
    def refused(user: rows.User, body: bytes) -> None:
        client = APIClient()
        client.force_authenticate(user=user)

        answer = client.generic(method.upper(), path, body, content_type="application/json")

        assert 400 <= answer.status_code < 500, (answer.status_code, body, answer.content)
        assert answer["Content-Type"] == "application/json", answer.content

    refused()
    assert table_contents() == before
