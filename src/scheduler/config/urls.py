from django.contrib import admin
from django.urls import include, path

from scheduler.entrypoints import health, metrics_page
from scheduler.entrypoints.web import (  # noqa: F401  (most register their screens)
    combined_admin,
    doctor_admin,
    reviews_admin,
    schedule_admin,
    statistics_admin,
)
from scheduler.entrypoints.web.views import throttled_sign_in

# The admin's home links to the statistics page, which is no model's.
admin.site.index_template = "admin/nobat_index.html"

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", metrics_page.scrape, name="metrics"),
    # The admin's sign-in counts against the same throttles as every other.
    path("admin/login/", throttled_sign_in(admin.site.login)),
    path(
        "admin/statistics/",
        admin.site.admin_view(statistics_admin.statistics_page),
        name="admin-statistics",
    ),
    path("admin/", admin.site.urls),
    path("api/gcal/", include("scheduler.entrypoints.api.gcal")),
    path("api/", include("scheduler.entrypoints.api.urls")),
    path("doctor/calendar/", include("scheduler.entrypoints.web.calendar")),
    path("doctor/hours/", include("scheduler.entrypoints.web.hours")),
    path("", include("scheduler.entrypoints.web.profile_page")),
    path("", include("scheduler.entrypoints.web.urls")),
]

handler400 = "scheduler.entrypoints.web.error_pages.bad_request"
handler403 = "scheduler.entrypoints.web.error_pages.permission_denied"
handler404 = "scheduler.entrypoints.web.error_pages.page_not_found"
handler500 = "scheduler.entrypoints.web.error_pages.server_error"
