"""Pages and forms: drafting, listing with filters and htmx, visibility, staff permissions."""

from __future__ import annotations

import pytest

from portal.proposals import services as proposals
from portal.proposals.domain import AnswerKind
from portal.proposals.models import Proposal, Support
from tests.helpers import csrf_of, login, make_user, post_form
from tests.proposals.factories import draft, forwarded, moderator, officer, resident, submitted



@pytest.fixture(autouse=True)
def english(client) -> None:  # type: ignore[no-untyped-def]
    """Assert on the English source strings, whatever the catalog says."""
    client.cookies.set("lang", "en")


FORM = {
    "title": "Lampu jalan mati di Jalan Sekeloa",
    "description": "Sudah dua minggu lampu jalan mati.\n\nLihat foto di https://example.id/foto?id=1 ya.",
    "category": "public_facilities", "kecamatan": "32.73.02", "kelurahan": "32.73.02.1005",
    "address": "Depan masjid", "lat": "-6.8868", "lon": "107.6160", "suggested_agency": "Disperkim",
    "estimated_cost": "2.500.000",
}


async def test_resident_drafts_previews_and_submits(client, app) -> None:  # type: ignore[no-untyped-def]
    await resident(app.state.services, 1)
    await login(client, "warga1@example.id")
    r = await post_form(client, "/proposals/new", "/proposals/new", FORM)
    assert r.status_code == 303
    p = await Proposal.get(title=FORM["title"])
    assert p.status == "draft" and p.estimated_cost == 2_500_000 and p.lat == -6.8868
    preview = await client.get(r.headers["location"])
    assert preview.status_code == 200 and "preview of your draft" in preview.text
    assert '<a href="https://example.id/foto?id=1" rel="nofollow ugc noopener">' in preview.text
    r = await post_form(client, f"/proposals/{p.id}", f"/proposals/{p.id}/submit", {})
    assert r.status_code == 303
    assert (await Proposal.get(id=p.id)).status == "submitted"


async def test_invalid_form_is_422_with_input_kept(client, app) -> None:  # type: ignore[no-untyped-def]
    await resident(app.state.services, 1)
    await login(client, "warga1@example.id")
    bad = {**FORM, "kelurahan": "32.73.01.1001", "lat": "-6.2", "lon": "106.8", "title": "Lampu <b>mati</b> x"}
    r = await post_form(client, "/proposals/new", "/proposals/new", bad)
    assert r.status_code == 422
    assert "outside Kota Bandung" in r.text and "Lampu &lt;b&gt;mati&lt;/b&gt; x" in r.text
    r = await post_form(client, "/proposals/new", "/proposals/new", {**FORM, "kelurahan": "32.73.01.1001"})
    assert r.status_code == 422 and "not in the chosen kecamatan" in r.text
    assert not await Proposal.exists()


async def test_unverified_account_cannot_write(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "baru@example.id")
    await login(client, "baru@example.id")
    assert (await client.get("/proposals/new")).status_code == 403


