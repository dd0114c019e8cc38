"""Proposal use cases: drafting, the LAPOR!-style workflow, supports, comments, flags,
moderation and agency answers. Every state change checks role and ownership here (never only
in the web layer), runs in one transaction with its audit row and timeline entry, and uses
conditional UPDATEs so that two people acting at once cannot both win.

Services take an Identity and ids (no Request), an explicit `now` for testability, and raise
portal.errors exceptions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from portal.accounts.identity import Identity, Role
from portal.accounts.models import ResidentVerification, User, UserRole
from portal.core import audit, city_calendar, jobs
from portal.core.mail import Mailer
from portal.core.models import Agency, Kelurahan
from portal.core.timeutil import utcnow
from portal.core.workdays import JAKARTA, WorkCalendar, working_days_between
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.i18n import gettext as _
from portal.proposals import domain, photos
from portal.proposals.domain import Action, Actor, AnswerKind, ProposalDraft, ProposalStatus
from portal.proposals.models import (
    Appeal, Comment, Flag, Follow, Proposal, ProposalAuthor, ProposalPhoto, Support, TimelineEntry,
)

S = ProposalStatus

JOB_AUTO_CLOSE = "proposals.auto_close"
JOB_REMIND = "proposals.remind"
JOB_REMIND_MODERATORS = "proposals.remind_moderators"


# --- who is acting ----------------------------------------------------------------------------

async def author_ids(proposal_id: int, conn: BaseDBAsyncClient | None = None) -> set[int]:
    query = ProposalAuthor.filter(proposal_id=proposal_id)
    if conn is not None:
        query = query.using_db(conn)
    return set(await query.values_list("user_id", flat=True))


def actors_of(who: Identity, proposal: Proposal, authors: set[int]) -> frozenset[Actor]:
    """Every capacity in which `who` may act on `proposal`."""
    found: set[Actor] = set()
    if who.user_id is not None and who.user_id in authors and who.verified:
        found.add(Actor.AUTHOR)
    if who.has(Role.MODERATOR):
        found.add(Actor.MODERATOR)
    agency_id = proposal.agency_id  # type: ignore[attr-defined]
    if Role.OFFICER in who.roles and who.agency_id is not None and who.agency_id == agency_id:
        found.add(Actor.OFFICER)
    return frozenset(found)


def can_see(who: Identity, proposal: Proposal, authors: set[int]) -> bool:
    """Drafts: authors only. Hidden (flagged) proposals: authors and moderators. Else everyone."""
    is_author = who.user_id is not None and who.user_id in authors
    if proposal.status == S.DRAFT:
        return is_author
    if proposal.hidden:
        return is_author or who.has(Role.MODERATOR)
    return True


async def _visible(who: Identity, proposal_id: int) -> tuple[Proposal, set[int]]:
    proposal = await Proposal.get_or_none(id=proposal_id)
    if proposal is None:
        raise NotFound()
    authors = await author_ids(proposal_id)
    if not can_see(who, proposal, authors):
        raise NotFound()  # never reveal that a hidden or draft proposal exists
    return proposal, authors


def _require_resident(who: Identity) -> int:
    if who.user_id is None or not who.verified:
        raise NotAllowed(_("Only verified residents can do this."))
    return who.user_id


# --- the workflow step ------------------------------------------------------------------------

async def _step(
    conn: BaseDBAsyncClient, proposal: Proposal, action: Action, who: Identity, actors: frozenset[Actor],
    *, now: datetime, calendar: WorkCalendar, note: str = "", updates: Mapping[str, Any] | None = None,
) -> ProposalStatus:
    """Apply one workflow transition: conditional UPDATE, timeline entry, audit, jobs."""
    current = ProposalStatus(proposal.status)
    try:
        target = domain.next_status(current, action, actors)
    except domain.TransitionError as exc:
        if exc.code == "actor":
            raise NotAllowed() from None
        raise Conflict(_("This step is not possible in the proposal's current status.")) from None
    deadline = domain.deadline_for(target, now, proposal.deadline_at, calendar)
    values: dict[str, Any] = {"status": target.value, "status_changed_at": now, "deadline_at": deadline,
                              "updated_at": now, **(updates or {})}
    changed = await Proposal.filter(id=proposal.id, status=current.value).using_db(conn).update(**values)
    if changed != 1:
        raise Conflict(_("Someone else changed this proposal just now. Reload and try again."))
    role = domain.TRANSITIONS[action].actor
    entry = await TimelineEntry.create(
        proposal_id=proposal.id, created_at=now, action=action.value, from_status=current.value,
        to_status=target.value, actor_id=who.user_id, actor_role=role.value, note=note,
        deadline_at=deadline, using_db=conn,
    )
    await audit.record(f"proposals:proposal:{action.value}", actor_id=who.user_id, target_type="proposal",
                       target_id=proposal.id,
                       data={"from": current.value, "to": target.value, "note": note[:500],
                             **{k: str(v) for k, v in (updates or {}).items() if k.endswith("_id")}},
                       conn=conn)
    if target == S.ANSWERED and deadline is not None:
        await jobs.enqueue(JOB_AUTO_CLOSE, key=f"proposals:auto_close:{entry.id}",
                           payload={"proposal_id": proposal.id, "deadline": deadline.isoformat()},
                           run_at=deadline + timedelta(seconds=1), conn=conn)
    if target == S.FORWARDED and deadline is not None:
        await jobs.enqueue(JOB_REMIND, key=f"proposals:remind:{entry.id}",
                           payload={"proposal_id": proposal.id, "deadline": deadline.isoformat()},
                           run_at=reminder_time(deadline, now, calendar), conn=conn)
    if target in (S.SUBMITTED, S.REROUTING) and deadline is not None:
        await jobs.enqueue(JOB_REMIND_MODERATORS, key=f"proposals:remind_moderators:{entry.id}",
                           payload={"proposal_id": proposal.id, "deadline": deadline.isoformat()},
                           run_at=reminder_time(deadline, now, calendar), conn=conn)
    return target


def reminder_time(deadline: datetime, now: datetime, calendar: WorkCalendar) -> datetime:
    """08:00 WIB of the working day that is REMINDER_DAYS_BEFORE working days before the deadline."""
    end = deadline.astimezone(JAKARTA).date()
    day = end
    while working_days_between(day, end, calendar) < domain.REMINDER_DAYS_BEFORE:
        day -= timedelta(days=1)
    moment = datetime.combine(day, time(8, 0), tzinfo=JAKARTA)
    return max(moment, now)


async def _transition(who: Identity, proposal_id: int, action: Action, *, now: datetime | None = None,
                      calendar: WorkCalendar | None = None, note: str = "",
                      updates: Mapping[str, Any] | None = None) -> ProposalStatus:
    now = now or utcnow()
    if calendar is None:
        calendar = await city_calendar.calendar()
    async with in_transaction() as conn:
        proposal = await Proposal.get_or_none(id=proposal_id).using_db(conn)
        if proposal is None:
            raise NotFound()
        authors = await author_ids(proposal_id, conn)
        if not can_see(who, proposal, authors):
            raise NotFound()
        actors = actors_of(who, proposal, authors)
        return await _step(conn, proposal, action, who, actors, now=now, calendar=calendar,
                           note=note, updates=updates)


# --- drafting ---------------------------------------------------------------------------------

async def _checked_place(draft: ProposalDraft) -> int | None:
    """Kelurahan in kecamatan, and the suggested agency's id (or None)."""
    kelurahan = await Kelurahan.get_or_none(code=draft.kelurahan_code)
    if kelurahan is None or kelurahan.kecamatan_id != draft.kecamatan_code:  # type: ignore[attr-defined]
        raise InvalidInput({"kelurahan": _("This kelurahan is not in the chosen kecamatan.")})
    if not draft.suggested_agency:
        return None
    agency = await Agency.get_or_none(abbreviation=draft.suggested_agency)
    if agency is None:
        raise InvalidInput({"suggested_agency": _("Choose one of the options.")})
    return agency.id


