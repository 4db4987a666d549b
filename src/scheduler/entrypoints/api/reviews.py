"""Reviews of visits: the patient writes and edits theirs on the appointment, the doctor replies,
an admin hides and shows; anyone reads a doctor's shown reviews. Someone else's appointment is
not found (nobody learns it exists); a review hidden is not found but by its author, its
doctor and admins."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import selectors
from scheduler.adapters.orm.actors import actor_for, viewer_for
from scheduler.adapters.orm.reviews import author_shown, page_reviews
from scheduler.config.bootstrap import build_bus
from scheduler.domain import reviews
from scheduler.entrypoints.api.errors import ErrorOutput, ValidationErrorOutput
from scheduler.entrypoints.api.pagination import Pages, paginated
from scheduler.services import commands


class ReviewOutput(serializers.Serializer[rows.Review]):
    class ReplyOutput(serializers.Serializer[rows.Review]):
        text = serializers.CharField(source="reply")
        replied_at = serializers.DateTimeField()

    id = serializers.UUIDField()
    doctor = serializers.IntegerField(source="doctor_id")
    stars = serializers.IntegerField(min_value=reviews.MIN_STARS, max_value=reviews.MAX_STARS)
    text = serializers.CharField()
    author = serializers.SerializerMethodField(
        help_text="The author's first name and the initial of their last name; empty when "
        "the account was deleted."
    )
    written_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    editable_until = serializers.SerializerMethodField(
        help_text="Until when its author may change it (a week after it was written)."
    )
    reply = serializers.SerializerMethodField()
    hidden = serializers.BooleanField(help_text="Hidden by an admin: counted in no rating.")

    def get_author(self, row: rows.Review) -> str:
        return author_shown(row.author)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_editable_until(self, row: rows.Review) -> str:
        return serializers.DateTimeField().to_representation(row.written_at + reviews.EDIT_WINDOW)

    @extend_schema_field(ReplyOutput(allow_null=True))
    def get_reply(self, row: rows.Review) -> dict[str, Any] | None:
        if row.replied_at is None:
            return None
        return dict(self.ReplyOutput(row).data)


class VisitReviewInput(serializers.Serializer[Any]):
    stars = serializers.IntegerField(min_value=reviews.MIN_STARS, max_value=reviews.MAX_STARS)
    # Bounded here with room for the line breaks a browser sends as two characters; the
    # domain counts what is left after trimming.
    text = serializers.CharField(
        required=False, allow_blank=True, max_length=2 * reviews.MAX_TEXT, trim_whitespace=False
    )


class ReplyInput(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=2 * reviews.MAX_REPLY, trim_whitespace=False)


class HideReasonInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=reviews.MAX_REASON, help_text="Kept with the review.")


_WRITE_RESPONSES = {
    400: ValidationErrorOutput,
    403: ErrorOutput,
    404: ErrorOutput,
    409: OpenApiResponse(
        ErrorOutput,
        description="not_fulfilled (the visit did not take place), already_reviewed, "
        "edit_window_over (more than 7 days after it was written).",
    ),
}


class VisitReviewApi(APIView):
    """The review of one visit by the patient who booked it (for a family member's visit,
    the account holder)."""

    @extend_schema(
        operation_id="appointments_review_create",
        request=VisitReviewInput,
        responses={201: ReviewOutput, **_WRITE_RESPONSES},
        description="1 to 5 stars and optional words (at most 2,000 characters) on a visit "
        "that took place; one per visit.",
    )
    def post(self, request: Request, appointment_id: uuid.UUID) -> Response:
        data = _valid(VisitReviewInput, request)
        review_id = build_bus().handle(
            commands.WriteVisitReview(
                actor=actor_for(request.user), appointment_id=appointment_id, **data
            )
        )
        return Response(_shown(review_id), status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="appointments_review_update",
        request=VisitReviewInput,
        responses={200: ReviewOutput, **_WRITE_RESPONSES},
        description="Its author changes the stars and words, for 7 days after writing them.",
    )
    def patch(self, request: Request, appointment_id: uuid.UUID) -> Response:
        data = _valid(VisitReviewInput, request)
        review_id = build_bus().handle(
            commands.EditVisitReview(
                actor=actor_for(request.user), appointment_id=appointment_id, **data
            )
        )
        return Response(_shown(review_id))


class DoctorReviewListApi(APIView):
    """A doctor's shown reviews, newest first, with the doctor's replies."""

    permission_classes = (AllowAny,)
    pagination_class = Pages

    @extend_schema(
        operation_id="doctors_reviews_list",
        responses={200: ReviewOutput(many=True), 404: ErrorOutput},
        auth=[],
    )
    def get(self, request: Request, doctor_id: int) -> Response:
        doctor = selectors.doctor_get(doctor_id=doctor_id, viewer=viewer_for(request.user))
        return paginated(
            view=self,
            request=request,
            queryset=page_reviews(doctor_id=doctor.pk),
            serializer_class=ReviewOutput,
        )


class ReviewReplyApi(APIView):
    @extend_schema(
        operation_id="reviews_reply",
        request=ReplyInput,
        responses={
            200: ReviewOutput,
            400: ValidationErrorOutput,
            403: ErrorOutput,
            404: ErrorOutput,
            409: OpenApiResponse(ErrorOutput, description="already_replied"),
        },
        description="The reviewed doctor's one reply (final once written).",
    )
    def post(self, request: Request, review_id: uuid.UUID) -> Response:
        data = _valid(ReplyInput, request)
        build_bus().handle(
            commands.ReplyToReview(actor=actor_for(request.user), review_id=review_id, **data)
        )
        return Response(_shown(review_id))


_MODERATION_RESPONSES = {
    200: ReviewOutput,
    403: ErrorOutput,
    404: ErrorOutput,
    409: OpenApiResponse(ErrorOutput, description="moderation_unchanged"),
}


class ReviewHideApi(APIView):
    @extend_schema(
        operation_id="reviews_hide",
        request=HideReasonInput,
        responses={**_MODERATION_RESPONSES, 400: ValidationErrorOutput},
        description="Admins: hide a review with a reason (kept, with who and when); it counts "
        "for no rating.",
    )
    def post(self, request: Request, review_id: uuid.UUID) -> Response:
        data = _valid(HideReasonInput, request)
        build_bus().handle(
            commands.HideReview(actor=actor_for(request.user), review_id=review_id, **data)
        )
        return Response(_shown(review_id))


class ReviewShowApi(APIView):
    @extend_schema(
        operation_id="reviews_show",
        request=None,
        responses=_MODERATION_RESPONSES,
        description="Admins: show a hidden review again.",
    )
    def post(self, request: Request, review_id: uuid.UUID) -> Response:
        build_bus().handle(commands.ShowReview(actor=actor_for(request.user), review_id=review_id))
        return Response(_shown(review_id))


def _valid(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _shown(review_id: uuid.UUID) -> dict[str, Any]:
    """The review as the one who just changed it (so may read it) sees it now: reviews are
    never deleted, so it is there."""
    row = rows.Review.objects.select_related("author").get(pk=review_id)
    return dict(ReviewOutput(row).data)
