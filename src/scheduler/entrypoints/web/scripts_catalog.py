"""The pages' scripts' translations (gettext(), interpolate()), in the page's language.

A page may be served in a language the request alone does not say (a clinic's default, for a
reader who expressed no choice): the page names it in the catalog's URL (``?language=fa``),
so its scripts speak as its HTML does. Without it (or with a language we do not speak), the
request's language, as any response.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.utils import translation
from django.views.i18n import JavaScriptCatalog

from scheduler.entrypoints.language import supported

_catalog = JavaScriptCatalog.as_view()


def javascript_catalog(request: HttpRequest) -> HttpResponseBase:
    requested = supported(request.GET.get("language"))
    if requested is None:
        return _catalog(request)
    with translation.override(requested):
        response = _catalog(request)
        response.headers["Content-Language"] = requested
        return response