def _fields(draft: ProposalDraft, agency_id: int | None) -> dict[str, Any]:
    return {
        "title": draft.title, "description": draft.description, "category": draft.category.value,
        "kecamatan_id": draft.kecamatan_code, "kelurahan_id": draft.kelurahan_code,
        "address": draft.address, "lat": draft.lat, "lon": draft.lon,
        "suggested_agency_id": agency_id, "estimated_cost": draft.estimated_cost,
    }


async def create_draft(who: Identity, draft: ProposalDraft, *, now: datetime | None = None) -> int:
    """A verified resident starts a proposal as a draft; they become its owner."""
    user_id = _require_resident(who)
    agency_id = await _checked_place(draft)
    now = now or utcnow()
    async with in_transaction() as conn:
        proposal = await Proposal.create(**_fields(draft, agency_id), status=S.DRAFT.value,
                                         status_changed_at=now, created_by_id=user_id, created_at=now,
                                         updated_at=now, using_db=conn)
        await ProposalAuthor.create(proposal_id=proposal.id, user_id=user_id, is_owner=True, added_at=now,
                                    using_db=conn)
        await TimelineEntry.create(proposal_id=proposal.id, created_at=now, action="create",
                                   to_status=S.DRAFT.value, actor_id=user_id, actor_role=Actor.AUTHOR.value,
                                   using_db=conn)
        await audit.record("proposals:proposal:create", actor_id=user_id, target_type="proposal",
                           target_id=proposal.id, data={"title": draft.title}, conn=conn)
    return proposal.id


