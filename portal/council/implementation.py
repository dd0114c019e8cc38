"""Implementation tracking use cases: status, progress and money, milestones, sub-projects and
updates with photos, by officers of the responsible agency; council reviews.

Only officers of the project's agency report on it (admins do not stand in for an agency: the
timeline says who reported). Each change is a conditional UPDATE plus a public timeline entry
plus an audit row, in one transaction. Marking a project done asks its residents "was it
really done?" through a job (portal.council.confirmations.ask).
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from portal.accounts.identity import Identity, Role
from portal.core import audit, jobs
from portal.core.timeutil import utcnow
from portal.core.workdays import JAKARTA
from portal.council import domain
from portal.council.domain import ProjectStatus, StepError
from portal.council.models import ImplementationProject, Milestone, ProjectUpdate, UpdatePhoto
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.i18n import gettext as _
from portal.proposals import photos

JOB_ASK = "council.ask_confirmation"
MAX_UPDATE_PHOTOS = 3


def today() -> date:
    """The date in Bandung (Asia/Jakarta), for milestones reached "today"."""
    return utcnow().astimezone(JAKARTA).date()


def is_agency_officer(actor: Identity, project: ImplementationProject) -> bool:
    agency_id = project.agency_id  # type: ignore[attr-defined]
    return Role.OFFICER in actor.roles and actor.agency_id is not None and actor.agency_id == agency_id


async def _load(project_id: int, conn: BaseDBAsyncClient | None = None) -> ImplementationProject:
    query = ImplementationProject.get_or_none(id=project_id)
    project = await (query.using_db(conn) if conn is not None else query)
    if project is None:
        raise NotFound()
    return project


async def _agency_project(actor: Identity, project_id: int, conn: BaseDBAsyncClient) -> ImplementationProject:
    project = await _load(project_id, conn)
    if not is_agency_officer(actor, project):
        raise NotAllowed(_("Only officers of the responsible agency can report on this project."))
    return project


def _open(project: ImplementationProject) -> None:
    if ProjectStatus(project.status) not in domain.OPEN_STATUSES:
        raise Conflict(_("This project is finished: reopen it before reporting on it."))


async def _entry(conn: BaseDBAsyncClient, project: ImplementationProject, actor: Identity, kind: str, *,
                 text: str = "", role: str = "officer", from_status: str = "", to_status: str = "",
                 now: datetime) -> ProjectUpdate:
    return await ProjectUpdate.create(project_id=project.id, kind=kind, text=text, from_status=from_status,
                                      to_status=to_status, author_id=actor.user_id, author_role=role,
                                      created_at=now, using_db=conn)


async def _audit(conn: BaseDBAsyncClient, tag: str, actor: Identity, project: ImplementationProject,
                 **data: object) -> None:
    await audit.record(tag, actor_id=actor.user_id, target_type="implementation", target_id=project.id,
                       data={"proposal_id": project.proposal_id, "agency_id": project.agency_id,  # type: ignore[attr-defined]
                             **data}, conn=conn)


async def change_status(actor: Identity, project_id: int, target: str, *, reason: str = "",
                        now: datetime | None = None) -> ProjectStatus:
    """Move a project one step (see domain.check_step); done asks residents to confirm."""
    now = now or utcnow()
    try:
        goal = ProjectStatus(target)
    except ValueError:
        raise InvalidInput({"status": _("Choose one of the options.")}) from None
    async with in_transaction() as conn:
        project = await _load(project_id, conn)
        current = ProjectStatus(project.status)
        council = actor.has(Role.COUNCIL)
        try:
            domain.check_step(current, goal, agency=is_agency_officer(actor, project), council=council,
                              reason=reason)
        except StepError as exc:
            if exc.code == "actor":
                raise NotAllowed() from None
            if exc.code == "reason":
                raise InvalidInput({"reason": _("Give the reason for cancelling.")}) from None
            raise Conflict(_("This step is not possible in the project's current status.")) from None
        values: dict[str, object] = {"status": goal.value, "updated_at": now}
        if goal == ProjectStatus.CANCELLED:
            values["cancel_reason"] = reason.strip()
        if goal == ProjectStatus.DONE:
            values.update(done_at=now, progress=100)
        changed = await ImplementationProject.filter(id=project_id, status=current.value).using_db(conn).update(**values)
        if changed != 1:
            raise Conflict(_("Someone else changed this project just now. Reload and try again."))
        role = "officer" if is_agency_officer(actor, project) else "council"
        entry = await _entry(conn, project, actor, "status", text=reason.strip(), role=role,
                             from_status=current.value, to_status=goal.value, now=now)
        await _audit(conn, "council:implementation:status", actor, project, **{
            "from": current.value, "to": goal.value, "reason": reason.strip()[:500]})
        if goal == ProjectStatus.DONE:
            await jobs.enqueue(JOB_ASK, key=f"council:ask:{project_id}:{entry.id}",
                               payload={"project_id": project_id}, conn=conn)
    return goal


async def report_progress(actor: Identity, project_id: int, *, progress: int | None, spent: int,
                          note: str = "", now: datetime | None = None) -> None:
    """Own progress (only for projects without sub-projects) and money spent so far."""
    now = now or utcnow()
    if progress is not None and not 0 <= progress <= 100:
        raise InvalidInput({"progress": _("Give a percentage between 0 and 100.")})
    if spent < 0:
        raise InvalidInput({"spent": _("The amount cannot be negative.")})
    async with in_transaction() as conn:
        project = await _agency_project(actor, project_id, conn)
        _open(project)
        has_children = await ImplementationProject.filter(parent_id=project_id).using_db(conn).exists()
        values: dict[str, object] = {"spent": spent, "updated_at": now}
        if progress is not None and not has_children:
            values["progress"] = progress
        await ImplementationProject.filter(id=project_id).using_db(conn).update(**values)
        await _entry(conn, project, actor, "progress", text=note.strip(), now=now)
        await _audit(conn, "council:implementation:progress", actor, project,
                     progress=values.get("progress", project.progress), spent=spent)


async def add_milestone(actor: Identity, project_id: int, *, title: str, due_on: date,
                        now: datetime | None = None) -> int:
    now = now or utcnow()
    async with in_transaction() as conn:
        project = await _agency_project(actor, project_id, conn)
        _open(project)
        milestone = await Milestone.create(project_id=project_id, title=title, due_on=due_on, using_db=conn)
        await _audit(conn, "council:implementation:milestone", actor, project, milestone_id=milestone.id,
                     action="add", title=title, due_on=due_on.isoformat())
    return milestone.id


async def complete_milestone(actor: Identity, project_id: int, milestone_id: int, *, done_on: date,
                             now: datetime | None = None) -> None:
    now = now or utcnow()
    async with in_transaction() as conn:
        project = await _agency_project(actor, project_id, conn)
        milestone = await Milestone.get_or_none(id=milestone_id, project_id=project_id).using_db(conn)
        if milestone is None:
            raise NotFound()
        if milestone.done_on is not None:
            raise Conflict(_("This milestone is already reached."))
        await Milestone.filter(id=milestone_id).using_db(conn).update(done_on=done_on)
        await _entry(conn, project, actor, "milestone", text=milestone.title, now=now)
        await _audit(conn, "council:implementation:milestone", actor, project, milestone_id=milestone_id,
                     action="done", done_on=done_on.isoformat())


async def add_child(actor: Identity, parent_id: int, *, title: str, cost: int, now: datetime | None = None) -> int:
    """Split a project into sub-projects; the parent's progress then rolls up from them."""
    now = now or utcnow()
    if cost < 0:
        raise InvalidInput({"cost": _("The amount cannot be negative.")})
    async with in_transaction() as conn:
        parent = await _agency_project(actor, parent_id, conn)
        _open(parent)
        child = await ImplementationProject.create(
            title=title, parent_id=parent.id, decision_id=parent.decision_id,  # type: ignore[attr-defined]
            proposal_id=parent.proposal_id, pb_cycle_id=parent.pb_cycle_id, inspection_id=parent.inspection_id,
            agency_id=parent.agency_id, kecamatan_code=parent.kecamatan_code, cost=cost,  # type: ignore[attr-defined]
            status=ProjectStatus.PLANNED.value, created_at=now, updated_at=now, using_db=conn)
        await _entry(conn, child, actor, "created", to_status=ProjectStatus.PLANNED.value, now=now)
        await _entry(conn, parent, actor, "note", text=_("Sub-project added: %(title)s") % {"title": title}, now=now)
        await _audit(conn, "council:implementation:created", actor, child, parent_id=parent.id, cost=cost)
    return child.id


