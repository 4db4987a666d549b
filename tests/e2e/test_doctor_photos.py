"""A doctor's photo: judged by what the file holds, never its name or declared type; kept
upright, small and without metadata; served by the app, to everyone once the doctor is
verified and to the doctor before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as PageClient
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from scheduler.domain import profiles
from tests import factories
from tests.e2e.conftest import Client
from tests.images import bomb_png, image_bytes, opened

pytestmark = pytest.mark.django_db

PHOTO = "/api/me/photo"


@pytest.fixture(autouse=True)
def media(settings: pytest.FixtureRequest, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    return tmp_path


def upload(
    client: APIClient, content: bytes, name: str, content_type: str = "image/jpeg"
) -> object:
    return client.put(
        PHOTO,
        {"photo": SimpleUploadedFile(name, content, content_type=content_type)},
        format="multipart",
    )


def served(doctor: rows.Doctor, viewer: rows.User | None = None) -> object:
    client = PageClient()
    if viewer is not None:
        client.force_login(viewer)
    return client.get(f"/doctors/{doctor.pk}/photo")


def test_a_png_named_jpg_is_taken_for_what_it_is(as_doctor: APIClient, doctor: rows.Doctor) -> None:
    response = upload(as_doctor, image_bytes("PNG", (1200, 800)), "me.jpg", "image/jpeg")

    assert response.status_code == 200, response.json()  # type: ignore[attr-defined]
    assert response.json()["doctor"]["photo"] == f"/doctors/{doctor.pk}/photo"  # type: ignore[attr-defined]
    photo = served(doctor)
    assert photo.status_code == 200  # type: ignore[attr-defined]
    assert photo["Content-Type"] == "image/webp"  # type: ignore[index]
    assert photo["X-Content-Type-Options"] == "nosniff"  # type: ignore[index]
    assert "public" in photo["Cache-Control"] and photo["ETag"]  # type: ignore[index]
    image = opened(photo.content)  # type: ignore[attr-defined]
    assert image.format == "WEBP" and max(image.size) == profiles.PHOTO_SIDE


def test_a_photo_comes_back_upright_and_without_its_metadata(
    as_doctor: APIClient, doctor: rows.Doctor
) -> None:
    # 90° clockwise as the camera was held: 60 wide, 30 high as stored, upright 30 x 60
    content = image_bytes("JPEG", (60, 30), exif_orientation=6)
    assert opened(content).getexif()

    assert upload(as_doctor, content, "IMG_0001.JPG").status_code == 200  # type: ignore[attr-defined]

    image = opened(served(doctor).content)  # type: ignore[attr-defined]
    assert image.size == (30, 60)
    assert not image.getexif() and "exif" not in image.info


def test_a_webp_is_welcome(as_doctor: APIClient, doctor: rows.Doctor) -> None:
    assert upload(as_doctor, image_bytes("WEBP"), "me.webp", "image/webp").status_code == 200  # type: ignore[attr-defined]
    assert opened(served(doctor).content).size == (64, 48)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"just some words, not a picture\n" * 10, "me.png"),
        (image_bytes("GIF"), "me.png"),  # a picture, of a kind we do not take
        (image_bytes("PNG")[:60], "me.png"),  # cut short
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "me.jpg"),
        (bomb_png(), "me.png"),  # 1.6 billion pixels in a few bytes
    ],
    ids=["text", "gif", "truncated", "svg", "decompression bomb"],
)
def test_what_is_no_photo_of_ours_is_a_400(
    as_doctor: APIClient, doctor: rows.Doctor, media: Path, content: bytes, name: str
) -> None:
    response = upload(as_doctor, content, name, "image/png")

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "photo" in response.json()  # type: ignore[attr-defined]
    doctor.refresh_from_db()
    assert not doctor.photo and not list(media.rglob("*.*"))


def test_more_pixels_than_a_camera_makes_are_refused_before_decoding(
    as_doctor: APIClient, doctor: rows.Doctor
) -> None:
    response = upload(as_doctor, bomb_png(8_000, 8_000), "me.png", "image/png")  # 64 million

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "million pixels" in str(response.json()["photo"])  # type: ignore[attr-defined]


def test_a_file_over_the_limit_is_refused(as_doctor: APIClient, doctor: rows.Doctor) -> None:
    content = image_bytes("PNG") + b"\0" * profiles.PHOTO_MAX_BYTES

    response = upload(as_doctor, content, "me.png", "image/png")

    assert response.status_code == 400 and "photo" in response.json()  # type: ignore[attr-defined]


def test_a_new_photo_replaces_the_old_file(
    as_doctor: APIClient,
    doctor: rows.Doctor,
    media: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    upload(as_doctor, image_bytes("PNG", colour="red"), "a.png")
    first = served(doctor)["ETag"]  # type: ignore[index]
    with django_capture_on_commit_callbacks(execute=True):  # the old file goes on commit
        upload(as_doctor, image_bytes("PNG", colour="blue"), "b.png")

    assert served(doctor)["ETag"] != first  # type: ignore[index]
    assert len(list(media.rglob("*.webp"))) == 1


def test_an_unchanged_photo_is_not_sent_again(as_doctor: APIClient, doctor: rows.Doctor) -> None:
    upload(as_doctor, image_bytes("PNG"), "a.png")
    tag = served(doctor)["ETag"]  # type: ignore[index]

    again = PageClient().get(f"/doctors/{doctor.pk}/photo", HTTP_IF_NONE_MATCH=tag)

    assert again.status_code == 304 and not again.content


def test_removing_shows_initials_again(
    as_doctor: APIClient,
    doctor: rows.Doctor,
    media: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    upload(as_doctor, image_bytes("PNG"), "a.png")

    with django_capture_on_commit_callbacks(execute=True):
        assert as_doctor.delete(PHOTO).status_code == 204
    assert served(doctor).status_code == 404  # type: ignore[attr-defined]
    assert not list(media.rglob("*.webp"))
    page = PageClient().get(f"/doctors/{doctor.pk}/")
    assert b'class="avatar initials"' in page.content


def test_an_unverified_doctors_photo_is_theirs_alone(
    client_for: Client, clinic: rows.Clinic
) -> None:
    newcomer = factories.doctor(clinic, verified=False)
    assert upload(client_for(newcomer.user), image_bytes("PNG"), "a.png").status_code == 200  # type: ignore[attr-defined]

    assert served(newcomer).status_code == 404  # type: ignore[attr-defined]
    assert served(newcomer, factories.patient().user).status_code == 404  # type: ignore[attr-defined]
    own = served(newcomer, newcomer.user)
    assert own.status_code == 200 and own["Cache-Control"] == "private, no-cache"  # type: ignore[attr-defined,index]


@pytest.mark.parametrize("role", ["patient", "receptionist", "admin"])
def test_only_doctors_have_a_photo(client_for: Client, clinic: rows.Clinic, role: str) -> None:
    user = {
        "patient": lambda: factories.patient().user,
        "receptionist": lambda: factories.receptionist(clinic).user,
        "admin": factories.admin,
    }[role]()
    client = client_for(user)

    assert upload(client, image_bytes("PNG"), "a.png").status_code == 403  # type: ignore[attr-defined]
    assert client.delete(PHOTO).status_code == 403


def test_a_visitor_uploads_nothing(visitor: APIClient) -> None:
    assert upload(visitor, image_bytes("PNG"), "a.png").status_code == 401  # type: ignore[attr-defined]
