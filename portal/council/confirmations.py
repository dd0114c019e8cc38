""""Was it really done?": the residents behind a finished item confirm or dispute it.

Who is asked: the authors, co-authors and supporters of the originating proposal (PB voters are
anonymous, so only the proposal's people), and for an inspection's action the panel members of
that inspection. Each answers once (yes / no / don't know, optional comment and photo) and may
change the answer. A new "no" puts the project under council review (flag, timeline, audit).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from portal.accounts.identity import Identity
from portal.accounts.models import User
from portal.core import audit
from portal.core.mail import Mailer
from portal.core.timeutil import utcnow
from portal.council import domain
from portal.council.domain import Answer, ProjectStatus
from portal.council.models import Confirmation, ImplementationProject, ProjectUpdate
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.i18n import gettext as _
from portal.panels.models import PanelMember
from portal.proposals import photos
from portal.proposals.models import ProposalAuthor, Support


async def asked_user_ids(project: ImplementationProject, conn: BaseDBAsyncClient | None = None) -> set[int]:
    """The residents who may answer for `project` (see the module docstring)."""
    ids: set[int] = set()
    if project.proposal_id:
        for model in (ProposalAuthor, Support):
            query = model.filter(proposal_id=project.proposal_id)
            ids.update(await (query.using_db(conn) if conn else query).values_list("user_id", flat=True))
    if project.source_type == "action" and project.inspection_id:
        query = PanelMember.filter(inspection_id=project.inspection_id)
        ids.update(await (query.using_db(conn) if conn else query).values_list("user_id", flat=True))
    return ids


async def answer(actor: Identity, project_id: int, value: str, *, comment: str = "", image: bytes | None = None,
                 media_dir: Path, now: datetime | None = None) -> bool:
    """Record or change the actor's answer; True when it opened a council review."""
    try:
        given = Answer(value)
    except ValueError:
        raise InvalidInput({"answer": _("Choose one of the options.")}) from None
    if len(comment) > 500:
        raise InvalidInput({"comment": _("At most %(n)d characters.") % {"n": 500}})
    project = await ImplementationProject.get_or_none(id=project_id)
    if project is None:
        raise NotFound()
    if actor.user_id is None or actor.user_id not in await asked_user_ids(project):
        raise NotAllowed(_("Only the residents who proposed or supported this item are asked."))
    if project.status != ProjectStatus.DONE.value:
        raise Conflict(_("This project is not marked as done."))
    stored = None
    if image:
        try:
            stored = await asyncio.to_thread(photos.store, media_dir, image)
        except photos.PhotoError:
            raise InvalidInput({"photo": _("This file is not an image we can read. Upload a JPEG, PNG or WebP "
                                           "image of at most 5 MB.")}) from None
    now = now or utcnow()
    try:
        return await _save(actor.user_id, project, given, comment.strip(), stored, now)
    except Exception:
        if stored is not None:
            photos.remove(media_dir, stored.filename)
        raise


async def _save(user_id: int, project: ImplementationProject, given: Answer, comment: str,
                stored: photos.StoredPhoto | None, now: datetime) -> bool:
    photo = ({"photo_filename": stored.filename, "photo_content_type": stored.content_type,
              "photo_width": stored.width, "photo_height": stored.height} if stored else {})
    async with in_transaction() as conn:
        existing = await Confirmation.get_or_none(project_id=project.id, user_id=user_id).using_db(conn)
        previous = Answer(existing.answer) if existing else None
        if existing is None:
            await Confirmation.create(project_id=project.id, user_id=user_id, answer=given.value, comment=comment,
                                      created_at=now, updated_at=now, **photo, using_db=conn)
        else:
            await Confirmation.filter(id=existing.id).using_db(conn).update(
                answer=given.value, comment=comment, updated_at=now, **photo)
        base = {"proposal_id": project.proposal_id, "agency_id": project.agency_id}  # type: ignore[attr-defined]
        await audit.record("council:confirmation:answered", actor_id=user_id, target_type="implementation",
                           target_id=project.id, data={**base, "answer": given.value,
                                                       "previous": previous.value if previous else ""}, conn=conn)
        review = domain.opens_review(previous, given) and not project.under_review
        if review:
            await ImplementationProject.filter(id=project.id).using_db(conn).update(under_review=True, updated_at=now)
            await ProjectUpdate.create(project_id=project.id, kind="review", author_id=None, author_role="resident",
                                       text=comment, created_at=now, using_db=conn)
            await audit.record("council:implementation:review_opened", actor_id=user_id,
                               target_type="implementation", target_id=project.id, data=base, conn=conn)
    return review


async def photo_file(confirmation_id: int, media_dir: Path) -> tuple[Path, str]:
    """Photos of "no" answers are public evidence; others are not shown."""
    item = await Confirmation.get_or_none(id=confirmation_id, answer=Answer.NO.value)
    if item is None or not item.photo_filename:
        raise NotFound()
    return photos.path_of(media_dir, item.photo_filename), item.photo_content_type


async def ask(mailer: Mailer, base_url: str, project_id: int) -> int:
    """Mail everyone asked for `project` (the job behind marking it done); returns mails sent."""
    project = await ImplementationProject.get_or_none(id=project_id)
    if project is None or project.status != ProjectStatus.DONE.value:
        return 0
    users = await User.filter(id__in=list(await asked_user_ids(project)), disabled_at=None).order_by("id")
    url = f"{base_url}/implementation/{project.id}#confirm"
    for user in users:
        await mailer.send(user.email, _("Was it really done? %(title)s") % {"title": project.title},
                          _("The agency reports that \"%(title)s\" is done.\n\nYou proposed or supported it: "
                            "is it really done? Answer yes, no or don't know (a photo helps):\n%(url)s")
                          % {"title": project.title, "url": url})
    return len(users)


def job_handlers(mailer: Mailer, base_url: str) -> Mapping[str, Callable[[Mapping[str, Any]], Awaitable[None]]]:
    async def ask_job(payload: Mapping[str, Any]) -> None:
        await ask(mailer, base_url, int(payload["project_id"]))

    from portal.council.implementation import JOB_ASK

    return {JOB_ASK: ask_job}
