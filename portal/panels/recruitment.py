"""Recruitment decisions after the application (services.py has apply, select and the draw):
the coordinator rejects an applicant or puts them on the reserve list and fills a freed seat
from it; an applicant withdraws, including a selected panelist before fieldwork starts.

Statuses move only along domain.APPLICATION_MOVES and only while the inspection is recruiting;
each move is conditional on the status it was read in, so two clicks cannot both win.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from portal.accounts.identity import Identity
from portal.core import audit
from portal.core.timeutil import utcnow
from portal.errors import Conflict, NotAllowed, NotFound
from portal.i18n import gettext as _
from portal.panels import domain
from portal.panels.models import Application, Inspection, PanelMember
from portal.panels.services import add_member, grant_panelist, require_recruiting, is_coordinator, load


async def _move(conn: BaseDBAsyncClient, application: Application, target: str, **extra: object) -> None:
    if application.status == target:
        return
    if not domain.can_move_application(application.status, target):
        raise Conflict(_("This application cannot change that way any more."))
    updated = await Application.filter(id=application.id, status=application.status).using_db(conn).update(
        status=target, decided_at=utcnow(), **extra)
    if updated != 1:
        raise Conflict(_("Someone else changed this application. Reload the page."))


async def _coordinator_application(actor: Identity, inspection_id: int, application_id: int,
                                   conn: BaseDBAsyncClient) -> tuple[Inspection, Application]:
    if not is_coordinator(actor):
        raise NotAllowed()
    inspection = await load(inspection_id, conn)
    require_recruiting(inspection)
    application = await Application.get_or_none(id=application_id, inspection_id=inspection_id).using_db(conn)
    if application is None:
        raise NotFound()
    return inspection, application


async def reject(actor: Identity, inspection_id: int, application_id: int) -> None:
    """The coordinator turns an applicant down (they stay out of any later draw)."""
    async with in_transaction() as conn:
        _i, application = await _coordinator_application(actor, inspection_id, application_id, conn)
        await _move(conn, application, "rejected", reserve_rank=None)
        await audit.record("panels:application:reject", actor_id=actor.user_id, target_type="panel_application",
                           target_id=application.id, data={"inspection": inspection_id}, conn=conn)


async def reserve(actor: Identity, inspection_id: int, application_id: int) -> None:
    """The coordinator puts an applicant at the end of the reserve list."""
    async with in_transaction() as conn:
        _i, application = await _coordinator_application(actor, inspection_id, application_id, conn)
        if application.status == "reserve":
            return
        ranks = await Application.filter(inspection_id=inspection_id, status="reserve").using_db(conn).values_list(
            "reserve_rank", flat=True)
        await _move(conn, application, "reserve", reserve_rank=max((r for r in ranks if r), default=0) + 1)
        await audit.record("panels:application:reserve", actor_id=actor.user_id, target_type="panel_application",
                           target_id=application.id, data={"inspection": inspection_id}, conn=conn)


async def promote_reserve(actor: Identity, inspection_id: int) -> int:
    """Fill one free seat with the first person on the reserve list; returns the application id."""
    if not is_coordinator(actor):
        raise NotAllowed()
    async with in_transaction() as conn:
        inspection = await load(inspection_id, conn)
        require_recruiting(inspection)
        if await PanelMember.filter(inspection_id=inspection_id).using_db(conn).count() >= inspection.team_size:
            raise Conflict(_("The team is already complete."))
        waiting = await Application.filter(inspection_id=inspection_id, status="reserve").using_db(conn).order_by(
            "reserve_rank", "id")
        if not waiting:
            raise Conflict(_("The reserve list is empty."))
        first = waiting[0]
        member = await add_member(inspection, first, "reserve", conn)
        await audit.record("panels:member:select", actor_id=actor.user_id, target_type="panel_member",
                           target_id=member.id, data={"inspection": inspection_id, "by": "reserve"}, conn=conn)
    await grant_panelist([first.user_id])  # type: ignore[attr-defined]
    return first.id


async def withdraw(actor: Identity, inspection_id: int) -> None:
    """The applicant withdraws; a selected panelist leaves the panel (before fieldwork only)."""
    if actor.user_id is None:
        raise NotAllowed()
    async with in_transaction() as conn:
        inspection = await load(inspection_id, conn)
        application = await Application.get_or_none(inspection_id=inspection_id, user_id=actor.user_id).using_db(conn)
        if application is None:
            raise NotFound()
        if application.status == "withdrawn":
            return
        if inspection.state != domain.InspectionState.RECRUITING:
            raise Conflict(_("Recruitment has ended. Ask the coordinator if you can no longer take part."))
        await _move(conn, application, "withdrawn", reserve_rank=None)
        await PanelMember.filter(inspection_id=inspection_id, user_id=actor.user_id).using_db(conn).delete()
        await audit.record("panels:application:withdraw", actor_id=actor.user_id, target_type="panel_application",
                           target_id=application.id, data={"inspection": inspection_id}, conn=conn)
