"""The REST API under /api/: one view per operation; the schema and its docs."""

from __future__ import annotations

from django.urls import URLPattern, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from scheduler.entrypoints.api import (
    appointments,
    audit,
    auth,
    calendar_feed,
    clinics,
    dependants,
    doctor_photos,
    doctors,
    documents,
    email_verification,
    holds,
    live,
    no_shows,
    notifications,
    passwords,
    patients,
    personal_data,
    reviews,
    schedules,
    statistics,
    visit_notes,
    waitlist,
)

app_name = "api"

READ = ["get", "head"]

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
    path("me/photo", doctor_photos.MyPhotoApi.as_view(), name="me-photo"),
    path("me/password/", passwords.PasswordChangeApi.as_view(), name="me-password"),
    path("me/calendar-feed/", calendar_feed.CalendarFeedApi.as_view(), name="me-calendar-feed"),
    path(
        "me/verify-email/resend/",
        email_verification.ResendVerificationApi.as_view(),
        name="me-verify-email-resend",
    ),
    path("me/export/", personal_data.ExportApi.as_view(), name="me-export"),
    path("me/delete/", personal_data.ForgetMeApi.as_view(), name="me-delete"),
    path("me/dependants/", dependants.DependantCollectionApi.as_view(), name="me-dependants"),
    path(
        "me/dependants/<int:dependant_id>/",
        dependants.DependantDetailApi.as_view(),
        name="me-dependant",
    ),
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
    path("patients/<int:patient_id>/", patients.PatientRecordApi.as_view(), name="patient"),
    path(
        "patients/<int:patient_id>/no-shows/",
        no_shows.PatientNoShowsApi.as_view(),
        name="patient-no-shows",
    ),
    path(
        "me/no-show-standing/",
        no_shows.OwnNoShowStandingApi.as_view(),
        name="me-no-show-standing",
    ),
    path("live/slots/<int:doctor_id>/", live.SlotGridSnapshotApi.as_view(), name="live-slots"),
    path("live/desk/<int:clinic_id>/", live.DeskSnapshotApi.as_view(), name="live-desk"),
    path("live/visit/<str:token>/", live.VisitSnapshotApi.as_view(), name="live-visit"),
    path(
        "live/me/appointments/",
        live.OwnAppointmentsSnapshotApi.as_view(),
        name="live-own-appointments",
    ),
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
            ("forgive-no-show", no_shows.ForgiveNoShowApi),
        )
    ),
    path(
        "appointments/<uuid:appointment_id>/review/",
        reviews.VisitReviewApi.as_view(),
        name="appointment-review",
    ),
    path(
        "doctors/<int:doctor_id>/reviews/",
        reviews.DoctorReviewListApi.as_view(),
        name="doctor-reviews",
    ),
    path("reviews/<uuid:review_id>/reply/", reviews.ReviewReplyApi.as_view(), name="review-reply"),
    path("reviews/<uuid:review_id>/hide/", reviews.ReviewHideApi.as_view(), name="review-hide"),
    path("reviews/<uuid:review_id>/show/", reviews.ReviewShowApi.as_view(), name="review-show"),
    path(
        "appointments/<uuid:appointment_id>/visit-note/",
        visit_notes.VisitNoteApi.as_view(),
        name="appointment-visit-note",
    ),
    path(
        "appointments/<uuid:appointment_id>/documents/",
        documents.DocumentCollectionApi.as_view(),
        name="appointment-documents",
    ),
    path(
        "appointments/<uuid:appointment_id>/documents/<int:document_id>/",
        documents.DocumentDetailApi.as_view(),
        name="appointment-document",
    ),
    path(
        "appointments/<uuid:appointment_id>/documents/<int:document_id>/file",
        documents.DocumentFileApi.as_view(),
        name="appointment-document-file",
    ),
    path("audit/", audit.AuditListApi.as_view(), name="audit"),
    path("notifications/", notifications.NotificationListApi.as_view(), name="notifications"),
    path("stats/", statistics.StatisticsApi.as_view(), name="statistics"),
    path("stats/export.csv", statistics.StatisticsCsvApi.as_view(), name="statistics-csv"),
    path("waitlist/", waitlist.MyWaitlistApi.as_view(), name="waitlist"),
    path("waitlist/<int:entry_id>/", waitlist.MyPlaceApi.as_view(), name="waitlist-place"),
    path(
        "waitlist/offers/<str:token>/accept/",
        waitlist.AcceptOfferApi.as_view(),
        name="waitlist-offer-accept",
    ),
    path(
        "waitlist/offers/<str:token>/decline/",
        waitlist.DeclineOfferApi.as_view(),
        name="waitlist-offer-decline",
    ),
    path(
        "doctors/<int:doctor_id>/waitlist/",
        waitlist.DoctorWaitlistApi.as_view(),
        name="doctor-waitlist",
    ),
    path(
        "doctors/<int:doctor_id>/waitlist/<int:entry_id>/move/",
        waitlist.MoveEntryApi.as_view(),
        name="doctor-waitlist-move",
    ),
    # Read only: their OPTIONS would describe them through a template the docs page has not.
    path("schema/", SpectacularAPIView.as_view(http_method_names=READ), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema", http_method_names=READ),
        name="docs",
    ),
    path("holds/", holds.HoldCollectionApi.as_view(), name="holds"),
    path("holds/<uuid:hold_id>/", holds.HoldDetailApi.as_view(), name="hold"),
    path("holds/<uuid:hold_id>/release/", holds.HoldReleaseApi.as_view(), name="hold-release"),
]
