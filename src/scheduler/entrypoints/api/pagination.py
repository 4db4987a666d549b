"""Limit/offset pages for list views (``?limit=&offset=``, 50 by default, 100 at most), and
ids in requests bounded to what a row may have."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

# Ids are PostgreSQL integers: a larger number names nothing (and SQLite refuses to compare it).
MAX_ID = 2**31 - 1


def id_field(**options: Any) -> serializers.IntegerField:
    """An id in a request: a positive integer that a row could have."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **options)


class Pages(LimitOffsetPagination):
    """``?limit=`` up to 100 (50 by default) and an offset a table could reach."""

    max_limit = 100
    max_offset = MAX_ID

    def get_offset(self, request: Request) -> int:
        return min(super().get_offset(request), self.max_offset)


def paginated(
    *,
    view: APIView,
    request: Request,
    queryset: QuerySet[Any] | Sequence[Any],
    serializer_class: type[serializers.BaseSerializer[Any]],
    shown: Callable[[Sequence[Any]], None] = lambda page: None,
    context: dict[str, Any] | None = None,
) -> Response:
    """One page of ``queryset`` (or of a sequence that counts and slices lazily) rendered by
    ``serializer_class``, with count and links; ``shown`` hears which rows went out (the audit
    trail of who read what).

    The view declares ``pagination_class = Pages`` so the schema shows pages.
    """
    paginator = Pages()
    page: list[Model] = paginator.paginate_queryset(queryset, request, view=view) or []
    shown(page)
    return paginator.get_paginated_response(
        serializer_class(page, many=True, context=context or {}).data
    )