async def _editable(who: Identity, proposal_id: int, conn: BaseDBAsyncClient) -> Proposal:
    proposal = await Proposal.get_or_none(id=proposal_id).using_db(conn)
    if proposal is None:
        raise NotFound()
    authors = await author_ids(proposal_id, conn)
    if not can_see(who, proposal, authors):
        raise NotFound()
    if Actor.AUTHOR not in actors_of(who, proposal, authors):
        raise NotAllowed(_("Only the proposal's authors can change it."))
    if not domain.can_edit(ProposalStatus(proposal.status)) or proposal.hidden:
        raise Conflict(_("This proposal can no longer be edited: verification has started."))
    return proposal


async def update_draft(who: Identity, proposal_id: int, draft: ProposalDraft, *,
                       now: datetime | None = None) -> None:
    """Authors edit until a moderator starts verification."""
    agency_id = await _checked_place(draft)
    now = now or utcnow()
    async with in_transaction() as conn:
        proposal = await _editable(who, proposal_id, conn)
        changed = await Proposal.filter(id=proposal.id, status__in=[s.value for s in domain.EDITABLE]).using_db(
            conn).update(**_fields(draft, agency_id), updated_at=now)
        # Truthiness, not == 1: on SQLite the count includes the search index triggers' writes.
        if not changed:
            raise Conflict(_("This proposal can no longer be edited: verification has started."))
        await audit.record("proposals:proposal:edit", actor_id=who.user_id, target_type="proposal",
                           target_id=proposal.id, data={"title": draft.title}, conn=conn)


async def submit(who: Identity, proposal_id: int, *, now: datetime | None = None,
                 calendar: WorkCalendar | None = None) -> ProposalStatus:
    """Draft (or returned proposal) -> submitted; the 3 HK verification clock starts."""
    now = now or utcnow()
    proposal = await Proposal.get_or_none(id=proposal_id)
    action = Action.RESUBMIT if proposal is not None and proposal.status == S.CLARIFICATION else Action.SUBMIT
    updates = {"submitted_at": now} if action == Action.SUBMIT else {}
    return await _transition(who, proposal_id, action, now=now, calendar=calendar, updates=updates)


async def withdraw(who: Identity, proposal_id: int, *, now: datetime | None = None) -> None:
    await _transition(who, proposal_id, Action.WITHDRAW, now=now)


async def invite_coauthor(who: Identity, proposal_id: int, email: str, mailer: Mailer, base_url: str,
                          *, now: datetime | None = None) -> None:
    """Add another verified resident (found by their account's e-mail) as co-author."""
    now = now or utcnow()
    target = await User.get_or_none(email=email.strip().lower(), disabled_at=None)
    verified = target is not None and await ResidentVerification.exists(user_id=target.id, revoked_at=None)
    if target is None or not verified:
        raise InvalidInput({"email": _("No verified resident has an account with this e-mail address.")})
    async with in_transaction() as conn:
        proposal = await _editable(who, proposal_id, conn)
        try:
            async with in_transaction() as inner:
                await ProposalAuthor.create(proposal_id=proposal.id, user_id=target.id, added_at=now,
                                            using_db=inner)
        except IntegrityError:
            raise InvalidInput({"email": _("This resident is already an author.")}) from None
        await audit.record("proposals:author:add", actor_id=who.user_id, target_type="proposal",
                           target_id=proposal.id, data={"user_id": target.id}, conn=conn)
    await mailer.send(target.email, _("You are now a co-author of a proposal"),
                      _("%(name)s added you as co-author of the proposal \"%(title)s\":\n%(url)s")
                      % {"name": who.name, "title": proposal.title, "url": f"{base_url}/proposals/{proposal.id}"})


