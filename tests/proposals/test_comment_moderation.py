"""Reporting comments: three residents hide a comment pending review, its author is told and
may appeal once, moderators hide or restore with a reason; all of it audited and enforced."""

from __future__ import annotations

import pytest

from portal.core.models import AuditEvent
from portal.errors import Conflict, NotAllowed, NotFound
from portal.proposals import comment_moderation as cm
from portal.proposals import queries
from portal.proposals import services as proposals
from portal.proposals.models import Comment, CommentAppeal, CommentFlag, Proposal
from tests.helpers import login, make_user, post_form
from tests.proposals.factories import moderator, resident, submitted

BODY = "Usulan ini tidak masuk akal, penulisnya bodoh sekali."


async def _commented(app):  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, writer = await resident(svc, 1), await resident(svc, 2)
    proposal_id = await submitted(author)
    comment_id = await proposals.add_comment(writer, proposal_id, BODY)
    return svc, proposal_id, comment_id, writer


async def test_three_distinct_reports_hide_the_comment_and_tell_its_author(app) -> None:  # type: ignore[no-untyped-def]
    svc, proposal_id, comment_id, writer = await _commented(app)
    reporters = [await resident(svc, n) for n in (3, 4, 5)]
    assert not await cm.flag_comment(reporters[0], proposal_id, comment_id, "Menghina", svc.mailer)
    assert not await cm.flag_comment(reporters[0], proposal_id, comment_id, "Lagi", svc.mailer)  # once each
    assert not await cm.flag_comment(reporters[1], proposal_id, comment_id, "Kasar", svc.mailer)
    assert (await Proposal.get(id=proposal_id)).comment_count == 1
    assert await cm.flag_comment(reporters[2], proposal_id, comment_id, "Ujaran kebencian", svc.mailer, "http://t")
    comment = await Comment.get(id=comment_id)
    assert comment.hidden and comment.hidden_reason == "Ujaran kebencian"
    assert (await Proposal.get(id=proposal_id)).comment_count == 0
    assert await CommentFlag.filter(comment_id=comment_id).count() == 3
    mail = next(m for m in svc.outbox.latest() if m.to == writer.email)
    assert "Menghina" in mail.body and "Kasar" in mail.body and f"#comment-{comment_id}" in mail.body
    tags = list(await AuditEvent.filter(target_type="comment").order_by("id").values_list("tag", flat=True))
    assert tags == ["proposals:comment_flag:add"] * 3 + ["proposals:comment:hide"]


async def test_own_comment_and_unverified_cannot_report(app) -> None:  # type: ignore[no-untyped-def]
    svc, proposal_id, comment_id, writer = await _commented(app)
    with pytest.raises(Conflict):
        await cm.flag_comment(writer, proposal_id, comment_id, "Sendiri", svc.mailer)
    with pytest.raises(NotAllowed):
        await cm.flag_comment(await moderator(svc), proposal_id, comment_id, "Bukan warga", svc.mailer)
    with pytest.raises(NotFound):  # the comment must belong to the proposal in the URL
        other = await submitted(await resident(svc, 6), title="Usulan lain tentang taman kota")
        await cm.flag_comment(await resident(svc, 3), other, comment_id, "Salah tempat", svc.mailer)


async def _hidden(app):  # type: ignore[no-untyped-def]
    svc, proposal_id, comment_id, writer = await _commented(app)
    for n in (3, 4, 5):
        await cm.flag_comment(await resident(svc, n), proposal_id, comment_id, f"Alasan {n}", svc.mailer)
    return svc, proposal_id, comment_id, writer


async def test_hidden_comment_body_is_shown_only_to_its_author_and_moderators(  # type: ignore[no-untyped-def]
        app) -> None:
    svc, proposal_id, comment_id, writer = await _hidden(app)
    other = await resident(svc, 7)
    views = {
        "public": (await queries.detail(other, proposal_id)).comments[0],
        "author": (await queries.detail(writer, proposal_id)).comments[0],
        "moderator": (await queries.detail(await moderator(svc), proposal_id)).comments[0],
    }
    assert views["public"].hidden and views["public"].body_html == "" and views["public"].flag_reasons == ()
    assert "bodoh" in views["author"].body_html and len(views["author"].flag_reasons) == 3
    assert "bodoh" in views["moderator"].body_html and views["moderator"].hidden_reason == "Alasan 5"
    with pytest.raises(NotFound):  # no replies to a hidden comment
        await proposals.add_comment(other, proposal_id, "Balasan ke komentar tersembunyi",
                                    comment_id)


