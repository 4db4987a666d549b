"""Finding a doctor: verified doctors at their clinics, filtered and sorted for the search page
and ``GET /api/doctors/``.

One result per (doctor, clinic) pair, as Doctolib and Zocdoc show them: a doctor who sees
patients at two clinics is two cards, each with that clinic's address, distance and next free
slot, since a patient books a visit at a place. A doctor at no clinic cannot be booked and is
not listed.

Free slots come from the read model (``NextFreeSlot``, ``FreeDay``), never from the slot
computation: one page costs a bounded number of queries whatever its size (the count, the
page with its joins, the doctors' clinics, and the clinics' coordinates when a distance is
asked for; and, when days or parts of the day are asked for, the page's first matching
days).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any, overload
from zoneinfo import ZoneInfo

from django.db.models import (
    Case,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.models import FreeDay  # in DoctorHits, whose field is `rows`
from scheduler.domain.day_parts import DayPart, part_of
from scheduler.domain.model import Role
from scheduler.domain.spelling import folded

# Words of a query that narrow a search; more add nothing but cost.
SEARCH_WORDS = 8
EARTH_RADIUS_KM = 6371.0088


class Sort(StrEnum):
    FIRST_AVAILABLE = "first_available"
    DISTANCE = "distance"
    # The best rated first (mean, then how many reviews make it), then the first available;
    # doctors not rated yet last.
    RATING = "rating"


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class DoctorQuery:
    """What a patient asks for; every field already bounded by the entrypoint."""

    text: str = ""
    specialty: str | None = None
    city: str | None = None
    clinic_id: int | None = None
    free_from: date | None = None
    free_to: date | None = None
    parts: frozenset[DayPart] = frozenset()
    sex: str | None = None
    language: str | None = None
    accepts_new_patients: bool | None = None
    near: Point | None = None
    radius_km: float | None = None
    sort: Sort = Sort.FIRST_AVAILABLE
    min_rating: int | None = None  # a mean of at least this many stars (so rated)

    @property
    def asks_days(self) -> bool:
        return bool(self.free_from or self.free_to or self.parts)


@dataclass(frozen=True)
class DoctorHit:
    """A doctor at a clinic, with the first slot a patient could book there (None: nothing free
    within the booking horizon)."""

    doctor: rows.Doctor
    clinic: rows.Clinic
    next_start: datetime | None
    next_end: datetime | None
    distance_km: float | None
    horizon_days: int | None = None  # how far ahead the clinic's book is open to this doctor
    # When days or parts of the day were asked for: the first asked day with a slot free in an
    # asked part, and those parts. The next free slot may lie outside what was asked.
    days_asked: bool = False
    first_match_day: date | None = None
    first_match_parts: tuple[DayPart, ...] = ()
    # The doctor's rating (domain.reviews.Rating): None when no shown review rates them.
    rating_mean: Decimal | None = None
    rating_count: int = 0

    @property
    def photo_url(self) -> str | None:
        return f"/doctors/{self.doctor.pk}/photo" if self.doctor.photo else None

    @property
    def offered_start(self) -> datetime | None:
        """The slot a result offers: the next free one, unless days or parts were asked for
        and it is not among them."""
        if not self.days_asked:
            return self.next_start
        if self.next_start is None or self.first_match_day is None:
            return None
        # The next free slot is the first of all: on the first matching day, in a matching
        # part, it is the first matching slot too.
        local = self.next_start.astimezone(ZoneInfo(self.clinic.timezone))
        if local.date() == self.first_match_day and part_of(local.time()) in (
            self.first_match_parts
        ):
            return self.next_start
        return None

    @property
    def book_url(self) -> str:
        page = f"/doctors/{self.doctor.pk}/?clinic={self.clinic.pk}"
        if self.offered_start is None:
            if self.first_match_day is not None:
                return f"{page}&from={self.first_match_day.isoformat()}"
            return page
        # In UTC with a Z: an ISO 8601 start that needs no escaping in a query string.
        start = self.offered_start.astimezone(UTC).replace(tzinfo=None).isoformat()
        return f"{page}&slot={start}Z"


@dataclass
class DoctorHits(Sequence[DoctorHit]):
    """The results, read a page at a time, as paginators do: ``len()`` counts them (one query)
    and a slice reads that page in three: which pairs, in order, with only the joins the filters
    and the sort need; then those pairs with everything shown; then the doctors' clinics. Only
    the first reads the whole directory, and the fewer its joins the sooner it is planned and
    done."""

    rows: QuerySet[Any]
    distances: dict[int, float] = field(default_factory=dict)
    # The free days asked for (None: none were): a fourth read finds the page's first ones.
    matching_days: QuerySet[FreeDay] | None = None
    parts: frozenset[DayPart] = frozenset(DayPart)
    now: datetime | None = None

    @cached_property
    def _count(self) -> int:
        return self.rows.count()

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> DoctorHit: ...
    @overload
    def __getitem__(self, index: slice) -> list[DoctorHit]: ...
    def __getitem__(self, index: int | slice) -> DoctorHit | list[DoctorHit]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        chosen = list(self.rows.values_list("pk", flat=True)[index])
        shown = {pair.pk: pair for pair in _shown_pairs().filter(pk__in=chosen)}
        first_days = self._first_days(shown.values())
        hits = []
        # A pair gone between the two reads (a doctor left a clinic) is left out.
        for pair in (shown[pk] for pk in chosen if pk in shown):
            match_day, match_parts = first_days.get((pair.doctor_id, pair.clinic_id), (None, ()))
            hits.append(
                DoctorHit(
                    doctor=pair.doctor,
                    clinic=pair.clinic,
                    next_start=pair.next_start,
                    next_end=pair.next_end,
                    distance_km=self.distances.get(pair.clinic_id),
                    horizon_days=pair.horizon_days,
                    days_asked=self.matching_days is not None,
                    first_match_day=match_day,
                    first_match_parts=match_parts,
                    rating_mean=pair.rating_mean,
                    rating_count=pair.rating_count or 0,
                )
            )
        return hits

    def __iter__(self) -> Iterator[DoctorHit]:
        return iter(self[0 : len(self)])

    def _first_days(self, pairs: Any) -> dict[tuple[int, int], tuple[date, tuple[DayPart, ...]]]:
        """Each shown pair's first matching day with its matching parts. One query, bounded
        by the page's doctors and clinics and the asked days (at most the search's range)."""
        if self.matching_days is None or not pairs:
            return {}
        pairs = list(pairs)
        days = self.matching_days.filter(
            doctor_id__in={pair.doctor_id for pair in pairs},
            clinic_id__in={pair.clinic_id for pair in pairs},
        ).order_by("day")
        wanted = {(pair.doctor_id, pair.clinic_id) for pair in pairs}
        first: dict[tuple[int, int], tuple[date, tuple[DayPart, ...]]] = {}
        for free in days:
            key = (free.doctor_id, free.clinic_id)
            if key in wanted and key not in first:
                first[key] = (free.day, self._free_parts(free))
        return first

    def _free_parts(self, free: FreeDay) -> tuple[DayPart, ...]:
        return tuple(
            part
            for part in DayPart
            if part in self.parts
            and (last := getattr(free, f"{part.value}_last")) is not None
            and (self.now is None or last > self.now)
        )


def doctor_search(*, query: DoctorQuery, now: datetime) -> DoctorHits:
    """Verified doctors at their clinics matching ``query``, sorted as it asks."""
    pairs = _pairs().filter(rows.Doctor.listed("doctor__"))
    for word in folded(query.text).split()[:SEARCH_WORDS]:
        pairs = pairs.filter(
            Q(doctor__search_name__contains=word) | Q(doctor__specialty__search_name__contains=word)
        )
    if query.specialty:
        pairs = pairs.filter(doctor__specialty__slug=query.specialty)
    if query.city:
        pairs = pairs.filter(clinic__city__iexact=query.city)
    if query.clinic_id is not None:
        pairs = pairs.filter(clinic_id=query.clinic_id)
    if query.sex:
        # Said with the role, which a doctor's user always has: the index of doctors' sexes
        # (migration 0013) covers doctors only.
        pairs = pairs.filter(doctor__user__role=Role.DOCTOR.value, doctor__user__sex=query.sex)
    if query.language:
        pairs = pairs.filter(_speaks(query.language))
    if query.accepts_new_patients is not None:
        pairs = pairs.filter(doctor__accepts_new_patients=query.accepts_new_patients)
    if query.min_rating is not None:
        pairs = pairs.filter(doctor__rating__mean__gte=query.min_rating)
    matching = _matching_days(query, now) if query.asks_days else None
    if matching is not None:
        pairs = pairs.filter(
            Exists(matching.filter(doctor=OuterRef("doctor_id"), clinic=OuterRef("clinic_id")))
        )
    distances: dict[int, float] = {}
    if query.near is not None or query.city:
        distances = clinic_distances(near=query.near, city=query.city, radius_km=query.radius_km)
        if query.radius_km is not None:
            pairs = pairs.filter(clinic_id__in=list(distances))
    return DoctorHits(
        rows=_sorted(pairs, query, distances),
        distances=distances,
        matching_days=matching,
        parts=query.parts or frozenset(DayPart),
        now=now,
    )


def clinic_distances(
    *, near: Point | None, city: str | None = None, radius_km: float | None = None
) -> dict[int, float]:
    """Kilometres from ``near`` (without it, from the centre of ``city``: the mean of its
    clinics' coordinates) to each clinic with coordinates (within ``radius_km``); none when
    there is nothing to measure from.

    Computed here rather than in SQL: clinics are few next to doctors and slots, and so it is
    one query on SQLite and PostgreSQL alike, with no geography extension to install."""
    placed = rows.Clinic.objects.filter(latitude__isnull=False, longitude__isnull=False)
    points: dict[int, tuple[Point, str]] = {}
    for clinic in placed.only("latitude", "longitude", "city"):
        assert clinic.latitude is not None and clinic.longitude is not None  # as filtered
        points[clinic.pk] = (Point(clinic.latitude, clinic.longitude), clinic.city)
    origin = near
    if origin is None and city:
        # As the search matches a city: whatever its case.
        inside = [point for point, place in points.values() if place.casefold() == city.casefold()]
        if inside:
            origin = Point(
                sum(point.latitude for point in inside) / len(inside),
                sum(point.longitude for point in inside) / len(inside),
            )
    if origin is None:
        return {}
    found: dict[int, float] = {}
    for pk, (point, _place) in points.items():
        km = great_circle_km(origin, point)
        if radius_km is None or km <= radius_km:
            found[pk] = round(km, 1)
    return found


def great_circle_km(a: Point, b: Point) -> float:
    """The haversine distance: good to a fraction of a percent at a city's scale."""
    phi1, phi2 = math.radians(a.latitude), math.radians(b.latitude)
    dphi = phi2 - phi1
    dlambda = math.radians(b.longitude - a.longitude)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _pairs() -> QuerySet[Any]:
    """Doctors at their clinics with the pair's next free slot, to filter and sort."""
    through: Any = rows.Doctor.clinics.through
    pairs: QuerySet[Any] = through.objects.annotate(
        **_at_clinic("next_free"), next_start=F("next_free__start")
    )
    return pairs


def _shown_pairs() -> QuerySet[Any]:
    """The pairs with what a result shows."""
    shown: QuerySet[Any] = (
        _pairs()
        .select_related("doctor__user", "doctor__specialty", "clinic")
        .prefetch_related(
            Prefetch("doctor__clinics", queryset=rows.Clinic.objects.order_by("name", "pk"))
        )
        .annotate(
            **_at_clinic("schedules"),
            next_end=F("next_free__end"),
            horizon_days=F("schedules__horizon_days"),
            rating_mean=F("doctor__rating__mean"),
            rating_count=F("doctor__rating__count"),
        )
    )
    return shown


def _at_clinic(relation: str) -> dict[str, FilteredRelation]:
    """The doctor's row of ``relation`` at the pair's clinic (one at most: unique per doctor
    and clinic) as a LEFT JOIN, which the database hashes once for all pairs rather than
    looking each up again as a correlated subquery would."""
    return {
        relation: FilteredRelation(
            f"doctor__{relation}", condition=Q(**{f"doctor__{relation}__clinic": F("clinic")})
        )
    }


def _speaks(language: str) -> Q:
    # Codes separated by single spaces ("fa en"): the code alone, first, last or between.
    return (
        Q(doctor__languages=language)
        | Q(doctor__languages__startswith=f"{language} ")
        | Q(doctor__languages__endswith=f" {language}")
        | Q(doctor__languages__contains=f" {language} ")
    )


def _matching_days(query: DoctorQuery, now: datetime) -> QuerySet[rows.FreeDay]:
    """Days with a slot still free in one of the asked parts (any part when none was asked)
    on the asked days (any day ahead when none was)."""
    days = rows.FreeDay.objects.all()
    if query.free_from or query.free_to:
        first = query.free_from or query.free_to
        last = query.free_to or query.free_from
        days = days.filter(day__gte=first, day__lte=last)
    parts = query.parts or frozenset(DayPart)
    still_free = Q()
    for part in sorted(parts):
        still_free |= Q(**{f"{part.value}_last__gt": now})
    return days.filter(still_free)


def _sorted(pairs: QuerySet[Any], query: DoctorQuery, distances: dict[int, float]) -> QuerySet[Any]:
    # Ties (the same first free minute, or none free) by doctor and clinic: stable from page
    # to page, and no join to the names just to order them.
    ties = ("doctor_id", "clinic_id")
    first_free = F("next_start").asc(nulls_last=True)
    if query.sort is Sort.DISTANCE and distances:
        pairs = pairs.annotate(
            distance=Case(
                *(When(clinic_id=pk, then=Value(km)) for pk, km in distances.items()),
                default=Value(None),
                output_field=FloatField(),
            )
        )
        return pairs.order_by(F("distance").asc(nulls_last=True), first_free, *ties)
    if query.sort is Sort.RATING:
        best = (
            F("doctor__rating__mean").desc(nulls_last=True),
            F("doctor__rating__count").desc(nulls_last=True),
        )
        return pairs.order_by(*best, first_free, *ties)
    return pairs.order_by(first_free, *ties)


def city_list() -> list[str]:
    """The cities with a clinic, for the search's choice of a city."""
    return list(rows.Clinic.objects.values_list("city", flat=True).distinct().order_by("city"))