async def add_photo(who: Identity, proposal_id: int, data: bytes, media_dir: Path, *, alt: str = "",
                    now: datetime | None = None) -> int:
    """Re-encode and attach one photo (at most MAX_PHOTOS per proposal)."""
    now = now or utcnow()
    async with in_transaction() as conn:
        proposal = await _editable(who, proposal_id, conn)
        if await ProposalPhoto.filter(proposal_id=proposal.id).using_db(conn).count() >= domain.MAX_PHOTOS:
            raise InvalidInput({"photos": _("A proposal can have at most %(n)d photos.") % {"n": domain.MAX_PHOTOS}})
    try:
        stored = await asyncio.to_thread(photos.store, media_dir, data)
    except photos.PhotoError as exc:
        raise InvalidInput({"photos": _photo_message(exc.code)}) from None
    try:
        async with in_transaction() as conn:
            if await ProposalPhoto.filter(proposal_id=proposal_id).using_db(conn).count() >= domain.MAX_PHOTOS:
                raise InvalidInput({"photos": _("A proposal can have at most %(n)d photos.") % {"n": domain.MAX_PHOTOS}})
            photo = await ProposalPhoto.create(proposal_id=proposal_id, filename=stored.filename,
                                               content_type=stored.content_type, width=stored.width,
                                               height=stored.height, size=stored.size, alt=alt[:200],
                                               created_at=now, using_db=conn)
            await audit.record("proposals:photo:add", actor_id=who.user_id, target_type="proposal",
                               target_id=proposal_id, data={"photo_id": photo.id}, conn=conn)
    except BaseException:
        photos.remove(media_dir, stored.filename)
        raise
    return photo.id


def _photo_message(code: str) -> str:
    return {
        "too_large": _("Each photo may be at most 5 MB."),
        "too_many_pixels": _("This image has too many pixels."),
        "format": _("Upload a JPEG, PNG or WebP image."),
    }.get(code, _("This file is not an image we can read. Upload a JPEG, PNG or WebP image."))


async def remove_photo(who: Identity, proposal_id: int, photo_id: int, media_dir: Path) -> None:
    async with in_transaction() as conn:
        await _editable(who, proposal_id, conn)
        photo = await ProposalPhoto.get_or_none(id=photo_id, proposal_id=proposal_id).using_db(conn)
        if photo is None:
            raise NotFound()
        await photo.delete(using_db=conn)
        await audit.record("proposals:photo:remove", actor_id=who.user_id, target_type="proposal",
                           target_id=proposal_id, data={"photo_id": photo_id}, conn=conn)
    photos.remove(media_dir, photo.filename)


async def photo_file(who: Identity, proposal_id: int, photo_id: int, media_dir: Path) -> tuple[Path, str]:
    """The stored file of a photo, only when its proposal is visible to `who`."""
    await _visible(who, proposal_id)
    photo = await ProposalPhoto.get_or_none(id=photo_id, proposal_id=proposal_id)
    if photo is None:
        raise NotFound()
    path = photos.path_of(media_dir, photo.filename)
    if not path.is_file():
        raise NotFound()
    return path, photo.content_type


# --- residents' participation -----------------------------------------------------------------

async def _open_for_residents(who: Identity, proposal_id: int) -> Proposal:
    _require_resident(who)
    proposal, _authors = await _visible(who, proposal_id)
    if proposal.hidden or ProposalStatus(proposal.status) not in domain.OPEN_FOR_SUPPORT:
        raise Conflict(_("This proposal is not open for support or comments."))
    return proposal


async def support(who: Identity, proposal_id: int, *, now: datetime | None = None) -> bool:
    """Idempotent: True when this call added the support. One per resident (unique constraint);
    the counter moves with an F() expression in the same transaction, so it never drifts."""
    proposal = await _open_for_residents(who, proposal_id)
    try:
        async with in_transaction() as conn:
            await Support.create(proposal_id=proposal.id, user_id=who.user_id, created_at=now or utcnow(),
                                 using_db=conn)
            await Proposal.filter(id=proposal.id).using_db(conn).update(support_count=F("support_count") + 1)
            await audit.record("proposals:support:add", actor_id=who.user_id, target_type="proposal",
                               target_id=proposal.id, conn=conn)
    except IntegrityError:
        return False
    return True


async def unsupport(who: Identity, proposal_id: int) -> bool:
    proposal = await _open_for_residents(who, proposal_id)
    async with in_transaction() as conn:
        deleted = await Support.filter(proposal_id=proposal.id, user_id=who.user_id).using_db(conn).delete()
        if deleted:
            await Proposal.filter(id=proposal.id).using_db(conn).update(support_count=F("support_count") - 1)
            await audit.record("proposals:support:remove", actor_id=who.user_id, target_type="proposal",
                               target_id=proposal.id, conn=conn)
    return bool(deleted)


