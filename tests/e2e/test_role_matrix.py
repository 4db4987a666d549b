"""Who may use what, role by role: every API operation, page and socket in one table each, and
a check that the tables name every operation the schema lists and every route the site has.

A visit (checked in today) of ``patient`` with ``doctor`` at ``clinic``, a pending request and a
future booking of the same patient; every other role is someone else's: another patient,
another doctor, the desk of another clinic. An unverified doctor reaches no one's data.

Each role acts on a world of its own, so one's action does not change what another finds.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from scheduler.adapters import account_tokens, visit_links
from scheduler.adapters.orm import models as rows
from scheduler.adapters.waitlist import links as waitlist_links
from scheduler.config.asgi import application
from scheduler.config.bootstrap import build_bus
from scheduler.entrypoints.ws import consumers
from scheduler.services.commands import (
    AttachDocument,
    CheckInAppointment,
    CreateCalendarFeed,
    HideReview,
    HoldSlot,
    JoinWaitlist,
    WriteVisitNote,
    WriteVisitReview,
)
from tests import factories
from tests.e2e.sockets import ORIGIN, session_cookie
from tests.images import image_bytes
from tests.unit.test_documents import PDF

pytestmark = pytest.mark.django_db

ROLES = (
    "visitor",
    "patient",
    "other patient",
    "doctor",
    "other doctor",
    "unverified doctor",
    "desk",
    "other desk",
    "admin",
)


class World:
    def __init__(self) -> None:
        self.clinic = factories.clinic()
        self.doctor = factories.doctor(self.clinic)
        self.patient = factories.patient()
        self.desk = factories.receptionist(self.clinic)
        start = factories.earlier_today(self.clinic, minutes_ago=60)
        self.visit = factories.appointment(self.doctor, self.patient, start)
        build_bus().handle(
            CheckInAppointment(actor=factories.actor_of(self.desk), appointment_id=self.visit.pk)
        )
        self.pending = factories.appointment(
            self.doctor, self.patient, factories.slot_start(self.clinic, hour=11), status="pending"
        )
        self.booked = factories.appointment(
            self.doctor, self.patient, factories.slot_start(self.clinic, hour=12)
        )
        self.free_slot = factories.slot_start(self.clinic, days_ahead=3, hour=10)
        self.family_member = rows.Dependant.objects.create(
            patient=self.patient,
            first_name="Arash",
            last_name="Karimi",
            birth_date=date(2019, 4, 2),
            relation="child",
        )
        self.time_off = rows.TimeOff.objects.create(
            doctor=self.doctor,
            start=factories.slot_start(self.clinic, days_ahead=20, hour=9),
            end=factories.slot_start(self.clinic, days_ahead=20, hour=12),
        )
        # Visits of last week that took place: one to review, one reviewed, one whose review
        # an admin hid.
        self.fulfilled, self.reviewed, self.hidden = (
            factories.appointment(
                self.doctor,
                self.patient,
                factories.slot_start(self.clinic, days_ahead=-days),
                status="fulfilled",
            )
            for days in (7, 8, 9)
        )
        by_patient, admin = factories.actor_of(self.patient), factories.actor_of(factories.admin())
        self.review_id, self.hidden_review_id = (
            build_bus().handle(WriteVisitReview(actor=by_patient, appointment_id=visit.pk, stars=4))
            for visit in (self.reviewed, self.hidden)
        )
        build_bus().handle(HideReview(actor=admin, review_id=self.hidden_review_id, reason="x"))
        self.users: dict[str, rows.User | None] = {
            "visitor": None,
            "patient": self.patient.user,
            "other patient": factories.patient().user,
            "doctor": self.doctor.user,
            "other doctor": factories.doctor().user,
            "unverified doctor": factories.doctor(verified=False).user,
            "desk": self.desk.user,
            "other desk": factories.receptionist(factories.clinic()).user,
            "admin": factories.admin(),
        }
        self.role = "visitor"

    @property
    def user(self) -> rows.User | None:
        return self.users[self.role]

    @property
    def visit_token(self) -> str:
        return visit_links.token_for(self.visit.pk)

    def client(self, role: str) -> APIClient:
        self.role = role
        client = APIClient()
        if self.user is not None:
            client.force_authenticate(user=self.user)
        return client

    def browser(self, role: str) -> Client:
        self.role = role
        browser = Client()
        if self.user is not None:
            browser.force_login(self.user)
        return browser

    def booking_link_path(self) -> str:
        return f"/b/{visit_links.booking_token_for(self.booked.pk, visit_end=self.booked.end)}/"

    def feed_path(self) -> str:
        secret = build_bus().handle(CreateCalendarFeed(actor=factories.actor_of(self.patient)))
        return f"/feeds/{secret}.ics"

    def reset_link_path(self) -> str:
        """The path of the patient's password-reset link: whoever holds it may use it."""
        return "/" + account_tokens.reset_link(self.patient.user).split("/", 3)[3]

    def waitlist_wish(self) -> dict[str, object]:
        day = self.free_slot.date().isoformat()
        return {
            "doctor_id": self.doctor.pk,
            "clinic_id": self.clinic.pk,
            "first_day": day,
            "last_day": day,
            "parts": ["morning"],
        }

    def waitlist_place(self, *, second: bool = False) -> int:
        """The patient's place in the doctor's line (behind another patient's, if ``second``)."""
        wish = {**self.waitlist_wish(), "parts": ("morning",)}
        wish["first_day"] = wish["last_day"] = self.free_slot.date()
        if second:
            ahead = factories.actor_of(factories.patient())
            build_bus().handle(JoinWaitlist(actor=ahead, **wish))  # type: ignore[arg-type]
        actor = factories.actor_of(self.patient)
        entry_id: int = build_bus().handle(JoinWaitlist(actor=actor, **wish))  # type: ignore[arg-type]
        return entry_id

    def waitlist_offer(self) -> str:
        """The token of an open offer of the free slot to the patient."""
        entry_id = self.waitlist_place()
        rows.WaitlistEntry.objects.filter(pk=entry_id).update(status="offered")
        now = datetime.now(ZoneInfo("UTC"))
        offer = rows.WaitlistOffer.objects.create(
            entry_id=entry_id,
            doctor=self.doctor,
            start=self.free_slot,
            end=self.free_slot + timedelta(minutes=30),
            created_at=now,
            expires_at=now + timedelta(minutes=15),
        )
        return waitlist_links.token_for(offer.pk)

    def patients_hold(self) -> uuid.UUID:
        """The patient reviews a booking of the free slot: it is held for them."""
        held = build_bus().handle(
            HoldSlot(
                actor=factories.actor_of(self.patient),
                doctor_id=self.doctor.pk,
                clinic_id=self.clinic.pk,
                start=self.free_slot,
            )
        )
        return uuid.UUID(str(held.hold_id))

    def refresh_token(self) -> str:
        """The role's own refresh token (a visitor has none: someone's, found lying about)."""
        return str(RefreshToken.for_user(self.user or self.patient.user))

    def document_path(self) -> str:
        """A document the patient attached to their booking, as its path under the API."""
        document_id = build_bus().handle(
            AttachDocument(
                actor=factories.actor_of(self.patient),
                appointment_id=self.booked.pk,
                name="results.pdf",
                content=PDF,
            )
        )
        return f"/api/appointments/{self.booked.pk}/documents/{document_id}/"