async def add_update(actor: Identity, project_id: int, *, text: str, images: list[bytes], alt: str,
                     media_dir: Path, now: datetime | None = None) -> int:
    """A public note with up to three photos (re-encoded, metadata stripped: proposals.photos)."""
    now = now or utcnow()
    if len(images) > MAX_UPDATE_PHOTOS:
        raise InvalidInput({"photos": _("At most %(n)d photos per update.") % {"n": MAX_UPDATE_PHOTOS}})
    async with in_transaction() as conn:
        await _agency_project(actor, project_id, conn)
    stored: list[photos.StoredPhoto] = []
    try:
        for data in images:
            stored.append(await asyncio.to_thread(photos.store, media_dir, data))
    except photos.PhotoError:
        for s in stored:
            photos.remove(media_dir, s.filename)
        raise InvalidInput({"photos": _("This file is not an image we can read. Upload a JPEG, PNG or WebP "
                                        "image of at most 5 MB.")}) from None
    try:
        async with in_transaction() as conn:
            project = await _agency_project(actor, project_id, conn)
            entry = await _entry(conn, project, actor, "note", text=text.strip(), now=now)
            for s in stored:
                await UpdatePhoto.create(entry_id=entry.id, filename=s.filename, content_type=s.content_type,
                                         width=s.width, height=s.height, alt=alt[:200], using_db=conn)
            await _audit(conn, "council:implementation:update", actor, project, update_id=entry.id,
                         photos=len(stored))
    except Exception:
        for s in stored:  # nothing saved: leave no orphan files behind
            photos.remove(media_dir, s.filename)
        raise
    return entry.id


