"""The admin's people pages: verifying a doctor goes through VerifyDoctor (recorded, and only
then bookable); the clinic and user pages carry the notification settings of another adapter.
A list address or action form made by hand is sent back to the list, never a 500."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.admin import GuardedAdmin
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_page() -> Client:
    client = Client()
    client.force_login(factories.admin())
    return client


def test_verifying_doctors_is_recorded_once_per_change(admin_page: Client) -> None:
    waiting = factories.doctor(verified=False)
    already = factories.doctor(verified=True)

    answer = admin_page.post(
        "/admin/orm/doctor/",
        {"action": "verify", "_selected_action": [waiting.pk, already.pk]},
        follow=True,
    )

    assert "1 doctor changed." in answer.content.decode()
    waiting.refresh_from_db()
    assert waiting.verified
    verified = rows.StoredEvent.objects.filter(type="DoctorVerified")
    assert [row.payload["doctor_id"] for row in verified] == [waiting.pk]


def test_the_verified_flag_is_not_edited_by_hand(admin_page: Client) -> None:
    doctor = factories.doctor(verified=False)

    page = admin_page.get(f"/admin/orm/doctor/{doctor.pk}/change/").content.decode()

    assert 'name="verified"' not in page


def test_clinic_and_user_pages_show_the_notification_settings(admin_page: Client) -> None:
    clinic = factories.clinic()
    user = factories.patient().user

    clinic_page = admin_page.get(f"/admin/orm/clinic/{clinic.pk}/change/").content.decode()
    user_page = admin_page.get(f"/admin/orm/user/{user.pk}/change/").content.decode()

    assert "reminders-TOTAL_FORMS" in clinic_page
    assert "contact-TOTAL_FORMS" in user_page


def test_a_clinic_cannot_be_given_a_time_zone_that_does_not_exist(admin_page: Client) -> None:
    clinic = factories.clinic()
    form = {
        "name": clinic.name,
        "address": clinic.address,
        "city": clinic.city,
        "timezone": "Mars/Olympus",
        "reminders-TOTAL_FORMS": "0",
        "reminders-INITIAL_FORMS": "0",
    }

    answer = admin_page.post(f"/admin/orm/clinic/{clinic.pk}/change/", form)

    assert answer.status_code == 200 and "is not a known time zone" in answer.content.decode()
    clinic.refresh_from_db()
    assert clinic.timezone == "Asia/Tehran"


def test_closing_an_account_in_the_admin_revokes_its_refresh_tokens(admin_page: Client) -> None:
    user = factories.patient().user
    refresh = APIClient().post(
        "/api/auth/token/", {"username": user.username, "password": factories.PASSWORD}
    )
    joined = timezone.localtime(user.date_joined)
    form = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "date_joined_0": f"{joined:%Y-%m-%d}",
        "date_joined_1": f"{joined:%H:%M:%S}",
        "role": user.role,
        "phone": user.phone,
        "language": user.language,
        **{f"contact-{n}": v for n, v in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))},
    }  # is_active left out: unticked

    answer = admin_page.post(f"/admin/orm/user/{user.pk}/change/", form)

    assert answer.status_code == 302, answer.content.decode()[:2000]
    user.refresh_from_db()
    assert not user.is_active
    again = APIClient().post("/api/auth/token/refresh/", {"refresh": refresh.json()["refresh"]})
    assert again.status_code == 401
    assert rows.StoredEvent.objects.filter(type="UserDeactivated").count() == 1


@pytest.mark.parametrize(
    ("url", "form"),
    [
        ("/admin/orm/doctor/", {"action": "verify", "_selected_action": "abc"}),
        ("/admin/orm/user/", {"action": "delete_selected", "_selected_action": "abc"}),
    ],
)
def test_a_hand_made_list_address_or_action_goes_back_to_the_list(
    admin_page: Client, url: str, form: dict[str, str] | None
) -> None:
    answer = admin_page.post(url, form) if form else admin_page.get(url)

    assert answer.status_code == 302  # back to the list, with a message or ?e=1


@pytest.mark.parametrize(
    "url",
    [
        "/admin/orm/appointment/?start__year=9999",
        "/admin/audit/auditentry/?at__year=9999",
        "/admin/orm/appointment/?when=9999",
        "/admin/notify/notification/?when=next-week&scheduled_for__year=0",
        "/admin/orm/appointment/?start__year=0",
    ],
)
def test_a_hand_made_date_in_a_list_address_is_no_error(admin_page: Client, url: str) -> None:
    # The lists choose by how near to now (no Gregorian drill-down): a year by hand either
    # finds nothing or goes back to the list.
    assert admin_page.get(url).status_code in {200, 302}


def test_every_admin_list_of_nobat_is_guarded() -> None:
    unguarded = [
        type(model_admin).__name__
        for model, model_admin in admin.site._registry.items()
        if model.__module__.startswith("scheduler.") and not isinstance(model_admin, GuardedAdmin)
    ]

    assert unguarded == []


@pytest.mark.parametrize("usable", [True, False])
def test_a_password_the_admin_sets_revokes_the_refresh_tokens(
    admin_page: Client, usable: bool
) -> None:
    # Found in review: the admin's password page saved the form and left the tokens alive.
    user = factories.patient().user
    refresh = APIClient().post(
        "/api/auth/token/", {"username": user.username, "password": factories.PASSWORD}
    )
    form = (
        {
            "usable_password": "true",
            "password1": "set by an admin 9",
            "password2": "set by an admin 9",
        }
        if usable
        else {"usable_password": "false", "unset-password": "1"}
    )

    answer = admin_page.post(f"/admin/orm/user/{user.pk}/password/", form)

    assert answer.status_code == 302, answer.content.decode()[:2000]
    user.refresh_from_db()
    assert user.has_usable_password() is usable
    assert rows.StoredEvent.objects.filter(type="PasswordChanged", aggregate_id__isnull=False)
    again = APIClient().post("/api/auth/token/refresh/", {"refresh": refresh.json()["refresh"]})
    assert again.status_code == 401