Call = Callable[[Any, World], Any]


class Row(NamedTuple):
    operation: str  # "METHOD /path/{param}/" as the schema (or the URL table) names it
    call: Call
    expected: tuple[int | str, ...]  # in ROLES order


def status(response: Any) -> int:
    return int(response.status_code)


def appointment(action: str, **body: Any) -> Call:
    def call(c: APIClient, w: World) -> int:
        target = {"start": w.visit, "check-in": w.pending, "confirm": w.pending}.get(
            action, w.booked
        )
        return status(c.post(f"/api/appointments/{target.pk}/{action}/", body, format="json"))

    return call


def noted_visit(w: World) -> rows.Appointment:
    """The patient's visit of yesterday with the doctor, completed, and its note."""
    start = factories.earlier_today(w.clinic, minutes_ago=0) - timedelta(days=1)
    visit = factories.appointment(w.doctor, w.patient, start, status="fulfilled")
    build_bus().handle(
        WriteVisitNote(actor=factories.actor_of(w.doctor), appointment_id=visit.pk, summary="Well.")
    )
    return visit


FAMILY_MEMBER = {
    "first_name": "Sara",
    "last_name": "Karimi",
    "birth_date": "1950-01-01",
    "relation": "parent",
}

# What each role gets from each API operation, in ROLES order.
MATRIX: dict[str, Row] = {
    "list appointments": Row(
        "GET /api/appointments/",
        lambda c, w: status(c.get("/api/appointments/")),
        (401, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "book for oneself": Row(
        "POST /api/appointments/",
        lambda c, w: status(
            c.post(
                "/api/appointments/",
                {"doctor_id": w.doctor.pk, "clinic_id": w.clinic.pk, "start": w.free_slot},
                format="json",
            )
        ),
        (401, 201, 201, 400, 403, 403, 400, 403, 400),
    ),
    "book for the patient": Row(
        "POST /api/appointments/",
        lambda c, w: status(
            c.post(
                "/api/appointments/",
                {
                    "doctor_id": w.doctor.pk,
                    "clinic_id": w.clinic.pk,
                    "start": w.free_slot,
                    "patient_id": w.patient.pk,
                },
                format="json",
            )
        ),
        (401, 201, 403, 201, 403, 403, 201, 403, 201),
    ),
    "read an appointment": Row(
        "GET /api/appointments/{appointment_id}/",
        lambda c, w: status(c.get(f"/api/appointments/{w.booked.pk}/")),
        (401, 200, 404, 200, 404, 404, 200, 404, 200),
    ),
    "cancel": Row(
        "POST /api/appointments/{appointment_id}/cancel/",
        appointment("cancel", reason="Travel"),
        (401, 200, 404, 200, 404, 404, 200, 404, 200),
    ),
    "check in": Row(
        "POST /api/appointments/{appointment_id}/check-in/",
        appointment("check-in"),
        (401, 403, 404, 409, 404, 404, 409, 404, 409),
    ),
    "complete": Row(
        "POST /api/appointments/{appointment_id}/complete/",
        appointment("complete"),
        (401, 403, 404, 409, 404, 404, 403, 404, 409),
    ),
    "confirm a request": Row(
        "POST /api/appointments/{appointment_id}/confirm/",
        appointment("confirm"),
        (401, 403, 404, 200, 404, 404, 200, 404, 200),
    ),
    "mark a no-show": Row(
        "POST /api/appointments/{appointment_id}/no-show/",
        appointment("no-show"),
        (401, 403, 404, 409, 404, 404, 409, 404, 409),
    ),
    "reject": Row(
        "POST /api/appointments/{appointment_id}/reject/",
        appointment("reject", reason="Full"),
        (401, 403, 404, 409, 404, 404, 409, 404, 409),
    ),
    "reschedule": Row(
        "POST /api/appointments/{appointment_id}/reschedule/",
        lambda c, w: appointment("reschedule", start=w.free_slot.isoformat())(c, w),
        (401, 200, 404, 200, 404, 404, 200, 404, 200),
    ),
    "call the patient in": Row(
        "POST /api/appointments/{appointment_id}/start/",
        appointment("start"),
        (401, 403, 404, 200, 404, 404, 200, 404, 200),
    ),
    "undo": Row(
        "POST /api/appointments/{appointment_id}/undo/",
        lambda c, w: status(c.post(f"/api/appointments/{w.visit.pk}/undo/", format="json")),
        (401, 403, 404, 200, 404, 404, 200, 404, 200),
    ),
    "forgive a no-show": Row(  # a booked visit: staff who see it are told it is no no-show
        "POST /api/appointments/{appointment_id}/forgive-no-show/",
        appointment("forgive-no-show", reason="Ill"),
        (401, 403, 404, 409, 404, 404, 409, 404, 409),
    ),
    "a patient's no-shows at a clinic": Row(
        "GET /api/patients/{patient_id}/no-shows/",
        lambda c, w: status(
            c.get(f"/api/patients/{w.patient.pk}/no-shows/", {"clinic": w.clinic.pk})
        ),
        (401, 403, 403, 200, 404, 403, 200, 404, 200),
    ),
    "one's standing with a clinic's no-show policy": Row(
        "GET /api/me/no-show-standing/",
        lambda c, w: status(c.get("/api/me/no-show-standing/", {"clinic": w.clinic.pk})),
        (401, 200, 200, 403, 403, 403, 403, 403, 403),
    ),
    "list one's family members": Row(
        "GET /api/me/dependants/",
        lambda c, w: status(c.get("/api/me/dependants/")),
        (401, 200, 200, 403, 403, 403, 403, 403, 403),
    ),
    "add a family member": Row(
        "POST /api/me/dependants/",
        lambda c, w: status(c.post("/api/me/dependants/", FAMILY_MEMBER, format="json")),
        (401, 201, 201, 403, 403, 403, 403, 403, 403),
    ),
    "change the patient's family member": Row(
        "PUT /api/me/dependants/{dependant_id}/",
        lambda c, w: status(
            c.put(f"/api/me/dependants/{w.family_member.pk}/", FAMILY_MEMBER, format="json")
        ),
        (401, 200, 404, 403, 403, 403, 403, 403, 403),
    ),
    "remove the patient's family member": Row(
        "DELETE /api/me/dependants/{dependant_id}/",
        lambda c, w: status(c.delete(f"/api/me/dependants/{w.family_member.pk}/")),
        (401, 204, 404, 403, 403, 403, 403, 403, 403),
    ),
    "hold a slot for oneself": Row(
        "POST /api/holds/",
        lambda c, w: status(
            c.post(
                "/api/holds/",
                {"doctor_id": w.doctor.pk, "clinic_id": w.clinic.pk, "start": w.free_slot},
                format="json",
            )
        ),
        (401, 201, 201, 400, 403, 403, 400, 403, 400),
    ),
    "hold a slot for the patient": Row(
        "POST /api/holds/",
        lambda c, w: status(
            c.post(
                "/api/holds/",
                {
                    "doctor_id": w.doctor.pk,
                    "clinic_id": w.clinic.pk,
                    "start": w.free_slot,
                    "patient_id": w.patient.pk,
                },
                format="json",
            )
        ),
        (401, 201, 403, 201, 403, 403, 201, 403, 201),
    ),
    "let a hold go": Row(
        "DELETE /api/holds/{hold_id}/",
        lambda c, w: status(c.delete(f"/api/holds/{w.patients_hold()}/")),
        (401, 204, 404, 404, 404, 404, 404, 404, 404),
    ),
    "let a hold go as the page leaves": Row(
        "POST /api/holds/{hold_id}/release/",
        lambda c, w: status(c.post(f"/api/holds/{w.patients_hold()}/release/")),
        (401, 204, 404, 404, 404, 404, 404, 404, 404),
    ),
    "sign out of the API": Row(
        "POST /api/auth/logout/",
        lambda c, w: status(c.post("/api/auth/logout/", {"refresh": w.refresh_token()})),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "sign up": Row(
        "POST /api/auth/register/",
        lambda c, w: status(
            c.post(
                "/api/auth/register/",
                {
                    "role": "patient",
                    "username": f"new-{w.role.replace(' ', '-')}",
                    "password": "a long secret 42",
                    "first_name": "New",
                    "last_name": "Patient",
                },
                format="json",
            )
        ),
        (201, 201, 201, 201, 201, 201, 201, 201, 201),
    ),
    "sign in to the API": Row(
        "POST /api/auth/token/",
        lambda c, w: status(
            c.post(
                "/api/auth/token/",
                {"username": w.patient.user.username, "password": factories.PASSWORD},
                format="json",
            )
        ),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "refresh a token": Row(
        "POST /api/auth/token/refresh/",
        lambda c, w: status(c.post("/api/auth/token/refresh/", {"refresh": w.refresh_token()})),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "list clinics": Row(
        "GET /api/clinics/",
        lambda c, w: status(c.get("/api/clinics/")),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "read a clinic": Row(
        "GET /api/clinics/{clinic_id}/",
        lambda c, w: status(c.get(f"/api/clinics/{w.clinic.pk}/")),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "review a visit": Row(
        "POST /api/appointments/{appointment_id}/review/",
        lambda c, w: status(
            c.post(f"/api/appointments/{w.fulfilled.pk}/review/", {"stars": 5}, format="json")
        ),
        (401, 201, 404, 403, 404, 404, 403, 404, 403),
    ),
    "change a visit's review": Row(
        "PATCH /api/appointments/{appointment_id}/review/",
        lambda c, w: status(
            c.patch(f"/api/appointments/{w.reviewed.pk}/review/", {"stars": 2}, format="json")
        ),
        (401, 200, 404, 403, 404, 404, 403, 404, 403),
    ),
    "list a doctor's reviews": Row(
        "GET /api/doctors/{doctor_id}/reviews/",
        lambda c, w: status(c.get(f"/api/doctors/{w.doctor.pk}/reviews/")),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "reply to a review": Row(
        "POST /api/reviews/{review_id}/reply/",
        lambda c, w: status(
            c.post(f"/api/reviews/{w.review_id}/reply/", {"text": "Thanks"}, format="json")
        ),
        (401, 403, 403, 200, 403, 403, 403, 403, 403),
    ),
    "hide a review": Row(
        "POST /api/reviews/{review_id}/hide/",
        lambda c, w: status(
            c.post(f"/api/reviews/{w.review_id}/hide/", {"reason": "Rude"}, format="json")
        ),
        (401, 403, 403, 403, 403, 403, 403, 403, 200),
    ),
    "show a hidden review": Row(
        "POST /api/reviews/{review_id}/show/",
        lambda c, w: status(c.post(f"/api/reviews/{w.hidden_review_id}/show/", format="json")),
        (401, 403, 404, 403, 404, 404, 404, 404, 200),
    ),
    "list doctors": Row(
        "GET /api/doctors/",
        lambda c, w: status(c.get("/api/doctors/")),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "read a doctor": Row(
        "GET /api/doctors/{doctor_id}/",
        lambda c, w: status(c.get(f"/api/doctors/{w.doctor.pk}/")),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "read a doctor's hours": Row(
        "GET /api/doctors/{doctor_id}/schedule/",
        lambda c, w: status(c.get(f"/api/doctors/{w.doctor.pk}/schedule/")),
        (401, 403, 403, 200, 403, 403, 200, 403, 200),
    ),
    "set a doctor's hours": Row(
        "PUT /api/doctors/{doctor_id}/schedule/",
        lambda c, w: status(
            c.put(
                f"/api/doctors/{w.doctor.pk}/schedule/",
                {
                    "hours": [{"weekday": 5, "start": "09:00", "end": "12:00"}],
                    "force": True,  # the visits in the way stand; their patients are told
                },
                format="json",
            )
        ),
        (401, 403, 403, 200, 403, 403, 403, 403, 200),
    ),
    "see free slots": Row(
        "GET /api/doctors/{doctor_id}/slots/",
        lambda c, w: status(c.get(f"/api/doctors/{w.doctor.pk}/slots/")),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "list a doctor's days off": Row(
        "GET /api/doctors/{doctor_id}/time-off/",
        lambda c, w: status(c.get(f"/api/doctors/{w.doctor.pk}/time-off/")),
        (401, 403, 403, 200, 403, 403, 200, 403, 200),
    ),
    "add a day off": Row(
        "POST /api/doctors/{doctor_id}/time-off/",
        lambda c, w: status(
            c.post(
                f"/api/doctors/{w.doctor.pk}/time-off/",
                {
                    "start": factories.slot_start(w.clinic, days_ahead=30, hour=9),
                    "end": factories.slot_start(w.clinic, days_ahead=30, hour=12),
                },
                format="json",
            )
        ),
        (401, 403, 403, 201, 403, 403, 403, 403, 201),
    ),
    "remove a day off": Row(
        "DELETE /api/doctors/{doctor_id}/time-off/{time_off_id}/",
        lambda c, w: status(c.delete(f"/api/doctors/{w.doctor.pk}/time-off/{w.time_off.pk}/")),
        (401, 403, 403, 204, 403, 403, 403, 403, 204),
    ),
    "desk's live day": Row(
        "GET /api/live/desk/{clinic_id}/",
        lambda c, w: status(c.get(f"/api/live/desk/{w.clinic.pk}/")),
        (401, 403, 403, 403, 403, 403, 200, 403, 200),
    ),
    "a patient's own live visits": Row(
        "GET /api/live/me/appointments/",
        lambda c, w: status(c.get("/api/live/me/appointments/")),
        (401, 200, 200, 403, 403, 403, 403, 403, 403),
    ),
    "a grid's live days": Row(
        "GET /api/live/slots/{doctor_id}/",
        lambda c, w: status(c.get(f"/api/live/slots/{w.doctor.pk}/")),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "the visit's link": Row(
        "GET /api/live/visit/{token}/",
        lambda c, w: status(c.get(f"/api/live/visit/{w.visit_token}/")),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "who am I": Row(
        "GET /api/me/",
        lambda c, w: status(c.get("/api/me/")),
        (401, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "edit one's own email": Row(
        "PATCH /api/me/",
        # An address each: one someone else signs in with is refused (test_sign_in_names).
        lambda c, w: status(
            c.patch("/api/me/", {"email": f"{secrets.token_hex(6)}@example.test"}, format="json")
        ),
        (401, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "rename oneself": Row(  # a verified doctor's name is the licence's
        "PATCH /api/me/",
        lambda c, w: status(c.patch("/api/me/", {"last_name": "Renamed"}, format="json")),
        (401, 200, 200, 400, 400, 400, 200, 200, 200),
    ),
    "edit one's record": Row(
        "PATCH /api/me/",
        lambda c, w: status(
            c.patch("/api/me/", {"blood_group": "A+", "sms_messages": False}, format="json")
        ),
        (401, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "edit one's page in the directory": Row(  # doctors', verified or not yet
        "PATCH /api/me/",
        lambda c, w: status(
            c.patch("/api/me/", {"bio": "Hearts.", "languages": ["fa"]}, format="json")
        ),
        (401, 403, 403, 200, 200, 200, 403, 403, 403),
    ),
    "upload one's photo": Row(
        "PUT /api/me/photo",
        lambda c, w: status(
            c.put(
                "/api/me/photo",
                {"photo": SimpleUploadedFile("me.png", image_bytes("PNG"))},
                format="multipart",
            )
        ),
        (401, 403, 403, 200, 200, 200, 403, 403, 403),
    ),
    "remove one's photo": Row(
        "DELETE /api/me/photo",
        lambda c, w: status(c.delete("/api/me/photo")),
        (401, 403, 403, 204, 204, 204, 403, 403, 403),
    ),
    "read a patient's record": Row(  # the desk and the doctor of the patient's visits
        "GET /api/patients/{patient_id}/",
        lambda c, w: status(c.get(f"/api/patients/{w.patient.pk}/")),
        (401, 200, 404, 200, 404, 404, 200, 404, 200),
    ),
    "one's notifications": Row(
        "GET /api/notifications/",
        lambda c, w: status(c.get("/api/notifications/")),
        (401, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "look patients up": Row(
        "GET /api/patients/",
        lambda c, w: status(c.get("/api/patients/", {"q": "a"})),
        (401, 403, 403, 200, 200, 403, 200, 200, 200),
    ),
    "add a patient": Row(
        "POST /api/patients/",
        lambda c, w: status(
            c.post("/api/patients/", {"first_name": "A", "last_name": "B"}, format="json")
        ),
        (401, 403, 403, 403, 403, 403, 201, 201, 201),
    ),
    "list specialties": Row(
        "GET /api/specialties/",
        lambda c, w: status(c.get("/api/specialties/")),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "read the audit trail": Row(
        "GET /api/audit/",
        lambda c, w: status(c.get("/api/audit/")),
        (401, 403, 403, 403, 403, 403, 403, 403, 200),
    ),
    "export one's data": Row(
        "GET /api/me/export/",
        lambda c, w: status(c.get("/api/me/export/")),
        (401, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "delete one's account": Row(  # patients; staff accounts are closed by an admin
        "POST /api/me/delete/",
        lambda c, w: status(
            c.post("/api/me/delete/", {"password": factories.PASSWORD}, format="json")
        ),
        (401, 200, 200, 403, 403, 403, 403, 403, 403),
    ),
    "change one's password": Row(
        "POST /api/me/password/",
        lambda c, w: status(
            c.post(
                "/api/me/password/",
                {"current_password": factories.PASSWORD, "new_password": "a new secret 88"},
                format="json",
            )
        ),
        (401, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "another verification link": Row(
        "POST /api/me/verify-email/resend/",
        lambda c, w: status(c.post("/api/me/verify-email/resend/")),
        (401, 202, 202, 202, 202, 202, 202, 202, 202),
    ),
    "set a new password from the link": Row(  # the link is the credential, whoever holds it
        "POST /api/auth/password-reset/confirm/",
        lambda c, w: status(
            c.post(
                "/api/auth/password-reset/confirm/",
                dict(
                    zip(("uid", "token"), w.reset_link_path().split("/")[2:4], strict=True),
                    new_password="a new secret 88",
                ),
                format="json",
            )
        ),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "prove one's email": Row(  # the link is the credential, whoever holds it
        "POST /api/auth/verify-email/",
        lambda c, w: status(
            c.post(
                "/api/auth/verify-email/",
                {"token": account_tokens.verification_token_of(w.patient.user)},
                format="json",
            )
        ),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "ask for a password reset": Row(  # anyone, and the same answer for everyone
        "POST /api/auth/password-reset/",
        lambda c, w: status(c.post("/api/auth/password-reset/", {"login": "x"}, format="json")),
        (202, 202, 202, 202, 202, 202, 202, 202, 202),
    ),
    "make one's calendar feed": Row(
        "POST /api/me/calendar-feed/",
        lambda c, w: status(c.post("/api/me/calendar-feed/")),
        (401, 201, 201, 201, 201, 403, 403, 403, 403),
    ),
    "revoke one's calendar feed": Row(  # no one has one yet
        "DELETE /api/me/calendar-feed/",
        lambda c, w: status(c.delete("/api/me/calendar-feed/")),
        (401, 404, 404, 404, 404, 404, 404, 404, 404),
    ),
    "read a visit's note": Row(
        "GET /api/appointments/{appointment_id}/visit-note/",
        lambda c, w: status(c.get(f"/api/appointments/{noted_visit(w).pk}/visit-note/")),
        (401, 200, 404, 200, 404, 404, 404, 404, 200),
    ),
    "write a visit's note": Row(
        "PUT /api/appointments/{appointment_id}/visit-note/",
        lambda c, w: status(
            c.put(
                f"/api/appointments/{noted_visit(w).pk}/visit-note/",
                {"summary": "Amended."},
                format="json",
            )
        ),
        (401, 403, 404, 200, 404, 404, 404, 404, 403),
    ),
    "see the statistics": Row(
        "GET /api/stats/",
        lambda c, w: status(c.get("/api/stats/")),
        (401, 403, 403, 403, 403, 403, 403, 403, 200),
    ),
    "download a statistics table": Row(
        "GET /api/stats/export.csv",
        lambda c, w: status(c.get("/api/stats/export.csv", {"section": "status_mix"})),
        (401, 403, 403, 403, 403, 403, 403, 403, 200),
    ),
    "list one's waitlist places": Row(
        "GET /api/waitlist/",
        lambda c, w: status(c.get("/api/waitlist/")),
        (401, 200, 200, 403, 403, 403, 403, 403, 403),
    ),
    "join a waitlist": Row(
        "POST /api/waitlist/",
        lambda c, w: status(c.post("/api/waitlist/", w.waitlist_wish(), format="json")),
        (401, 201, 201, 403, 403, 403, 403, 403, 403),
    ),
    "leave the patient's waitlist place": Row(
        "DELETE /api/waitlist/{entry_id}/",
        lambda c, w: status(c.delete(f"/api/waitlist/{w.waitlist_place()}/")),
        (401, 204, 404, 403, 403, 403, 403, 403, 403),
    ),
    "take the patient's offer": Row(
        "POST /api/waitlist/offers/{token}/accept/",
        lambda c, w: status(c.post(f"/api/waitlist/offers/{w.waitlist_offer()}/accept/")),
        (401, 201, 404, 403, 403, 403, 403, 403, 403),
    ),
    "turn down the patient's offer": Row(
        "POST /api/waitlist/offers/{token}/decline/",
        lambda c, w: status(c.post(f"/api/waitlist/offers/{w.waitlist_offer()}/decline/")),
        (401, 204, 404, 403, 403, 403, 403, 403, 403),
    ),
    "see the doctor's waitlist": Row(
        "GET /api/doctors/{doctor_id}/waitlist/",
        lambda c, w: status(c.get(f"/api/doctors/{w.doctor.pk}/waitlist/?clinic={w.clinic.pk}")),
        (401, 404, 404, 200, 404, 404, 200, 404, 200),
    ),
    "move a place in the doctor's waitlist": Row(
        "POST /api/doctors/{doctor_id}/waitlist/{entry_id}/move/",
        lambda c, w: status(
            c.post(
                f"/api/doctors/{w.doctor.pk}/waitlist/{w.waitlist_place(second=True)}/move/",
                {"direction": "up", "reason": "Urgent referral"},
                format="json",
            )
        ),
        (401, 404, 404, 204, 404, 404, 204, 404, 204),
    ),
    # An appointment's documents: its patient, doctor and desk; admins see the booking, not them.
    "list an appointment's documents": Row(
        "GET /api/appointments/{appointment_id}/documents/",
        lambda c, w: status(c.get(f"/api/appointments/{w.booked.pk}/documents/")),
        (401, 200, 404, 200, 404, 404, 200, 404, 403),
    ),
    "attach a document": Row(
        "POST /api/appointments/{appointment_id}/documents/",
        lambda c, w: status(
            c.post(
                f"/api/appointments/{w.booked.pk}/documents/",
                {"file": SimpleUploadedFile("results.pdf", PDF)},
                format="multipart",
            )
        ),
        (401, 201, 404, 403, 404, 404, 403, 404, 403),
    ),
    "download a document": Row(
        "GET /api/appointments/{appointment_id}/documents/{document_id}/file",
        lambda c, w: status(c.get(f"{w.document_path()}file")),
        (401, 200, 404, 200, 404, 404, 200, 404, 403),
    ),
    "remove a document": Row(
        "DELETE /api/appointments/{appointment_id}/documents/{document_id}/",
        lambda c, w: status(c.delete(w.document_path())),
        (401, 204, 404, 403, 404, 404, 403, 404, 403),
    ),
}

# The pages, by the Django test client signed in as each role (redirects not followed).
PAGES: dict[str, Row] = {
    "home": Row("/", lambda b, w: status(b.get("/")), (200,) * 9),
    "a doctor's page": Row(
        "doctors/<int:doctor_id>/",
        lambda b, w: status(b.get(f"/doctors/{w.doctor.pk}/")),
        (200,) * 9,
    ),
    "the desk": Row(
        "desk/<int:clinic_id>/",
        lambda b, w: status(b.get(f"/desk/{w.clinic.pk}/")),
        (302, 403, 403, 403, 403, 403, 200, 403, 200),
    ),
    "the doctor's day": Row(
        "doctor/",
        lambda b, w: status(b.get("/doctor/")),
        (302, 403, 403, 200, 200, 200, 403, 403, 403),
    ),
    "hours": Row(
        "doctor/hours/",
        lambda b, w: status(b.get("/doctor/hours/")),
        (302, 403, 403, 200, 200, 200, 403, 403, 403),
    ),
    "calendar": Row(
        "doctor/calendar/",
        lambda b, w: status(b.get("/doctor/calendar/")),
        (302, 403, 403, 200, 200, 200, 403, 403, 403),
    ),
    "my appointments": Row(
        "me/appointments/",
        lambda b, w: status(b.get("/me/appointments/")),
        (302, 200, 200, 403, 403, 403, 403, 403, 403),
    ),
    "one of my appointments": Row(
        "me/appointments/<uuid:appointment_id>/",
        lambda b, w: status(b.get(f"/me/appointments/{w.booked.pk}/")),
        (302, 200, 404, 404, 404, 404, 404, 404, 404),
    ),
    "one of my appointments, its row as it is now": Row(
        "me/appointments/<uuid:appointment_id>/row/",
        lambda b, w: status(b.get(f"/me/appointments/{w.booked.pk}/row/")),
        (302, 200, 404, 404, 404, 404, 404, 404, 404),
    ),
    "the visit's page": Row(
        "visit/<str:token>/",
        lambda b, w: status(b.get(f"/visit/{w.visit_token}/")),
        (200,) * 9,
    ),
    "the booking's link from a message": Row(  # the signed link is the key, whoever holds it
        "b/<str:token>/",
        lambda b, w: status(b.get(w.booking_link_path())),
        (200,) * 9,
    ),
    "my waitlist places, drawn again live": Row(
        "me/waitlist/",
        lambda b, w: status(b.get("/me/waitlist/")),
        (302, 200, 200, 403, 403, 403, 403, 403, 403),
    ),
    "the patient's waitlist offer from a message": Row(  # the link shows it to its patient only
        "w/<str:token>/",
        lambda b, w: status(b.get(f"/w/{w.waitlist_offer()}/")),
        (302, 200, 404, 404, 404, 404, 404, 404, 404),
    ),
    "the doctor's waitlist": Row(
        "waitlist/<int:doctor_id>/<int:clinic_id>/",
        lambda b, w: status(b.get(f"/waitlist/{w.doctor.pk}/{w.clinic.pk}/")),
        (302, 404, 404, 200, 404, 404, 200, 404, 200),
    ),
    "a booking as a calendar file": Row(
        "me/appointments/<uuid:appointment_id>/calendar.ics",
        lambda b, w: status(b.get(f"/me/appointments/{w.booked.pk}/calendar.ics")),
        (302, 200, 404, 200, 404, 404, 404, 404, 404),
    ),
    "the calendar feed page": Row(
        "me/calendar-feed/",
        lambda b, w: status(b.get("/me/calendar-feed/")),
        (302, 200, 200, 200, 200, 403, 403, 403, 403),
    ),
    "the patient's calendar feed": Row(  # the secret address is the key, whoever holds it
        "feeds/<str:secret>.ics",
        lambda b, w: status(b.get(w.feed_path())),
        (200,) * 9,
    ),
    "add days off by form": Row(
        "doctor/hours/time-off/",
        lambda b, w: status(b.post("/doctor/hours/time-off/", {})),
        (302, 403, 403, 400, 400, 400, 403, 403, 403),
    ),
    "remove days off by form": Row(
        "doctor/hours/time-off/remove/",
        lambda b, w: status(b.post("/doctor/hours/time-off/remove/", {})),
        (302, 403, 403, 302, 302, 302, 403, 403, 403),
    ),
    "connect a calendar": Row(
        "doctor/calendar/connect/",
        lambda b, w: status(b.post("/doctor/calendar/connect/")),
        (302, 403, 403, 302, 302, 302, 403, 403, 403),
    ),
    "come back from Google": Row(
        "doctor/calendar/callback/",
        lambda b, w: status(b.get("/doctor/calendar/callback/")),
        (302, 403, 403, 302, 302, 302, 403, 403, 403),
    ),
    "choose calendars": Row(
        "doctor/calendar/calendars/",
        lambda b, w: status(b.post("/doctor/calendar/calendars/", {})),
        (302, 403, 403, 302, 302, 302, 403, 403, 403),
    ),
    "sync now": Row(
        "doctor/calendar/sync/",
        lambda b, w: status(b.post("/doctor/calendar/sync/")),
        (302, 403, 403, 302, 302, 302, 403, 403, 403),
    ),
    "disconnect a calendar": Row(
        "doctor/calendar/disconnect/",
        lambda b, w: status(b.post("/doctor/calendar/disconnect/")),
        (302, 403, 403, 302, 302, 302, 403, 403, 403),
    ),
    "one's profile": Row(
        "me/profile/",
        lambda b, w: status(b.get("/me/profile/")),
        (302, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "save one's profile": Row(
        "me/profile/",
        lambda b, w: status(b.post("/me/profile/", {"sex": "female", "email_messages": "on"})),
        (302, 302, 302, 302, 302, 302, 302, 302, 302),
    ),
    "upload a photo by form": Row(  # no file: no photo
        "me/profile/photo/",
        lambda b, w: status(b.post("/me/profile/photo/", {})),
        (302, 403, 403, 400, 400, 400, 403, 403, 403),
    ),
    "remove a photo by form": Row(
        "me/profile/photo/remove/",
        lambda b, w: status(b.post("/me/profile/photo/remove/")),
        (302, 403, 403, 302, 302, 302, 403, 403, 403),
    ),
    "a doctor's photo": Row(  # the world's doctor has none
        "doctors/<int:doctor_id>/photo",
        lambda b, w: status(b.get(f"/doctors/{w.doctor.pk}/photo")),
        (404,) * 9,
    ),
    "sign in": Row(
        "login/",
        lambda b, w: status(b.get("/login/")),
        (200, 302, 302, 302, 302, 302, 302, 302, 302),
    ),
    "sign up as a patient": Row(
        "signup/",
        lambda b, w: status(b.get("/signup/")),
        (200,) * 9,
    ),
    "sign up as a doctor": Row(
        "signup/doctor/",
        lambda b, w: status(b.get("/signup/doctor/")),
        (200,) * 9,
    ),
    "a doctor's sign-up, awaiting approval": Row(
        "signup/doctor/done/",
        lambda b, w: status(b.get("/signup/doctor/done/")),
        (302, 302, 302, 200, 200, 200, 302, 302, 302),
    ),
    "forgot one's password": Row(
        "password-reset/",
        lambda b, w: status(b.get("/password-reset/")),
        (200,) * 9,
    ),
    "the reset link": Row(
        "password-reset/<str:uidb64>/<str:token>/",
        lambda b, w: status(b.get(w.reset_link_path())),
        (200,) * 9,
    ),
    "the verification link": Row(
        "verify-email/<str:token>/",
        lambda b, w: status(
            b.get(f"/verify-email/{account_tokens.verification_token_of(w.patient.user)}/")
        ),
        (200,) * 9,
    ),
    "the statistics": Row(
        "admin/statistics/",
        lambda b, w: status(b.get("/admin/statistics/")),
        (302, 302, 302, 302, 302, 302, 302, 302, 200),
    ),
    "another verification link by form": Row(
        "verify-email/new-link/",
        lambda b, w: status(b.get("/verify-email/new-link/")),
        (302, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "choose a language": Row(  # anyone; a signed-in user's choice is stored on the account
        "language/",
        lambda b, w: status(b.post("/language/", {"language": "fa", "next": "/"})),
        (302,) * 9,
    ),
    "the admin's sign-in": Row(
        "admin/login/",
        lambda b, w: status(b.get("/admin/login/")),
        (200, 200, 200, 200, 200, 200, 200, 200, 302),
    ),
    "a visit's note, the doctor's form": Row(
        "doctor/visits/<uuid:appointment_id>/note/",
        lambda b, w: status(b.get(f"/doctor/visits/{noted_visit(w).pk}/note/")),
        (302, 404, 404, 200, 404, 404, 404, 404, 404),
    ),
    "the admin": Row(
        "admin/",
        lambda b, w: status(b.get("/admin/")),
        (302, 302, 302, 302, 302, 302, 302, 302, 200),
    ),
    # The probes and the metrics are for machines: the same answer whoever is signed in; the
    # metrics by the caller's network instead (the test client's is the loopback, allowed).
    "the process is up": Row("health/live", lambda b, w: status(b.get("/health/live")), (200,) * 9),
    "the process can serve": Row(
        "health/ready", lambda b, w: status(b.get("/health/ready")), (200,) * 9
    ),
    "the metrics": Row("metrics", lambda b, w: status(b.get("/metrics")), (200,) * 9),
    "the metrics from another network": Row(
        "metrics", lambda b, w: status(b.get("/metrics", REMOTE_ADDR="203.0.113.9")), (404,) * 9
    ),
}

# The sockets: the first thing each role hears ("snapshot", a close code, or "refused").
SOCKETS: dict[str, Row] = {
    "a grid": Row(
        "ws/slots/<int:doctor_id>/",
        lambda path, w: f"/ws/slots/{w.doctor.pk}/",
        ("snapshot",) * 9,
    ),
    "the desk": Row(
        "ws/desk/<int:clinic_id>/",
        lambda path, w: f"/ws/desk/{w.clinic.pk}/",
        (4401, 4403, 4403, 4403, 4403, 4403, "snapshot", 4403, "snapshot"),
    ),
    "a visit's queue": Row(
        "ws/visit/<str:token>/",
        lambda path, w: f"/ws/visit/{w.visit_token}/",
        ("snapshot",) * 9,
    ),
    "a patient's own visits": Row(
        "ws/me/appointments/",
        lambda path, w: "/ws/me/appointments/",
        (4401, "snapshot", "snapshot", 4403, 4403, 4403, 4403, 4403, 4403),
    ),
    "no such socket": Row("", lambda path, w: "/ws/nothing/", ("refused",) * 9),
}


@pytest.mark.parametrize("action", list(MATRIX))
def test_the_role_matrix(action: str) -> None:
    row = MATRIX[action]
    got = {}
    for role in ROLES:
        world = World()
        got[role] = row.call(world.client(role), world)
    assert got == dict(zip(ROLES, row.expected, strict=True))


@pytest.mark.parametrize("page", list(PAGES))
def test_the_page_matrix(page: str) -> None:
    row = PAGES[page]
    got = {}
    for role in ROLES:
        world = World()
        got[role] = row.call(world.browser(role), world)
    assert got == dict(zip(ROLES, row.expected, strict=True))


@pytest.mark.parametrize("socket", list(SOCKETS))
@pytest.mark.django_db(transaction=True)
def test_the_socket_matrix(socket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(consumers, "AUTH_WAIT_SECONDS", 0.5)  # a visitor's desk gives up soon
    row = SOCKETS[socket]
    got = {}
    for role in ROLES:
        world = World()
        world.role = role
        got[role] = async_to_sync(first_heard)(row.call(None, world), world.user)
    assert got == dict(zip(ROLES, row.expected, strict=True))


async def first_heard(path: str, user: rows.User | None) -> int | str:
    headers = [ORIGIN] + ([await session_cookie(user)] if user is not None else [])
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    if not connected:
        return "refused"
    try:
        while True:  # a refusal is told ({"type": "error", ...}) before the socket closes
            output = await communicator.receive_output(timeout=5)
            if output["type"] == "websocket.close":
                return int(output.get("code", 1000))
            kind = str(json.loads(output["text"])["type"])
            if kind != "error":
                return kind
    finally:
        await communicator.disconnect()


def test_every_api_operation_is_in_the_matrix() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    listed = {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
    }

    assert listed - {row.operation for row in MATRIX.values()} == set()


def test_every_page_and_socket_is_in_the_matrix() -> None:
    from scheduler.entrypoints.ws.routing import websocket_urlpatterns

    pages = {route for route in _routes(get_resolver()) if not route.startswith("api/")}
    sockets = {str(pattern.pattern) for pattern in websocket_urlpatterns}

    assert pages - {row.operation for row in PAGES.values()} - NOT_A_SCREEN == set()
    assert sockets - {row.operation for row in SOCKETS.values()} == set()


# Routes that are steps of a page's form, a sign-out, the icon, or the admin's own ("admin/").
NOT_A_SCREEN = {"logout/", "jsi18n/", "favicon.ico"}


def _routes(resolver: URLResolver, prefix: str = "") -> set[str]:
    found: set[str] = set()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver) and not route.startswith("admin/"):
            found |= _routes(entry, route)
        elif isinstance(entry, URLPattern) or route.startswith("admin/"):
            found.add(route if route else "/")
    return found


def test_the_visit_link_shows_no_one_else() -> None:
    world = World()
    other = factories.appointment(
        world.doctor, factories.patient(), world.visit.start + timedelta(minutes=30)
    )
    body = world.client("visitor").get(f"/api/live/visit/{visit_links.token_for(other.pk)}/")

    answer = body.json()
    # no ids, no names: the visit's state, its place, and what its patient is told
    assert set(answer) == {"type", "status", "start", "queue", "asked_to_move", "reason"}
    assert set(answer["queue"]) == {"place", "position", "waiting_since", "expected_call"}
    assert str(world.visit.pk) not in body.content.decode()


def test_an_unverified_doctor_books_and_sees_slots_as_a_patient_would() -> None:
    """Staff see slots inside the booking notice; a doctor who signed up a minute ago does not."""
    world = World()
    schedule = world.doctor.schedules.get()
    schedule.min_notice_minutes = 3 * 24 * 60  # bookings close three days ahead
    schedule.save()
    tomorrow = (datetime.now(ZoneInfo(world.clinic.timezone)) + timedelta(days=1)).date()

    def slots_tomorrow(role: str) -> int:
        answer = world.client(role).get(
            f"/api/doctors/{world.doctor.pk}/slots/",
            {"clinic": world.clinic.pk, "from": tomorrow.isoformat(), "to": tomorrow.isoformat()},
        )
        return len(answer.json()["slots"])

    assert slots_tomorrow("unverified doctor") == slots_tomorrow("patient") == 0
    assert slots_tomorrow("desk") > 0
