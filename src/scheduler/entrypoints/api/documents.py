"""Documents on an appointment: listed, attached (multipart, field "file"), removed, and
downloaded through the one authorized view. Readers are the patient, the appointment's doctor and
its clinic's desk; anyone else who cannot see the appointment gets a 404, an admin a 403.

A download is always an attachment, with the type sniffed when it was attached, ``nosniff`` and
a sandboxing policy: no stored file is ever shown as a page of this site.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.documents import open_file
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.actors import actor_for
from scheduler.adapters.orm.documents import document_get, document_list
from scheduler.config.bootstrap import audit_log, build_bus
from scheduler.domain import documents
from scheduler.domain.errors import NotFound
from scheduler.domain.messages import gettext_noop
from scheduler.entrypoints.api.errors import ConflictOutput, ErrorOutput, ValidationErrorOutput
from scheduler.services import commands
from scheduler.services.audit import Record, read_by_others

# A multipart body's boundaries and headers around the file: a request longer than the limit
# and this is refused before its body is parsed.
MULTIPART_SLACK = 64 * 1024


class DocumentOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="Cleaned; its extension is the sniffed kind's.")
    kind = serializers.ChoiceField(choices=rows.AppointmentDocument.Kind.choices)
    content_type = serializers.SerializerMethodField()
    size = serializers.IntegerField(help_text="In bytes.")
    uploaded_at = serializers.DateTimeField()
    mine = serializers.SerializerMethodField(
        help_text="Attached by the viewer: they may remove it."
    )
    url = serializers.SerializerMethodField(help_text="The download (an attachment).")

    def get_content_type(self, row: rows.AppointmentDocument) -> str:
        return documents.CONTENT_TYPES[documents.Kind(row.kind)]

    def get_mine(self, row: rows.AppointmentDocument) -> bool:
        return bool(row.uploaded_by_id == self.context["user_id"])

    def get_url(self, row: rows.AppointmentDocument) -> str:
        return reverse("api:appointment-document-file", args=(row.appointment_id, row.pk))


def _output(request: Request, found: Any, **kwargs: Any) -> Any:
    return DocumentOutput(found, context={"user_id": request.user.pk}, **kwargs).data


class DocumentCollectionApi(APIView):
    parser_classes = (MultiPartParser,)

    class InputSerializer(serializers.Serializer[Any]):
        file = serializers.FileField(
            allow_empty_file=True,  # the domain says why an empty file is refused
            help_text=(
                f"PDF, JPEG or PNG, at most {documents.MAX_BYTES // (1024 * 1024)} MB; judged "
                "by its content, not its name or declared type."
            ),
        )

    @extend_schema(
        operation_id="appointments_documents_list",
        responses={200: DocumentOutput(many=True), 403: ErrorOutput, 404: ErrorOutput},
        description="The appointment's documents, oldest first: for the patient, the "
        "appointment's doctor and its clinic's desk.",
    )
    def get(self, request: Request, appointment_id: uuid.UUID) -> Response:
        found = document_list(viewer=actor_for(request.user), appointment_id=appointment_id)
        return Response(_output(request, found, many=True))

    @extend_schema(
        operation_id="appointments_documents_attach",
        request={"multipart/form-data": InputSerializer},
        responses={
            201: DocumentOutput,
            400: ValidationErrorOutput,
            403: ErrorOutput,
            404: ErrorOutput,
            409: OpenApiResponse(ConflictOutput, description="The appointment was cancelled."),
        },
        description=(
            "The patient attaches a file to their appointment (at most "
            f"{documents.MAX_PER_APPOINTMENT} on one)."
        ),
    )
    def post(self, request: Request, appointment_id: uuid.UUID) -> Response:
        actor = actor_for(request.user)
        # Refused before the body is parsed (and spooled to disk) when its length says so.
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > documents.MAX_BYTES + MULTIPART_SLACK:
            documents.check_size(int(length))
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        # One byte past the limit: enough for the domain to refuse a larger file.
        content: bytes = upload.read(documents.MAX_BYTES + 1)
        document_id = build_bus().handle(
            commands.AttachDocument(
                actor=actor,
                appointment_id=appointment_id,
                name=upload.name or "",
                content=content,
            )
        )
        row = document_get(viewer=actor, appointment_id=appointment_id, document_id=document_id)
        return Response(_output(request, row), status=status.HTTP_201_CREATED)


class DocumentDetailApi(APIView):
    @extend_schema(
        operation_id="appointments_documents_remove",
        request=None,
        responses={204: None, 403: ErrorOutput, 404: ErrorOutput},
        description="Whoever attached the document removes it; its file goes with it.",
    )
    def delete(self, request: Request, appointment_id: uuid.UUID, document_id: int) -> Response:
        build_bus().handle(
            commands.RemoveDocument(
                actor=actor_for(request.user),
                appointment_id=appointment_id,
                document_id=document_id,
            )
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class AnyAccept(BaseContentNegotiation):
    """A download answers whatever the client accepts (a PDF reader's "Accept: application/pdf"
    included): the file is what it is, and a refusal still comes as JSON."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        first = next(iter(renderers))
        return first, first.media_type


class DocumentFileApi(APIView):
    content_negotiation_class = AnyAccept

    @extend_schema(
        operation_id="appointments_documents_download",
        responses={
            **{
                (200, content_type): OpenApiResponse(
                    OpenApiTypes.BINARY,
                    description="The file as attached, as an attachment; its Content-Type is "
                    "the kind sniffed from its content when it was attached.",
                )
                for content_type in documents.CONTENT_TYPES.values()
            },
            403: ErrorOutput,
            404: ErrorOutput,
        },
    )
    def get(self, request: Request, appointment_id: uuid.UUID, document_id: int) -> FileResponse:
        actor = actor_for(request.user)
        row = document_get(viewer=actor, appointment_id=appointment_id, document_id=document_id)
        try:
            stored = open_file(row.stored_name)
        except FileNotFoundError:
            raise NotFound(gettext_noop("Document not found.")) from None
        patient_id = rows.Appointment.objects.values_list("patient_id", flat=True).get(
            pk=appointment_id
        )
        audit_log().record_reads(Record.DOCUMENT, read_by_others(actor, [(row.pk, patient_id)]))
        response = FileResponse(
            stored, content_type=documents.CONTENT_TYPES[documents.Kind(row.kind)]
        )
        response["Content-Disposition"] = attachment(row.name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        # Opened directly all the same, it runs nothing and loads nothing.
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response


def attachment(name: str) -> str:
    """``attachment`` with the name twice: plain ASCII for old clients, and RFC 6266's UTF-8
    form, which keeps a Persian name whole."""
    plain = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
