"""GET /api/stats/ and its CSV export: admins only, bounded input, one table per section."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from tests import factories

pytestmark = pytest.mark.django_db


def client_of(user: rows.User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


@pytest.fixture
def admin() -> APIClient:
    return client_of(factories.admin())


@pytest.fixture
def clinic() -> rows.Clinic:
    return factories.clinic()


def visit_yesterday(clinic: rows.Clinic) -> rows.Appointment:
    zone = ZoneInfo(clinic.timezone)
    yesterday = datetime.now(zone).date() - timedelta(days=1)
    return factories.appointment(
        factories.doctor(clinic),
        factories.patient(),
        datetime.combine(yesterday, time(10), zone),
        status="fulfilled",
    )


def test_an_admin_gets_every_section_of_the_last_30_days(
    admin: APIClient, clinic: rows.Clinic
) -> None:
    visit = visit_yesterday(clinic)

    answer = admin.get("/api/stats/", {"clinic": clinic.pk})

    assert answer.status_code == 200
    body = answer.json()
    today = datetime.now(ZoneInfo(clinic.timezone)).date()
    assert body["window"] == {
        "first_day": str(today - timedelta(days=29)),
        "last_day": str(today),
        "clinic_id": clinic.pk,
        "period": "day",
    }
    assert body["volume"]["clinic"] == [
        {
            "period": str(visit.start.astimezone(ZoneInfo(clinic.timezone)).date()),
            "count": 1,
            "clinic_id": clinic.pk,
            "clinic": clinic.name,
        }
    ]
    assert body["status_mix"] == [{"status": "fulfilled", "cancelled_by": "", "count": 1}]
    assert [row["booked_minutes"] for row in body["utilisation"]] == [30]
    assert set(body) >= {"lead_time", "busy_hours", "new_patients", "notifications"}
    assert body["ratings"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2025-02-30"}, "from"),
        ({"from": "1999-12-31"}, "from"),
        ({"from": "2025-03-02", "to": "2025-03-01"}, "to"),
        ({"from": "2024-01-01", "to": "2025-01-01"}, "to"),  # 367 days
        ({"period": "hour"}, "period"),
        ({"clinic": "x"}, "clinic"),
        ({"clinic": 10**9}, "clinic"),
        ({"clinic": -1}, "clinic"),
    ],
)
def test_bad_input_is_a_400_on_its_field(
    admin: APIClient, query: dict[str, object], field: str
) -> None:
    for path in ("/api/stats/", "/api/stats/export.csv"):
        answer = admin.get(path, {**query, "section": "volume"})

        assert answer.status_code == 400, path
        assert field in answer.json(), path


def test_a_year_and_a_day_is_the_longest_window(admin: APIClient) -> None:
    assert admin.get("/api/stats/", {"from": "2024-01-01", "to": "2024-12-31"}).status_code == 200


@pytest.mark.parametrize("path", ["/api/stats/", "/api/stats/export.csv?section=volume"])
def test_only_admins_see_the_statistics(path: str, clinic: rows.Clinic) -> None:
    doctor = factories.doctor(clinic)
    others = [
        factories.patient().user,
        doctor.user,
        factories.receptionist(clinic).user,
    ]

    assert client_of(None).get(path).status_code == 401
    for user in others:
        answer = client_of(user).get(path)
        assert answer.status_code == 403
        assert answer.json()["code"] == "not_allowed"


def test_each_section_downloads_as_one_table(admin: APIClient, clinic: rows.Clinic) -> None:
    visit_yesterday(clinic)

    answer = admin.get("/api/stats/export.csv", {"section": "utilisation", "clinic": clinic.pk})

    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer["Content-Disposition"].startswith('attachment; filename="nobat-utilisation-')
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0] == ["doctor", "clinic", "booked minutes", "offered minutes", "utilisation"]
    assert [line[1:3] for line in table[1:]] == [[clinic.name, "30"]]


@pytest.mark.parametrize(
    "section",
    ["volume", "status_mix", "lead_time", "busy_hours", "new_patients", "notifications"],
)
def test_every_section_has_a_header_and_its_rows(
    admin: APIClient, clinic: rows.Clinic, section: str
) -> None:
    visit_yesterday(clinic)

    answer = admin.get("/api/stats/export.csv", {"section": section})

    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert answer.status_code == 200
    assert table[0]
    assert all(len(line) == len(table[0]) for line in table)


def test_an_unknown_section_is_a_400(admin: APIClient) -> None:
    answer = admin.get("/api/stats/export.csv", {"section": "everything"})

    assert answer.status_code == 400
    assert "section" in answer.json()


def test_the_schema_documents_both(admin: APIClient) -> None:
    schema = admin.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert {"/api/stats/", "/api/stats/export.csv"} <= set(schema["paths"])


def test_a_name_a_spreadsheet_would_run_is_kept_as_text(
    admin: APIClient, clinic: rows.Clinic
) -> None:
    # Found in review: anyone may sign up as a doctor named "=cmd|' /C calc'!A0".
    visit = visit_yesterday(clinic)
    rows.User.objects.filter(pk=visit.doctor.user_id).update(
        first_name="=cmd|' /C calc'!A0", last_name="@SUM(1+1)"
    )

    answer = admin.get("/api/stats/export.csv", {"section": "utilisation", "clinic": clinic.pk})

    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[1][0] == "'=cmd|' /C calc'!A0 @SUM(1+1)"

    # Nor behind blanks, which a spreadsheet may trim first (found in review: a doctor with no
    # first name is " =..." in a name joined with a space).
    rows.User.objects.filter(pk=visit.doctor.user_id).update(first_name="", last_name="=1+2")
    answer = admin.get("/api/stats/export.csv", {"section": "utilisation", "clinic": clinic.pk})
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[1][0] == "' =1+2"


def test_a_doctor_awaiting_verification_offers_no_hours(admin: APIClient) -> None:
    # Found in review: a doctor who signed up a minute ago could skew the clinics' utilisation.
    clinic = factories.clinic()
    factories.doctor(clinic, verified=False)

    answer = admin.get("/api/stats/", {"clinic": clinic.pk})

    assert answer.json()["utilisation"] == []