async def photo_file(photo_id: int, media_dir: Path) -> tuple[Path, str]:
    photo = await UpdatePhoto.get_or_none(id=photo_id)
    if photo is None:
        raise NotFound()
    path = photos.path_of(media_dir, photo.filename)
    if not path.exists():
        raise NotFound()
    return path, photo.content_type


async def close_review(actor: Identity, project_id: int, *, outcome: str, note: str,
                       now: datetime | None = None) -> None:
    """The council answers residents' "no": either the work stands, or it is reopened."""
    if actor.user_id is None or not actor.has(Role.COUNCIL):
        raise NotAllowed(_("Only council members can do this."))
    if outcome not in ("stands", "reopen"):
        raise InvalidInput({"outcome": _("Choose one of the options.")})
    if not note.strip():
        raise InvalidInput({"note": _("This field is required.")})
    now = now or utcnow()
    async with in_transaction() as conn:
        project = await _load(project_id, conn)
        if not project.under_review:
            raise Conflict(_("This project is not under review."))
        values: dict[str, object] = {"under_review": False, "review_note": note.strip(), "updated_at": now}
        reopen = outcome == "reopen"
        if reopen:
            if project.status != ProjectStatus.DONE.value:
                raise Conflict(_("Only a finished project can be reopened."))
            values.update(status=ProjectStatus.IN_PROGRESS.value, done_at=None)
        changed = await ImplementationProject.filter(id=project_id, under_review=True).using_db(conn).update(**values)
        if changed != 1:
            raise Conflict(_("Someone else changed this project just now. Reload and try again."))
        await _entry(conn, project, actor, "review", text=note.strip(), role="council",
                     from_status=project.status if reopen else "",
                     to_status=ProjectStatus.IN_PROGRESS.value if reopen else "", now=now)
        await _audit(conn, "council:implementation:review_closed", actor, project, outcome=outcome,
                     note=note.strip()[:500])
        if reopen:
            await _audit(conn, "council:implementation:status", actor, project,
                         **{"from": project.status, "to": ProjectStatus.IN_PROGRESS.value, "reason": note.strip()[:500]})
