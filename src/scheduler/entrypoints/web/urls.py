from __future__ import annotations

from django.contrib.auth.views import LogoutView
from django.templatetags.static import static
from django.urls import URLPattern, path
from django.views.generic import RedirectView

from scheduler.entrypoints.language import choose_language
from scheduler.entrypoints.web import (
    account_pages,
    booking_link,
    calendar_files,
    my_appointments,
    search,
    sign_up,
    views,
    visit_notes,
    waitlist_pages,
)
from scheduler.entrypoints.web.scripts_catalog import javascript_catalog

urlpatterns: list[URLPattern] = [
    path("", search.home, name="home"),
    path("doctors/<int:doctor_id>/", views.doctor_page, name="doctor-page"),
    path("desk/<int:clinic_id>/", views.desk_page, name="desk"),
    path("doctor/", views.doctor_day, name="doctor-day"),
    path("visit/<str:token>/", views.visit_queue, name="visit-queue"),
    path("me/appointments/", my_appointments.appointment_list, name="my-appointments"),
    path(
        "me/appointments/<uuid:appointment_id>/",
        my_appointments.appointment_page,
        name="my-appointment",
    ),
    path(
        "me/appointments/<uuid:appointment_id>/row/",
        my_appointments.appointment_row,
        name="my-appointment-row",
    ),
    path("b/<str:token>/", booking_link.booking_page, name="booking-link"),
    path("w/<str:token>/", waitlist_pages.offer_page, name="waitlist-offer"),
    path("me/waitlist/", waitlist_pages.my_waitlist_section, name="my-waitlist"),
    path(
        "waitlist/<int:doctor_id>/<int:clinic_id>/",
        waitlist_pages.doctor_line,
        name="waitlist-line",
    ),
    path(
        "me/appointments/<uuid:appointment_id>/calendar.ics",
        calendar_files.one_booking,
        name="appointment-ics",
    ),
    path("me/calendar-feed/", calendar_files.feed_page, name="calendar-feed"),
    path("feeds/<str:secret>.ics", calendar_files.feed, name="calendar-feed-ics"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("signup/", sign_up.patient_sign_up, name="sign-up"),
    path("signup/doctor/", sign_up.doctor_sign_up, name="sign-up-doctor"),
    path("signup/doctor/done/", sign_up.doctor_signed_up, name="sign-up-doctor-done"),
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
    # Browsers and feed readers ask for /favicon.ico whatever the page's <link rel="icon"> says.
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
    # gettext() and interpolate() for the pages' scripts, in the page's language.
    path("jsi18n/", javascript_catalog, name="javascript-catalog"),
    path("doctor/visits/<uuid:appointment_id>/note/", visit_notes.note_form, name="visit-note"),
]
