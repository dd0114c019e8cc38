"""Pabulib interop backed by the database: import a ``.pb`` file as a closed cycle, export a
cycle's ballot scope as a ``.pb`` file. Parsing and writing are the pure `pabulib` module's.

Anonymity of the export: the ``voter_id`` of each ballot is its public key (the SHA-256 of its
receipt code), ballots are sorted by that key (so the file order says nothing about when or
where anyone voted), and no other voter column is written. Anyone holding a receipt can find
their ballot in the file; anyone can recompute the outcome with pabutools or ``pb tally``.

CLI wiring (``python -m portal pb import FILE`` / ``pb export CYCLE OUT``) is in `pb_db_cli`.
"""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction
from typing import Any

from tortoise.transactions import in_transaction

from portal.core import audit
from portal.errors import InvalidInput, NotFound
from portal.voting import tally
from portal.voting.ballot_rules import BallotKind
from portal.voting.domain import Phase
from portal.voting.models import PbBallot, PbCycle, PbProject, PbScope, PbTallyRow, PbVoter
from portal.voting.pabulib import PabulibError, parse_pabulib, write_pabulib

BATCH = 2000
KIND_OF_VOTE_TYPE = {
    tally.VoteType.APPROVAL: BallotKind.KNAPSACK,
    tally.VoteType.CHOOSE_1: BallotKind.K_APPROVAL,
    tally.VoteType.CUMULATIVE: BallotKind.CUMULATIVE,
    tally.VoteType.ORDINAL: BallotKind.RANKED,
}
VOTE_TYPE_OF_KIND = {
    BallotKind.KNAPSACK: "approval",
    BallotKind.K_APPROVAL: "approval",
    BallotKind.CUMULATIVE: "cumulative",
    BallotKind.RANKED: "ordinal",
}


def _int_meta(info: dict[str, str], key: str) -> int | None:
    value = info.get(key, "").strip()
    return int(value) if value.isdigit() else None


async def import_pb(text: str, *, name: str = "", actor_id: int | None = None) -> int:
    """Create a closed cycle (phase ``tallying``) with the file's projects and anonymous ballots.

    The tally rule is the file's META ``rule`` when Warga knows it, else ``greedy``; run
    `services.run_tally` next to reproduce (or challenge) the official outcome.
    Returns the new cycle id.
    """
    try:
        parsed = parse_pabulib(text)
    except PabulibError as exc:
        raise InvalidInput({"file": str(exc)}) from None
    info = dict(parsed.meta)
    election = parsed.election
    kind = KIND_OF_VOTE_TYPE[election.vote_type]
    budget = election.budget
    if not isinstance(budget, int):
        budget = int(budget)  # fractional budgets (rare) are floored to whole currency units
    columns = parsed.project_columns
    name_col = columns.index("name") if "name" in columns else None
    rule = parsed.rule if parsed.rule in tally.RULES else "greedy"
    title = (info.get("description") or name or "Pabulib")[:200]
    async with in_transaction() as conn:
        cycle = await PbCycle.create(
            title=title, description=info.get("comment", "")[:5000], phase=Phase.TALLYING.value,
            total_budget=budget, ballot_kind=kind.value, rule=rule, tie_break="",
            min_score=str(election.min_score) if election.min_score is not None else "",
            k=1 if election.vote_type is tally.VoteType.CHOOSE_1 else _int_meta(info, "max_length"),
            max_projects=election.max_length or _int_meta(info, "max_length"),
            points=_int_meta(info, "max_sum_points"), max_points_per_project=_int_meta(info, "max_points"),
            imported_from=name[:200], created_by_id=actor_id, using_db=conn,
        )
        scope = await PbScope.create(cycle_id=cycle.id, kecamatan_code=None, budget=budget, using_db=conn)
        await PbProject.bulk_create([
            PbProject(cycle_id=cycle.id, scope_id=scope.id, code=p.id, cost=p.cost,
                      title=(row[name_col] if name_col is not None and len(row) > name_col and row[name_col]
                             else p.id)[:200])
            for p, row in zip(election.projects, parsed.project_rows, strict=True)
        ], batch_size=BATCH, using_db=conn)
        ids = dict(await PbProject.filter(scope_id=scope.id).using_db(conn).values_list("code", "id"))
        points = election.points
        ballots = []
        for n, (voter, vote) in enumerate(zip(parsed.voter_ids, election.ballots, strict=True)):
            pts = points[n] if points is not None else (1,) * len(vote)
            ballots.append(PbBallot(
                scope_id=scope.id, voter_key=f"pb:{voter}"[:80], public_key=str(voter)[:80], channel="imported",
                choices=json.dumps([[ids[pid], p] for pid, p in zip(vote, pts, strict=True)]),
                cast_at=cycle.created_at))
        await PbBallot.bulk_create(ballots, batch_size=BATCH, using_db=conn)
        await PbVoter.bulk_create(
            [PbVoter(cycle_id=cycle.id, voter_key=b.voter_key, channel="imported") for b in ballots],
            batch_size=BATCH, using_db=conn)
        await audit.record("voting:cycle:import", actor_id=actor_id, target_type="pb_cycle", target_id=cycle.id,
                           data={"file": name, "sha256": hashlib.sha256(text.encode()).hexdigest(),
                                 "ballots": len(ballots), "projects": len(election.projects), "rule": rule},
                           conn=conn)
    return cycle.id


