"""Photo uploads: check, re-encode and store images so nothing of the upload survives but pixels.

* Accepted: JPEG, PNG, WebP as detected by Pillow from the bytes (the browser's content type and
  file name are ignored), at most 5 MB each.
* Decompression bombs: the pixel count is read from the header before any decoding and refused
  above MAX_PIXELS; Pillow's own DecompressionBombError (far larger images) is refused too.
* Re-encoding: the pixels are copied into a fresh image (so EXIF, GPS, XMP, ICC and comments are
  all dropped), rotated upright from the EXIF orientation first, scaled to at most 2048 px and
  saved in the same format under a random name under ``media_dir/proposals``.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # ~ a 50 MP phone photo is refused; 12-24 MP phones pass
MAX_SIDE = 2048
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
SUBDIR = "proposals"


class PhotoError(ValueError):
    """`code`: "too_large", "not_image", "format", "too_many_pixels"."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class StoredPhoto:
    filename: str
    content_type: str
    width: int
    height: int
    size: int


def reencode(data: bytes) -> tuple[bytes, str, str, int, int]:
    """Clean image bytes: (bytes, content type, extension, width, height) or PhotoError."""
    if len(data) > MAX_BYTES:
        raise PhotoError("too_large")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in FORMATS:
                raise PhotoError("format")
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise PhotoError("too_many_pixels")
            fmt = img.format
            img.load()
            upright = ImageOps.exif_transpose(img)
    except Image.DecompressionBombError as exc:
        raise PhotoError("too_many_pixels") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, PhotoError):
            raise
        raise PhotoError("not_image") from exc
    mode = "RGBA" if fmt != "JPEG" and upright.mode in ("RGBA", "LA", "P", "PA") else "RGB"
    pixels = upright.convert(mode)
    # A fresh image carries no metadata at all: only the pixel data is copied.
    clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
    clean.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "PNG":
        clean.save(out, "PNG", optimize=True)
    else:
        clean.save(out, "WEBP", quality=85)
    content_type, ext = FORMATS[fmt]
    return out.getvalue(), content_type, ext, clean.width, clean.height


def store(media_dir: Path, data: bytes) -> StoredPhoto:
    """Re-encode and write the image atomically under a generated name."""
    clean, content_type, ext, width, height = reencode(data)
    directory = media_dir / SUBDIR
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{ext}"
    tmp = directory / f".{name}.tmp"
    tmp.write_bytes(clean)
    tmp.rename(directory / name)
    return StoredPhoto(name, content_type, width, height, len(clean))


def path_of(media_dir: Path, filename: str) -> Path:
    if "/" in filename or "\\" in filename or filename.startswith("."):
        raise PhotoError("not_image")
    return media_dir / SUBDIR / filename


def remove(media_dir: Path, filename: str) -> None:
    path_of(media_dir, filename).unlink(missing_ok=True)
