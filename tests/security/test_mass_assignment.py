"""Mass assignment: fields a form does not offer (role, status, owner, agency, counters,
verification) are ignored when an attacker adds them to the request."""

from __future__ import annotations

from portal.accounts.models import User, UserRole
from portal.proposals.models import Comment, Proposal
from portal.voting.models import PbCycle
from tests.security import world as w
from tests.security.policy import CYCLE, PROPOSAL

EXTRA = {
    "role": "admin", "roles": "admin", "is_admin": "1", "status": "forwarded", "state": "closed",
    "author_id": "1", "created_by_id": "1", "user_id": "1", "agency_id": "1", "agency": "DSDABM",
    "support_count": "9999", "hidden": "0", "verified": "1", "email_confirmed_at": "2020-01-01",
    "disabled_at": "", "session_version": "99", "phase": "published", "tallied": "1", "id": "777",
}


async def test_registration_ignores_role_and_verification_fields(app) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset())
    async with w.logged_in(app, world):
        r = await world.request("anonymous", "POST", "/register", {
            **EXTRA, "name": "Rina", "email": "rina@example.id", "password": "a long password",
            "password_confirm": "a long password"})
        assert r.status_code == 303
    user = await User.get(email="rina@example.id")
    assert user.id != 777 and user.email_confirmed_at is None and user.session_version == 1
    assert await UserRole.filter(user_id=user.id).exclude(role="resident").count() == 0


async def test_proposal_fields_the_form_does_not_offer_are_ignored(app) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset({"proposals"}))
    async with w.logged_in(app, world):
        r = await world.request("resident", "POST", "/proposals/new", {**PROPOSAL, **EXTRA,
                                                                       "suggested_agency": "DSDABM"})
        assert r.status_code == 303
        created = await Proposal.get(title=PROPOSAL["title"])
        r = await world.request("owner", "POST", f"/proposals/{world.ids['draft']}/edit",
                                {**PROPOSAL, **EXTRA, "title": "Judul baru yang cukup panjang"})
        assert r.status_code == 303
        edited = await Proposal.get(id=world.ids["draft"])
        r = await world.request("resident", "POST", f"/proposals/{world.ids['forwarded']}/comments",
                                {**EXTRA, "body": "Setuju sekali"})
        assert r.status_code == 303
    for proposal in (created, edited):
        assert proposal.status == "draft" and proposal.agency_id is None  # type: ignore[attr-defined]
        assert proposal.support_count == 0 and not proposal.hidden and proposal.id != 777
    assert created.created_by_id == world.people["resident"].user_id  # type: ignore[attr-defined]
    assert edited.created_by_id == world.people["owner"].user_id  # type: ignore[attr-defined]
    comment = await Comment.get(body="Setuju sekali")
    assert comment.author_id == world.people["resident"].user_id  # type: ignore[attr-defined]


async def test_account_and_cycle_forms_ignore_extra_fields(app) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services, frozenset())
    async with w.logged_in(app, world):
        r = await world.request("unverified", "POST", "/account/verify", {
            **EXTRA, "nik": "3273026010908888", "kelurahan": "32.73.02.1004", "kelurahan_code": "32.73.01.1001"})
        assert r.status_code == 303
        r = await world.request("council", "POST", "/budgets/new", {**CYCLE, **EXTRA})
        assert r.status_code == 303
    roles = set(await UserRole.filter(user_id=world.people["unverified"].user_id).values_list("role", flat=True))
    assert "admin" not in roles
    cycle = await PbCycle.get(title=CYCLE["title"])
    assert cycle.phase == "draft" and cycle.id != 777
