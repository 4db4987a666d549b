"""Doctors' photos: whatever was uploaded is decoded by Pillow, judged by what it holds (never
its name or declared type), and stored as a new, small WebP with nothing of the original's
metadata (EXIF may hold where and when a photo was taken)."""

from __future__ import annotations

import io
import uuid
import warnings

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

from scheduler.domain import profiles
from scheduler.domain.errors import InvalidInput
from scheduler.domain.messages import gettext_noop

FOLDER = "doctors"
CONTENT_TYPE = "image/webp"


def _refused() -> InvalidInput:
    return InvalidInput(gettext_noop("Upload a photo as JPEG, PNG or WebP."), field="photo")


def prepared(content: bytes) -> bytes:
    """The photo as it is kept: upright (as the camera held it), at most PHOTO_SIDE pixels a
    side, WebP. InvalidInput(field="photo") for anything else or anything too large."""
    profiles.check_photo_size(len(content))
    try:
        with warnings.catch_warnings():
            # Pillow only warns of an image up to twice its own limit: refused here too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=profiles.PHOTO_FORMATS) as image:
                width, height = image.size
                if width * height > profiles.PHOTO_MAX_PIXELS:
                    raise InvalidInput(
                        gettext_noop("The photo is too large: at most %(pixels)s million pixels."),
                        field="photo",
                        params={"pixels": profiles.PHOTO_MAX_PIXELS // 1_000_000},
                    )
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (
        OSError,  # no image Pillow knows (UnidentifiedImageError), or one cut short or corrupt
        SyntaxError,  # some decoders' word for a corrupt header
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise _refused() from None
    upright.thumbnail((profiles.PHOTO_SIDE, profiles.PHOTO_SIDE), Image.Resampling.LANCZOS)
    if upright.mode not in ("RGB", "RGBA"):
        upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
    out = io.BytesIO()
    upright.save(out, format="WEBP", quality=85)  # no exif= given: none is written
    return out.getvalue()


def store(content: bytes) -> str:
    """The stored name of the prepared photo: random, so nobody guesses another's."""
    return default_storage.save(f"{FOLDER}/{uuid.uuid4().hex}.webp", ContentFile(content))


def delete(name: str) -> None:
    if name:
        default_storage.delete(name)


def read(name: str) -> tuple[bytes, str] | None:
    """The stored photo and its content type, judged by its content (a photo an admin put
    there by hand is no WebP of ours); None if it is gone or no photo."""
    try:
        with default_storage.open(name, "rb") as stored:
            data: bytes = stored.read(profiles.PHOTO_MAX_BYTES + 1)
    except FileNotFoundError:
        return None
    try:
        with Image.open(io.BytesIO(data), formats=profiles.PHOTO_FORMATS) as image:
            kind = image.format
    except OSError:  # UnidentifiedImageError included
        return None
    return data, Image.MIME[kind] if kind else CONTENT_TYPE
