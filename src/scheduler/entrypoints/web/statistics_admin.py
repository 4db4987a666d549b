"""The admin's statistics page: the API's filters as a form, each section as a chart drawn on
the server (charts.py) with its data table and its CSV download. Everything shown is in the
reader's language, calendar and digits (local_dates); the CSV files stay ISO, for spreadsheets."""

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
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from scheduler.adapters import local_dates
from scheduler.adapters.notify.models import Channel
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import statistics as stats
from scheduler.adapters.orm.actors import actor_for
from scheduler.adapters.orm.selectors import specialty_list
from scheduler.domain import access
from scheduler.domain.errors import NotAllowed
from scheduler.entrypoints.api.statistics import WindowInput
from scheduler.entrypoints.error_text import error_text
from scheduler.entrypoints.statistics_tables import TABLES
from scheduler.entrypoints.web import charts

# In the order a visit goes; cancellations last, by who cancelled.
STATUS_NAMES = {
    status: rows.STATUS_LABELS[status]
    for status in (
        "fulfilled",
        "in_consultation",
        "arrived",
        "booked",
        "pending",
        "noshow",
        "rejected",
        "cancelled",
    )
}
CHANNEL_NAMES = dict(Channel.choices)
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
    language = get_language() or settings.LANGUAGE_CODE
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
    shown = Shown(language)
    query = {
        "from": window.first_day,
        "to": window.last_day,
        "period": window.period,
        **({"clinic": window.clinic_id} if window.clinic_id else {}),
    }
    context.update(
        window=window,
        first_day=local_dates.day_label(window.first_day, language),
        last_day=local_dates.day_label(window.last_day, language),
        sections=shown.sections(report),
        downloads={
            section: "/api/stats/export.csv?" + urlencode({**query, "section": section})
            for section in TABLES
        },
    )
    return TemplateResponse(request, "admin/statistics.html", context)


