"""The council demo builds on the other demos' data and loads once."""

from __future__ import annotations

import pytest

from portal.council import demo
from portal.council.models import Confirmation, Decision, ImplementationProject
from tests.council import factories as f

pytestmark = pytest.mark.usefixtures("council_db")


async def test_demo_publishes_decisions_and_tracks_projects(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    await f.councillor(svc, email=demo.COUNCIL_EMAIL)
    proposal_id, _author, _s = await f.proposal_with_people(svc, supporters=3)
    await f.published_cycle(svc)
    await demo.load_demo()
    assert set(await Decision.filter(status="published").values_list("title", flat=True)) == {
        demo.ADOPT_TITLE, demo.ANSWER_TITLE}
    adopted = await ImplementationProject.filter(pb_cycle_id__isnull=False, parent_id=None).count()
    assert adopted == 2  # the two winners of the cycle
    assert await ImplementationProject.filter(parent_id__isnull=False).count() == 2  # sub-projects
    done = await ImplementationProject.get(proposal_id=proposal_id, status="done")
    answers = sorted(await Confirmation.filter(project_id=done.id).values_list("answer", flat=True))
    assert answers == ["no", "yes", "yes", "yes"] and done.under_review
    await demo.load_demo()  # idempotent
    assert await Decision.all().count() == 2
