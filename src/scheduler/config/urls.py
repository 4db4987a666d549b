from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("scheduler.entrypoints.api.urls")),
    path("", include("scheduler.entrypoints.web.urls")),
]
