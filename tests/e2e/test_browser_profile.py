"""Real Chromium on a real server: a patient fills in their record and a doctor their page and
photo, by keyboard, on a desktop and a phone, in English and Persian; the doctor's page shows
the header patients see. Screenshots go to test-artifacts/.

Fields are found by their names (the form's ids), not their labels: the Persian labels come
with the catalogs the lead compiles."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from scheduler.adapters.notify.models import ContactPreference
from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.browser import open_page, shoot, sign_in
from tests.images import image_bytes
from tests.servers import Server

pytestmark = pytest.mark.django_db(transaction=True)


def type_into(page: Page, selector: str, text: str) -> None:
    field = page.locator(selector)
    field.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def save(page: Page) -> None:
    page.locator(".save-bar button").focus()
    page.keyboard.press("Enter")


def test_a_patient_fills_in_their_record_by_keyboard(
    server: Server, browser: Browser, contexts: list[BrowserContext], patient: rows.Patient
) -> None:
    page = open_page(browser, contexts, server)
    sign_in(page, server, patient.user, "/me/profile/")
    expect(page.get_by_role("heading", name="My profile")).to_be_visible()
    for label in ("Date of birth", "Blood group", "Emergency contact's phone", "By SMS"):
        expect(page.get_by_label(label)).to_be_visible()  # every field has its label

    page.locator("#id_date_of_birth").fill("1990-03-21")
    page.locator("#id_sex").select_option("female")
    type_into(page, "#id_address", "12 Vali-Asr St, Tehran")
    type_into(page, "#id_emergency_contact_name", "Reza Ahmadi")
    type_into(page, "#id_emergency_contact_phone", "not a number")
    page.locator("#id_blood_group").select_option("O-")
    page.locator("#id_sms_messages").focus()
    page.keyboard.press("Space")  # no SMS
    save(page)

    problems = page.locator("#problems")
    expect(problems).to_be_focused()  # what to correct is where the eye is
    expect(page.locator("#id_emergency_contact_phone_error")).to_contain_text("phone number")
    expect(page.locator("#id_emergency_contact_phone")).to_have_attribute("aria-invalid", "true")
    shoot(page, "profile-patient-error")
    patient.user.refresh_from_db()
    assert patient.user.blood_group == ""  # nothing was saved

    type_into(page, "#id_emergency_contact_phone", "0912 000 0002")
    save(page)

    expect(page.locator("#saved")).to_have_text("Your profile is saved.")
    expect(page.locator("#saved")).to_be_focused()
    expect(page.locator("#id_emergency_contact_phone")).to_have_value("+989120000002")
    shoot(page, "profile-patient-saved")
    patient.user.refresh_from_db()
    user = patient.user
    assert (user.date_of_birth, user.sex, user.blood_group) == (date(1990, 3, 21), "female", "O-")
    preference = ContactPreference.objects.get(user=user)
    assert (preference.email, preference.sms) == (True, False)


def test_a_persian_patient_picks_a_jalali_birth_date_on_a_phone(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    patient = factories.patient(language="fa")
    page = open_page(browser, contexts, server, phone=True, locale="fa-IR")
    sign_in(page, server, patient.user, "/me/profile/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")

    born = page.locator(".field:has(#id_date_of_birth) .date-text")
    born.focus()
    page.keyboard.type("۱۳۶۹/۰۱/۰۱")  # Nowruz 1369: 21 March 1990
    page.locator("#id_blood_group").select_option("A+")
    shoot(page, "profile-patient-fa-phone")
    save(page)

    expect(page.locator("#saved")).to_be_visible()
    expect(page.locator(".field:has(#id_date_of_birth) .date-text")).to_have_value("۱۳۶۹/۰۱/۰۱")
    patient.user.refresh_from_db()
    assert patient.user.date_of_birth == date(1990, 3, 21)
    shoot(page, "profile-patient-fa-phone-saved")


def test_a_doctor_writes_their_page_and_uploads_a_photo(
    server: Server,
    browser: Browser,
    contexts: list[BrowserContext],
    tmp_path: Path,
) -> None:
    clinic = factories.clinic()
    rows.Clinic.objects.filter(pk=clinic.pk).update(latitude=35.7219, longitude=51.3347)
    doctor = factories.doctor(clinic)
    rows.User.objects.filter(pk=doctor.user_id).update(first_name="Sara", last_name="Ahmadi")
    page = open_page(browser, contexts, server)
    sign_in(page, server, doctor.user, "/me/profile/")
    expect(page.locator("#id_first_name")).to_be_disabled()  # the licence's name
    expect(page.locator(".photo-card .avatar.initials")).to_be_visible()

    type_into(page, "#id_bio", "Cardiologist. Heart rhythm problems and check-ups before sport.")
    type_into(page, "#id_years_of_experience", "14")
    type_into(page, "#id_consultation_fee", "4500000")
    for code in ("fa", "en"):
        page.locator(f'input[name="languages"][value="{code}"]').focus()
        page.keyboard.press("Space")
    page.locator("#id_sex").select_option("female")
    save(page)
    expect(page.locator("#saved")).to_have_text("Your profile is saved.")

    bogus = tmp_path / "photo.png"  # a text file with a picture's name
    bogus.write_text("not a picture")
    page.locator("#photo-file").set_input_files(str(bogus))
    page.get_by_role("button", name="Upload the photo").press("Enter")
    expect(page.locator("#photo-error")).to_contain_text("JPEG, PNG or WebP")
    expect(page.locator("#photo-file")).to_be_focused()
    shoot(page, "profile-doctor-photo-refused")

    real = tmp_path / "portrait.jpg"  # a PNG, whatever its name says
    real.write_bytes(image_bytes("PNG", (900, 1200), colour="#2f6f8f"))
    page.locator("#photo-file").set_input_files(str(real))
    page.get_by_role("button", name="Upload the photo").press("Enter")
    expect(page.locator("#saved")).to_have_text("Your photo is saved.")
    photo = page.locator(".photo-card img.avatar")
    expect(photo).to_be_visible()
    # Visible is not loaded: on a busy machine the new picture's bytes come a moment later.
    photo.evaluate("img => img.decode()")
    assert photo.evaluate("img => img.naturalWidth") == 384  # 900 x 1200 -> 384 x 512
    shoot(page, "profile-doctor-saved")

    doctor.refresh_from_db()
    assert (doctor.years_of_experience, doctor.consultation_fee, doctor.languages) == (
        14,
        4_500_000,
        "fa en",
    )

    visitor = open_page(browser, contexts, server)
    visitor.goto(f"/doctors/{doctor.pk}/")
    header = visitor.locator(".doctor-profile")
    expect(header.locator("img.avatar")).to_be_visible()
    expect(header).to_contain_text("Experience: 14 years")
    expect(header).to_contain_text("Persian, English")
    expect(header).to_contain_text("4,500,000 rials")
    expect(header).to_contain_text(doctor.licence_number)
    expect(header).to_contain_text("Accepts new patients")
    expect(header.get_by_role("link", name="Map")).to_have_attribute(
        "href",
        "https://www.openstreetmap.org/?mlat=35.721900&mlon=51.334700#map=17/35.721900/51.334700",
    )
    expect(visitor.locator("#grid")).to_be_visible()  # the week's slots stay below
    shoot(visitor, "doctor-page-header")

    phone = open_page(browser, contexts, server, phone=True)
    phone.goto(f"/doctors/{doctor.pk}/")
    expect(phone.locator(".doctor-profile img.avatar")).to_be_visible()
    shoot(phone, "doctor-page-header-phone")

    own_phone = open_page(browser, contexts, server, phone=True)
    sign_in(own_phone, server, doctor.user, "/me/profile/")
    expect(own_phone.locator(".save-bar button")).to_be_visible()
    shoot(own_phone, "profile-doctor-phone")


def test_a_persian_doctor_page_says_it_in_persian_digits(
    server: Server, browser: Browser, contexts: list[BrowserContext]
) -> None:
    clinic = factories.clinic(language="fa")
    doctor = factories.doctor(clinic)
    rows.Doctor.objects.filter(pk=doctor.pk).update(
        years_of_experience=9, consultation_fee=3_500_000, languages="fa ar", bio="متخصص پوست"
    )
    rows.User.objects.filter(pk=doctor.user_id).update(first_name="مریم", last_name="حسینی")

    for phone in (False, True):
        page = open_page(browser, contexts, server, phone=phone, locale="fa-IR")
        page.goto(f"/doctors/{doctor.pk}/")
        header = page.locator(".doctor-profile")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(header).to_contain_text("۳٬۵۰۰٬۰۰۰")
        expect(header).to_contain_text("فارسی")
        expect(header).to_contain_text("عربی")
        expect(header.locator(".avatar.initials")).to_have_text("م\u200cح")
        shoot(page, "doctor-page-header-fa" + ("-phone" if phone else ""))
