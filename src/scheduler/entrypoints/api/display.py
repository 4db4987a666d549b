"""Display strings beside the API's ISO 8601 times, for a client that shows them as they are.

Values stay ISO 8601 in and out. ``?calendar=jalali`` (or an answer in Persian: the user's
stored choice, Accept-Language, a Persian clinic's default) adds ``start_display`` /
``end_display`` next to ``start`` / ``end``, on the clinic's clock:
"دوشنبه ۱۶ آذر ۱۴۰۵، ساعت ۱۰:۳۰";
``?calendar=gregorian`` adds English ones: "Monday 7 December 2026, 10:30".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, cast

from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request

from scheduler.adapters.local_dates import PERSIAN, is_persian, moment_label

CALENDAR_LANGUAGE = {"jalali": PERSIAN, "gregorian": "en"}
DISPLAY = "display_language"  # the serializer context's key

CALENDAR_PARAMETER = OpenApiParameter(
    "calendar",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=list(CALENDAR_LANGUAGE),
    description=(
        "Adds display strings (`start_display`, `end_display`) next to the ISO 8601 times, on "
        "the clinic's clock: `jalali` in Persian (Solar Hijri date, Persian digits), "
        "`gregorian` in English. Left out (or empty): added in Persian when the answer is in "
        "Persian (the signed-in user's language, else Accept-Language, else the clinic's for "
        "a request about one clinic), not added otherwise."
    ),
)


class CalendarQuery(serializers.Serializer[Any]):
    calendar = serializers.ChoiceField(choices=list(CALENDAR_LANGUAGE), required=False)


def display_context(request: Request) -> dict[str, Any]:
    """The serializer context for ``request``: the language of its display strings, if any.
    A calendar that is not one of ours is a 400 with a field message."""
    query = CalendarQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    return {DISPLAY: _language(query.validated_data.get("calendar"))}


def display_language(request: Request | None) -> str | None:
    """As display_context, for an answer already decided (an error): a calendar that is not
    one of ours is ignored there, the error being what the client needs to hear."""
    query = CalendarQuery(data=request.query_params if request is not None else {})
    return _language(query.validated_data.get("calendar") if query.is_valid() else None)


def _language(calendar: str | None) -> str | None:
    if calendar:
        return CALENDAR_LANGUAGE[calendar]
    return PERSIAN if is_persian(translation.get_language() or "") else None


class Zoned(Protocol):
    """A serializer with display fields says on which clinic's clock its items are."""

    def display_zone(self, instance: Any) -> str: ...


_DISPLAY_HELP = (
    "The time as people read it, on the clinic's clock; only with ?calendar= or in Persian."
)


@extend_schema_field(OpenApiTypes.STR)
class DisplayField(serializers.Field[Any, Any, Any, Any]):
    """A time as its reader says it; left out of the output when no display was asked for."""

    def __init__(self, *, moment: str, **kwargs: Any) -> None:
        self.moment = moment
        # Not read_only, though output only: the schema then shows it as optional, as it is.
        super().__init__(source="*", required=False, help_text=_DISPLAY_HELP)

    def get_attribute(self, instance: Any) -> Any:
        language = self.context.get(DISPLAY)
        if not language:
            raise serializers.SkipField
        at: datetime = getattr(instance, self.moment)
        zone = cast(Zoned, self.parent).display_zone(instance)
        return moment_label(at, zone, language)

    def to_representation(self, value: Any) -> Any:
        return value
