"""The REST API under /api/: one view per operation; the schema and its docs."""

from __future__ import annotations

from django.urls import URLPattern, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from scheduler.entrypoints.api import (
    appointments,
    audit,
    auth,
    clinics,
    doctors,
    email_verification,
    live,
    notifications,
    passwords,
    patients,
    personal_data,
    schedules,
    statistics,
)

app_name = "api"

urlpatterns: list[URLPattern] = [
    path("auth/register/", auth.RegisterApi.as_view(), name="register"),
    path("auth/token/", auth.TokenApi.as_view(), name="token"),
    path("auth/token/refresh/", auth.RefreshApi.as_view(), name="token-refresh"),
    path("auth/logout/", auth.LogoutApi.as_view(), name="logout"),
    path("auth/password-reset/", passwords.PasswordResetApi.as_view(), name="password-reset"),
    path(
        "auth/password-reset/confirm/",
        passwords.PasswordResetConfirmApi.as_view(),
        name="password-reset-confirm",
    ),
    path("auth/verify-email/", email_verification.VerifyEmailApi.as_view(), name="verify-email"),
    path("me/", auth.MeApi.as_view(), name="me"),
    path("me/password/", passwords.PasswordChangeApi.as_view(), name="me-password"),
    path(
        "me/verify-email/resend/",
        email_verification.ResendVerificationApi.as_view(),
        name="me-verify-email-resend",
    ),
    path("me/export/", personal_data.ExportApi.as_view(), name="me-export"),
    path("me/delete/", personal_data.ForgetMeApi.as_view(), name="me-delete"),
    path("specialties/", clinics.SpecialtyListApi.as_view(), name="specialties"),
    path("clinics/", clinics.ClinicListApi.as_view(), name="clinics"),
    path("clinics/<int:clinic_id>/", clinics.ClinicDetailApi.as_view(), name="clinic"),
    path("doctors/", doctors.DoctorListApi.as_view(), name="doctors"),
    path("doctors/<int:doctor_id>/", doctors.DoctorDetailApi.as_view(), name="doctor"),
    path("doctors/<int:doctor_id>/slots/", doctors.DoctorSlotsApi.as_view(), name="doctor-slots"),
    path(
        "doctors/<int:doctor_id>/schedule/",
        schedules.ScheduleApi.as_view(),
        name="doctor-schedule",
    ),
    path(
        "doctors/<int:doctor_id>/time-off/",
        schedules.TimeOffListApi.as_view(),
        name="doctor-time-off",
    ),
    path(
        "doctors/<int:doctor_id>/time-off/<int:time_off_id>/",
        schedules.TimeOffDetailApi.as_view(),
        name="doctor-time-off-detail",
    ),
    path("patients/", patients.PatientCollectionApi.as_view(), name="patients"),
    path("live/slots/<int:doctor_id>/", live.SlotGridSnapshotApi.as_view(), name="live-slots"),
    path("live/desk/<int:clinic_id>/", live.DeskSnapshotApi.as_view(), name="live-desk"),
    path("live/visit/<str:token>/", live.VisitSnapshotApi.as_view(), name="live-visit"),
    path("appointments/", appointments.AppointmentCollectionApi.as_view(), name="appointments"),
    path(
        "appointments/<uuid:appointment_id>/",
        appointments.AppointmentDetailApi.as_view(),
        name="appointment",
    ),
    *(
        path(
            f"appointments/<uuid:appointment_id>/{action}/",
            view.as_view(),
            name=f"appointment-{action}",
        )
        for action, view in (
            ("confirm", appointments.AppointmentConfirmApi),
            ("reject", appointments.AppointmentRejectApi),
            ("cancel", appointments.AppointmentCancelApi),
            ("reschedule", appointments.AppointmentRescheduleApi),
            ("check-in", appointments.AppointmentCheckInApi),
            ("start", appointments.AppointmentStartApi),
            ("complete", appointments.AppointmentCompleteApi),
            ("no-show", appointments.AppointmentNoShowApi),
            ("undo", appointments.AppointmentUndoApi),
        )
    ),
    path("audit/", audit.AuditListApi.as_view(), name="audit"),
    path("notifications/", notifications.NotificationListApi.as_view(), name="notifications"),
    path("stats/", statistics.StatisticsApi.as_view(), name="statistics"),
    path("stats/export.csv", statistics.StatisticsCsvApi.as_view(), name="statistics-csv"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
