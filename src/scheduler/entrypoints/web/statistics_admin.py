"""The admin's statistics page: the API's filters as a form, each section as a chart drawn on
the server (charts.py) with its data table and its CSV download."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import statistics as stats
from scheduler.adapters.orm.actors import actor_for
from scheduler.domain import access
from scheduler.domain.errors import NotAllowed
from scheduler.entrypoints.api.statistics import WindowInput
from scheduler.entrypoints.error_text import error_text
from scheduler.entrypoints.statistics_tables import TABLES
from scheduler.entrypoints.web import charts

# In the order a visit goes; cancellations last, by who cancelled.
STATUS_NAMES = {
    "fulfilled": gettext_lazy("Fulfilled"),
    "in_consultation": gettext_lazy("In consultation"),
    "arrived": gettext_lazy("Arrived"),
    "booked": gettext_lazy("Booked"),
    "pending": gettext_lazy("Awaiting the doctor"),
    "noshow": gettext_lazy("No-show"),
    "rejected": gettext_lazy("Rejected"),
    "cancelled": gettext_lazy("Cancelled"),
}
CANCELLED_BY = {
    "patient": gettext_lazy("Cancelled by the patient"),
    "doctor": gettext_lazy("Cancelled by the doctor"),
    "receptionist": gettext_lazy("Cancelled by the desk"),
    "admin": gettext_lazy("Cancelled by an admin"),
    "system": gettext_lazy("Cancelled automatically"),
}
LEAD_NAMES = {
    "0": gettext_lazy("Under a day"),
    "1-2": gettext_lazy("1–2 days"),
    "3-7": gettext_lazy("3–7 days"),
    "8-30": gettext_lazy("8–30 days"),
    "31+": gettext_lazy("Over 30 days"),
}
# The form's labels, for its errors: the API's field names mean nothing on the page.
FIELD_LABELS = {
    "from": gettext_lazy("From"),
    "to": gettext_lazy("To"),
    "clinic": gettext_lazy("Clinic"),
    "period": gettext_lazy("Counted"),
}
PERIOD_NAMES = {
    "day": gettext_lazy("Per day"),
    "week": gettext_lazy("Per week"),
    "month": gettext_lazy("Per month"),
}


def statistics_page(request: HttpRequest) -> HttpResponse:
    try:
        access.ensure_may_see_statistics(actor_for(request.user))
    except NotAllowed as refused:
        raise PermissionDenied(error_text(refused)) from None
    given = WindowInput(data=request.GET)
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": _("Statistics"),
        "clinics": rows.Clinic.objects.order_by("name").values_list("pk", "name"),
        "periods": PERIOD_NAMES.items(),
        "asked": request.GET,
    }
    if not given.is_valid():
        context["invalid"] = set(given.errors)
        context["errors"] = [
            f"{FIELD_LABELS[field]}: {' '.join(map(str, messages))}"
            if field in FIELD_LABELS
            else " ".join(map(str, messages))
            for field, messages in given.errors.items()
        ]
        return TemplateResponse(request, "admin/statistics.html", context)
    window = given.window()
    report = stats.statistics(window)
    query = {
        "from": window.first_day,
        "to": window.last_day,
        "period": window.period,
        **({"clinic": window.clinic_id} if window.clinic_id else {}),
    }
    context.update(
        window=window,
        sections=_sections(report),
        downloads={
            section: "/api/stats/export.csv?" + urlencode({**query, "section": section})
            for section in TABLES
        },
    )
    return TemplateResponse(request, "admin/statistics.html", context)


def _sections(report: stats.Statistics) -> dict[str, dict[str, Any]]:
    """Each section's chart and the rows of its data table."""
    return {
        "volume": _volume(report),
        "status_mix": _status_mix(report),
        "lead_time": _lead_time(report),
        "utilisation": _utilisation(report),
        "busy_hours": _busy_hours(report),
        "new_patients": _new_patients(report),
        "notifications": _notifications(report),
    }


def _volume(report: stats.Statistics) -> dict[str, Any]:
    window = report.window
    totals: dict[date, int] = defaultdict(int)
    for row in report.volume["clinic"]:
        totals[row["period"]] += row["count"]
    points = [(_period_label(start, window.period), totals[start]) for start in _periods(window)]
    by_clinic: dict[str, int] = defaultdict(int)
    for row in report.volume["clinic"]:
        by_clinic[row["clinic"]] += row["count"]
    by_specialty: dict[str, int] = defaultdict(int)
    for row in report.volume["specialty"]:
        by_specialty[row["specialty_name"]] += row["count"]
    return {
        "chart": charts.bars(_("Appointments per period"), points),
        "table": points,
        "by_clinic": sorted(by_clinic.items()),
        "by_specialty": sorted(by_specialty.items()),
        "total": sum(totals.values()),
    }