async def follow(who: Identity, proposal_id: int, on: bool) -> None:
    if who.user_id is None:
        raise NotAllowed()
    await _visible(who, proposal_id)
    if on:
        try:
            async with in_transaction() as conn:
                await Follow.create(proposal_id=proposal_id, user_id=who.user_id, created_at=utcnow(),
                                    using_db=conn)
                await audit.record("proposals:follow:add", actor_id=who.user_id, target_type="proposal",
                                   target_id=proposal_id, conn=conn)
        except IntegrityError:
            return
    else:
        async with in_transaction() as conn:
            if await Follow.filter(proposal_id=proposal_id, user_id=who.user_id).using_db(conn).delete():
                await audit.record("proposals:follow:remove", actor_id=who.user_id, target_type="proposal",
                                   target_id=proposal_id, conn=conn)


async def add_comment(who: Identity, proposal_id: int, body: str, parent_id: int | None = None, *,
                      now: datetime | None = None) -> int:
    proposal = await _open_for_residents(who, proposal_id)
    if parent_id is not None:
        parent = await Comment.get_or_none(id=parent_id, proposal_id=proposal.id, hidden=False)
        if parent is None:
            raise NotFound()
        if parent.parent_id is not None:  # type: ignore[attr-defined]
            parent_id = parent.parent_id  # type: ignore[attr-defined]  # one level of replies
    async with in_transaction() as conn:
        comment = await Comment.create(proposal_id=proposal.id, author_id=who.user_id, parent_id=parent_id,
                                       body=body, created_at=now or utcnow(), using_db=conn)
        await Proposal.filter(id=proposal.id).using_db(conn).update(comment_count=F("comment_count") + 1)
        await audit.record("proposals:comment:add", actor_id=who.user_id, target_type="proposal",
                           target_id=proposal.id, data={"comment_id": comment.id}, conn=conn)
    return comment.id


async def flag(who: Identity, proposal_id: int, reason: str, mailer: Mailer, *,
               now: datetime | None = None) -> bool:
    """One flag per resident. At FLAG_THRESHOLD distinct flags the proposal is hidden pending
    review, and its authors are told why. True when this flag hid it."""
    user_id = _require_resident(who)
    proposal, authors = await _visible(who, proposal_id)
    if user_id in authors:
        raise Conflict(_("You cannot flag your own proposal."))
    if proposal.hidden:
        return False
    now = now or utcnow()
    try:
        async with in_transaction() as conn:
            await Flag.create(proposal_id=proposal.id, user_id=user_id, reason=reason, created_at=now,
                              using_db=conn)
            await audit.record("proposals:flag:add", actor_id=user_id, target_type="proposal",
                               target_id=proposal.id, data={"reason": reason[:300]}, conn=conn)
            count = await Flag.filter(proposal_id=proposal.id, resolved=False).using_db(conn).count()
            hid = False
            if domain.should_hide(count):
                hid = bool(await Proposal.filter(id=proposal.id, hidden=False).using_db(conn).update(
                    hidden=True, hidden_reason=reason[:300], updated_at=now))
                if hid:
                    await TimelineEntry.create(proposal_id=proposal.id, created_at=now, action="hide",
                                               from_status=proposal.status, to_status=proposal.status,
                                               actor_role=Actor.SYSTEM.value,
                                               note=_("Hidden after reports by residents, pending review."),
                                               using_db=conn)
                    await audit.record("proposals:proposal:hide", actor_id=None, target_type="proposal",
                                       target_id=proposal.id, data={"flags": count}, conn=conn)
    except IntegrityError:
        return False
    if hid:
        reasons = await Flag.filter(proposal_id=proposal.id, resolved=False).values_list("reason", flat=True)
        await _mail_authors(mailer, proposal.id, _("Your proposal is hidden pending review"),
                            _("Residents reported your proposal \"%(title)s\", so it is hidden until a moderator "
                              "reviews it. Reasons given:\n%(reasons)s\n\nYou may appeal once on the proposal page.")
                            % {"title": proposal.title, "reasons": "\n".join(f"- {r}" for r in reasons)})
    return hid


async def appeal(who: Identity, proposal_id: int, text: str, *, now: datetime | None = None) -> None:
    proposal, authors = await _visible(who, proposal_id)
    if who.user_id not in authors:
        raise NotAllowed()
    if not proposal.hidden:
        raise Conflict(_("This proposal is not hidden."))
    try:
        async with in_transaction() as conn:
            await Appeal.create(proposal_id=proposal.id, user_id=who.user_id, text=text, created_at=now or utcnow(),
                                using_db=conn)
            await audit.record("proposals:appeal:add", actor_id=who.user_id, target_type="proposal",
                               target_id=proposal.id, conn=conn)
    except IntegrityError:
        raise Conflict(_("You have already appealed; a proposal can be appealed once.")) from None


