"""Council pages over HTTP: who sees and may do what, forms (422 keeps input), htmx fragments,
and the decision shown on the pages of the items it concerns."""

from __future__ import annotations

import pytest

from portal.council import confirmations, implementation
from portal.council import services as council
from portal.council.domain import DecisionKind, LinkType
from portal.council.models import Confirmation, Decision, ImplementationProject
from tests.council import factories as f
from tests.helpers import csrf_of, login, post_form

pytestmark = pytest.mark.usefixtures("council_db")

FORM = {"number": "7/2026", "decided_on": "2026-12-01", "title": "Perbaikan Jalan Dago", "kind": "other",
        "text": "Dewan menyetujui.", "votes_for": "30", "votes_against": "4", "votes_abstain": "1",
        "dissenters": "Budi Santoso", "rationale": "", "budget_line": "1.03", "amount": "25.000.000",
        "proposals": "", "pb_cycle": "", "inspection": "", "actions": "", "agency": ""}


async def test_public_list_shows_published_decisions_only(app, client) -> None:  # type: ignore[no-untyped-def]
    who = await f.councillor(app.state.services)
    public = await f.published(who, title="Trotoar Dago", number="1/2026")
    await council.create_draft(who, f.draft(title="Rahasia dewan", number="2/2026"))
    await f.published(who, title="Lampu gang", number="3/2026", kind=DecisionKind.OTHER)
    page = await client.get("/decisions")
    assert page.status_code == 200 and "Trotoar Dago" in page.text and "Rahasia dewan" not in page.text
    found = await client.get("/decisions?q=trotoar&year=2026&kind=other", headers={"HX-Request": "true"})
    assert found.status_code == 200 and "<html" not in found.text and 'id="decision-results"' in found.text
    assert "Trotoar Dago" in found.text and "Lampu gang" not in found.text
    assert found.headers["vary"].startswith("HX-Request")
    assert "Trotoar Dago" not in (await client.get("/decisions?year=2025")).text
    assert (await client.get("/decisions?year=abcd&page=-3&kind=<x>")).status_code == 200  # junk is ignored
    detail = await client.get(f"/decisions/{public}")
    assert detail.status_code == 200 and "Budi Santoso" in detail.text and "30 for, 5 against, 2 abstained" in detail.text


async def test_drafts_are_hidden_from_the_public(app, client) -> None:  # type: ignore[no-untyped-def]
    who = await f.councillor(app.state.services)
    draft_id = await council.create_draft(who, f.draft())
    assert (await client.get(f"/decisions/{draft_id}")).status_code == 404
    await login(client, "dewan@example.id")
    assert (await client.get(f"/decisions/{draft_id}")).status_code == 200


async def test_only_council_members_reach_the_forms(app, client) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    await f.officer(svc)
    assert (await client.get("/decisions/new")).status_code in (302, 303)
    await login(client, "petugas.dsdabm@example.id")
    assert (await client.get("/decisions/new")).status_code == 403
    token = csrf_of((await client.get("/decisions")).text)
    response = await client.post("/decisions/new", data={"csrf_token": token, **FORM})
    assert response.status_code == 403 and await Decision.all().count() == 0


