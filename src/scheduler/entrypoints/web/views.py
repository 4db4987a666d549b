"""Server-rendered pages. Thin: read through selectors, render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from scheduler.adapters.orm import models as rows


def home(request: HttpRequest) -> HttpResponse:
    clinics = rows.Clinic.objects.prefetch_related("doctors__user", "doctors__specialty").order_by(
        "name"
    )
    return render(request, "web/home.html", {"clinics": clinics})
