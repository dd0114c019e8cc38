"""Builders for open-data tests: a small public world with things that must stay private."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from portal.accounts.identity import Identity
from portal.core.models import Agency
from portal.council import services as council
from portal.council.domain import DecisionKind, LinkType
from portal.panels.models import Inspection, PanelMember, Scorecard, Service, SurveyResponse
from portal.panels.scoring import Scale
from portal.proposals import services as proposals
from portal.proposals.models import Proposal
from portal.voting import services as pb
from portal.voting.domain import Phase
from portal.web import Services
from tests.council.factories import councillor, proposal_with_people
from tests.council.factories import draft as decision_draft
from tests.helpers import make_user
from tests.proposals.factories import draft, moderator, person, resident, submitted
from tests.voting.factories import COUNCIL, TODAY, city_scope, cycle

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


@dataclass
class World:
    public: list[int] = field(default_factory=list)  # proposal ids anyone may see, in id order
    draft_id: int = 0
    hidden_id: int = 0
    forwarded_id: int = 0
    secrets: list[str] = field(default_factory=list)  # text that must never appear in open data


async def proposals_world(services: Services, n: int = 3) -> World:
    """n submitted proposals (one forwarded to DSDABM), plus a draft and a hidden one."""
    world = World()
    authors: list[Identity] = [await resident(services, k) for k in range(1, n + 1)]
    for k, author in enumerate(authors):
        world.public.append(await submitted(author, NOW, title=f"Usulan nomor {k + 1} tentang jalan",
                                            category="roads" if k % 2 == 0 else "drainage"))
    mod = await moderator(services)
    await proposals.verify(mod, world.public[0], "DSDABM", now=NOW)
    world.forwarded_id = world.public[0]
    world.draft_id = await proposals.create_draft(authors[0], draft(title="Draf rahasia belum dikirim"), now=NOW)
    world.hidden_id = await submitted(authors[-1], NOW, title="Usulan disembunyikan moderator")
    await Proposal.filter(id=world.hidden_id).update(hidden=True, hidden_reason="spam")
    world.secrets = ["@example.id", "Warga1", "Warga2", "3273026010", "Draf rahasia", "disembunyikan"]
    return world


async def inspection(*, agency: str = "Disdukcapil", state: str = "right_of_reply", panel_cards: int = 5,
                     survey_answers: int = 0, reply_deadline: date | None = None,
                     replied_at: datetime | None = None, services: Services | None = None) -> int:
    """An inspection in `state` with `panel_cards` submitted score cards (all answers `3`) and
    `survey_answers` survey responses (all answers `4`), written straight to the tables."""
    agency_row = await Agency.get(abbreviation=agency)
    service, _ = await Service.get_or_create(code=f"svc-{agency.lower()}",
                                             defaults={"name": f"Layanan {agency}", "agency_id": agency_row.id})
    i = await Inspection.create(
        title=f"Inspeksi {agency}", service=service, agency_id=agency_row.id, scope="Layanan loket",
        methods="site_visit", period_start=date(2026, 9, 1), period_end=date(2026, 9, 30), state=state,
        state_entered_at=NOW, created_by_id=1, reply_deadline=reply_deadline, replied_at=replied_at,
    )
    codes = Scale.PERMENPANRB_14_2017.codes
    if panel_cards:
        assert services is not None
        for k in range(panel_cards):
            user = await make_user(services, f"panelis{i.id}_{k}@example.id")
            member = await PanelMember.create(inspection=i, user=user, number=k + 1, selected_by="draw")
            await Scorecard.create(inspection=i, member=member, phase="fieldwork", visit=1, status="submitted",
                                   answers=json.dumps({c: 3 for c in codes}), submitted_at=NOW)
    for _k in range(survey_answers):
        await SurveyResponse.create(service=service, inspection=i, period="2026-09", scale=Scale.PERMENPANRB_14_2017.value,
                                    source="csv", answers=json.dumps({c: 4 for c in codes}))
    return i.id


async def published_cycle(services: Services, voters: int = 2) -> tuple[int, list[str]]:
    """A published city-wide cycle with `voters` online ballots; returns (id, receipt codes)."""
    cycle_id, ids = await cycle(phase=Phase.VOTING)
    scope = await city_scope(cycle_id)
    codes = []
    for k in range(voters):
        # NIK serials from 5000 up: clear of the proposal and voting factories' residents.
        who = await person(services, f"pemilih{cycle_id}_{k}@example.id", serial=5000 + 10 * cycle_id + k)
        codes.append(await pb.cast_ballot(who, cycle_id=cycle_id, scope_id=scope, raw=[(str(ids[1]), "1")],
                                          today=TODAY))
    await pb.move_phase(COUNCIL, cycle_id, Phase.TALLYING)
    await pb.run_tally(COUNCIL, cycle_id)
    await pb.move_phase(COUNCIL, cycle_id, Phase.PUBLISHED)
    return cycle_id, codes


async def adopted(services: Services) -> tuple[int, int, int]:
    """A published decision answering a proposal, which creates its implementation project;
    plus a draft. Returns (published id, draft id, proposal id)."""
    member = await councillor(services)
    proposal_id, _author, _people = await proposal_with_people(services, supporters=1)
    published = await council.create_draft(member, decision_draft(
        kind=DecisionKind.ANSWER_PROPOSAL, links=((LinkType.PROPOSAL, proposal_id),), implement=True))
    await council.publish(member, published)
    unpublished = await council.create_draft(member, decision_draft(title="Rancangan yang belum diputuskan"))
    return published, unpublished, proposal_id