async def test_author_appeals_once_and_moderator_restores(app) -> None:  # type: ignore[no-untyped-def]
    svc, proposal_id, comment_id, writer = await _hidden(app)
    with pytest.raises(NotAllowed):
        await cm.appeal_comment(await resident(svc, 8), proposal_id, comment_id, "Bukan komentar saya")
    await cm.appeal_comment(writer, proposal_id, comment_id, "Saya hanya mengkritik isi usulan.")
    with pytest.raises(Conflict):
        await cm.appeal_comment(writer, proposal_id, comment_id, "Sekali lagi")
    assert [c.id for c in await queries.flagged_comments()] == [comment_id]
    mod = await moderator(svc)
    await cm.decide_comment(mod, proposal_id, comment_id, False, "Kritik yang sah", svc.mailer)
    comment = await Comment.get(id=comment_id)
    assert not comment.hidden and comment.hidden_reason == ""
    assert (await CommentAppeal.get(comment_id=comment_id)).decision == "restored"
    assert not await CommentFlag.filter(comment_id=comment_id, resolved=False).exists()
    assert (await Proposal.get(id=proposal_id)).comment_count == 1
    assert await queries.flagged_comments() == []
    assert any("visible again" in m.body for m in svc.outbox.latest() if m.to == writer.email)
    event = await AuditEvent.filter(tag="proposals:comment:restore").first()
    assert event is not None and event.actor_id == mod.user_id


async def test_moderator_hides_a_visible_comment_with_a_reason(app) -> None:  # type: ignore[no-untyped-def]
    svc, proposal_id, comment_id, writer = await _commented(app)
    with pytest.raises(NotAllowed):
        await cm.decide_comment(await resident(svc, 3), proposal_id, comment_id, True, "Coba", svc.mailer)
    await cm.decide_comment(await moderator(svc), proposal_id, comment_id, True, "Menyerang pribadi", svc.mailer)
    comment = await Comment.get(id=comment_id)
    assert comment.hidden and comment.hidden_reason == "Menyerang pribadi"
    assert (await Proposal.get(id=proposal_id)).comment_count == 0
    assert any("Menyerang pribadi" in m.body for m in svc.outbox.latest() if m.to == writer.email)


async def test_report_and_moderate_through_the_pages(client, app) -> None:  # type: ignore[no-untyped-def]
    svc, proposal_id, comment_id, _writer = await _commented(app)
    await resident(svc, 3)
    await login(client, "warga3@example.id")
    page = f"/proposals/{proposal_id}"
    assert "Report this comment" in (await client.get(page)).text
    bad = await post_form(client, page, f"{page}/comments/{comment_id}/flag", {"reason": ""})
    assert bad.status_code == 422 and "This field is required." in bad.text
    ok = await post_form(client, page, f"{page}/comments/{comment_id}/flag", {"reason": "Kata-kata kasar"})
    assert ok.status_code == 303 and await CommentFlag.filter(comment_id=comment_id).count() == 1
    assert (await client.post(f"{page}/comments/{comment_id}/moderate",
                              data={"decision": "hide", "reason": "x"})).status_code == 403  # no CSRF, no role
    await make_user(svc, "mod@example.id", roles=("moderator",))
    await login(client, "mod@example.id")
    queue = await client.get("/moderation")
    assert "Reported comments (1)" in queue.text and "Kata-kata kasar" in queue.text
    done = await post_form(client, "/moderation", f"{page}/comments/{comment_id}/moderate",
                           {"decision": "hide", "reason": "Melanggar aturan diskusi", "next": "/moderation"})
    assert done.status_code == 303 and done.headers["location"] == "/moderation"
    assert (await Comment.get(id=comment_id)).hidden
    missing = await post_form(client, "/moderation", f"{page}/comments/{comment_id}/moderate", {"decision": "show"})
    assert missing.status_code == 422
    evil = await post_form(client, "/moderation", f"{page}/comments/{comment_id}/moderate",
                           {"decision": "show", "reason": "Boleh tampil", "next": "//evil.example"})
    assert evil.status_code == 303 and evil.headers["location"] == f"{page}#comments"


async def test_resident_cannot_moderate_comments(client, app) -> None:  # type: ignore[no-untyped-def]
    svc, proposal_id, comment_id, _writer = await _commented(app)
    await login(client, "warga2@example.id")
    page = f"/proposals/{proposal_id}"
    r = await post_form(client, page, f"{page}/comments/{comment_id}/moderate",
                        {"decision": "hide", "reason": "Saya mau"})
    assert r.status_code == 403 and not (await Comment.get(id=comment_id)).hidden
