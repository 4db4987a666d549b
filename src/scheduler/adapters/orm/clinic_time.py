"""An instant read on the wall clock of a zone named row by row (each appointment's clinic's),
inside the database: the date it falls on, its week, month, weekday and hour.

Django's Trunc and Extract take one zone for the whole query; a report over clinics in several
zones needs each row's own. PostgreSQL says it with ``AT TIME ZONE <column>``; on SQLite the
same conversion is the one Django's own date functions do (``django_datetime_*``, registered on
every connection with a zone argument that may as well be a column). ``%%`` is a literal ``%``
on both: the drivers read ``%`` as a parameter's mark.
"""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.db import NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import DateField, F, Func, IntegerField
from django.db.models.sql.compiler import SQLCompiler

Period = Literal["day", "week", "month"]
PERIODS: tuple[Period, ...] = ("day", "week", "month")

_Compiled = tuple[str, tuple[str | int, ...]]


class _OnClinicClock(Func):
    """``instant`` (a UTC timestamp column) on the clock of ``zone`` (a column of zone names)."""

    def __init__(self, instant: str, zone: str, **extra: Any) -> None:
        super().__init__(F(instant), F(zone), **extra)

    def _parts(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _Compiled:
        instant, zone = self.get_source_expressions()
        instant_sql, instant_params = compiler.compile(instant)
        zone_sql, zone_params = compiler.compile(zone)
        if connection.vendor == "postgresql":
            return f"({instant_sql} AT TIME ZONE {zone_sql})", (*instant_params, *zone_params)
        return f"{instant_sql}, {zone_sql}, 'UTC'", (*instant_params, *zone_params)

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> _Compiled:
        raise NotSupportedError("Clinic clocks are read on PostgreSQL and SQLite only.")


def _week_starts_on_iso() -> int:
    """WEEK_STARTS_ON counts 0 = Sunday ... 6 = Saturday; ISO weekdays 1 = Monday ... 7."""
    return settings.WEEK_STARTS_ON or 7


class PeriodStart(_OnClinicClock):
    """The clinic-local date that starts the instant's day, week (from the clinics' first
    weekday, WEEK_STARTS_ON) or month."""

    output_field = DateField()

    def __init__(self, instant: str, zone: str, period: Period) -> None:
        super().__init__(instant, zone)
        self.period = period

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> _Compiled:
        local, params = self._parts(compiler, connection)
        if self.period == "month":
            return f"(date_trunc('month', {local}))::date", params
        if self.period == "day":
            return f"({local})::date", params
        back = f"((extract(isodow from {local})::int - {_week_starts_on_iso()} + 7) %% 7)"
        return f"(({local})::date - {back})", (*params, *params)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> _Compiled:
        args, params = self._parts(compiler, connection)
        if self.period == "month":
            return f"django_date_trunc('month', {args})", params
        day = f"django_datetime_cast_date({args})"
        if self.period == "day":
            return day, params
        weekday = f"django_datetime_extract('iso_week_day', {args})"
        back = f"(({weekday} - {_week_starts_on_iso()} + 7) %% 7)"
        return f"date({day}, '-' || {back} || ' days')", (*params, *params)


class _LocalPart(_OnClinicClock):
    """A whole number read off the clinic's clock, named as each database names it."""

    output_field = IntegerField()
    postgresql_part: str
    sqlite_part: str

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> _Compiled:
        local, params = self._parts(compiler, connection)
        return f"extract({self.postgresql_part} from {local})::int", params

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> _Compiled:
        args, params = self._parts(compiler, connection)
        return f"django_datetime_extract('{self.sqlite_part}', {args})", params


class LocalHour(_LocalPart):
    """0-23 on the clinic's clock."""

    postgresql_part = sqlite_part = "hour"


class LocalWeekday(_LocalPart):
    """ISO weekday on the clinic's clock: 1 = Monday ... 7 = Sunday."""

    postgresql_part = "isodow"
    sqlite_part = "iso_week_day"