async def decide_hidden(who: Identity, proposal_id: int, restore: bool, note: str, mailer: Mailer, *,
                        now: datetime | None = None) -> None:
    """A moderator restores a hidden proposal or keeps it hidden; flags and appeal are settled."""
    if not who.has(Role.MODERATOR):
        raise NotAllowed()
    now = now or utcnow()
    async with in_transaction() as conn:
        proposal = await Proposal.get_or_none(id=proposal_id).using_db(conn)
        if proposal is None:
            raise NotFound()
        if not proposal.hidden:
            raise Conflict(_("This proposal is not hidden."))
        await Flag.filter(proposal_id=proposal_id, resolved=False).using_db(conn).update(resolved=True)
        await Appeal.filter(proposal_id=proposal_id, decision="").using_db(conn).update(
            decision="restored" if restore else "upheld", decided_at=now, decided_by_id=who.user_id)
        if restore:
            await Proposal.filter(id=proposal_id).using_db(conn).update(hidden=False, hidden_reason="", updated_at=now)
        else:
            await Proposal.filter(id=proposal_id).using_db(conn).update(hidden_reason=note[:300] or proposal.hidden_reason)
        await TimelineEntry.create(proposal_id=proposal_id, created_at=now,
                                   action="restore" if restore else "keep_hidden", from_status=proposal.status,
                                   to_status=proposal.status, actor_id=who.user_id,
                                   actor_role=Actor.MODERATOR.value, note=note, using_db=conn)
        await audit.record("proposals:proposal:restore" if restore else "proposals:proposal:keep_hidden",
                           actor_id=who.user_id, target_type="proposal", target_id=proposal_id,
                           data={"note": note[:300]}, conn=conn)
    await _mail_authors(mailer, proposal_id, _("A moderator reviewed your proposal"),
                        (_("Your proposal \"%(title)s\" is visible again.") if restore else
                         _("Your proposal \"%(title)s\" stays hidden. Reason: %(note)s"))
                        % {"title": proposal.title, "note": note})


async def _mail_authors(mailer: Mailer, proposal_id: int, subject: str, body: str) -> None:
    emails = await User.filter(id__in=list(await author_ids(proposal_id))).values_list("email", flat=True)
    for email in emails:
        await mailer.send(email, subject, body)


# --- moderation -------------------------------------------------------------------------------

async def _agency(abbr: str) -> Agency:
    agency = await Agency.get_or_none(abbreviation=abbr) if abbr else None
    if agency is None:
        raise InvalidInput({"agency": _("Choose the responsible agency.")})
    return agency


async def start_review(who: Identity, proposal_id: int, *, now: datetime | None = None) -> None:
    await _transition(who, proposal_id, Action.START_REVIEW, now=now)


async def verify(who: Identity, proposal_id: int, agency_abbr: str, *, now: datetime | None = None,
                 calendar: WorkCalendar | None = None) -> None:
    """Verify and forward to `agency_abbr`; the agency has 5 HK to answer."""
    agency = await _agency(agency_abbr)
    now = now or utcnow()
    await _transition(who, proposal_id, Action.VERIFY, now=now, calendar=calendar,
                      note=agency.abbreviation, updates={"agency_id": agency.id, "verified_at": now})


async def return_for_clarification(who: Identity, proposal_id: int, reason: str, *,
                                   now: datetime | None = None) -> None:
    await _transition(who, proposal_id, Action.RETURN, now=now, note=reason, updates={"moderator_note": reason})


async def archive(who: Identity, proposal_id: int, reason: str, *, now: datetime | None = None) -> None:
    await _transition(who, proposal_id, Action.ARCHIVE, now=now, note=reason, updates={"moderator_note": reason})


async def reroute(who: Identity, proposal_id: int, agency_abbr: str, *, now: datetime | None = None,
                  calendar: WorkCalendar | None = None) -> None:
    agency = await _agency(agency_abbr)
    await _transition(who, proposal_id, Action.REROUTE, now=now, calendar=calendar, note=agency.abbreviation,
                      updates={"agency_id": agency.id})


