"""Probes for load balancers and orchestrators: ``/health/live`` (the process answers) and
``/health/ready`` (it can serve: see adapters.readiness). No sign-in, no session, no audit."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from scheduler.adapters import readiness


@require_safe
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    checks = readiness.run_all()
    passed = all(check.passed for check in checks.values())
    body = {
        "status": "ok" if passed else "failing",
        "checks": {
            name: {"status": check.status, "detail": check.detail} for name, check in checks.items()
        },
    }
    return JsonResponse(body, status=200 if passed else 503)
