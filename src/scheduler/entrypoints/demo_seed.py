"""The demo clinic: two clinics, six doctors in four specialties, twenty patients, a desk.

Seeding is skipped when the demo admin exists, so `scheduler demo` can be run again safely.
Bookings go through the use cases, so they carry history and events like real ones.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, time, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from django.db import transaction

from scheduler.adapters import account_tokens
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus, directory
from scheduler.domain.errors import DomainError
from scheduler.domain.model import Actor, Role
from scheduler.services.commands import (
    BookAppointment,
    ConfirmAppointment,
    RegisterUser,
    ReplaceSchedule,
    UpdateProfile,
    VerifyDoctor,
    VerifyEmail,
    every_week,
)
from scheduler.services.messagebus import MessageBus

PASSWORD = "nobat-demo"
TEHRAN = "Asia/Tehran"
WORKDAYS = (5, 6, 0, 1, 2, 3)  # Saturday to Thursday; Friday is the weekend
SEEDER = Actor(user_id=0, role=Role.ADMIN)  # the seed acts with an admin's rights

LOGINS_HELP = f"""Demo logins (password for all: {PASSWORD}):
  admin         admin (also /admin/)
  desk          receptionist at Nobat Tehran
  dr.ahmadi     doctor (cardiology, works in Tehran and Shiraz)
  dr.karimi     doctor who confirms requests by hand, and takes no new patients
  patient1 ... patient20 (patient1 is one of dr.karimi's: they can send him a request)
"""

# name, address, city, latitude, longitude, phone (E.164, as the admin keeps it)
CLINICS = [
    ("Nobat Tehran", "12 Vali-Asr St", "Tehran", 35.7219, 51.3347, "+982188776655"),
    ("Nobat Shiraz", "5 Zand Blvd", "Shiraz", 29.6100, 52.5425, "+987132345678"),
]
SPECIALTIES = [
    ("cardiology", "Cardiology", "قلب و عروق"),
    ("dermatology", "Dermatology", "پوست"),
    ("pediatrics", "Pediatrics", "کودکان"),
    ("general-practice", "General practice", "پزشک عمومی"),
]
# username, first, last, specialty, clinic indexes, confirms requests by hand
DOCTORS = [
    ("dr.ahmadi", "Sara", "Ahmadi", "cardiology", (0, 1), False),
    ("dr.karimi", "Reza", "Karimi", "cardiology", (0,), True),
    ("dr.hosseini", "Maryam", "Hosseini", "dermatology", (0,), False),
    ("dr.rahimi", "Ali", "Rahimi", "pediatrics", (1,), False),
    ("dr.moradi", "Neda", "Moradi", "pediatrics", (0,), False),
    ("dr.jafari", "Omid", "Jafari", "general-practice", (1,), False),
]
# What each doctor says on their page (through UpdateProfile, as the doctor would).
DOCTOR_PAGES: dict[str, dict[str, object]] = {
    "dr.ahmadi": {
        "sex": "female",
        "bio": "Cardiologist trained at Tehran University of Medical Sciences. Heart rhythm "
        "problems, high blood pressure and check-ups before sport.",
        "years_of_experience": 14,
        "languages": ("fa", "en"),
        "consultation_fee": 4_500_000,
    },
    "dr.karimi": {
        "sex": "male",
        "bio": "Heart failure and care after heart surgery. I answer each request myself.",
        "years_of_experience": 22,
        "languages": ("fa", "az", "tr"),
        "consultation_fee": 5_000_000,
        "accepts_new_patients": False,
    },
    "dr.hosseini": {
        "sex": "female",
        "bio": "Skin, hair and nails, for adults and teenagers: acne, eczema, moles.",
        "years_of_experience": 9,
        "languages": ("fa", "en", "fr"),
        "consultation_fee": 3_500_000,
    },
    "dr.rahimi": {
        "sex": "male",
        "bio": "Children from birth to 16: growth, vaccines, coughs and fevers.",
        "years_of_experience": 17,
        "languages": ("fa", "ar"),
        "consultation_fee": 3_000_000,
    },
    "dr.moradi": {
        "sex": "female",
        "bio": "Paediatrician; newborns and allergies in children.",
        "years_of_experience": 6,
        "languages": ("fa", "en", "ckb"),
        "consultation_fee": 3_000_000,
    },
    "dr.jafari": {
        "sex": "male",
        "bio": "Family doctor: the first visit for anything, and the long view of your health.",
        "years_of_experience": 11,
        "languages": ("fa",),
        "consultation_fee": 0,
    },
}
BLOOD_GROUPS = ["O+", "A+", "B+", "AB+", "O-", "A-"]
FIRST_NAMES = ["Arash", "Leila", "Kaveh", "Shirin", "Babak", "Mina", "Dariush", "Parisa"]
LAST_NAMES = ["Tehrani", "Rostami", "Kazemi", "Sadeghi", "Ebrahimi", "Nazari", "Ghasemi"]


def seed(*, out: TextIO) -> None:
    if rows.User.objects.filter(username="admin").exists():
        out.write("Demo data is already there.\n")
        return
    with transaction.atomic():
        _people_and_places()
    booked = _bookings() + _karimis_own_patient()
    _close_lists()
    # The search lists doctors by their next free slot: filled now, not only once a relay
    # has caught up with the seed's events (`seed-demo` runs none).
    directory().rebuild()
    out.write(f"Seeded the demo clinic with {booked} appointments.\n")


def _people_and_places() -> None:
    clinics = [
        rows.Clinic.objects.create(
            name=name,
            address=address,
            city=city,
            phone=phone,
            latitude=lat,
            longitude=lon,
            timezone=TEHRAN,
            language="fa",
        )
        for name, address, city, lat, lon, phone in CLINICS
    ]
    for slug, name, name_fa in SPECIALTIES:
        rows.Specialty.objects.create(slug=slug, name=name, name_fa=name_fa)
    _user("admin", "Nobat", "Admin", Role.ADMIN, is_staff=True, is_superuser=True)
    rows.Receptionist.objects.create(
        user=_user("desk", "Nasrin", "Akbari", Role.RECEPTIONIST), clinic=clinics[0]
    )
    bus = build_bus()
    for n, (username, first, last, specialty, clinic_ids, by_hand) in enumerate(DOCTORS, 1):
        at = [clinics[i] for i in clinic_ids]
        user_id = bus.handle(
            RegisterUser(
                role=Role.DOCTOR,
                username=username,
                password=PASSWORD,
                email=f"{username}@nobat.example",
                first_name=first,
                last_name=last,
                specialty=specialty,
                licence_number=f"MC-{10000 + n}",
                clinic_id=at[0].pk,
            )
        )
        _confirm_email(bus, user_id)
        doctor = rows.Doctor.objects.get(user_id=user_id)
        doctor.clinics.add(*at[1:])  # a second practice: no use case adds one yet
        bus.handle(VerifyDoctor(actor=SEEDER, doctor_id=doctor.pk))
        as_doctor = Actor(user_id, Role.DOCTOR, doctor_id=doctor.pk)
        # A closed list is closed after the week's bookings (_close_lists): until then these
        # patients book as the doctor's own, and a doctor confirming by hand gets requests.
        page = {k: v for k, v in DOCTOR_PAGES[username].items() if k != "accepts_new_patients"}
        bus.handle(UpdateProfile(actor=as_doctor, **page))  # type: ignore[arg-type]
        # A doctor at two clinics splits the week between them.
        for index, clinic in enumerate(at):
            days = WORKDAYS[index :: len(at)]
            _schedule(doctor, clinic, days, requires_approval=by_hand)
    for n in range(1, 21):
        patient_user_id = bus.handle(
            RegisterUser(
                role=Role.PATIENT,
                username=f"patient{n}",
                password=PASSWORD,
                email=f"patient{n}@nobat.example",
                first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
                last_name=LAST_NAMES[n % len(LAST_NAMES)],
                phone=f"+98912{n:07d}",
            )
        )
        _confirm_email(bus, patient_user_id)
        if n % 4:  # most patients filled in their record; some did not
            bus.handle(
                UpdateProfile(
                    actor=Actor(patient_user_id, Role.PATIENT),
                    date_of_birth=date(1950 + 3 * n, 1 + n % 12, 1 + n % 28),
                    sex="female" if n % 2 else "male",
                    blood_group=BLOOD_GROUPS[n % len(BLOOD_GROUPS)],
                    emergency_contact_name=f"{FIRST_NAMES[(n + 3) % len(FIRST_NAMES)]} "
                    f"{LAST_NAMES[n % len(LAST_NAMES)]}",
                    emergency_contact_phone=f"+98935{n:07d}",
                )
            )


def _confirm_email(bus: MessageBus, user_id: int) -> None:
    """As if each demo person had followed the link their sign-up mailed them: a reset link
    goes to a confirmed address only."""
    user = rows.User.objects.get(pk=user_id)
    bus.handle(VerifyEmail(token=account_tokens.verification_token_of(user)))


def _user(username: str, first: str, last: str, role: Role, **extra: object) -> rows.User:
    return rows.User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=first,
        last_name=last,
        email=f"{username}@nobat.example",
        email_verified=True,
        role=role.value,
        **extra,
    )


def _schedule(
    doctor: rows.Doctor, clinic: rows.Clinic, days: tuple[int, ...], *, requires_approval: bool
) -> None:
    hours, breaks = every_week(days, hours=(time(10), time(17)), breaks=[(time(13), time(14))])
    build_bus().handle(
        ReplaceSchedule(
            actor=SEEDER,
            doctor_id=doctor.pk,
            clinic_id=clinic.pk,
            hours=hours,
            breaks=breaks,
            requires_approval=requires_approval,
        )
    )


def _close_lists() -> None:
    bus = build_bus()
    for username, page in DOCTOR_PAGES.items():
        if page.get("accepts_new_patients") is False:
            doctor = rows.Doctor.objects.get(user__username=username)
            as_doctor = Actor(doctor.user_id, Role.DOCTOR, doctor_id=doctor.pk)
            bus.handle(UpdateProfile(actor=as_doctor, accepts_new_patients=False))


def _bookings() -> int:
    """About thirty bookings from today over the coming week, made by the patients themselves."""
    chooser = random.Random(1404)
    bus = build_bus()
    patients = list(rows.Patient.objects.order_by("pk"))
    schedules = list(rows.Schedule.objects.select_related("clinic").order_by("pk"))
    today = datetime.now(ZoneInfo(TEHRAN)).date()
    booked = 0
    for _ in range(30):
        schedule = chooser.choice(schedules)
        patient = chooser.choice(patients)
        day = today + timedelta(days=chooser.randint(0, 7))  # today too: the desk has a day
        hour = chooser.choice([10, 11, 12, 14, 15, 16])
        start = datetime.combine(
            day, time(hour, chooser.choice([0, 30])), ZoneInfo(schedule.clinic.timezone)
        )
        try:
            bus.handle(
                BookAppointment(
                    actor=Actor(patient.user_id, Role.PATIENT, patient_id=patient.pk),
                    doctor_id=schedule.doctor_id,
                    clinic_id=schedule.clinic_id,
                    start=start,
                    reason=chooser.choice(["Check-up", "Follow-up", "Consultation", "Results"]),
                )
            )
        except DomainError:
            continue  # a day off, or already taken: the demo just has fewer bookings
        booked += 1
    return booked


def _karimis_own_patient() -> int:
    """patient1's visit with dr.karimi, which he confirmed: once his list is closed
    (_close_lists), patient1 is the one who can still send him a request to try out."""
    bus = build_bus()
    patient = rows.Patient.objects.get(user__username="patient1")
    doctor = rows.Doctor.objects.get(user__username="dr.karimi")
    schedule = rows.Schedule.objects.select_related("clinic").get(doctor=doctor)
    zone = ZoneInfo(schedule.clinic.timezone)
    today = datetime.now(zone).date()
    for day, hour in itertools.product(range(1, 15), (10, 11, 12, 14, 15, 16)):
        start = datetime.combine(today + timedelta(days=day), time(hour), zone)
        try:
            booked = bus.handle(
                BookAppointment(
                    actor=Actor(patient.user_id, Role.PATIENT, patient_id=patient.pk),
                    doctor_id=doctor.pk,
                    clinic_id=schedule.clinic_id,
                    start=start,
                    reason="Follow-up",
                )
            )
        except DomainError:
            continue  # not a working day of his, or that hour is taken
        as_doctor = Actor(doctor.user_id, Role.DOCTOR, doctor_id=doctor.pk)
        bus.handle(ConfirmAppointment(actor=as_doctor, appointment_id=booked.appointment_id))
        return 1
    return 0