async def test_record_edit_and_publish_through_the_forms(app, client) -> None:  # type: ignore[no-untyped-def]
    await f.councillor(app.state.services)
    await login(client, "dewan@example.id")
    form = await client.get("/decisions/new")
    suggested = f'value="1/{implementation.today().year}"'
    assert form.status_code == 200 and suggested in form.text  # the next free number is suggested
    bad = await post_form(client, "/decisions/new", "/decisions/new", {**FORM, "votes_for": "2", "number": "7/2025"})
    assert bad.status_code == 422
    assert "A decision needs more votes for than against." in bad.text
    assert "The year in the number must be the year" in bad.text and "Perbaikan Jalan Dago" in bad.text
    created = await post_form(client, "/decisions/new", "/decisions/new", FORM)
    assert created.status_code == 303
    decision = await Decision.get(number="7/2026")
    assert (decision.amount, decision.dissenters, decision.status) == (25_000_000, "Budi Santoso", "draft")
    url = f"/decisions/{decision.id}"
    edited = await post_form(client, f"{url}/edit", f"{url}/edit", {**FORM, "title": "Judul baru"})
    assert edited.status_code == 303 and (await Decision.get(id=decision.id)).title == "Judul baru"
    published = await post_form(client, url, f"{url}/publish", {})
    assert published.status_code == 303 and (await Decision.get(id=decision.id)).status == "published"
    assert (await client.get(f"{url}/edit")).status_code == 409
    again = await post_form(client, url, f"{url}/edit", {**FORM, "title": "Sejarah ditulis ulang"})
    assert again.status_code == 409 and (await Decision.get(id=decision.id)).title == "Judul baru"
    amend = await client.get(f"/decisions/new?amends={decision.id}")
    assert amend.status_code == 200 and f'name="amends" value="{decision.id}"' in amend.text


async def test_decision_shows_on_the_proposal_and_cycle_pages(app, client) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    who = await f.councillor(svc)
    proposal_id, _author, _s = await f.proposal_with_people(svc)
    cycle_id, _ = await f.published_cycle(svc, proposal_id=proposal_id)
    other = (await f.proposal_with_people(svc))[0]
    decision_id = await f.published(who, kind=DecisionKind.ADOPT_PB, title="Penetapan hasil AP 2027",
                                    links=((LinkType.PB_CYCLE, cycle_id),), agency_id=1)
    for url in (f"/proposals/{proposal_id}", f"/budgets/{cycle_id}"):
        page = await client.get(url)
        assert page.status_code == 200, url
        assert f"/decisions/{decision_id}" in page.text and "Taman baca" in page.text, url
    assert "council-decisions" not in (await client.get(f"/proposals/{other}")).text


async def _done(svc):  # type: ignore[no-untyped-def]
    who = await f.councillor(svc)
    proposal_id, author, supporters = await f.proposal_with_people(svc)
    [project_id] = await council.publish(who, await council.create_draft(who, f.answer_proposal(proposal_id)))
    worker = await f.officer(svc)
    await implementation.change_status(worker, project_id, "in_progress")
    return project_id, author, supporters, worker


async def test_implementation_list_and_officer_reports(app, client) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    project_id, _author, _s, _worker = await _done(svc)
    listing = await client.get("/implementation?agency=DSDABM&status=in_progress&kecamatan=32.73.02")
    assert listing.status_code == 200 and f"/implementation/{project_id}" in listing.text
    empty = await client.get("/implementation?status=done", headers={"HX-Request": "true"})
    assert "<html" not in empty.text and f"/implementation/{project_id}" not in empty.text
    await login(client, "petugas.dsdabm@example.id")
    url = f"/implementation/{project_id}"
    bad = await post_form(client, url, f"{url}/progress", {"progress": "150", "spent": "10"})
    assert bad.status_code == 422 and "Must be at most 100." in bad.text
    ok = await post_form(client, url, f"{url}/progress", {"progress": "40", "spent": "5.000.000", "note": "Galian"})
    assert ok.status_code == 303
    project = await ImplementationProject.get(id=project_id)
    assert (project.progress, project.spent) == (40, 5_000_000)
    milestone = await post_form(client, url, f"{url}/milestones", {"title": "Pengaspalan", "due_on": "2027-02-01"})
    assert milestone.status_code == 303
    cancel = await post_form(client, url, f"{url}/status", {"status": "cancelled", "reason": ""})
    assert cancel.status_code == 422 and "Give the reason for cancelling." in cancel.text
    done = await post_form(client, url, f"{url}/status", {"status": "done"})
    assert done.status_code == 303 and (await ImplementationProject.get(id=project_id)).status == "done"
    page = await client.get(url)
    assert "Pengaspalan" in page.text and "Galian" in page.text


