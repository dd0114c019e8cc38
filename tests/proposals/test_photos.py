"""Photo uploads: metadata stripped, size and type refused with 422, served only when visible."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from portal.proposals import photos
from portal.proposals.models import ProposalPhoto
from portal.proposals import services as proposals
from tests.helpers import csrf_of, login
from tests.proposals.factories import draft, resident

GPS_IFD = 0x8825


def jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (64, 48), (200, 40, 40))
    exif = Image.Exif()
    exif[0x0110] = "Warga Test Phone"  # Model
    exif[GPS_IFD] = {1: "S", 2: (6.0, 54.0, 52.0), 3: "E", 4: (107.0, 36.0, 35.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD), "test image must carry GPS"
    return data


def png_bomb_header(width: int, height: int) -> bytes:
    """A PNG that only claims huge dimensions (IHDR) with a tiny body."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")


def test_reencode_drops_exif_and_gps() -> None:
    clean, content_type, ext, width, height = photos.reencode(jpeg_with_gps())
    assert (content_type, ext, width, height) == ("image/jpeg", "jpg", 64, 48)
    reopened = Image.open(io.BytesIO(clean))
    assert not reopened.getexif() and "exif" not in reopened.info
    assert b"Exif" not in clean and b"Warga Test Phone" not in clean


@pytest.mark.parametrize("data, code", [
    (b"%PDF-1.4 not an image", "not_image"),  # a document renamed .jpg
    (b"GIF89a" + b"\0" * 20, "not_image"),  # truncated GIF: unreadable
    (png_bomb_header(20_000, 20_000), "too_many_pixels"),  # 400 MP claimed: a decompression bomb
    (png_bomb_header(8_000, 6_000), "too_many_pixels"),  # 48 MP: above our limit, below Pillow's
    (b"\xff\xd8" + b"\0" * (photos.MAX_BYTES + 1), "too_large"),  # over 5 MB
])
def test_reencode_refuses(data: bytes, code: str) -> None:
    with pytest.raises(photos.PhotoError) as err:
        photos.reencode(data)
    assert err.value.code == code


def test_gif_is_refused_as_format() -> None:
    out = io.BytesIO()
    Image.new("P", (4, 4)).save(out, "GIF")
    with pytest.raises(photos.PhotoError) as err:
        photos.reencode(out.getvalue())
    assert err.value.code == "format"


async def _upload(client, proposal_id: int, files):  # type: ignore[no-untyped-def]
    client.cookies.set("lang", "en")
    token = csrf_of((await client.get(f"/proposals/{proposal_id}")).text)
    return await client.post(f"/proposals/{proposal_id}/photos", data={"csrf_token": token}, files=files)


async def test_upload_stores_clean_file_and_serves_it_with_its_type(client, app, settings) -> None:  # type: ignore[no-untyped-def]
    author = await resident(app.state.services, 1)
    proposal_id = await proposals.create_draft(author, draft())
    await login(client, "warga1@example.id")
    r = await _upload(client, proposal_id, [("photos", ("IMG_0001.jpg", jpeg_with_gps(), "image/jpeg"))])
    assert r.status_code == 303, r.text[:300]
    photo = await ProposalPhoto.get(proposal_id=proposal_id)
    stored = (settings.media_dir / "proposals" / photo.filename).read_bytes()
    assert photo.filename.endswith(".jpg") and "IMG_0001" not in photo.filename
    assert b"Exif" not in stored and not Image.open(io.BytesIO(stored)).getexif()
    served = await client.get(f"/proposals/{proposal_id}/photos/{photo.id}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.content == stored


async def test_upload_refuses_non_image_and_oversize_with_422(client, app) -> None:  # type: ignore[no-untyped-def]
    author = await resident(app.state.services, 1)
    proposal_id = await proposals.create_draft(author, draft())
    await login(client, "warga1@example.id")
    r = await _upload(client, proposal_id, [("photos", ("x.jpg", b"MZ\x90\x00 an exe", "image/jpeg"))])
    assert r.status_code == 422 and "not an image" in r.text
    big = b"\xff\xd8\xff" + b"\0" * (photos.MAX_BYTES + 10)
    r = await _upload(client, proposal_id, [("photos", ("big.jpg", big, "image/jpeg"))])
    assert r.status_code == 422 and "5 MB" in r.text
    assert not await ProposalPhoto.filter(proposal_id=proposal_id).exists()


async def test_at_most_three_photos(client, app) -> None:  # type: ignore[no-untyped-def]
    author = await resident(app.state.services, 1)
    proposal_id = await proposals.create_draft(author, draft())
    await login(client, "warga1@example.id")
    for _ in range(3):
        assert (await _upload(client, proposal_id, [("photos", ("a.jpg", jpeg_with_gps(), "image/jpeg"))])).status_code == 303
    r = await _upload(client, proposal_id, [("photos", ("a.jpg", jpeg_with_gps(), "image/jpeg"))])
    assert r.status_code == 422
    assert await ProposalPhoto.filter(proposal_id=proposal_id).count() == 3


async def test_other_resident_cannot_upload_to_my_draft(client, app) -> None:  # type: ignore[no-untyped-def]
    author = await resident(app.state.services, 1)
    await resident(app.state.services, 2)
    proposal_id = await proposals.create_draft(author, draft())
    await login(client, "warga2@example.id")
    token = csrf_of((await client.get("/proposals")).text)
    r = await client.post(f"/proposals/{proposal_id}/photos", data={"csrf_token": token},
                          files=[("photos", ("a.jpg", jpeg_with_gps(), "image/jpeg"))])
    assert r.status_code == 404
