"""Evidence photos on scorecards, under the same upload rules as proposal photos.

The checks and the re-encoding are portal.proposals.photos (JPEG/PNG/WebP detected from the
bytes, at most 5 MB, pixel-bomb guard, metadata such as GPS dropped, at most 2048 px); this
module only stores the clean bytes under ``media_dir/panels`` instead of ``proposals``.

Who: the panelist who owns the scorecard adds and removes photos while its phase is open
(like the answers); the owner and the coordinator may view them. The agency never does: a
photo can show who was at the counter, and panelists stay anonymous to the agency.
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

from tortoise.transactions import in_transaction

from portal.accounts.identity import Identity
from portal.core import audit
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.i18n import gettext as _
from portal.panels import domain
from portal.panels.domain import InspectionState
from portal.panels.models import Scorecard, ScorecardPhoto
from portal.panels.scorecards import own_scorecard
from portal.panels.services import is_coordinator, load
from portal.proposals import photos

SUBDIR = "panels"
MAX_PHOTOS = 5  # per scorecard (one visit)
MAX_BYTES = photos.MAX_BYTES


def _store(media_dir: Path, data: bytes) -> tuple[str, str, int, int, int]:
    """Re-encode with the proposals' rules and write atomically: (name, type, w, h, size)."""
    clean, content_type, ext, width, height = photos.reencode(data)
    directory = media_dir / SUBDIR
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{ext}"
    tmp = directory / f".{name}.tmp"
    tmp.write_bytes(clean)
    tmp.rename(directory / name)
    return name, content_type, width, height, len(clean)


def _path(media_dir: Path, filename: str) -> Path:
    if "/" in filename or "\\" in filename or filename.startswith("."):
        raise NotFound()
    return media_dir / SUBDIR / filename


def _message(code: str) -> str:
    return {
        "too_large": _("Each photo may be at most 5 MB."),
        "too_many_pixels": _("This image has too many pixels."),
        "format": _("Upload a JPEG, PNG or WebP image."),
    }.get(code, _("This file is not an image we can read. Upload a JPEG, PNG or WebP image."))


def _too_many() -> InvalidInput:
    return InvalidInput({"photos": _("A scorecard can have at most %(n)d photos.") % {"n": MAX_PHOTOS}})


async def _editable_card(actor: Identity, inspection_id: int, card_id: int) -> Scorecard:
    inspection, card = await own_scorecard(actor, inspection_id, card_id)
    if domain.scorecard_phase(InspectionState(inspection.state)) != card.phase:
        raise Conflict(_("Fieldwork for this scorecard has closed; it can no longer be changed."))
    return card


async def add_photo(actor: Identity, inspection_id: int, card_id: int, data: bytes, media_dir: Path,
                    *, alt: str = "") -> int:
    """Check, re-encode and attach one photo to the actor's own, still open scorecard."""
    card = await _editable_card(actor, inspection_id, card_id)
    if await ScorecardPhoto.filter(scorecard_id=card.id).count() >= MAX_PHOTOS:
        raise _too_many()
    try:
        name, content_type, width, height, size = await asyncio.to_thread(_store, media_dir, data)
    except photos.PhotoError as exc:
        raise InvalidInput({"photos": _message(exc.code)}) from None
    try:
        async with in_transaction() as conn:
            # Counted again inside the transaction: two uploads at once cannot pass the limit.
            if await ScorecardPhoto.filter(scorecard_id=card.id).using_db(conn).count() >= MAX_PHOTOS:
                raise _too_many()
            photo = await ScorecardPhoto.create(scorecard_id=card.id, filename=name, content_type=content_type,
                                                width=width, height=height, size=size, alt=alt.strip()[:200],
                                                using_db=conn)
            await audit.record("panels:scorecard:photo_add", actor_id=actor.user_id, target_type="scorecard",
                               target_id=card.id, data={"photo": photo.id}, conn=conn)
    except BaseException:
        _path(media_dir, name).unlink(missing_ok=True)
        raise
    return photo.id


async def remove_photo(actor: Identity, inspection_id: int, card_id: int, photo_id: int, media_dir: Path) -> None:
    card = await _editable_card(actor, inspection_id, card_id)
    async with in_transaction() as conn:
        photo = await ScorecardPhoto.get_or_none(id=photo_id, scorecard_id=card.id).using_db(conn)
        if photo is None:
            raise NotFound()
        await photo.delete(using_db=conn)
        await audit.record("panels:scorecard:photo_remove", actor_id=actor.user_id, target_type="scorecard",
                           target_id=card.id, data={"photo": photo_id}, conn=conn)
    _path(media_dir, photo.filename).unlink(missing_ok=True)


async def photo_file(actor: Identity, inspection_id: int, card_id: int, photo_id: int,
                     media_dir: Path) -> tuple[Path, str]:
    """The file of a photo for its panelist or the coordinator; others get 403 (or 404)."""
    card = await Scorecard.get_or_none(id=card_id, inspection_id=inspection_id).select_related("member")
    photo = await ScorecardPhoto.get_or_none(id=photo_id, scorecard_id=card_id)
    if card is None or photo is None:
        raise NotFound()
    await load(inspection_id)
    owner = card.member.user_id == actor.user_id  # type: ignore[attr-defined]
    if not owner and not is_coordinator(actor):
        raise NotAllowed()
    path = _path(media_dir, photo.filename)
    if not path.is_file():
        raise NotFound()
    return path, photo.content_type
