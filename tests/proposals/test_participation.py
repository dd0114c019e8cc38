"""Supports (race-safe), merging duplicates, comments, flags, appeals."""

from __future__ import annotations

import asyncio

import pytest

from portal.errors import Conflict, NotAllowed, NotFound
from portal.proposals import services as proposals
from portal.proposals.models import Appeal, Comment, Proposal, Support
from tests.proposals.factories import draft, moderator, resident, submitted


async def test_twenty_parallel_supports_add_exactly_one(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, fan = await resident(svc, 1), await resident(svc, 2)
    proposal_id = await submitted(author)
    results = await asyncio.gather(*(proposals.support(fan, proposal_id) for _ in range(20)))
    assert results.count(True) == 1
    assert await Support.filter(proposal_id=proposal_id).count() == 1
    assert (await Proposal.get(id=proposal_id)).support_count == 1


async def test_parallel_supports_by_many_residents_all_count(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author = await resident(svc, 1)
    fans = [await resident(svc, n) for n in range(2, 8)]
    proposal_id = await submitted(author)
    await asyncio.gather(*(proposals.support(f, proposal_id) for f in fans for _ in range(3)))
    assert (await Proposal.get(id=proposal_id)).support_count == len(fans)
    await asyncio.gather(*(proposals.unsupport(fans[0], proposal_id) for _ in range(5)))
    assert (await Proposal.get(id=proposal_id)).support_count == len(fans) - 1


async def test_only_verified_residents_support_and_not_drafts(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author = await resident(svc, 1)
    draft_id = await proposals.create_draft(author, draft())
    with pytest.raises(Conflict):
        await proposals.support(author, draft_id)
    proposal_id = await submitted(author)
    with pytest.raises(NotAllowed):
        await proposals.support(await moderator(svc), proposal_id)


async def test_merge_moves_supports_without_counting_a_resident_twice(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    a, b, c, d = [await resident(svc, n) for n in range(1, 5)]
    mod = await moderator(svc)
    keep = await submitted(a, title="Perbaikan jalan berlubang di Jalan Dago atas")
    duplicate = await submitted(b, title="Jalan Dago berlubang tolong diperbaiki")
    for who in (c, d):
        await proposals.support(who, keep)
    for who in (c, a):  # c supports both; a (keep's author) supports the duplicate only
        await proposals.support(who, duplicate)
    moved = await proposals.merge(mod, duplicate, keep)
    assert moved == 1  # only a moves; c already supports the kept proposal
    kept = await Proposal.get(id=keep)
    assert kept.support_count == 3 == await Support.filter(proposal_id=keep).count()
    dup = await Proposal.get(id=duplicate)
    assert dup.status == "merged" and dup.merged_into_id == keep and dup.support_count == 0  # type: ignore[attr-defined]
    with pytest.raises(NotAllowed):
        await proposals.merge(a, keep, duplicate)


async def test_comments_have_one_level_of_replies(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, other = await resident(svc, 1), await resident(svc, 2)
    proposal_id = await submitted(author)
    top = await proposals.add_comment(other, proposal_id, "Setuju, sangat berbahaya.")
    reply = await proposals.add_comment(author, proposal_id, "Terima kasih!", top)
    nested = await proposals.add_comment(other, proposal_id, "Sama-sama.", reply)
    assert (await Comment.get(id=nested)).parent_id == top  # type: ignore[attr-defined]
    assert (await Proposal.get(id=proposal_id)).comment_count == 3


async def test_three_distinct_flags_hide_then_appeal_once_and_moderator_restores(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author = await resident(svc, 1)
    flaggers = [await resident(svc, n) for n in (2, 3, 4)]
    mod = await moderator(svc)
    proposal_id = await submitted(author)
    with pytest.raises(Conflict):
        await proposals.flag(author, proposal_id, "Milik sendiri", svc.mailer)
    assert not await proposals.flag(flaggers[0], proposal_id, "Iklan terselubung", svc.mailer)
    assert not await proposals.flag(flaggers[0], proposal_id, "Lagi", svc.mailer)  # same resident: once
    assert not await proposals.flag(flaggers[1], proposal_id, "Spam", svc.mailer)
    assert await proposals.flag(flaggers[2], proposal_id, "Bahasa kasar", svc.mailer)
    assert (await Proposal.get(id=proposal_id)).hidden
    mail = [m for m in svc.outbox.latest() if m.to == "warga1@example.id"]
    assert mail and "Iklan terselubung" in mail[0].body  # the author is told why
    with pytest.raises(NotFound):  # hidden: gone for others
        await proposals.support(flaggers[0], proposal_id)
    await proposals.appeal(author, proposal_id, "Ini bukan iklan, ini usulan warga.")
    with pytest.raises(Conflict):
        await proposals.appeal(author, proposal_id, "Sekali lagi.")
    with pytest.raises(NotAllowed):
        await proposals.decide_hidden(author, proposal_id, True, "", svc.mailer)
    await proposals.decide_hidden(mod, proposal_id, True, "Bukan spam.", svc.mailer)
    p = await Proposal.get(id=proposal_id)
    assert not p.hidden
    assert (await Appeal.get(proposal_id=proposal_id)).decision == "restored"