async def test_residents_answer_was_it_done(app, client) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    project_id, author, (supporter,), worker = await _done(svc)
    await implementation.change_status(worker, project_id, "done")
    url = f"/implementation/{project_id}"
    assert "Send my answer" not in (await client.get(url)).text  # anonymous: only the summary
    await login(client, supporter.email)
    page = await client.get(url)
    assert page.status_code == 200 and "Send my answer" in page.text
    missing = await post_form(client, url, f"{url}/confirm", {"comment": "?"})
    assert missing.status_code == 422 and "Choose one of the options." in missing.text
    token = csrf_of(page.text)
    fragment = await client.post(f"{url}/confirm", data={"csrf_token": token, "comment": "?"},
                                 headers={"HX-Request": "true"})
    assert fragment.status_code == 422 and fragment.text.lstrip().startswith("<section id=\"confirm\"")
    answered = await post_form(client, url, f"{url}/confirm", {"answer": "no", "comment": "Belum diaspal"})
    assert answered.status_code == 303
    assert (await ImplementationProject.get(id=project_id)).under_review
    shown = await client.get(url)
    assert "Belum diaspal" in shown.text and "disputed by residents" in shown.text
    assert await Confirmation.filter(project_id=project_id).count() == 1
    await post_form(client, url, f"{url}/confirm", {"answer": "yes"})
    assert (await Confirmation.get(project_id=project_id)).answer == "yes"  # changed, still one row
    sent = await confirmations.ask(svc.mailer, "http://testserver", project_id)
    assert sent == 2 and author.email in {m.to for m in svc.outbox.latest()}


async def test_agency_page_shows_confirmed_completions(app, client) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    project_id, author, _s, worker = await _done(svc)
    await implementation.change_status(worker, project_id, "done")
    await confirmations.answer(author, project_id, "yes", media_dir=svc.settings.media_dir)
    page = await client.get("/agencies/DSDABM")
    assert page.status_code == 200 and 'id="agency-completions"' in page.text and "1 / 1 (100%)" in page.text


async def test_council_review_list_and_closing(app, client) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    project_id, author, _s, worker = await _done(svc)
    await implementation.change_status(worker, project_id, "done")
    await confirmations.answer(author, project_id, "no", media_dir=svc.settings.media_dir)
    await login(client, "dewan@example.id")
    reviews = await client.get("/implementation/reviews")
    assert reviews.status_code == 200 and f"/implementation/{project_id}" in reviews.text
    url = f"/implementation/{project_id}"
    closed = await post_form(client, url, f"{url}/review", {"outcome": "reopen", "note": "Selesaikan sisi utara"})
    assert closed.status_code == 303
    project = await ImplementationProject.get(id=project_id)
    assert (project.status, project.under_review) == ("in_progress", False)


async def test_answer_sent_with_htmx_swaps_the_box_and_a_no_reloads_the_page(app, client) -> None:  # type: ignore[no-untyped-def]
    """The mail links to the page's #confirm: a redirect there would not reload the page."""
    svc = app.state.services
    project_id, author, (supporter,), worker = await _done(svc)
    await implementation.change_status(worker, project_id, "done")
    url = f"/implementation/{project_id}"
    await login(client, author.email)
    token = csrf_of((await client.get(url)).text)
    box = await client.post(f"{url}/confirm", data={"csrf_token": token, "answer": "yes"},
                            headers={"HX-Request": "true"})
    assert box.status_code == 200 and box.text.lstrip().startswith('<section id="confirm"')
    assert "Thank you for your answer." in box.text and "Your answer: Yes, it was done" in box.text
    assert "1 yes" in box.text and "HX-Redirect" not in box.headers
    no = await client.post(f"{url}/confirm", data={"csrf_token": token, "answer": "no"}, headers={"HX-Request": "true"})
    assert no.status_code == 200 and no.headers.get("HX-Refresh") == "true"
    assert (await ImplementationProject.get(id=project_id)).under_review
