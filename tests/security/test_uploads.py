"""Upload attacks on the proposal photo upload: polyglots, SVG with script, HTML in disguise,
decompression bombs, oversize files, hostile file names. Only re-encoded pixels are kept."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from portal.proposals.models import ProposalPhoto
from tests.security import sweep
from tests.security import world as w

SCRIPT = b"<script>alert(1)</script><?php system($_GET['c']); ?>"


def png_header_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A tiny file whose header claims billions of pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def jpeg_with_comment() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(out, "JPEG", comment=SCRIPT, exif=b"Exif\x00\x00" + SCRIPT)
    return out.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
REFUSED = {
    "svg-with-script": ("gambar.svg", SVG, "image/svg+xml"),
    "svg-named-png": ("gambar.png", SVG, "image/png"),
    "html-named-jpg": ("foto.jpg", b"<!doctype html><html>" + SCRIPT + b"</html>", "image/jpeg"),
    "gif": ("animasi.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;" + SCRIPT, "image/gif"),
    "decompression-bomb": ("bom.png", png_header_bomb(), "image/png"),
    "oversize": ("besar.png", w.png() + b"\0" * (5 * 1024 * 1024), "image/png"),
    "empty": ("kosong.png", b"", "image/png"),
    "truncated-png": ("rusak.png", w.png()[:40], "image/png"),
}


async def _upload(world: w.World, files: list[tuple[str, tuple[str, bytes, str]]]):  # type: ignore[no-untyped-def]
    return await world.clients["owner"].post(f"/proposals/{world.ids['draft']}/photos", files=files,
                                             data={"alt": "foto"}, headers={"X-CSRF-Token": world.tokens["owner"]})


def _stored_files(world: w.World, app) -> set[str]:  # type: ignore[no-untyped-def]
    root = app.state.services.settings.media_dir
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("attack", sorted(REFUSED))
async def test_hostile_files_are_refused_and_nothing_is_kept(app, attack: str) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset({"proposals"}))
    files_before = _stored_files(world, app)
    async with w.logged_in(app, world):
        r = await _upload(world, [("photos", REFUSED[attack])])
    assert r.status_code in (413, 422), r.status_code
    assert not sweep.leaks(r.text)
    assert await ProposalPhoto.filter(proposal_id=world.ids["draft"]).count() == 1  # the world's own photo
    assert _stored_files(world, app) == files_before


@pytest.mark.parametrize("payload", ["polyglot-png", "jpeg-comment"])
async def test_polyglots_are_reencoded_to_pixels_only(app, payload: str) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset({"proposals"}))
    content = w.png() + SCRIPT if payload == "polyglot-png" else jpeg_with_comment()
    async with w.logged_in(app, world):
        r = await _upload(world, [("photos", ("x.png", content, "text/html"))])
        assert r.status_code == 303
        photo = await ProposalPhoto.filter(proposal_id=world.ids["draft"]).order_by("-id").first()
        assert photo is not None and photo.content_type in ("image/png", "image/jpeg")
        served = await world.clients["owner"].get(f"/proposals/{world.ids['draft']}/photos/{photo.id}")
    assert served.status_code == 200
    assert served.headers["content-type"] in ("image/png", "image/jpeg")
    assert served.headers["x-content-type-options"] == "nosniff"
    assert b"<script" not in served.content and b"<?php" not in served.content
    Image.open(io.BytesIO(served.content)).verify()


@pytest.mark.parametrize("name", ["../../../../etc/passwd.png", "..\\..\\windows\\win.ini.png", "/tmp/abs.png",
                                  "foto\x00.php.png", ".htaccess", "CON.png", "a" * 600 + ".png"])
async def test_hostile_file_names_never_reach_the_disk(app, name: str) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset({"proposals"}))
    media = app.state.services.settings.media_dir
    outside_before = {p.name for p in media.parent.iterdir()}
    async with w.logged_in(app, world):
        r = await _upload(world, [("photos", (name, w.png(), "image/png"))])
    assert r.status_code in (303, 422)
    for photo in await ProposalPhoto.filter(proposal_id=world.ids["draft"]):
        assert "/" not in photo.filename and "\\" not in photo.filename and ".." not in photo.filename
        assert photo.filename.rsplit(".", 1)[-1] in ("png", "jpg", "webp")
    assert {p.name for p in media.parent.iterdir()} == outside_before
    assert all(media in p.parents for p in media.rglob("*"))


async def test_more_files_than_allowed_is_a_clean_4xx(app) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset({"proposals"}))
    async with w.logged_in(app, world):
        r = await _upload(world, [("photos", (f"{n}.png", w.png(), "image/png")) for n in range(6)])
    assert 400 <= r.status_code < 500
    assert await ProposalPhoto.filter(proposal_id=world.ids["draft"]).count() <= 3
