"""OpenAPI generation: component names for the views' nested serializers.

Every view nests its own ``InputSerializer`` / ``OutputSerializer``; named by class alone they
would collide, so a nested serializer is named after its outer classes:
``AppointmentCollectionApi.InputSerializer`` -> ``AppointmentCollectionInput``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import Direction
from rest_framework import serializers

from scheduler.domain.access import SELF_SERVICE_ROLES
from scheduler.domain.appointment import HOLD_STATES, Status
from scheduler.domain.model import Role


class ApiSchema(AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        """A throttled view may answer 429: said once here, for every such view."""
        operation = super().get_operation(*args, **kwargs)
        if operation is not None and getattr(self.view, "throttle_classes", None):
            from scheduler.entrypoints.api.errors import TooManyOutput

            operation["responses"].setdefault(
                "429",
                self._get_response_for_code(TooManyOutput, "429"),  # type: ignore[no-untyped-call]
            )
        return operation

    def get_serializer_name(
        self, serializer: serializers.Serializer[Any], direction: Direction
    ) -> str:
        parts = type(serializer).__qualname__.split(".")
        return "".join(part.removesuffix("Serializer").removesuffix("Api") for part in parts)


# Choice sets used by several serializers, named once in the schema (ENUM_NAME_OVERRIDES).
# A slot hold (domain.holds) is no appointment: the API never shows one as such.
STATUS_CHOICES = [status.value for status in Status if status not in HOLD_STATES]
ROLE_CHOICES = [role.value for role in Role]
SELF_SERVICE_ROLE_CHOICES = [role.value for role in SELF_SERVICE_ROLES]
LANGUAGE_CHOICES = ["", *(code for code, _ in settings.LANGUAGES)]
