"""A doctor's own photo: upload one (multipart, field "photo") or take it down."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.orm.actors import actor_for
from scheduler.config.bootstrap import build_bus
from scheduler.domain.profiles import PHOTO_MAX_BYTES
from scheduler.entrypoints.api.auth import ProfileOutput, own_profile
from scheduler.entrypoints.api.errors import ErrorOutput, ValidationErrorOutput
from scheduler.services import commands


def photo_bytes(upload: UploadedFile[Any]) -> bytes:
    """The upload's first bytes, one past the limit: enough for the command to refuse a
    larger file without this process holding all of it."""
    content: bytes = upload.read(PHOTO_MAX_BYTES + 1)
    return content


class MyPhotoApi(APIView):
    parser_classes = (MultiPartParser,)

    class InputSerializer(serializers.Serializer[Any]):
        photo = serializers.FileField(
            help_text="JPEG, PNG or WebP, at most 5 MB; judged by its content, not its name. "
            "Kept upright, at most 512 pixels a side, without its metadata."
        )

    @extend_schema(
        operation_id="me_photo_set",
        request={"multipart/form-data": InputSerializer},
        responses={
            200: OpenApiResponse(ProfileOutput, description="The profile, with the photo's URL."),
            400: ValidationErrorOutput,
            403: ErrorOutput,
        },
        description="A doctor's own photo for their page in the directory.",
    )
    def put(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        content = photo_bytes(serializer.validated_data["photo"])
        build_bus().handle(commands.SetDoctorPhoto(actor=actor_for(request.user), content=content))
        return own_profile(request)

    @extend_schema(
        operation_id="me_photo_remove",
        request=None,
        responses={204: None, 403: ErrorOutput},
        description="The doctor's page shows their initials again (204 when there was none).",
    )
    def delete(self, request: Request) -> Response:
        build_bus().handle(commands.RemoveDoctorPhoto(actor=actor_for(request.user)))
        return Response(status=status.HTTP_204_NO_CONTENT)