# The META ``rule`` values pabulib-checker 1.0.8 accepts; other Warga rules are written as
# "unknown" with the exact rule name in a numbered comment.
PABULIB_RULES = frozenset({
    "equalshares", "equalshares-comparison", "equalshares/add1", "equalshares/add1-comparison", "greedy",
    "greedy-custom", "greedy-exclusive", "greedy-no-skip", "greedy-threshold", "unknown",
})


def _meta(cycle: PbCycle, scope: PbScope, subunit: str) -> dict[str, Any]:
    """META in the order pabulib.org/format lists it (the writer fills num_projects/num_votes
    in place, keeping this order)."""
    kind = BallotKind(cycle.ballot_kind)
    begin = cycle.voting_from or cycle.created_at.date()
    end = cycle.voting_until or (cycle.published_at or cycle.created_at).date()
    meta: dict[str, Any] = {
        "description": cycle.title,
        "country": "Indonesia",
        "unit": "Kota Bandung",
    }
    if subunit:
        meta["subunit"] = subunit
    meta |= {
        "instance": str(cycle.id),
        "num_projects": 0,
        "num_votes": 0,
        "budget": scope.budget,
        "vote_type": VOTE_TYPE_OF_KIND[kind],
        "rule": cycle.rule if cycle.rule in PABULIB_RULES else "unknown",
        "date_begin": begin.strftime("%d.%m.%Y"),
        "date_end": end.strftime("%d.%m.%Y"),
    }
    if kind is BallotKind.KNAPSACK:
        if cycle.min_projects:
            meta["min_length"] = cycle.min_projects
        if cycle.max_projects:
            meta["max_length"] = cycle.max_projects
        if cycle.min_spend_pct:
            meta["min_sum_cost"] = -(-scope.budget * cycle.min_spend_pct // 100)
        meta["max_sum_cost"] = scope.budget
    elif kind is BallotKind.K_APPROVAL and cycle.k:
        meta["max_length"] = cycle.k
    elif kind is BallotKind.CUMULATIVE:
        meta["max_points"] = cycle.max_points_per_project
        meta["max_sum_points"] = cycle.points
    elif kind is BallotKind.RANKED and cycle.max_projects:
        meta["max_length"] = cycle.max_projects
    if cycle.min_score:
        meta["min_project_score_threshold"] = Fraction(cycle.min_score)
    meta["currency"] = "IDR"
    if cycle.rule not in PABULIB_RULES:
        meta["comment"] = f"#1: Warga tallied this election with the rule {cycle.rule}."
    elif cycle.rule == "greedy-custom":  # the format has no field for the reserve share
        meta["comment"] = (
            "#1: greedy-custom: projects are funded by number of votes until the next one does not fit "
            f"the budget left; if the budget left covers at least {cycle.reserve_pct}% of that project's "
            "cost, the city reserve pays the rest and it is marked with 2 in the selected column.")
    return meta


def _selected_cell(row: PbTallyRow) -> int:
    """Pabulib's ``selected``: 1 funded, 2 funded with the city reserve (greedy-custom), 0 not."""
    if not row.selected:
        return 0
    return 2 if row.reason == "reserve" else 1


async def export_scope_text(scope_id: int) -> str:
    """The Pabulib text of one ballot scope: projects (with the tally's ``selected`` column once
    tallied) and every ballot keyed by its public key."""
    scope = await PbScope.get_or_none(id=scope_id).select_related("cycle")
    if scope is None:
        raise NotFound()
    cycle = scope.cycle
    from portal.core.models import Kecamatan

    subunit = ""
    if scope.kecamatan_code:
        kec = await Kecamatan.get_or_none(code=scope.kecamatan_code)
        subunit = kec.name if kec else scope.kecamatan_code
    projects = await PbProject.filter(scope_id=scope.id).order_by("id")
    code_of = {p.id: p.code or str(p.id) for p in projects}
    primary = {r.project_id: r for r in await PbTallyRow.filter(scope_id=scope.id, primary=True)}  # type: ignore[attr-defined]
    cumulative = cycle.ballot_kind == BallotKind.CUMULATIVE.value
    votes = []
    for key, text in await PbBallot.filter(scope_id=scope.id).order_by("public_key").values_list(
            "public_key", "choices"):
        items = json.loads(text)
        row: dict[str, Any] = {"voter_id": key, "vote": [code_of[pid] for pid, _ in items]}
        if cumulative:
            row["points"] = [pts for _, pts in items]
        votes.append(row)
    # Approval files count "votes", cumulative files "score" (total points); column order as
    # pabulib.org/format lists it.
    score_column = {BallotKind.CUMULATIVE.value: "score", BallotKind.RANKED.value: ""}.get(
        cycle.ballot_kind, "votes")
    rows = []
    for p in projects:
        row: dict[str, Any] = {"project_id": code_of[p.id], "cost": p.cost}
        if p.id in primary and score_column:
            row[score_column] = primary[p.id].score
        row["name"] = p.title.replace(";", ",")
        if p.id in primary:
            row["selected"] = _selected_cell(primary[p.id])
        rows.append(row)
    return write_pabulib(meta=_meta(cycle, scope, subunit), projects=rows, votes=votes)


async def export_pb(cycle_id: int, kecamatan_code: str = "") -> str:
    """Export one scope of a cycle (city-wide by default); frozen text once published."""
    scope = await PbScope.get_or_none(cycle_id=cycle_id, kecamatan_code=kecamatan_code or None)
    if scope is None:
        raise NotFound()
    if scope.export_text:
        return scope.export_text
    return await export_scope_text(scope.id)