def _periods(window: stats.Window) -> list[date]:
    """Every period's first day in the window, so that a quiet one shows as a zero."""
    week_starts = (settings.WEEK_STARTS_ON or 7) - 1  # as date.weekday(): 0 = Monday
    first = window.first_day
    if window.period == "week":
        first -= timedelta(days=(first.weekday() - week_starts) % 7)
    elif window.period == "month":
        first = first.replace(day=1)
    starts = []
    while first <= window.last_day:
        starts.append(first)
        if window.period == "month":
            first = (first + timedelta(days=32)).replace(day=1)
        else:
            first += timedelta(days=7 if window.period == "week" else 1)
    return starts


def _period_label(start: date, period: str) -> str:
    return start.strftime("%Y-%m") if period == "month" else start.strftime("%m-%d")


def _status_mix(report: stats.Statistics) -> dict[str, Any]:
    order = list(STATUS_NAMES)
    parts = []
    for row in sorted(
        report.status_mix, key=lambda row: (order.index(row["status"]), row["cancelled_by"])
    ):
        if row["status"] == "cancelled":
            name = CANCELLED_BY.get(row["cancelled_by"], STATUS_NAMES["cancelled"])
            css = f"s-cancelled s-by-{row['cancelled_by'] or 'system'}"
        else:
            name, css = STATUS_NAMES[row["status"]], f"s-{row['status']}"
        parts.append((str(name), row["count"], css))
    total = sum(count for _, count, _ in parts)
    return {
        "chart": charts.stacked(_("Appointments by status"), parts),
        "table": [(name, count, _share(count, total), css) for name, count, css in parts],
    }


def _lead_time(report: stats.Statistics) -> dict[str, Any]:
    points = [(str(LEAD_NAMES[row["days"]]), row["count"]) for row in report.lead_time["buckets"]]
    return {
        "chart": charts.bars(_("How far ahead visits were booked"), points, css="lead"),
        "table": points,
        "average_days": report.lead_time["average_days"],
    }


def _utilisation(report: stats.Statistics) -> dict[str, Any]:
    return {
        "table": [
            {
                **row,
                "bar": charts.share(
                    _("%(doctor)s at %(clinic)s: %(share)s of the hours booked")
                    % {"doctor": row["doctor"], "clinic": row["clinic"], "share": share},
                    row["utilisation"],
                ),
                "share": share,
            }
            for row in report.utilisation
            for share in [_percent(row["utilisation"])]
        ]
    }


def _busy_hours(report: stats.Statistics) -> dict[str, Any]:
    counts = {(row["weekday"], row["hour"]): row["count"] for row in report.busy_hours}
    busy = [hour for _, hour in counts]
    # The hours anyone worked, and the whole working day around them.
    hours = list(range(min([8, *busy]), max([18, *busy]) + 1))
    first = settings.WEEK_STARTS_ON or 7  # ISO: 1 = Monday ... 7 = Sunday
    weekdays = [(first - 1 + n) % 7 + 1 for n in range(7)]
    grid = [
        (str(WEEKDAYS[weekday - 1]), [counts.get((weekday, hour), 0) for hour in hours])
        for weekday in weekdays
    ]
    return {
        "chart": charts.heat_map(_("Busiest hours"), grid, hours),
        "hours": hours,
        "table": grid,
    }


def _new_patients(report: stats.Statistics) -> dict[str, Any]:
    points = [(row["week"].strftime("%m-%d"), row["count"]) for row in report.new_patients]
    return {"chart": charts.line(_("New patients per week"), points), "table": points}


def _notifications(report: stats.Statistics) -> dict[str, Any]:
    return {
        "table": [
            {
                **row,
                "bar": charts.share(
                    _("%(channel)s: %(share)s delivered")
                    % {"channel": row["channel"], "share": share},
                    row["delivery_rate"],
                ),
                "share": share,
            }
            for row in report.notifications
            for share in [_percent(row["delivery_rate"])]
        ]
    }


def _share(count: int, total: int) -> str:
    return _percent(count / total if total else None)


def _percent(fraction: float | None) -> str:
    return "–" if fraction is None else f"{fraction:.0%}"