async def merge(who: Identity, duplicate_id: int, keep_id: int, *, now: datetime | None = None) -> int:
    """Fold `duplicate_id` into `keep_id`: its supporters now support the kept proposal, each
    resident counted once. Returns the number of supports moved."""
    if not who.has(Role.MODERATOR):
        raise NotAllowed()
    if duplicate_id == keep_id:
        raise InvalidInput({"keep_id": _("Choose a different proposal to keep.")})
    now = now or utcnow()
    async with in_transaction() as conn:
        keep = await Proposal.get_or_none(id=keep_id).using_db(conn)
        if keep is None or keep.hidden or ProposalStatus(keep.status) in (S.DRAFT, S.MERGED, S.WITHDRAWN, S.ARCHIVED):
            raise InvalidInput({"keep_id": _("This proposal cannot absorb a duplicate.")})
        duplicate = await Proposal.get_or_none(id=duplicate_id).using_db(conn)
        if duplicate is None:
            raise NotFound()
        actors = actors_of(who, duplicate, await author_ids(duplicate_id, conn))
        calendar = await city_calendar.calendar()
        await _step(conn, duplicate, Action.MERGE, who, actors, now=now, calendar=calendar,
                    note=f"#{keep_id}", updates={"merged_into_id": keep_id})
        already = set(await Support.filter(proposal_id=keep_id).using_db(conn).values_list("user_id", flat=True))
        moving = [s for s in await Support.filter(proposal_id=duplicate_id).using_db(conn) if s.user_id not in already]  # type: ignore[attr-defined]
        for s in moving:
            await Support.create(proposal_id=keep_id, user_id=s.user_id, created_at=s.created_at, using_db=conn)  # type: ignore[attr-defined]
        removed = await Support.filter(proposal_id=duplicate_id).using_db(conn).delete()
        await Proposal.filter(id=duplicate_id).using_db(conn).update(support_count=F("support_count") - removed)
        if moving:
            await Proposal.filter(id=keep_id).using_db(conn).update(support_count=F("support_count") + len(moving))
        await TimelineEntry.create(proposal_id=keep_id, created_at=now, action="absorb", from_status=keep.status,
                                   to_status=keep.status, actor_id=who.user_id, actor_role=Actor.MODERATOR.value,
                                   note=f"#{duplicate_id}", using_db=conn)
        await audit.record("proposals:proposal:absorb", actor_id=who.user_id, target_type="proposal",
                           target_id=keep_id, data={"duplicate": duplicate_id, "moved": len(moving)}, conn=conn)
    return len(moving)


# --- agency answers and the author's reply ----------------------------------------------------

async def answer(who: Identity, proposal_id: int, kind: AnswerKind, text: str, cost: int | None,
                 mailer: Mailer, base_url: str, *, now: datetime | None = None,
                 calendar: WorkCalendar | None = None) -> ProposalStatus:
    """The responsible agency's officer answers within 5 HK (on time is recorded for statistics)."""
    if kind == AnswerKind.FEASIBLE and cost is None:
        raise InvalidInput({"cost": _("A feasible answer needs the agency's cost estimate.")})
    now = now or utcnow()
    proposal = await Proposal.get_or_none(id=proposal_id)
    if proposal is None:
        raise NotFound()
    on_time = proposal.deadline_at is None or now <= proposal.deadline_at
    updates: dict[str, Any] = {"answer_kind": kind.value, "answer_text": text, "answered_at": now,
                               "answered_on_time": on_time, "answer_agency_id": who.agency_id}
    if kind == AnswerKind.FEASIBLE:
        updates["answer_cost"] = cost
    if kind == AnswerKind.NOT_COMPETENT:
        updates = {"moderator_note": text, "answer_agency_id": who.agency_id}
    target = await _transition(who, proposal_id, domain.ANSWER_ACTION[kind], now=now, calendar=calendar,
                               note=text, updates=updates)
    if kind != AnswerKind.NOT_COMPETENT:
        await _mail_authors(mailer, proposal_id, _("The agency answered your proposal"),
                            _("The agency answered your proposal \"%(title)s\":\n%(url)s")
                            % {"title": proposal.title, "url": f"{base_url}/proposals/{proposal_id}"})
    return target


async def author_reply(who: Identity, proposal_id: int, text: str, *, now: datetime | None = None,
                       calendar: WorkCalendar | None = None) -> None:
    """Within 10 HK of the answer the author may reply, which reopens the proposal for the agency."""
    now = now or utcnow()
    proposal = await Proposal.get_or_none(id=proposal_id)
    if proposal is not None and proposal.deadline_at is not None and now > proposal.deadline_at:
        raise Conflict(_("The reply window of 10 working days has ended."))
    await _transition(who, proposal_id, Action.AUTHOR_REPLY, now=now, calendar=calendar, note=text)


SYSTEM = Identity()