async def test_list_search_filters_and_htmx_fragment(client, app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author = await resident(svc, 1)
    await submitted(author, title="Sampah menumpuk di Pasar Cihapit", category="waste",
                    kecamatan_code="32.73.09", kelurahan_code="32.73.09.1001", suggested_agency="DLH")
    await submitted(author)  # roads, Coblong
    hidden_draft = await proposals.create_draft(author, draft(title="Draf rahasia tentang trotoar"))
    page = await client.get("/proposals")
    assert page.status_code == 200 and "Sampah menumpuk" in page.text and "Jalan Dago" in page.text
    assert "Draf rahasia" not in page.text and hidden_draft
    r = await client.get("/proposals", params={"q": "sampah pasar"})
    assert "Sampah menumpuk" in r.text and "Jalan Dago" not in r.text
    r = await client.get("/proposals", params={"category": "roads", "kecamatan": "32.73.02", "sort": "supported"})
    assert "Jalan Dago" in r.text and "Sampah menumpuk" not in r.text
    fragment = await client.get("/proposals", params={"status": "submitted"}, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith("{#") is False
    assert fragment.text.lstrip().startswith('<div id="proposal-results">')
    assert "HX-Request" in fragment.headers["vary"]
    r = await client.get("/proposals", params={"sort": "nonsense", "page": "abc", "status": "draft"})
    assert r.status_code == 200


async def test_similar_suggestions_fragment(client, app) -> None:  # type: ignore[no-untyped-def]
    author = await resident(app.state.services, 1)
    await submitted(author)
    r = await client.get("/proposals/similar", params={"title": "jalan berlubang"}, headers={"HX-Request": "true"})
    assert r.text.lstrip().startswith('<div id="similar"') and "Jalan Dago" in r.text
    assert "Jalan Dago" in (await client.get("/proposals/similar", params={"title": "berlubang"})).text


async def test_hidden_and_draft_proposals_are_404_everywhere(client, app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author = await resident(svc, 1)
    flaggers = [await resident(svc, n) for n in (2, 3, 4)]
    proposal_id = await submitted(author)
    draft_id = await proposals.create_draft(author, draft())
    from tests.proposals.test_photos import jpeg_with_gps

    await proposals.add_photo(author, proposal_id, jpeg_with_gps(), svc.settings.media_dir)
    photo_id = (await Proposal.get(id=proposal_id).prefetch_related("photos")).photos[0].id  # type: ignore[attr-defined]
    for who in flaggers:
        await proposals.flag(who, proposal_id, "Spam iklan", svc.mailer)
    paths = [f"/proposals/{proposal_id}", f"/proposals/{proposal_id}/photos/{photo_id}", f"/proposals/{draft_id}"]
    for path in paths:
        assert (await client.get(path)).status_code == 404, path  # anonymous
    assert "Jalan Dago" not in (await client.get("/proposals")).text
    await login(client, "warga2@example.id")
    for path in paths:
        assert (await client.get(path)).status_code == 404, path  # another resident
    r = await post_form(client, "/proposals", f"/proposals/{proposal_id}/support", {"action": "add"})
    assert r.status_code == 404
    await client.post("/logout", data={"csrf_token": csrf_of((await client.get("/proposals")).text)})
    await login(client, "warga1@example.id")
    own = await client.get(f"/proposals/{proposal_id}")
    assert own.status_code == 200 and "Spam iklan" in own.text and "Send appeal" in own.text
    assert (await client.get(f"/proposals/{proposal_id}/photos/{photo_id}")).status_code == 200


async def test_support_widget_htmx_and_plain(client, app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author = await resident(svc, 1)
    fan = await resident(svc, 2)
    proposal_id = await submitted(author)
    await login(client, fan.email)
    token = csrf_of((await client.get(f"/proposals/{proposal_id}")).text)
    r = await client.post(f"/proposals/{proposal_id}/support", data={"csrf_token": token, "action": "add"},
                          headers={"HX-Request": "true"})
    assert r.status_code == 200 and r.text.lstrip().startswith(f'<div id="support-{proposal_id}"')
    assert "1 supporter" in r.text
    r = await client.post(f"/proposals/{proposal_id}/support", data={"csrf_token": token, "action": "remove"})
    assert r.status_code == 303 and not await Support.exists()


async def test_officer_cannot_answer_another_agencys_item_and_sees_own_inbox(client, app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, mod = await resident(svc, 1), await moderator(svc)
    await officer(svc, "Dishub", "dishub@example.id")
    await officer(svc, "DSDABM", "dsdabm@example.id")
    proposal_id = await forwarded(author, mod, "DSDABM")
    await login(client, "dishub@example.id")
    inbox = await client.get("/agency/inbox")
    assert inbox.status_code == 200 and "Jalan Dago" not in inbox.text
    r = await post_form(client, "/agency/inbox", f"/proposals/{proposal_id}/answer",
                        {"kind": "direct", "text": "Kami tangani saja walau bukan urusan kami."})
    assert r.status_code == 403
    assert (await Proposal.get(id=proposal_id)).status == "forwarded"
    await client.post("/logout", data={"csrf_token": csrf_of(inbox.text)})
    await login(client, "dsdabm@example.id")
    inbox = await client.get("/agency/inbox")
    assert "Jalan Dago" in inbox.text
    r = await post_form(client, f"/proposals/{proposal_id}", f"/proposals/{proposal_id}/answer",
                        {"kind": "feasible", "text": "Layak, kami anggarkan tahun depan.", "cost": ""})
    assert r.status_code == 422 and "This field is required" in r.text
    r = await post_form(client, f"/proposals/{proposal_id}", f"/proposals/{proposal_id}/answer",
                        {"kind": "feasible", "text": "Layak, kami anggarkan tahun depan.", "cost": "45.000.000"})
    assert r.status_code == 303
    page = await client.get(f"/proposals/{proposal_id}")
    assert "Rp\u00a045.000.000" in page.text and "Eligible for participatory budget" in page.text


async def test_resident_cannot_use_moderation(client, app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author = await resident(svc, 1)
    proposal_id = await submitted(author)
    await login(client, "warga1@example.id")
    assert (await client.get("/moderation")).status_code == 403
    assert (await client.get("/agency/inbox")).status_code == 403
    r = await post_form(client, "/proposals", f"/proposals/{proposal_id}/moderate/verify", {"agency": "DSDABM"})
    assert r.status_code == 403


async def test_moderator_verifies_returns_and_sees_queue_and_escalations(client, app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author = await resident(svc, 1)
    await moderator(svc)
    old = await submitted(author)  # submitted on 27 Mar 2025: long overdue now
    await login(client, "mod@example.id")
    queue = await client.get("/moderation")
    assert queue.status_code == 200 and "Jalan Dago" in queue.text and "Overdue" in queue.text
    assert "Jalan Dago" in (await client.get("/proposals/escalations")).text
    assert "Jalan Dago" in (await client.get("/proposals", params={"overdue": "1"})).text
    r = await post_form(client, f"/proposals/{old}", f"/proposals/{old}/moderate/return", {"reason": ""})
    assert r.status_code == 422
    r = await post_form(client, f"/proposals/{old}", f"/proposals/{old}/moderate/verify", {"agency": "DSDABM"})
    assert r.status_code == 303
    assert (await Proposal.get(id=old)).status == "forwarded"
    r = await post_form(client, f"/proposals/{old}", f"/proposals/{old}/moderate/verify", {"agency": "DSDABM"})
    assert r.status_code == 409


async def test_comment_and_flag_forms(client, app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author = await resident(svc, 1)
    await resident(svc, 2)
    proposal_id = await submitted(author)
    await login(client, "warga2@example.id")
    page = f"/proposals/{proposal_id}"
    assert (await post_form(client, page, f"{page}/comments", {"body": ""})).status_code == 422
    r = await post_form(client, page, f"{page}/comments", {"body": "<i>Setuju</i> sekali"})
    assert r.status_code == 303
    text = (await client.get(page)).text
    assert "&lt;i&gt;Setuju&lt;/i&gt; sekali" in text
    # The flag button is a verb ("Kirim laporan"), not the noun "Laporan" of a panel's report.
    assert '>Send report</button>' in text
    client.cookies.set("lang", "id")
    text = (await client.get(page)).text
    assert '>Kirim laporan</button>' in text and '>Laporan</button>' not in text
    client.cookies.set("lang", "en")
    r = await post_form(client, page, f"{page}/flag", {"reason": "Duplikat usulan lain"})
    assert r.status_code == 303


async def test_stats_page_has_charts_and_tables(client, app) -> None:  # type: ignore[no-untyped-def]
    svc = app.state.services
    author, mod, dsdabm = await resident(svc, 1), await moderator(svc), await officer(svc)
    proposal_id = await forwarded(author, mod)
    await proposals.answer(dsdabm, proposal_id, AnswerKind.DIRECT, "Sudah kami perbaiki.", None, svc.mailer, "")
    r = await client.get("/proposals/stats")
    assert r.status_code == 200
    assert r.text.count("<svg") == 4 and "<th scope=\"row\">DSDABM</th>" in r.text
