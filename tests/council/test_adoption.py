"""One proposal, one implementation project: a PB winner whose proposal the council had already
answered ("the agency will do it") is linked to that project, not duplicated, and the other way
round; adopting again changes nothing."""

from __future__ import annotations

import json

import pytest

from portal.core.models import Agency, AuditEvent
from portal.council import adoption, implementation, project_queries, queries
from portal.council import services as council
from portal.council.domain import DecisionKind, LinkType
from portal.council.models import Decision, ImplementationProject, ProjectSource, ProjectUpdate
from tests.council import factories as f

pytestmark = pytest.mark.usefixtures("council_db")


async def _adopt_pb(who, cycle_id: int) -> int:  # type: ignore[no-untyped-def]
    """A PB adoption naming a fallback agency for "Lampu jalan", which has no proposal."""
    disperkim = await Agency.exclude(abbreviation="DSDABM").first()
    return await council.create_draft(who, f.draft(kind=DecisionKind.ADOPT_PB, links=((LinkType.PB_CYCLE, cycle_id),),
                                                   agency_id=disperkim.id))  # type: ignore[union-attr]


async def test_pb_winner_with_an_answered_proposal_links_the_existing_project(app, client) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    who = await f.councillor(svc)
    proposal_id, _author, _people = await f.proposal_with_people(svc)
    answer_id = await f.published(who, **{"kind": DecisionKind.ANSWER_PROPOSAL, "implement": True,
                                          "links": ((LinkType.PROPOSAL, proposal_id),)})
    [existing] = await ImplementationProject.filter(proposal_id=proposal_id).values_list("id", flat=True)
    cycle_id, (taman, lampu, _sumur) = await f.published_cycle(svc, proposal_id=proposal_id)

    adopt_id = await _adopt_pb(who, cycle_id)
    created = await council.publish(who, adopt_id)

    # only "Lampu jalan" is new; "Taman baca" (from the answered proposal) joins the existing project
    assert [p.source_id for p in await ImplementationProject.filter(id__in=created)] == [lampu]
    assert await ImplementationProject.filter(proposal_id=proposal_id).count() == 1
    source = await ProjectSource.get(source_type="pb_project", source_id=taman)
    assert (source.project_id, source.decision_id) == (existing, adopt_id)  # type: ignore[attr-defined]
    project = await ImplementationProject.get(id=existing)
    assert (project.decision_id, project.pb_cycle_id, project.source_type) == (answer_id, cycle_id, "proposal")  # type: ignore[attr-defined]
    assert await ProjectUpdate.filter(project_id=existing, kind="linked").count() == 1
    linked = await AuditEvent.get(tag="council:implementation:linked")
    assert linked.target_id == str(existing) and json.loads(linked.data)["source"] == ["pb_project", taman]

    # idempotent: running the adoption again creates and links nothing
    decision = await Decision.get(id=adopt_id)
    again = await adoption.create_projects(decision, [(LinkType.PB_CYCLE, cycle_id)], actor_id=who.user_id,
                                           now=decision.updated_at, conn=Decision._meta.db)
    assert again == [] and await ImplementationProject.all().count() == 2
    assert await ProjectSource.all().count() == 1 and await ProjectUpdate.filter(kind="linked").count() == 1

    # every page tells the same story: both decisions, one project
    assert {p.id for p in (await queries.decision_detail(adopt_id, who)).projects} == {existing, created[0]}
    about = await queries.decisions_for("proposal", proposal_id)
    assert [d.id for d in about.decisions] == [answer_id, adopt_id] and [p.id for p in about.projects] == [existing]
    assert existing in {p.id for p in (await queries.decisions_for("pb_cycle", cycle_id)).projects}
    view = await project_queries.project_detail(existing, who)
    assert [d[0] for d in view.also_decisions] == [adopt_id]
    page = await client.get(f"/implementation/{existing}")
    assert page.status_code == 200 and "Also adopted by" in page.text and decision.number in page.text
    assert "Anggaran partisipatif 2027" in page.text  # the cycle by its title, not a bare number


async def test_answer_after_pb_adoption_links_the_pb_project(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    who = await f.councillor(svc)
    proposal_id, _author, _people = await f.proposal_with_people(svc)
    cycle_id, (taman, _lampu, _sumur) = await f.published_cycle(svc, proposal_id=proposal_id)
    adopt_id = await _adopt_pb(who, cycle_id)
    await council.publish(who, adopt_id)
    pb_project = await ImplementationProject.get(source_type="pb_project", source_id=taman)

    answer_id = await council.create_draft(who, f.answer_proposal(proposal_id))
    assert await council.publish(who, answer_id) == []

    assert await ImplementationProject.filter(proposal_id=proposal_id).count() == 1
    source = await ProjectSource.get(source_type="proposal", source_id=proposal_id)
    assert (source.project_id, source.decision_id) == (pb_project.id, answer_id)  # type: ignore[attr-defined]


async def test_a_cancelled_project_does_not_absorb_a_later_pb_win(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    who = await f.councillor(svc)
    proposal_id, _author, _people = await f.proposal_with_people(svc)
    [first] = await council.publish(who, await council.create_draft(who, f.answer_proposal(proposal_id)))
    worker = await f.officer(svc)
    await implementation.change_status(worker, first, "cancelled", reason="Lahan tidak tersedia.")
    cycle_id, (taman, _lampu, _sumur) = await f.published_cycle(svc, proposal_id=proposal_id)

    created = await council.publish(who, await _adopt_pb(who, cycle_id))

    # residents voted it funds after all: a fresh project, the cancelled one stays as it was
    fresh = await ImplementationProject.get(source_type="pb_project", source_id=taman)
    assert fresh.id in created and fresh.id != first and fresh.status == "planned"
    assert (await ImplementationProject.get(id=first)).status == "cancelled"
    assert await ProjectSource.all().count() == 0
