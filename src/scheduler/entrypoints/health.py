"""Probes for load balancers and orchestrators: ``/health/live`` (the process answers) and
``/health/ready`` (it can serve: see adapters.readiness). No sign-in, no session, no audit.

Which check failed, and why, is for the operators' networks (METRICS_ALLOWED_NETWORKS): anyone
else reaching the process learns only ready or not, by the status and the code."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from scheduler.adapters import readiness
from scheduler.entrypoints.metrics_page import from_allowed_network


@require_safe
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    checks = readiness.run_all()
    passed = all(check.passed for check in checks.values())
    body: dict[str, object] = {"status": "ok" if passed else "failing"}
    if from_allowed_network(request):
        body["checks"] = {
            name: {"status": check.status, "detail": check.detail} for name, check in checks.items()
        }
    return JsonResponse(body, status=200 if passed else 503)
