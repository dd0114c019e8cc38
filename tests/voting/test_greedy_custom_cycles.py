"""greedy-custom through the whole stack: the cycle form's reserve share, the stored tally and its
explanations in both languages, the Pabulib export (``selected`` 2) and import, and ``pb tally``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portal.core.models import AuditEvent
from portal.errors import Conflict
from portal.voting import interop, tally
from portal.voting import services as pb
from portal.voting.domain import CycleInput, Phase
from portal.voting.models import PbCycle, PbProject, PbTallyRow
from portal.voting.pabulib import parse_pabulib
from tests.helpers import login, make_user, post_form
from tests.voting.factories import COUNCIL, TODAY, city_scope, cycle, resident, voter
from tests.voting.tally_helpers import tally_cli

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "pb"
POZNAN = SHARED / "Poland_Poznan_2023_9_-_Stare_Miasto.pb"
RESERVE_ERROR = "The reserve share must be a whole percentage from 1 to 100."
FORM = {"title": "PB Poznań-style 2027", "city_budget": "1000", "ballot_kind": "knapsack",
        "rule": "greedy-custom", "tie_break": ""}


async def test_council_creates_a_greedy_custom_cycle_with_a_reserve_share(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "dewan@example.id", roles=("council",))
    await login(client, "dewan@example.id")
    page = await client.get("/budgets/new")
    assert page.status_code == 200
    assert 'name="reserve_pct"' in page.text and 'value="80"' in page.text  # Poznań's default offered
    assert '<option value="greedy-custom"' in page.text
    r = await post_form(client, "/budgets/new", "/budgets/new", {**FORM, "reserve_pct": "75"})
    assert r.status_code == 303, r.text[:2000]
    row = await PbCycle.get(title="PB Poznań-style 2027")
    assert (row.rule, row.reserve_pct) == ("greedy-custom", 75)
    created = await AuditEvent.get(tag="voting:cycle:create", target_id=str(row.id))
    assert json.loads(created.data)["reserve_pct"] == 75
    detail = await client.get(f"/budgets/{row.id}")
    assert "at least 75% of its cost is left" in detail.text


@pytest.mark.parametrize("value", ["0", "101", "tujuh puluh", "-5", "80.5"])
async def test_bad_reserve_share_is_refused_with_422_and_nothing_saved(client, app, value: str) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "dewan@example.id", roles=("council",))
    await login(client, "dewan@example.id")
    r = await post_form(client, "/budgets/new", "/budgets/new", {**FORM, "reserve_pct": value})
    assert r.status_code == 422
    assert RESERVE_ERROR in r.text and 'id="error-reserve_pct"' in r.text
    assert f'value="{value}"' in r.text  # what was typed is kept for correction
    assert await PbCycle.all().count() == 0
    client.cookies.set("lang", "id")
    r = await post_form(client, "/budgets/new", "/budgets/new", {**FORM, "reserve_pct": value})
    assert r.status_code == 422
    assert "Bagian dana cadangan harus berupa persentase bulat dari 1 sampai 100." in r.text
    assert await PbCycle.all().count() == 0


async def test_reserve_share_is_ignored_by_other_rules_and_moderators_cannot_create(client, app) -> None:  # type: ignore[no-untyped-def]
    await make_user(app.state.services, "dewan@example.id", roles=("council",))
    await make_user(app.state.services, "mod@example.id", roles=("moderator",))
    await login(client, "dewan@example.id")
    r = await post_form(client, "/budgets/new", "/budgets/new", {**FORM, "rule": "greedy", "reserve_pct": "abc"})
    assert r.status_code == 303
    assert (await PbCycle.get(title=FORM["title"])).reserve_pct == tally.RESERVE_PCT
    await login(client, "mod@example.id")
    assert (await client.get("/budgets/new")).status_code == 403  # cycles: council and admin only


async def test_reserve_share_is_frozen_once_voting_opens(app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, _ = await cycle(phase=Phase.VOTING, rule="greedy-custom", reserve_pct=75)
    change = CycleInput(title="Anggaran partisipatif 2027", description="", city_budget=1000,
                        ballot_kind="knapsack", rule="greedy-custom", reserve_pct=60)
    with pytest.raises(Conflict):
        await pb.update_cycle(COUNCIL, cycle_id, change)
    assert (await PbCycle.get(id=cycle_id)).reserve_pct == 75
    assert await AuditEvent.filter(tag="voting:cycle:frozen_refused", target_id=str(cycle_id)).exists()


# Taman baca 600 (3 votes) is funded, 400 is left; Lampu jalan costs 480 (2 votes): 83.3 % of it
# is left, so the reserve pays 80; Sumur resapan (1 vote) is never considered.
PROJECTS = (("Taman baca", 600), ("Lampu jalan", 480), ("Sumur resapan", 200))


async def _tallied_cycle(app, phase: Phase = Phase.PUBLISHED) -> tuple[int, list[int]]:  # type: ignore[no-untyped-def]
    cycle_id, ids = await cycle(phase=Phase.VOTING, kind="k-approval", k=3, rule="greedy-custom",
                                projects=PROJECTS)
    a, b, c = ids
    scope = await city_scope(cycle_id)
    for picks in ((a, b, c), (a, b), (a,)):
        user = await resident(app.state.services)
        await pb.cast_ballot(voter(user), cycle_id=cycle_id, scope_id=scope,
                             raw=[(str(p), "1") for p in picks], today=TODAY)
    await pb.move_phase(COUNCIL, cycle_id, Phase.TALLYING)
    await pb.run_tally(COUNCIL, cycle_id)
    if phase is Phase.PUBLISHED:
        await pb.move_phase(COUNCIL, cycle_id, Phase.PUBLISHED)
    return cycle_id, ids


async def test_tally_stores_the_reserve_project(app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, (a, b, c) = await _tallied_cycle(app, Phase.TALLYING)
    rows = {r.project_id: r for r in await PbTallyRow.filter(scope__cycle_id=cycle_id, primary=True)}
    assert (rows[a].selected, rows[a].reason, rows[a].funded_order) == (True, "funded", 1)
    assert (rows[b].selected, rows[b].reason, rows[b].funded_order) == (True, "reserve", 2)
    assert rows[b].remaining_budget == "400"
    assert (rows[c].selected, rows[c].reason) == (False, "stopped")
    # Plain greedy (compared on the results page) would skip Lampu jalan and fund Sumur resapan.
    greedy = {r.project_id for r in await PbTallyRow.filter(scope__cycle_id=cycle_id, rule="greedy", selected=True)}
    assert greedy == {a, c}


async def test_results_page_explains_the_reserve_in_english_and_indonesian(client, app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, _ = await _tallied_cycle(app)
    page = await client.get(f"/budgets/{cycle_id}/results")
    assert page.status_code == 200
    for text in (
        "Funded from the city reserve: Rp\u00a0400 was left, 83.3 % of its cost Rp\u00a0480 (the rule allows at least "
        "80 %); the reserve paid the other Rp\u00a080.",
        "Not considered: the list stopped at “Lampu jalan”.",
        "Budget Rp\u00a01.000 · used Rp\u00a01.000 · 3 ballots",  # 600 + the 400 left, put into Lampu jalan
        "Paid from the city reserve on top of the budget: Rp\u00a080",
        "+ Rp\u00a080 from the city reserve",
    ):
        assert text in page.text, text
    client.cookies.set("lang", "id")
    page = await client.get(f"/budgets/{cycle_id}/results")
    assert page.status_code == 200
    for text in (
        "Didanai dari dana cadangan kota: tersisa Rp\u00a0400, yaitu 83,3 % dari biayanya Rp\u00a0480 (aturan ini "
        "membolehkan paling sedikit 80 %); dana cadangan membayar sisanya, Rp\u00a080.",
        "Tidak dipertimbangkan: daftar berhenti pada “Lampu jalan”.",
        "Dibayar dari dana cadangan kota di luar anggaran: Rp\u00a080",
    ):
        assert text in page.text, text


async def test_export_marks_the_reserve_project_with_selected_2(app) -> None:  # type: ignore[no-untyped-def]
    cycle_id, (a, b, c) = await _tallied_cycle(app)
    text = await interop.export_pb(cycle_id)
    parsed = parse_pabulib(text)
    assert parsed.rule == "greedy-custom"
    assert parsed.official_selected == (str(a),) and parsed.official_reserve == (str(b),)
    assert "at least 80% of that project's cost" in (parsed.meta_value("comment") or "")
    # Recomputing from the file alone gives the same outcome.
    assert tally.greedy_custom(parsed.election).selected == (str(a), str(b))
    from pabulib import checker  # a test dependency: missing, the test fails rather than skips
    results = checker.Checker().process_files([text])
    assert results["metadata"]["valid"] == 1, json.dumps(results, default=str)[:3000]


async def test_import_of_poznan_tallies_with_greedy_custom(db) -> None:  # type: ignore[no-untyped-def]
    if not POZNAN.exists():
        pytest.skip(f"{POZNAN.name} is not in shared/pb")
    cycle_id = await interop.import_pb(POZNAN.read_text(encoding="utf-8-sig"), name=POZNAN.name)
    c = await PbCycle.get(id=cycle_id)
    assert (c.rule, c.reserve_pct) == ("greedy-custom", 80)
    await pb.run_tally(COUNCIL, cycle_id)
    codes = dict(await PbProject.filter(cycle_id=cycle_id).values_list("id", "code"))
    funded = [codes[r.project_id] for r in await PbTallyRow.filter(
        scope__cycle_id=cycle_id, primary=True, selected=True)]
    assert funded == ["IX.1"]  # the city's official selection
    export = parse_pabulib(await interop.export_pb(cycle_id))
    assert export.official_selected == ("IX.1",) and export.official_reserve == ()


RESERVE_FILE = """META
key;value
budget;100
vote_type;approval
rule;greedy-custom
PROJECTS
project_id;cost;votes
a;60;3
b;50;2
c;30;1
VOTES
voter_id;vote
1;a,b,c
2;a,b
3;a
"""


@pytest.mark.parametrize(("argv", "printed"), [
    # The META rule: 40 of b's 50 (80 %) is left, so the reserve funds b and the list stops.
    ([], {"selected": ["a", "b"], "rule": "greedy-custom", "reserve": "b"}),
    # A stricter share: no reserve, greedy-no-skip's outcome.
    (["--reserve-pct", "90"], {"selected": ["a"], "rule": "greedy-custom"}),
    # Plain greedy skips b and funds c.
    (["--rule", "greedy"], {"selected": ["a", "c"], "rule": "greedy"}),
])
def test_pb_tally_cli_uses_the_reserve(
    tmp_path: Path, argv: list[str], printed: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "poznan-like.pb"
    path.write_text(RESERVE_FILE, encoding="utf-8")
    assert tally_cli(str(path), "--json", *argv) == 0
    assert json.loads(capsys.readouterr().out) == printed
    assert tally_cli(str(path), "--reserve-pct", "0") == 2
    assert "reserve_pct must be a whole percentage" in capsys.readouterr().err
