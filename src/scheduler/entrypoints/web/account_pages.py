"""The pages of account links: asking for a password reset, setting the new password from the
emailed link, and confirming an email address. Links carry their token in the URL: these pages
tell the browser to send the Referer to this site only, so no other site learns it (none at
all would make Chromium post the forms with "Origin: null", which CSRF refuses)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus
from scheduler.domain.errors import InvalidInput
from scheduler.entrypoints import password_reset
from scheduler.entrypoints.api.throttles import ResendByUser, form_wait, reset_wait
from scheduler.entrypoints.error_text import error_text
from scheduler.services import commands

MAX_LOGIN = 254
MAX_PASSWORD = 128


def _referrer_stays_here(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        return response

    return guarded


@require_http_methods(["GET", "POST"])
def password_reset_request(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "web/password_reset.html")
    login = request.POST.get("login", "").strip()
    if not login or len(login) > MAX_LOGIN:
        error = _("Type your username or email address.")
        return render(request, "web/password_reset.html", {"error": error}, status=400)
    wait = reset_wait(request)
    if wait is not None:
        response = render(
            request, "web/too_many.html", {"wait": wait, "asking_for_links": True}, status=429
        )
        response["Retry-After"] = str(wait)
        return response
    build_bus().handle(commands.RequestPasswordReset(login=login))
    return render(request, "web/password_reset.html", {"sent": True})


@_referrer_stays_here
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    if request.method != "POST":
        alive = password_reset.link_user(uidb64, token) is not None
        return render(request, "web/password_reset_confirm.html", {"dead": not alive})
    new_password = request.POST.get("new_password", "")[:MAX_PASSWORD]
    if new_password != request.POST.get("again", "")[:MAX_PASSWORD]:
        errors = {"again": [_("The two passwords differ.")]}
    else:
        errors = password_reset.reset_password(uidb64, token, new_password)
    if "token" in errors:
        return render(request, "web/password_reset_confirm.html", {"dead": True}, status=400)
    if errors:
        context = {"errors": [message for messages in errors.values() for message in messages]}
        return render(request, "web/password_reset_confirm.html", context, status=400)
    return render(request, "web/password_reset_confirm.html", {"done": True})


@_referrer_stays_here
@require_http_methods(["GET", "POST"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """A GET only shows the button: mail scanners open links, and only a person confirms."""
    if request.method != "POST":
        return render(request, "web/verify_email.html")
    try:
        build_bus().handle(commands.VerifyEmail(token=token[:500]))
    except InvalidInput:
        return render(request, "web/verify_email.html", {"dead": True}, status=400)
    return render(request, "web/verify_email.html", {"done": True})


@login_required
@require_http_methods(["GET", "POST"])
def verify_email_again(request: HttpRequest) -> HttpResponse:
    """Another link to the signed-in user's address: where a dead link's page sends them."""
    if request.method != "POST":
        return render(request, "web/verify_email.html", {"again": True})
    wait = form_wait(request, ResendByUser())
    if wait is not None:
        response = render(
            request, "web/too_many.html", {"wait": wait, "asking_for_links": True}, status=429
        )
        response["Retry-After"] = str(wait)
        return response
    try:
        build_bus().handle(commands.ResendVerification(actor=actor_for(request.user)))
    except InvalidInput as refused:
        return render(
            request, "web/verify_email.html", {"again": True, "error": error_text(refused)}
        )
    return render(request, "web/verify_email.html", {"sent": True})