async def auto_close(proposal_id: int, deadline_iso: str, *, now: datetime | None = None) -> bool:
    """Job: close an answered proposal whose reply window passed. Idempotent: only the answer
    that scheduled the job (same deadline, still answered) is closed."""
    now = now or utcnow()
    proposal = await Proposal.get_or_none(id=proposal_id)
    if (proposal is None or proposal.status != S.ANSWERED or proposal.deadline_at is None
            or proposal.deadline_at != datetime.fromisoformat(deadline_iso)
            or now <= proposal.deadline_at):
        return False
    calendar = await city_calendar.calendar()
    async with in_transaction() as conn:
        fresh = await Proposal.get(id=proposal_id).using_db(conn)
        try:
            await _step(conn, fresh, Action.AUTO_CLOSE, SYSTEM, frozenset({Actor.SYSTEM}), now=now,
                        calendar=calendar, updates={"deadline_at": None})
        except Conflict:
            return False
    return True


async def _claim_reminder(proposal_id: int, statuses: frozenset[ProposalStatus], deadline: datetime) -> Proposal | None:
    """The proposal when a reminder for `deadline` is due and not sent yet, claimed by a
    conditional update of `reminded_deadline_at` (so a job run twice mails once)."""
    proposal = await Proposal.get_or_none(id=proposal_id)
    if (proposal is None or proposal.status not in statuses or proposal.deadline_at is None
            or proposal.deadline_at != deadline or proposal.hidden):
        return None
    values = [s.value for s in statuses]
    claimed = await Proposal.filter(id=proposal_id, status__in=values).filter(
        reminded_deadline_at__isnull=True).update(reminded_deadline_at=deadline)
    if not claimed:
        claimed = await Proposal.filter(id=proposal_id, status__in=values).exclude(
            reminded_deadline_at=deadline).update(reminded_deadline_at=deadline)
    return proposal if claimed else None


async def _emails_of_role(role: Role, agency_id: int | None = None) -> list[str]:
    query = UserRole.filter(role=role.value)
    if agency_id is not None:
        query = query.filter(agency_id=agency_id)
    user_ids = await query.values_list("user_id", flat=True)
    return list(await User.filter(id__in=list(user_ids), disabled_at=None).order_by("id").values_list(
        "email", flat=True))


async def send_reminder(proposal_id: int, deadline_iso: str, mailer: Mailer, base_url: str) -> int:
    """Job: remind the officers of the responsible agency 2 HK before the answer deadline.
    Idempotent through a conditional update of `reminded_deadline_at`. Returns mails sent."""
    deadline = datetime.fromisoformat(deadline_iso)
    proposal = await _claim_reminder(proposal_id, frozenset({S.FORWARDED}), deadline)
    if proposal is None:
        return 0
    emails = await _emails_of_role(Role.OFFICER, proposal.agency_id)  # type: ignore[attr-defined]
    for email in emails:
        await mailer.send(email, _("Reminder: a proposal needs your agency's answer"),
                          _("The answer to proposal \"%(title)s\" is due on %(date)s.\n%(url)s")
                          % {"title": proposal.title, "date": deadline.astimezone(JAKARTA).date().isoformat(),
                             "url": f"{base_url}/proposals/{proposal_id}"})
    return len(emails)


MODERATOR_OWES = frozenset({S.SUBMITTED, S.IN_REVIEW, S.REROUTING})


async def send_moderator_reminder(proposal_id: int, deadline_iso: str, mailer: Mailer, base_url: str) -> int:
    """Job: remind the moderators 2 HK before the verification (or re-routing) deadline.
    Idempotent like :func:`send_reminder`. Returns mails sent."""
    deadline = datetime.fromisoformat(deadline_iso)
    proposal = await _claim_reminder(proposal_id, MODERATOR_OWES, deadline)
    if proposal is None:
        return 0
    emails = await _emails_of_role(Role.MODERATOR)
    for email in emails:
        await mailer.send(email, _("Reminder: a proposal waits for verification"),
                          _("Proposal \"%(title)s\" must be verified or re-routed by %(date)s.\n%(url)s")
                          % {"title": proposal.title, "date": deadline.astimezone(JAKARTA).date().isoformat(),
                             "url": f"{base_url}/proposals/{proposal_id}"})
    return len(emails)


def job_handlers(mailer: Mailer, base_url: str) -> dict[str, Callable[[Mapping[str, Any]], Awaitable[None]]]:
    async def close(payload: Mapping[str, Any]) -> None:
        await auto_close(int(payload["proposal_id"]), str(payload["deadline"]))

    async def remind(payload: Mapping[str, Any]) -> None:
        await send_reminder(int(payload["proposal_id"]), str(payload["deadline"]), mailer, base_url)

    async def remind_moderators(payload: Mapping[str, Any]) -> None:
        await send_moderator_reminder(int(payload["proposal_id"]), str(payload["deadline"]), mailer, base_url)

    return {JOB_AUTO_CLOSE: close, JOB_REMIND: remind, JOB_REMIND_MODERATORS: remind_moderators}

