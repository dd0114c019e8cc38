"""Decision register and implementation services on a real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import pytest

from portal.core.models import Agency, AuditEvent, Job
from portal.council import adoption, confirmations, implementation, project_queries, queries
from portal.council import services as council
from portal.council.domain import DecisionKind, LinkType
from portal.council.models import Decision, DecisionLink, ImplementationProject
from portal.errors import Conflict, InvalidInput, NotAllowed
from tests.council import factories as f

pytestmark = pytest.mark.usefixtures("council_db")


async def tags(target_type: str, target_id: int) -> list[str]:
    return list(await AuditEvent.filter(target_type=target_type, target_id=str(target_id)).order_by("id")
                .values_list("tag", flat=True))


async def test_publish_makes_the_decision_public_and_immutable(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    who = await f.councillor(svc)
    decision_id = await council.create_draft(who, f.draft(number="1/2026"))
    assert (await Decision.get(id=decision_id)).status == "draft"
    await council.publish(who, decision_id)
    with pytest.raises(Conflict):
        await council.update_draft(who, decision_id, f.draft(number="1/2026", title="Changed"))
    with pytest.raises(Conflict):
        await council.publish(who, decision_id)
    with pytest.raises(Conflict):
        await council.delete_draft(who, decision_id)
    decision = await Decision.get(id=decision_id)
    assert decision.title == "Jawaban atas usulan perbaikan jalan" and decision.published_at is not None
    assert await tags("decision", decision_id) == [
        "council:decision:created", "council:decision:published", "council:decision:edit_refused",
        "council:decision:edit_refused", "council:decision:edit_refused"]


async def test_database_refuses_changes_to_a_published_decision(app) -> None:  # type: ignore[no-untyped-def]
    who = await f.councillor(app.state.services)
    decision_id = await f.published(who)
    with pytest.raises(Exception, match="immutable"):  # the backend error (sqlite3 or asyncpg)
        await Decision.filter(id=decision_id).update(title="Rewritten history")
    with pytest.raises(Exception, match="immutable"):  # the backend error (sqlite3 or asyncpg)
        await Decision.filter(id=decision_id).delete()
    with pytest.raises(Exception, match="immutable"):  # the backend error (sqlite3 or asyncpg)
        await DecisionLink.create(decision_id=decision_id, target_type="proposal", target_id=1)
    assert (await Decision.get(id=decision_id)).title == "Jawaban atas usulan perbaikan jalan"


async def test_drafts_are_editable_and_numbers_unique(app) -> None:  # type: ignore[no-untyped-def]
    who = await f.councillor(app.state.services)
    first = await council.create_draft(who, f.draft(number="5/2026"))
    second = await council.create_draft(who, f.draft(number="6/2026"))
    with pytest.raises(InvalidInput) as exc:
        await council.create_draft(who, f.draft(number="5/2026"))
    assert "number" in exc.value.errors
    with pytest.raises(InvalidInput):
        await council.update_draft(who, second, f.draft(number="5/2026"))
    await council.update_draft(who, first, f.draft(number="5/2026", title="Judul baru"))
    assert (await Decision.get(id=first)).title == "Judul baru"
    await council.delete_draft(who, second)
    assert not await Decision.exists(id=second)


async def test_only_council_members_record_decisions(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    someone = await f.officer(svc)
    with pytest.raises(NotAllowed):
        await council.create_draft(someone, f.draft())
    assert await Decision.all().count() == 0


async def test_links_must_exist_and_kind_rules_apply(app) -> None:  # type: ignore[no-untyped-def]
    who = await f.councillor(app.state.services)
    with pytest.raises(InvalidInput) as exc:
        await council.create_draft(who, f.answer_proposal(9999))
    assert "link_proposal" in exc.value.errors
    with pytest.raises(InvalidInput) as exc:
        await council.create_draft(who, f.draft(kind=DecisionKind.ADOPT_PB))
    assert "link_pb_cycle" in exc.value.errors


async def test_amendment_links_both_decisions(app) -> None:  # type: ignore[no-untyped-def]
    who = await f.councillor(app.state.services)
    draft_id = await council.create_draft(who, f.draft())
    with pytest.raises(InvalidInput) as exc:
        await council.create_draft(who, f.draft(amends_id=draft_id))
    assert "amends" in exc.value.errors
    original = await f.published(who, title="Asli")
    correction = await f.published(who, title="Koreksi", amends_id=original)
    view = await queries.decision_detail(original, who)
    assert [a.id for a in view.amended_by] == [correction]
    assert (await queries.decision_detail(correction, who)).amends.id == original  # type: ignore[union-attr]


async def test_adopting_pb_results_creates_projects_once(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    who = await f.councillor(svc)
    proposal_id, _author, _supporters = await f.proposal_with_people(svc)
    cycle_id, (taman, lampu, sumur) = await f.published_cycle(svc, proposal_id=proposal_id)
    dsdabm = await Agency.get(abbreviation="DSDABM")
    disperkim = await Agency.exclude(id=dsdabm.id).first()
    adopt = f.draft(kind=DecisionKind.ADOPT_PB, links=((LinkType.PB_CYCLE, cycle_id),))
    decision_id = await council.create_draft(who, adopt)
    with pytest.raises(InvalidInput) as exc:  # "Lampu jalan" has no proposal, hence no agency
        await council.publish(who, decision_id)
    assert "agency" in exc.value.errors and "Lampu jalan" in exc.value.errors["agency"]
    assert (await Decision.get(id=decision_id)).status == "draft"  # rolled back with the projects
    await council.update_draft(who, decision_id, f.draft(number=adopt.number, kind=DecisionKind.ADOPT_PB,
                                                         links=adopt.links, agency_id=disperkim.id))
    created = await council.publish(who, decision_id)
    projects = {p.source_id: p for p in await ImplementationProject.filter(id__in=created)}
    assert set(projects) == {taman, lampu}  # "Sumur resapan" did not win
    assert (projects[taman].cost, projects[taman].agency_id, projects[taman].proposal_id) == (600, dsdabm.id, proposal_id)
    assert (projects[lampu].cost, projects[lampu].agency_id) == (300, disperkim.id)
    decision = await Decision.get(id=decision_id)
    links = [(LinkType.PB_CYCLE, cycle_id)]
    again = await adoption.create_projects(decision, links, actor_id=who.user_id, now=decision.updated_at,
                                           conn=Decision._meta.db)
    assert again == [] and await ImplementationProject.all().count() == 2
    shown = await queries.decisions_for("pb_cycle", cycle_id)
    assert [d.id for d in shown.decisions] == [decision_id] and len(shown.projects) == 2
    assert [p.title for p in (await queries.decisions_for("proposal", proposal_id)).projects] == ["Taman baca"]


async def test_adoption_needs_published_results(app) -> None:  # type: ignore[no-untyped-def]
    from tests.voting.factories import cycle

    who = await f.councillor(app.state.services)
    cycle_id, _ = await cycle()
    decision_id = await council.create_draft(who, f.draft(kind=DecisionKind.ADOPT_PB,
                                                          links=((LinkType.PB_CYCLE, cycle_id),)))
    with pytest.raises(Conflict):
        await council.publish(who, decision_id)
    assert (await Decision.get(id=decision_id)).status == "draft"


async def _done_project(svc):  # type: ignore[no-untyped-def]
    """A proposal answered by the council, implemented by DSDABM and marked done."""
    who = await f.councillor(svc)
    proposal_id, author, supporters = await f.proposal_with_people(svc, supporters=2)
    decision_id = await council.create_draft(who, f.answer_proposal(proposal_id))
    [project_id] = await council.publish(who, decision_id)
    worker = await f.officer(svc)
    await implementation.change_status(worker, project_id, "in_progress")
    await implementation.change_status(worker, project_id, "done")
    return project_id, who, worker, author, supporters


async def test_status_changes_by_the_responsible_agency_only(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    who = await f.councillor(svc)
    proposal_id, _a, _s = await f.proposal_with_people(svc)
    [project_id] = await council.publish(who, await council.create_draft(who, f.answer_proposal(proposal_id)))
    stranger = await f.officer(svc, agency="Disdukcapil")
    with pytest.raises(NotAllowed):
        await implementation.change_status(stranger, project_id, "in_progress")
    with pytest.raises(NotAllowed):
        await implementation.change_status(who, project_id, "in_progress")  # council does not report
    worker = await f.officer(svc)
    with pytest.raises(Conflict):
        await implementation.change_status(worker, project_id, "done")  # not started
    with pytest.raises(InvalidInput):
        await implementation.change_status(worker, project_id, "cancelled")  # no reason
    await implementation.change_status(worker, project_id, "procurement")
    project = await ImplementationProject.get(id=project_id)
    assert project.status == "procurement" and project.agency_id == worker.agency_id  # type: ignore[attr-defined]
    assert "council:implementation:status" in await tags("implementation", project_id)


async def test_progress_rolls_up_from_sub_projects(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    who = await f.councillor(svc)
    proposal_id, _a, _s = await f.proposal_with_people(svc)
    [parent] = await council.publish(who, await council.create_draft(who, f.answer_proposal(proposal_id)))
    worker = await f.officer(svc)
    small = await implementation.add_child(worker, parent, title="Drainase", cost=100)
    big = await implementation.add_child(worker, parent, title="Aspal", cost=300)
    await implementation.report_progress(worker, small, progress=100, spent=90)
    await implementation.report_progress(worker, big, progress=50, spent=120)
    await implementation.report_progress(worker, parent, progress=5, spent=210)  # own % ignored: has children
    view = await project_queries.project_detail(parent, worker)
    assert view.progress == 62 and view.spent == 210  # (100*100 + 50*300) / 400 = 62.5, floored
    with pytest.raises(InvalidInput):
        await implementation.report_progress(worker, big, progress=101, spent=0)


async def test_done_asks_the_proposals_residents(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    project_id, _who, _worker, author, supporters = await _done_project(svc)
    job = await Job.get(kind=implementation.JOB_ASK)
    assert f'"project_id": {project_id}' in job.payload
    assert await confirmations.ask(svc.mailer, "http://testserver", project_id) == 3
    recipients = {m.to for m in svc.outbox.latest(to="")}
    assert {author.email, *(s.email for s in supporters)} <= recipients


async def test_confirmations_one_per_resident_and_no_opens_review(app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    media = svc.settings.media_dir
    project_id, who, worker, author, (first, second) = await _done_project(svc)
    stranger = await f.officer(svc, agency="Disdukcapil")
    with pytest.raises(NotAllowed):
        await confirmations.answer(stranger, project_id, "yes", media_dir=media)
    assert await confirmations.answer(author, project_id, "yes", media_dir=media) is False
    assert await confirmations.answer(first, project_id, "no", comment="Masih berlubang", media_dir=media) is True
    assert await confirmations.answer(first, project_id, "no", media_dir=media) is False  # repeated: no new review
    assert await confirmations.answer(second, project_id, "unknown", media_dir=media) is False
    view = await project_queries.project_detail(project_id, first)
    assert view.answers == {"yes": 1, "no": 1, "unknown": 1} and view.verdict == "disputed"
    assert view.under_review and view.my_answer == "no" and [a.comment for a in view.no_answers] == [""]
    assert [r.id for r in await project_queries.reviews()] == [project_id]
    completions = await project_queries.agency_completions("DSDABM")
    assert completions is not None and (completions.share.done, completions.share.confirmed, completions.disputed) == (1, 0, 1)
    await confirmations.answer(first, project_id, "yes", media_dir=media)  # changed their mind
    completions = await project_queries.agency_completions("DSDABM")
    assert completions is not None and completions.share.confirmed == 1
    with pytest.raises(NotAllowed):
        await implementation.close_review(worker, project_id, outcome="reopen", note="x")
    await implementation.close_review(who, project_id, outcome="reopen", note="Perbaiki sisi utara.")
    project = await ImplementationProject.get(id=project_id)
    assert (project.status, project.under_review, project.review_note) == ("in_progress", False, "Perbaiki sisi utara.")
    with pytest.raises(Conflict):  # not done any more: no answers until it is done again
        await confirmations.answer(second, project_id, "yes", media_dir=media)
    assert {"council:implementation:review_opened", "council:implementation:review_closed",
            "council:confirmation:answered"} <= set(await tags("implementation", project_id))


async def test_updates_with_photos_by_agency_officers(app) -> None:  # type: ignore[no-untyped-def]
    import io

    from PIL import Image

    svc = app.state.services
    who = await f.councillor(svc)
    proposal_id, author, _s = await f.proposal_with_people(svc)
    [project_id] = await council.publish(who, await council.create_draft(who, f.answer_proposal(proposal_id)))
    image = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(image, "JPEG")
    with pytest.raises(NotAllowed):
        await implementation.add_update(author, project_id, text="Saya lihat", images=[], alt="",
                                        media_dir=svc.settings.media_dir)
    worker = await f.officer(svc)
    with pytest.raises(InvalidInput):
        await implementation.add_update(worker, project_id, text="x", images=[b"not an image"], alt="",
                                        media_dir=svc.settings.media_dir)
    await implementation.add_update(worker, project_id, text="Pengaspalan dimulai", images=[image.getvalue()],
                                    alt="Alat berat", media_dir=svc.settings.media_dir)
    view = await project_queries.project_detail(project_id, author)
    note = [t for t in view.timeline if t.kind == "note"][0]
    assert note.text == "Pengaspalan dimulai" and [(p.alt, p.width) for p in note.photos] == [("Alat berat", 40)]
    path, kind = await implementation.photo_file(note.photos[0].id, svc.settings.media_dir)
    assert path.exists() and kind == "image/jpeg"
