"""Documents a patient attaches to an appointment: a referral, a lab result, a scan.

What a file is comes from its first bytes, never from its name or the type a browser declares
(anyone can name an executable "scan.pdf"). The name kept is the patient's, cleaned so that it
can neither climb out of a folder, hide its real end behind a right-to-left override, nor carry
control characters into a page or a header; its extension is the sniffed kind's.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from scheduler.domain.errors import InvalidInput
from scheduler.domain.messages import gettext_noop

# A phone photo of a letter or a scanned report, with room to spare; more is a video or a
# whole archive, which the visit does not need.
MAX_BYTES = 10 * 1024 * 1024
# Enough for a referral, results and a few photos; more is someone filling the disk.
MAX_PER_APPOINTMENT = 10
# A file's name as shown, extension included.
MAX_NAME = 120
# A PDF ends with "%%EOF", maybe followed by a line end or a little padding some writers add.
PDF_TAIL = 1024


class Kind(StrEnum):
    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"


CONTENT_TYPES: dict[Kind, str] = {
    Kind.PDF: "application/pdf",
    Kind.JPEG: "image/jpeg",
    Kind.PNG: "image/png",
}
EXTENSIONS: dict[Kind, str] = {Kind.PDF: ".pdf", Kind.JPEG: ".jpg", Kind.PNG: ".png"}

# Each kind's signature at offset 0. A PDF reader accepts "%PDF-" anywhere in the first
# kilobyte; we do not, so that no HTML page or other file with a PDF inside passes for one.
_MAGIC: tuple[tuple[bytes, Kind], ...] = (
    (b"%PDF-", Kind.PDF),
    (b"\x89PNG\r\n\x1a\n", Kind.PNG),
    (b"\xff\xd8\xff", Kind.JPEG),
)

# Zero-width non-joiner: part of Persian spelling (می‌خواهم), the one format character kept.
_ZWNJ = "\u200c"
# Refused by Windows in a name, and a path separator anywhere.
_UNSAFE = frozenset('<>:"|?*/\\')
_FALLBACK_STEM = "document"


@dataclass(frozen=True, kw_only=True)
class Document:
    """A file attached to an appointment, as kept: ``stored_name`` is where the private storage
    holds it (random, never shown), ``uploaded_by`` the user who attached it."""

    id: int
    appointment_id: uuid.UUID
    uploaded_by: int
    name: str
    kind: Kind
    size: int
    sha256: str
    stored_name: str
    uploaded_at: datetime


def _refused() -> InvalidInput:
    return InvalidInput(gettext_noop("Attach a PDF, JPEG or PNG file."), field="file")


def check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise InvalidInput(
            gettext_noop("A document is at most %(megabytes)s MB."),
            field="file",
            params={"megabytes": MAX_BYTES // (1024 * 1024)},
        )


def kind_of(content: bytes) -> Kind:
    """The file's kind judged by its content, or InvalidInput(field="file") when it is empty,
    too large, or none of the kinds (a PDF also needs its end: a cut-off upload is refused)."""
    if not content:
        raise InvalidInput(gettext_noop("The file is empty."), field="file")
    check_size(len(content))
    for magic, kind in _MAGIC:
        if content.startswith(magic):
            if kind is Kind.PDF and b"%%EOF" not in content[-PDF_TAIL:]:
                raise _refused()
            return kind
    raise _refused()


def file_name(given: str, kind: Kind) -> str:
    """The name shown and offered on download: the last part of ``given`` (any folder dropped),
    without control, bidirectional or other invisible characters (ZWNJ stays), spaces
    collapsed, at most MAX_NAME characters, ending in the kind's own extension."""
    last = given.replace("\\", "/").rsplit("/", 1)[-1]
    kept = []
    for char in unicodedata.normalize("NFC", last):
        category = unicodedata.category(char)
        if char == _ZWNJ or not category.startswith(("C", "Z")):
            kept.append("_" if char in _UNSAFE else char)
        elif category.startswith("Z") or char in "\t\n\r":
            kept.append(" ")  # spaces of any kind (and line breaks) as one plain space
    text = " ".join("".join(kept).split())
    stem, dot, extension = text.rpartition(".")
    if dot and 0 < len(extension) <= 5 and extension.isalnum():
        text = stem  # the sniffed kind says what the file is, not the name it came with
    extension = EXTENSIONS[kind]
    stem = text.strip(" ._" + _ZWNJ)[: MAX_NAME - len(extension)].rstrip(" .")
    return (stem or _FALLBACK_STEM) + extension


def ensure_room(count: int) -> None:
    """One more document fits on the appointment."""
    if count >= MAX_PER_APPOINTMENT:
        raise InvalidInput(
            gettext_noop("An appointment holds at most %(limit)s documents."),
            field="file",
            params={"limit": MAX_PER_APPOINTMENT},
        )
