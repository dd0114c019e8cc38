"""Moderation of comments: residents report a comment, FLAG_THRESHOLD distinct reports hide it
pending review, its author is told why and may appeal once, and a moderator hides or keeps it
visible with a reason. The same rules as for proposals (services.flag/appeal/decide_hidden),
applied to comments; every step is audited in the transaction of the change.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from portal.accounts.identity import Identity, Role
from portal.accounts.models import User
from portal.core import audit
from portal.core.mail import Mailer
from portal.core.timeutil import utcnow
from portal.errors import Conflict, NotAllowed, NotFound
from portal.i18n import gettext as _
from portal.proposals import domain, services
from portal.proposals.models import Comment, CommentAppeal, CommentFlag, Proposal


async def _comment(who: Identity, proposal_id: int, comment_id: int) -> tuple[Proposal, Comment]:
    """The comment, when its proposal is visible to `who` (else 404, as for the proposal)."""
    proposal, _authors = await services._visible(who, proposal_id)
    comment = await Comment.get_or_none(id=comment_id, proposal_id=proposal_id)
    if comment is None:
        raise NotFound()
    return proposal, comment


async def _mail_author(mailer: Mailer, comment: Comment, subject: str, body: str) -> None:
    user = await User.get_or_none(id=comment.author_id, disabled_at=None)  # type: ignore[attr-defined]
    if user is not None:
        await mailer.send(user.email, subject, body)


def _link(base_url: str, comment: Comment) -> str:
    return f"{base_url}/proposals/{comment.proposal_id}#comment-{comment.id}"  # type: ignore[attr-defined]


async def flag_comment(who: Identity, proposal_id: int, comment_id: int, reason: str, mailer: Mailer,
                       base_url: str = "", *, now: datetime | None = None) -> bool:
    """One report per resident and comment; True when this report hid the comment."""
    user_id = services._require_resident(who)
    _proposal, comment = await _comment(who, proposal_id, comment_id)
    if comment.author_id == user_id:  # type: ignore[attr-defined]
        raise Conflict(_("You cannot report your own comment."))
    if comment.hidden:
        return False
    now = now or utcnow()
    try:
        async with in_transaction() as conn:
            await CommentFlag.create(comment_id=comment.id, user_id=user_id, reason=reason, created_at=now,
                                     using_db=conn)
            await audit.record("proposals:comment_flag:add", actor_id=user_id, target_type="comment",
                               target_id=comment.id, data={"reason": reason[:300]}, conn=conn)
            count = await CommentFlag.filter(comment_id=comment.id, resolved=False).using_db(conn).count()
            hid = False
            if domain.should_hide(count):
                hid = bool(await Comment.filter(id=comment.id, hidden=False).using_db(conn).update(
                    hidden=True, hidden_reason=reason[:300]))
                if hid:
                    await Proposal.filter(id=proposal_id).using_db(conn).update(
                        comment_count=F("comment_count") - 1)
                    await audit.record("proposals:comment:hide", actor_id=None, target_type="comment",
                                       target_id=comment.id, data={"flags": count, "by": "residents"}, conn=conn)
    except IntegrityError:
        return False
    if hid:
        reasons = await CommentFlag.filter(comment_id=comment.id, resolved=False).values_list("reason", flat=True)
        await _mail_author(mailer, comment, _("Your comment is hidden pending review"),
                           _("Residents reported your comment, so it is hidden until a moderator reviews it. "
                             "Reasons given:\n%(reasons)s\n\nYou may appeal once: %(url)s")
                           % {"reasons": "\n".join(f"- {r}" for r in reasons), "url": _link(base_url, comment)})
    return hid


async def appeal_comment(who: Identity, proposal_id: int, comment_id: int, text: str, *,
                         now: datetime | None = None) -> None:
    """The comment's author appeals once against its hiding."""
    _proposal, comment = await _comment(who, proposal_id, comment_id)
    if who.user_id is None or comment.author_id != who.user_id:  # type: ignore[attr-defined]
        raise NotAllowed()
    if not comment.hidden:
        raise Conflict(_("This comment is not hidden."))
    try:
        async with in_transaction() as conn:
            await CommentAppeal.create(comment_id=comment.id, user_id=who.user_id, text=text,
                                       created_at=now or utcnow(), using_db=conn)
            await audit.record("proposals:comment_appeal:add", actor_id=who.user_id, target_type="comment",
                               target_id=comment.id, conn=conn)
    except IntegrityError:
        raise Conflict(_("You have already appealed; a comment can be appealed once.")) from None


async def decide_comment(who: Identity, proposal_id: int, comment_id: int, hide: bool, reason: str,
                         mailer: Mailer, base_url: str = "", *, now: datetime | None = None) -> None:
    """A moderator hides a comment or keeps/makes it visible, with a reason. Open reports are
    settled and a pending appeal decided; the author is told."""
    if not who.has(Role.MODERATOR):
        raise NotAllowed()
    now = now or utcnow()
    _proposal, comment = await _comment(who, proposal_id, comment_id)
    async with in_transaction() as conn:
        fresh = await Comment.get(id=comment.id).using_db(conn)
        await CommentFlag.filter(comment_id=comment.id, resolved=False).using_db(conn).update(resolved=True)
        await CommentAppeal.filter(comment_id=comment.id, decision="").using_db(conn).update(
            decision="upheld" if hide else "restored", decided_at=now, decided_by_id=who.user_id)
        changed = await Comment.filter(id=comment.id, hidden=not hide).using_db(conn).update(
            hidden=hide, hidden_reason=reason[:300] if hide else "")
        if hide and not changed:
            await Comment.filter(id=comment.id).using_db(conn).update(hidden_reason=reason[:300])
        if changed:
            await Proposal.filter(id=proposal_id).using_db(conn).update(
                comment_count=F("comment_count") + (-1 if hide else 1))
        await audit.record("proposals:comment:hide" if hide else "proposals:comment:restore",
                           actor_id=who.user_id, target_type="comment", target_id=comment.id,
                           data={"reason": reason[:300], "was_hidden": fresh.hidden, "by": "moderator"},
                           conn=conn)
    if hide and fresh.hidden:
        message = _("Your comment stays hidden. Reason: %(reason)s")
    elif hide:
        message = _("A moderator hid your comment. Reason: %(reason)s")
    elif fresh.hidden:
        message = _("Your comment is visible again. Note: %(reason)s")
    else:
        return  # reports dismissed on a visible comment: nothing changed for its author
    await _mail_author(mailer, comment, _("A moderator reviewed your comment"),
                       message % {"reason": reason} + "\n" + _link(base_url, comment))
