from __future__ import annotations

from django.contrib.auth.views import LogoutView
from django.urls import URLPattern, path

from scheduler.entrypoints.language import choose_language
from scheduler.entrypoints.web import account_pages, views
from scheduler.entrypoints.web.scripts_catalog import javascript_catalog

urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("doctors/<int:doctor_id>/", views.doctor_page, name="doctor-page"),
    path("desk/<int:clinic_id>/", views.desk_page, name="desk"),
    path("doctor/", views.doctor_day, name="doctor-day"),
    path("visit/<str:token>/", views.visit_queue, name="visit-queue"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(next_page="/"), name="logout"),
    path("password-reset/", account_pages.password_reset_request, name="password-reset"),
    path(
        "password-reset/<str:uidb64>/<str:token>/",
        account_pages.password_reset_confirm,
        name="password-reset-confirm",
    ),
    path(
        "verify-email/new-link/",
        account_pages.verify_email_again,
        name="verify-email-again",
    ),
    path("verify-email/<str:token>/", account_pages.verify_email, name="verify-email"),
    path("language/", choose_language, name="choose-language"),
    # gettext() and interpolate() for the pages' scripts, in the page's language.
    path("jsi18n/", javascript_catalog, name="javascript-catalog"),
]
