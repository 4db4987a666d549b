"""The private storage of appointments' documents (the "documents" alias of STORAGES, under the
data directory, away from MEDIA_ROOT and the static files): files kept as sent, under random
names, read only by the authorized download (entrypoints.api.documents).

An image is decoded whole by Pillow before it is kept: a PNG or JPEG header on anything else,
or an image cut short, is refused; so is a decompression bomb."""

from __future__ import annotations

import io
import uuid
import warnings

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages
from PIL import Image

from scheduler.domain.documents import EXTENSIONS, Kind
from scheduler.domain.errors import InvalidInput
from scheduler.domain.messages import gettext_noop
from scheduler.domain.profiles import PHOTO_MAX_PIXELS

ALIAS = "documents"
PILLOW_FORMATS: dict[Kind, str] = {Kind.JPEG: "JPEG", Kind.PNG: "PNG"}


def storage() -> Storage:
    return storages[ALIAS]


def check_image(content: bytes, kind: Kind) -> None:
    """InvalidInput(field="file") unless Pillow decodes the whole image as ``kind``, within the
    pixels a photo may have (a phone's photo of a letter is well inside them)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=(PILLOW_FORMATS[kind],)) as image:
                width, height = image.size
                if width * height > PHOTO_MAX_PIXELS:
                    raise OSError("too many pixels")
                image.load()  # every row decoded: a cut or corrupt file raises here
    except (
        OSError,  # not this kind at all (UnidentifiedImageError), cut short, or corrupt
        SyntaxError,  # some decoders' word for a corrupt header
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise InvalidInput(
            gettext_noop("This file is damaged or is not the image it claims to be."),
            field="file",
        ) from None


class DjangoDocumentFiles:
    """The DocumentFiles port on Django's storage."""

    def keep(self, content: bytes, kind: Kind) -> str:
        if kind in PILLOW_FORMATS:
            check_image(content, kind)
        name = f"{uuid.uuid4().hex}{EXTENSIONS[kind]}"
        return storage().save(name, ContentFile(content))

    def drop(self, stored_name: str) -> None:
        storage().delete(stored_name)  # FileSystemStorage: nothing when already gone


def open_file(stored_name: str) -> File[bytes]:
    """The stored file, opened for reading; FileNotFoundError when it is gone."""
    return storage().open(stored_name, "rb")
