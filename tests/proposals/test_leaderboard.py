"""Leaderboard from the record: anti-farming rules, opt-out privacy, pages."""

from __future__ import annotations

import pytest

from portal.accounts.models import ResidentVerification
from portal.core.models import AuditEvent, Kelurahan
from portal.errors import NotAllowed
from portal.proposals import comment_moderation, leaderboard
from portal.proposals import services as proposals
from portal.proposals.gamification import Activity
from tests.helpers import login, make_user, post_form
from tests.proposals.factories import moderator, resident, submitted


async def _city(app):  # type: ignore[no-untyped-def]
    """Ani (1) writes two proposals, one withdrawn; Budi (2) and Cici (3) support and comment;
    Dedi (4) lives in another kecamatan and supports too."""
    svc = app.state.services
    ani, budi, cici, dedi = [await resident(svc, n) for n in (1, 2, 3, 4)]
    elsewhere = await Kelurahan.exclude(kecamatan_id="32.73.02").order_by("code").first()
    assert elsewhere is not None
    await ResidentVerification.filter(user_id=dedi.user_id).update(kelurahan_id=elsewhere.code)
    mod = await moderator(svc)
    kept = await submitted(ani)
    await proposals.verify(mod, kept, "DSDABM")
    withdrawn = await submitted(ani, title="Usulan yang kemudian ditarik kembali")
    for who in (ani, budi, cici, dedi):  # Ani's own support earns nothing
        await proposals.support(who, kept)
    await proposals.support(budi, withdrawn)
    await proposals.add_comment(budi, kept, "Setuju sekali, jalan ini berbahaya.")
    await proposals.add_comment(budi, kept, "Komentar kedua tidak menambah poin.")
    rude = await proposals.add_comment(cici, kept, "Komentar yang kemudian disembunyikan.")
    await comment_moderation.decide_comment(mod, kept, rude, True, "Tidak sopan", svc.mailer)
    await proposals.withdraw(ani, withdrawn)
    return svc, ani, budi, cici, dedi, elsewhere.kecamatan_id  # type: ignore[attr-defined]


async def test_activity_follows_the_anti_farming_rules(app) -> None:  # type: ignore[no-untyped-def]
    _svc, ani, budi, cici, dedi, _kec = await _city(app)
    acts = await leaderboard.activities()
    # One counted proposal (the withdrawn one is gone), verified; three supports from others.
    assert acts[ani.user_id] == Activity(proposals=1, verified=1, supports_received=3)
    # Two comments on one proposal count once; the support on the withdrawn proposal is gone.
    assert acts[budi.user_id] == Activity(commented_on=1, supported=1)
    assert acts[cici.user_id] == Activity(supported=1)  # the hidden comment earns nothing
    assert acts[dedi.user_id] == Activity(supported=1)


async def test_board_ranks_residents_of_a_kecamatan_and_the_kecamatan(app) -> None:  # type: ignore[no-untyped-def]
    _svc, ani, budi, _cici, _dedi, other = await _city(app)
    board = await leaderboard.board(ani)
    assert board.kecamatan_code == "32.73.02"  # the viewer's own kecamatan by default
    assert [(c.rank, c.name, c.points) for c in board.contributors] == [(1, "Warga1", 33), (2, "Warga2", 3),
                                                                        (3, "Warga3", 1)]
    assert board.contributors[0].badges == ["first_proposal", "proposal_verified"]
    assert [(k.code, k.points, k.contributors) for k in board.kecamatan] == [("32.73.02", 37, 3), (other, 1, 1)]
    assert board.mine is not None and board.mine.points == 33 and board.mine.rank == 1
    elsewhere = await leaderboard.board(ani, other)
    assert [c.name for c in elsewhere.contributors] == ["Warga4"]


async def test_opt_out_hides_the_name_but_keeps_the_kecamatan_total(app) -> None:  # type: ignore[no-untyped-def]
    _svc, ani, budi, _cici, _dedi, _other = await _city(app)
    await leaderboard.set_listed(ani, False)
    await leaderboard.set_listed(ani, False)  # idempotent
    board = await leaderboard.board(budi)
    assert "Warga1" not in [c.name for c in board.contributors]
    assert [(c.rank, c.name) for c in board.contributors] == [(1, "Warga2"), (2, "Warga3")]
    assert board.kecamatan[0].points == 37
    mine = (await leaderboard.board(ani)).mine
    assert mine is not None and mine.opted_out and mine.rank is None and mine.points == 33
    await leaderboard.set_listed(ani, True)
    assert "Warga1" in [c.name for c in (await leaderboard.board(budi)).contributors]
    tags = list(await AuditEvent.filter(tag__startswith="proposals:leaderboard").order_by("id").values_list(
        "tag", flat=True))
    assert tags == ["proposals:leaderboard:opt_out", "proposals:leaderboard:opt_in"]


async def test_only_verified_residents_choose(app) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotAllowed):
        await leaderboard.set_listed(await moderator(app.state.services), False)


async def test_leaderboard_page_and_opt_out_form(client, app) -> None:  # type: ignore[no-untyped-def]
    await _city(app)
    anonymous = await client.get("/leaderboard")
    assert anonymous.status_code == 200
    assert "Warga1" in anonymous.text and "First proposal" in anonymous.text
    assert "Submit a proposal that reaches the city" in anonymous.text  # the rule is on the badge
    assert "Your points and badges" not in anonymous.text
    fragment = await client.get("/leaderboard", params={"kecamatan": "32.73.02"}, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="leaderboard-contributors"')
    assert (await client.get("/leaderboard", params={"kecamatan": "'\"<x>"})).status_code == 200
    await login(client, "warga1@example.id")
    mine = await client.get("/leaderboard")
    assert "Your points and badges" in mine.text and "33 points" in mine.text
    r = await post_form(client, "/leaderboard", "/leaderboard/visibility", {"listed": "0"})
    assert r.status_code == 303
    page = (await client.get("/leaderboard")).text
    assert "Show me on the leaderboard" in page
    assert (await client.post("/leaderboard/visibility", data={"listed": "1"})).status_code == 403  # CSRF


async def test_unverified_user_cannot_opt_out_through_the_page(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "baru@example.id")
    await login(client, "baru@example.id")
    page = await client.get("/leaderboard")
    assert "Hide me from the leaderboard" not in page.text
    r = await post_form(client, "/leaderboard", "/leaderboard/visibility", {"listed": "0"})
    assert r.status_code == 403
