from __future__ import annotations

from django.contrib.auth.views import LogoutView
from django.urls import URLPattern, path

from scheduler.entrypoints.web import views

urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("doctors/<int:doctor_id>/", views.doctor_page, name="doctor-page"),
    path("desk/<int:clinic_id>/", views.desk_page, name="desk"),
    path("doctor/", views.doctor_day, name="doctor-day"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(next_page="/"), name="logout"),
]
