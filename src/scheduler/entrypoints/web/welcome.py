"""A new patient's welcome: said on the first page they see after signing up (the search, or
the doctor's page they signed up from), once. The sign-up view marks the session; the page
that shows it takes the mark away (a context processor, so that it is said above any page)."""

from __future__ import annotations

from django.http import HttpRequest

SESSION_KEY = "nobat_welcome"


def welcome_on_the_next_page(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = True


def welcome(request: HttpRequest) -> dict[str, bool]:
    session = getattr(request, "session", None)
    return {"welcome": bool(session is not None and session.pop(SESSION_KEY, False))}
