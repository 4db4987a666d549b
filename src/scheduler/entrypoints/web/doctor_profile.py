"""What the top of a doctor's page says about them (photo, experience, languages, fee,
licence, every clinic with a map link), in the reader's language and digits."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from scheduler.adapters.local_dates import digits, is_persian
from scheduler.adapters.orm import models as rows
from scheduler.entrypoints.languages_spoken import language_name

MAP_ZOOM = 17  # a street and its corners


@dataclass(frozen=True)
class Place:
    clinic: rows.Clinic
    map_url: str  # "" without coordinates


@dataclass(frozen=True)
class DoctorHeader:
    doctor: rows.Doctor
    languages: list[str]
    fee: str  # "" when the doctor did not say
    places: list[Place]


def grouped(amount: int, language: str) -> str:
    """1500000 as 1,500,000; in Persian ۱٬۵۰۰٬۰۰۰ (the Arabic thousands separator)."""
    text = f"{amount:,}"
    if is_persian(language):
        text = text.replace(",", "\u066c")
    return digits(text, language)


def map_url(clinic: rows.Clinic) -> str:
    if clinic.latitude is None or clinic.longitude is None:
        return ""
    query = urlencode({"mlat": f"{clinic.latitude:.6f}", "mlon": f"{clinic.longitude:.6f}"})
    return f"https://www.openstreetmap.org/?{query}#map={MAP_ZOOM}/{clinic.latitude:.6f}/{clinic.longitude:.6f}"


def header(doctor: rows.Doctor) -> DoctorHeader:
    language = get_language() or settings.LANGUAGE_CODE
    fee = ""
    if doctor.consultation_fee == 0:
        fee = _("Free visit")
    elif doctor.consultation_fee is not None:
        amount = grouped(doctor.consultation_fee, language)
        if doctor.fee_currency == "IRR":
            fee = _("%(amount)s rials") % {"amount": amount}
        else:
            fee = f"{amount} {doctor.fee_currency}"
    return DoctorHeader(
        doctor=doctor,
        languages=[language_name(code) for code in doctor.languages.split()],
        fee=fee,
        places=[Place(clinic, map_url(clinic)) for clinic in doctor.clinics.all()],
    )
