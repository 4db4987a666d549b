"""Limit/offset pages for list views (``?limit=&offset=``, 50 by default)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


def paginated(
    *,
    view: APIView,
    request: Request,
    queryset: QuerySet[Any],
    serializer_class: type[serializers.BaseSerializer[Any]],
) -> Response:
    """One page of ``queryset`` rendered by ``serializer_class``, with count and links.

    The view declares ``pagination_class = LimitOffsetPagination`` so the schema shows pages.
    """
    paginator = LimitOffsetPagination()
    page: list[Model] = paginator.paginate_queryset(queryset, request, view=view) or []
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