class Shown:
    """The report as one reader sees it: names, dates and numbers in their language."""

    def __init__(self, language: str) -> None:
        self.language = language

    def number(self, value: float | str | None) -> str:
        return charts.number(value, self.language)

    def percent(self, fraction: float | None) -> str:
        return charts.percent(fraction, self.language)

    def day(self, start: date) -> str:
        return local_dates.day_label(start, self.language, year=False, weekday=False)

    def sections(self, report: stats.Statistics) -> dict[str, dict[str, Any]]:
        """Each section's chart and the rows of its data table."""
        return {
            "volume": self.volume(report),
            "status_mix": self.status_mix(report),
            "lead_time": self.lead_time(report),
            "utilisation": self.utilisation(report),
            "busy_hours": self.busy_hours(report),
            "new_patients": self.new_patients(report),
            "notifications": self.notifications(report),
            "ratings": self.ratings(report),
        }

    def volume(self, report: stats.Statistics) -> dict[str, Any]:
        window = report.window
        totals: dict[date, int] = defaultdict(int)
        for row in report.volume["clinic"]:
            totals[row["period"]] += row["count"]
        points = [(self.period(start, window), totals[start]) for start in _periods(window)]
        by_clinic: dict[str, int] = defaultdict(int)
        for row in report.volume["clinic"]:
            by_clinic[row["clinic"]] += row["count"]
        # The report names specialties in English, as its CSV does; the page in the reader's.
        names = {specialty.slug: str(specialty) for specialty in specialty_list()}
        by_specialty: dict[str, int] = defaultdict(int)
        for row in report.volume["specialty"]:
            by_specialty[names.get(row["specialty"], row["specialty_name"])] += row["count"]
        return {
            "chart": charts.bars(_("Appointments per period"), points, language=self.language),
            "table": self.counted(points),
            "by_clinic": self.counted(sorted(by_clinic.items())),
            "by_specialty": self.counted(sorted(by_specialty.items())),
            "total": self.number(sum(totals.values())),
        }

    def counted(self, points: list[tuple[str, int]]) -> list[tuple[str, str]]:
        return [(label, self.number(count)) for label, count in points]

    def period(self, start: date, window: stats.Window) -> str:
        """A day or a week by its (first) day; a month by its name in English. The months are
        Gregorian (the buckets are counted so), and a Persian reader's months are not: there a
        month is named by its days, '۱۰ آذر–۱۰ دی', rather than by a month it is not."""
        if window.period != "month":
            return self.day(start)
        if not local_dates.is_persian(self.language):
            return local_dates.month_label(start, self.language)
        last = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return f"{self.day(start)}–{self.day(last)}"

    def status_mix(self, report: stats.Statistics) -> dict[str, Any]:
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
            "chart": charts.stacked(_("Appointments by status"), parts, language=self.language),
            "table": [
                (name, self.number(count), self.percent(count / total if total else None), css)
                for name, count, css in parts
            ],
        }

    def lead_time(self, report: stats.Statistics) -> dict[str, Any]:
        points = [
            (str(LEAD_NAMES[row["days"]]), row["count"]) for row in report.lead_time["buckets"]
        ]
        average = report.lead_time["average_days"]
        return {
            "chart": charts.bars(
                _("How far ahead visits were booked"), points, css="lead", language=self.language
            ),
            "table": self.counted(points),
            "average_days": None if average is None else self.number(round(average, 1)),
        }

    def utilisation(self, report: stats.Statistics) -> dict[str, Any]:
        return {
            "table": [
                {
                    **row,
                    "booked_minutes": self.number(row["booked_minutes"]),
                    "offered_minutes": self.number(row["offered_minutes"]),
                    "bar": charts.share(
                        _("%(doctor)s at %(clinic)s: %(share)s of the hours booked")
                        % {"doctor": row["doctor"], "clinic": row["clinic"], "share": share},
                        row["utilisation"],
                    ),
                    "share": share,
                }
                for row in report.utilisation
                for share in [self.percent(row["utilisation"])]
            ]
        }

    def busy_hours(self, report: stats.Statistics) -> dict[str, Any]:
        counts = {(row["weekday"], row["hour"]): row["count"] for row in report.busy_hours}
        busy = [hour for _, hour in counts]
        # The hours anyone worked, and the whole working day around them.
        hours = list(range(min([8, *busy]), max([18, *busy]) + 1))
        # The reader's week: from Saturday in Persian. ISO weekdays: 1 = Monday ... 7 = Sunday.
        week = local_dates.WEEK_ORDER[local_dates.language_key(self.language)]
        grid = [
            (
                local_dates.weekday_name(weekday, self.language),
                [counts.get((weekday + 1, hour), 0) for hour in hours],
            )
            for weekday in week
        ]
        return {
            "chart": charts.heat_map(_("Busiest hours"), grid, hours, language=self.language),
            "hours": [self.number(f"{hour:02d}") for hour in hours],
            "table": [(name, [self.number(count) for count in row]) for name, row in grid],
        }

    def new_patients(self, report: stats.Statistics) -> dict[str, Any]:
        points = [(self.day(row["week"]), row["count"]) for row in report.new_patients]
        return {
            "chart": charts.line(_("New patients per week"), points, language=self.language),
            "table": self.counted(points),
        }

    def notifications(self, report: stats.Statistics) -> dict[str, Any]:
        table = []
        for row in report.notifications:
            channel = str(CHANNEL_NAMES.get(row["channel"], row["channel"]))
            share = self.percent(row["delivery_rate"])
            counts = {key: self.number(row[key]) for key in ("sent", "failed", "skipped", "queued")}
            bar = charts.share(
                _("%(channel)s: %(share)s delivered") % {"channel": channel, "share": share},
                row["delivery_rate"],
            )
            table.append({**counts, "channel": channel, "bar": bar, "share": share})
        return {"table": table}

    def ratings(self, report: stats.Statistics) -> dict[str, Any]:
        """The reviews patients can read (an admin's hidden ones counted apart): how many gave
        each number of stars, their mean, and each doctor's."""
        shown = [row for row in report.ratings if not row["hidden"]]
        by_stars: dict[int, int] = defaultdict(int)
        doctors: dict[int, list[Any]] = {}
        for row in shown:
            by_stars[row["stars"]] += row["count"]
            doctor = doctors.setdefault(row["doctor_id"], [row["doctor"], 0, 0])
            doctor[1] += row["count"]
            doctor[2] += row["stars"] * row["count"]
        total = sum(by_stars.values())
        hidden = sum(row["count"] for row in report.ratings if row["hidden"])
        stars_table = []
        for stars in range(5, 0, -1):
            fraction = by_stars[stars] / total if total else None
            share = self.percent(fraction)
            label = ngettext(
                "%(stars)s star: %(share)s of the reviews",
                "%(stars)s stars: %(share)s of the reviews",
                stars,
            ) % {"stars": self.number(stars), "share": share}
            stars_table.append(
                {
                    "stars": self.number(stars),
                    "count": self.number(by_stars[stars]),
                    "bar": charts.share(label, fraction),
                    "share": share,
                }
            )
        return {
            "total": self.number(total),
            "mean": self.mean(sum(s * n for s, n in by_stars.items()), total),
            "hidden": self.number(hidden) if hidden else None,
            "stars": stars_table,
            "doctors": [
                {"doctor": name, "count": self.number(count), "mean": self.mean(points, count)}
                for name, count, points in sorted(doctors.values(), key=lambda d: (-d[1], d[0]))
            ],
        }

    def mean(self, points: int, count: int) -> str:
        """One decimal always, as the doctor's page shows a mean: 4.0, not 4."""
        return self.number(f"{points / count:.1f}" if count else None)


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
