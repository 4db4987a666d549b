"""Real image files for the photo tests, made with Pillow in memory."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def image_bytes(
    kind: str, size: tuple[int, int] = (64, 48), *, colour: str = "teal", exif_orientation: int = 0
) -> bytes:
    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    options: dict[str, object] = {}
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation  # Orientation
        exif[0x010F] = "Camera maker"  # Make: metadata that must not survive
        options["exif"] = exif.tobytes()
    image.save(out, format=kind, **options)
    return out.getvalue()


def bomb_png(width: int = 40_000, height: int = 40_000) -> bytes:
    """A tiny PNG whose header claims a huge image: decoding it would take gigabytes."""
    data = bytearray(image_bytes("PNG", (1, 1)))
    # The IHDR chunk follows the 8-byte signature: length (4), "IHDR" (4), width, height...
    start = 8 + 4
    body = bytes(data[start : start + 4 + 13])
    body = body[:4] + struct.pack(">II", width, height) + body[12:]
    data[start : start + 17] = body
    data[start + 17 : start + 21] = struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    return bytes(data)


def opened(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image
