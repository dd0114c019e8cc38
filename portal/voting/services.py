"""Participatory-budgeting use cases: set up a cycle, add projects, move phases, cast or
record ballots, tally and publish. Every state change runs in one transaction with its audit row.

Services take explicit arguments (an `Identity` for the actor, ids, command dataclasses) and
raise portal.errors exceptions. Rules live in the pure modules `domain` (phases, who may act),
`ballot_rules` (ballot validity) and `tally` (winners); this module loads rows, calls them and
persists the outcome.

Concurrency: a voter's submissions are serialised on their `PbVoter` row (inserted with
ON CONFLICT DO NOTHING, then locked FOR UPDATE on PostgreSQL; SQLite serialises writers), and
the (scope, voter_key) unique constraint is the backstop, so any number of concurrent
submissions leave exactly one ballot.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from datetime import date
from fractions import Fraction
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from portal.accounts.identity import Identity
from portal.accounts.models import ResidentVerification
from portal.core import audit, jobs
from portal.core.timeutil import utcnow
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.i18n import gettext as _
from portal.voting import ballot_rules, comparison, domain, tally
from portal.voting.ballot_rules import BallotKind, BallotSpec
from portal.voting.domain import CycleInput, Phase, ProjectInput
from portal.voting.models import PbBallot, PbCycle, PbProject, PbScope, PbTallyRow, PbVoter

RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: read aloud safely


# ---------------------------------------------------------------- helpers


def spec_of(cycle: PbCycle, budget: int) -> BallotSpec:
    return BallotSpec(
        kind=BallotKind(cycle.ballot_kind), budget=budget, min_spend_pct=cycle.min_spend_pct,
        min_projects=cycle.min_projects, max_projects=cycle.max_projects, k=cycle.k,
        points=cycle.points, max_points_per_project=cycle.max_points_per_project,
    )


def project_code(project: PbProject) -> str:
    return project.code or str(project.id)


def new_receipt_code() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(20))
    return "-".join(raw[i : i + 4] for i in range(0, 20, 4))


def receipt_hash(code: str) -> str:
    """SHA-256 of the normalised code: only this is stored and published."""
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


def voter_key(user_id: int) -> str:
    return f"user:{user_id}"


async def get_cycle(cycle_id: int, conn: BaseDBAsyncClient | None = None) -> PbCycle:
    query = PbCycle.filter(id=cycle_id)
    cycle = await (query.using_db(conn) if conn else query).first()
    if cycle is None:
        raise NotFound()
    return cycle


def _require(ok: bool) -> None:
    if not ok:
        raise NotAllowed()


async def refuse_frozen(actor: Identity, cycle: PbCycle, what: str) -> None:
    """Audit a change attempted on a frozen cycle (committed on its own), then refuse it."""
    await audit.record("voting:cycle:frozen_refused", actor_id=actor.user_id, target_type="pb_cycle",
                       target_id=cycle.id, data={"attempt": what, "phase": cycle.phase})
    raise Conflict(_("Voting has opened: the rules, budgets and projects of this cycle can no longer change."))


def _check_cycle_input(cmd: CycleInput) -> None:
    if cmd.rule not in tally.RULES:
        raise InvalidInput({"rule": _("Choose one of the options.")})
    if cmd.tie_break not in {"", *(t.value for t in tally.TieBreak)}:
        raise InvalidInput({"tie_break": _("Choose one of the options.")})
    if not 1 <= cmd.reserve_pct <= 100:
        raise InvalidInput({"reserve_pct": _("The reserve share must be a whole percentage from 1 to 100.")})
    if cmd.ballot_kind not in {k.value for k in ballot_rules.OFFERED_KINDS}:
        raise InvalidInput({"ballot_kind": _("Choose one of the options.")})


def _cycle_fields(cmd: CycleInput) -> dict[str, Any]:
    return {
        "title": cmd.title, "description": cmd.description, "total_budget": cmd.total_budget,
        "ballot_kind": cmd.ballot_kind, "rule": cmd.rule, "tie_break": cmd.tie_break,
        "reserve_pct": cmd.reserve_pct,
        "min_spend_pct": cmd.min_spend_pct, "min_projects": cmd.min_projects,
        "max_projects": cmd.max_projects, "k": cmd.k, "points": cmd.points,
        "max_points_per_project": cmd.max_points_per_project, "proposals_from": cmd.proposals_from,
        "review_from": cmd.review_from, "voting_from": cmd.voting_from,
        "voting_until": cmd.voting_until, "results_on": cmd.results_on,
    }


def _audit_fields(cmd: CycleInput) -> dict[str, Any]:
    data = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in _cycle_fields(cmd).items()}
    data.pop("description")
    data["kecamatan_budgets"] = dict(cmd.kecamatan_budgets)
    return data


async def _sync_scopes(cycle: PbCycle, cmd: CycleInput, conn: BaseDBAsyncClient) -> None:
    wanted: dict[str | None, int] = {None: cmd.city_budget, **cmd.kecamatan_budgets}
    existing = {s.kecamatan_code: s for s in await PbScope.filter(cycle_id=cycle.id).using_db(conn)}
    for code, scope in existing.items():
        if code not in wanted:
            if await PbProject.filter(scope_id=scope.id).using_db(conn).exists():
                raise InvalidInput({"kecamatan_budgets": _(
                    "A kecamatan ballot that already has projects cannot be removed.")})
            await scope.delete(using_db=conn)
        elif scope.budget != wanted[code]:
            await PbScope.filter(id=scope.id).using_db(conn).update(budget=wanted[code])
    for code, budget in wanted.items():
        if code not in existing:
            await PbScope.create(cycle_id=cycle.id, kecamatan_code=code, budget=budget, using_db=conn)


# ---------------------------------------------------------------- cycles and projects


async def create_cycle(actor: Identity, cmd: CycleInput) -> int:
    """A council member or admin sets up a new cycle (phase draft) with its ballot scopes."""
    _require(domain.may_edit_cycle(actor.roles))
    _check_cycle_input(cmd)
    async with in_transaction() as conn:
        cycle = await PbCycle.create(**_cycle_fields(cmd), created_by_id=actor.user_id, using_db=conn)
        await _sync_scopes(cycle, cmd, conn)
        await audit.record("voting:cycle:create", actor_id=actor.user_id, target_type="pb_cycle",
                           target_id=cycle.id, data=_audit_fields(cmd), conn=conn)
    return cycle.id


async def update_cycle(actor: Identity, cycle_id: int, cmd: CycleInput) -> None:
    """Change a cycle's rules and budgets; refused (409, audited) once voting has opened."""
    _require(domain.may_edit_cycle(actor.roles))
    _check_cycle_input(cmd)
    cycle = await get_cycle(cycle_id)
    if domain.is_frozen(Phase(cycle.phase)):
        await refuse_frozen(actor, cycle, "update_cycle")
    async with in_transaction() as conn:
        # The phase is re-checked in the UPDATE itself: a concurrent "open voting" wins cleanly.
        updated = await PbCycle.filter(id=cycle_id, phase=cycle.phase).using_db(conn).update(
            **_cycle_fields(cmd))
        if updated != 1:
            raise Conflict(_("The cycle changed meanwhile. Reload the page and try again."))
        await _sync_scopes(cycle, cmd, conn)
        await audit.record("voting:cycle:update", actor_id=actor.user_id, target_type="pb_cycle",
                           target_id=cycle_id, data=_audit_fields(cmd), conn=conn)


async def _scope_for(cycle_id: int, kecamatan_code: str, conn: BaseDBAsyncClient) -> PbScope:
    scope = await PbScope.filter(cycle_id=cycle_id, kecamatan_code=kecamatan_code or None).using_db(conn).first()
    if scope is None:
        raise InvalidInput({"kecamatan_code": _("This cycle has no ballot for that kecamatan.")})
    return scope


async def _editable_cycle(actor: Identity, cycle_id: int, what: str) -> PbCycle:
    _require(domain.may_edit_projects(actor.roles))
    cycle = await get_cycle(cycle_id)
    phase = Phase(cycle.phase)
    if domain.is_frozen(phase):
        await refuse_frozen(actor, cycle, what)
    if not domain.projects_editable(phase):
        raise Conflict(_("Projects can be added once the cycle takes proposals."))
    return cycle


async def add_project(actor: Identity, cycle_id: int, cmd: ProjectInput) -> int:
    """A moderator adds a project (during intake or review). With a `proposal_id` the call is
    idempotent: the proposal's existing project in this cycle is returned unchanged."""
    cycle = await _editable_cycle(actor, cycle_id, "add_project")
    async with in_transaction() as conn:
        if cmd.proposal_id is not None:
            existing = await PbProject.filter(cycle_id=cycle.id, proposal_id=cmd.proposal_id).using_db(conn).first()
            if existing is not None:
                return existing.id
        scope = await _scope_for(cycle.id, cmd.kecamatan_code, conn)
        project = await PbProject.create(cycle_id=cycle.id, scope_id=scope.id, title=cmd.title,
                                         description=cmd.description, cost=cmd.cost,
                                         proposal_id=cmd.proposal_id, using_db=conn)
        await audit.record("voting:project:create", actor_id=actor.user_id, target_type="pb_project",
                           target_id=project.id,
                           data={"cycle": cycle.id, "scope": scope.id, "title": cmd.title, "cost": cmd.cost,
                                 "proposal": cmd.proposal_id}, conn=conn)
    return project.id


async def update_project(actor: Identity, project_id: int, cmd: ProjectInput) -> None:
    project = await PbProject.get_or_none(id=project_id)
    if project is None:
        raise NotFound()
    cycle = await _editable_cycle(actor, project.cycle_id, "update_project")  # type: ignore[attr-defined]
    async with in_transaction() as conn:
        scope = await _scope_for(cycle.id, cmd.kecamatan_code, conn)
        await PbProject.filter(id=project_id).using_db(conn).update(
            title=cmd.title, description=cmd.description, cost=cmd.cost, scope_id=scope.id)
        await audit.record("voting:project:update", actor_id=actor.user_id, target_type="pb_project",
                           target_id=project_id,
                           data={"title": cmd.title, "cost": cmd.cost, "scope": scope.id,
                                 "old_cost": project.cost}, conn=conn)


async def move_phase(actor: Identity, cycle_id: int, target: str) -> None:
    """Council/admin move a cycle to its next (or, before voting, previous) phase."""
    _require(domain.may_move_phase(actor.roles))
    try:
        goal = Phase(target)
    except ValueError:
        raise InvalidInput({"phase": _("Choose one of the options.")}) from None
    cycle = await get_cycle(cycle_id)
    await apply_phase(cycle, goal, actor_id=actor.user_id)


TALLY_JOB = "voting.tally"


def tally_job_key(cycle_id: int, run: str) -> str:
    return f"{TALLY_JOB}:{cycle_id}:{run}"


async def apply_phase(cycle: PbCycle, goal: Phase, *, actor_id: int | None, auto: bool = False) -> None:
    """Move `cycle` from its current phase to `goal` (checked), in one transaction with its audit.

    The UPDATE is conditional on the phase read before, so two workers or two council members
    moving the same cycle at once leave one move and one 409. Closing voting also queues the
    tally job in the same transaction: the tally never runs inside a request.
    """
    current = Phase(cycle.phase)
    if not domain.can_transition(current, goal):
        raise Conflict(_("The cycle cannot move to that phase now."))
    if goal is Phase.VOTING and not await PbProject.filter(cycle_id=cycle.id).exists():
        raise Conflict(_("Add projects before voting opens."))
    if goal is Phase.PUBLISHED and not await PbTallyRow.filter(scope__cycle_id=cycle.id, primary=True).exists():
        raise Conflict(_("Run the tally before publishing the results."))
    exports: dict[int, str] = {}
    if goal is Phase.PUBLISHED:
        from portal.voting import interop

        for scope in await PbScope.filter(cycle_id=cycle.id):
            exports[scope.id] = await interop.export_scope_text(scope.id)
    async with in_transaction() as conn:
        changes: dict[str, Any] = {"phase": goal.value}
        if goal is Phase.PUBLISHED:
            changes["published_at"] = utcnow()
        updated = await PbCycle.filter(id=cycle.id, phase=current.value).using_db(conn).update(**changes)
        if updated != 1:
            raise Conflict(_("The cycle changed meanwhile. Reload the page and try again."))
        for scope_id, text in exports.items():
            # The audit bundle is frozen at publication: its hash is what the results page shows.
            await PbScope.filter(id=scope_id).using_db(conn).update(
                export_text=text, export_sha256=hashlib.sha256(text.encode()).hexdigest())
        if goal is Phase.TALLYING:
            await jobs.enqueue(TALLY_JOB, tally_job_key(cycle.id, "close"), {"cycle": cycle.id}, conn=conn)
        data: dict[str, Any] = {"from": current.value, "to": goal.value}
        if auto:
            data["auto"] = True
        await audit.record("voting:cycle:phase", actor_id=actor_id, target_type="pb_cycle",
                           target_id=cycle.id, data=data, conn=conn)
    cycle.phase = goal.value


# ---------------------------------------------------------------- ballots


async def eligible_scopes(cycle_id: int, user_id: int, today: date) -> list[PbScope]:
    """The ballots a resident may fill in: city-wide, plus their verified kecamatan's."""
    return (await _voter_scopes(cycle_id, user_id, today))[1]


async def _voter_scopes(cycle_id: int, user_id: int, today: date) -> tuple[str, list[PbScope]]:
    """The voter's verified kecamatan and eligible scopes, from one read of the verification."""
    verification = await ResidentVerification.get_or_none(
        user_id=user_id, revoked_at=None).select_related("kelurahan")
    if verification is None:
        raise NotAllowed(_("Only verified residents can vote. Verify your account first."))
    if verification.adult_on is not None and verification.adult_on > today:
        raise NotAllowed(_("Residents can vote from their 17th birthday."))
    kecamatan = verification.kelurahan.kecamatan_id  # type: ignore[attr-defined]
    scopes = await PbScope.filter(cycle_id=cycle_id).order_by("id")
    return kecamatan, [s for s in scopes if s.kecamatan_code in (None, kecamatan)]


async def _store_ballot(
    *, cycle: PbCycle, scope: PbScope, user_id: int, raw: Sequence[tuple[str, str]], channel: str,
    station: str = "", recorded_by: int | None = None, actor_id: int, today: date,
) -> str:
    kecamatan, scopes = await _voter_scopes(cycle.id, user_id, today)
    if scope.id not in {s.id for s in scopes}:
        raise NotAllowed(_("You cannot vote in this ballot."))
    projects = await PbProject.filter(scope_id=scope.id).values_list("id", "cost")
    costs = {str(pid): cost for pid, cost in projects}
    checked = ballot_rules.check(spec_of(cycle, scope.budget), costs, raw)
    if not checked.ok:
        from portal.voting.forms import issue_messages

        raise InvalidInput(issue_messages(checked.issues))
    choices = json.dumps([[int(pid), pts] for pid, pts in checked.choices])
    key = voter_key(user_id)
    code = new_receipt_code()
    async with in_transaction() as conn:
        if not await _voting_still_open(cycle.id, conn):
            raise Conflict(_("Voting is not open."))
        await PbVoter.bulk_create(
            [PbVoter(cycle_id=cycle.id, voter_key=key, channel=channel, kecamatan_code=kecamatan)],
            ignore_conflicts=True, using_db=conn)
        query = PbVoter.filter(cycle_id=cycle.id, voter_key=key).using_db(conn)
        if conn.capabilities.dialect == "postgres":
            query = query.select_for_update()
        voter = await query.get()
        if voter.channel != channel:
            raise Conflict(_("This resident has already voted at a voting station.") if channel == "online"
                           else _("This resident has already voted online."))
        fields = {"choices": choices, "public_key": receipt_hash(code), "channel": channel,
                  "station": station, "recorded_by_id": recorded_by, "cast_at": utcnow()}
        replaced = await PbBallot.filter(scope_id=scope.id, voter_key=key).using_db(conn).update(**fields)
        if not replaced:
            await PbBallot.create(scope_id=scope.id, voter_key=key, using_db=conn, **fields)
        tag = "voting:ballot:assisted" if channel == "assisted" else "voting:ballot:cast"
        data: dict[str, Any] = {"cycle": cycle.id, "scope": scope.id, "replaced": bool(replaced)}
        if channel == "assisted":
            data |= {"station": station, "resident": user_id}
        # The audit row says that a ballot was cast, never what it holds nor its receipt.
        await audit.record(tag, actor_id=actor_id, target_type="pb_scope", target_id=scope.id,
                           data=data, conn=conn)
    return code


async def _voting_still_open(cycle_id: int, conn: BaseDBAsyncClient) -> bool:
    """Re-read the phase inside the ballot's transaction.

    On PostgreSQL the cycle row is read FOR SHARE: ballots do not block each other, but
    "close voting" (an UPDATE of that row) waits for ballots in flight, and a ballot that
    starts after the close sees the new phase. So nothing is stored once voting has closed.
    """
    if conn.capabilities.dialect == "postgres":
        _count, rows = await conn.execute_query(
            "SELECT id FROM pb_cycle WHERE id = $1 AND phase = $2 FOR SHARE", [cycle_id, Phase.VOTING.value])
        return bool(rows)
    return await PbCycle.filter(id=cycle_id, phase=Phase.VOTING.value).using_db(conn).exists()


async def _voting_cycle_and_scope(cycle_id: int, scope_id: int) -> tuple[PbCycle, PbScope]:
    cycle = await get_cycle(cycle_id)
    if not domain.accepts_ballots(Phase(cycle.phase)):
        raise Conflict(_("Voting is not open."))
    scope = await PbScope.get_or_none(id=scope_id, cycle_id=cycle_id)
    if scope is None:
        raise NotFound()
    return cycle, scope


async def cast_ballot(
    voter: Identity, *, cycle_id: int, scope_id: int, raw: Sequence[tuple[str, str]], today: date
) -> str:
    """Cast or replace the voter's ballot in one scope; returns the new receipt code.

    The code is shown once and only its SHA-256 is stored. Replacing a ballot gives a new code
    (the old one no longer matches anything).
    """
    if voter.user_id is None:
        raise NotAllowed()
    cycle, scope = await _voting_cycle_and_scope(cycle_id, scope_id)
    return await _store_ballot(cycle=cycle, scope=scope, user_id=voter.user_id, raw=raw,
                               channel="online", actor_id=voter.user_id, today=today)


async def record_assisted_ballot(
    official: Identity, *, cycle_id: int, scope_id: int, resident_id: int, station: str,
    raw: Sequence[tuple[str, str]], today: date,
) -> str:
    """An official records a paper or assisted ballot at a voting station (audited).

    A resident who voted online cannot also vote at a station, and the reverse."""
    _require(domain.may_record_ballots(official.roles))
    if not station.strip():
        raise InvalidInput({"station": _("This field is required.")})
    cycle, scope = await _voting_cycle_and_scope(cycle_id, scope_id)
    return await _store_ballot(cycle=cycle, scope=scope, user_id=resident_id, raw=raw, channel="assisted",
                               station=station.strip(), recorded_by=official.user_id,
                               actor_id=official.user_id or 0, today=today)


# ---------------------------------------------------------------- tally


async def election_of(cycle: PbCycle, scope: PbScope) -> tuple[tally.Election, dict[str, int]]:
    """The pure tally input for one scope, and project code -> project id."""
    projects = await PbProject.filter(scope_id=scope.id).order_by("id")
    code_of = {p.id: project_code(p) for p in projects}
    ballots: list[tuple[str, ...]] = []
    points: list[tuple[int, ...]] = []
    for text in await PbBallot.filter(scope_id=scope.id).order_by("public_key").values_list("choices", flat=True):
        items = json.loads(text)
        ballots.append(tuple(code_of[pid] for pid, _ in items))
        points.append(tuple(pts for _, pts in items))
    kind = BallotKind(cycle.ballot_kind)
    vote_type = {BallotKind.CUMULATIVE: tally.VoteType.CUMULATIVE,
                 BallotKind.RANKED: tally.VoteType.ORDINAL}.get(kind, tally.VoteType.APPROVAL)
    election = tally.Election(
        budget=scope.budget,
        projects=tuple(tally.Project(code_of[p.id], p.cost) for p in projects),
        ballots=tuple(ballots),
        vote_type=vote_type,
        points=tuple(points) if vote_type is tally.VoteType.CUMULATIVE else None,
        max_length=cycle.max_projects if kind is BallotKind.RANKED else None,
        min_score=_min_score(cycle.min_score),
        reserve_pct=cycle.reserve_pct,
    )
    return election, {c: i for i, c in code_of.items()}


def _min_score(text: str) -> int | Fraction | None:
    if not text:
        return None
    value = Fraction(text)
    return value.numerator if value.denominator == 1 else value


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _rows(scope: PbScope, result: tally.TallyResult, ids: dict[str, int], primary: bool) -> list[PbTallyRow]:
    order = {pid: n for n, pid in enumerate(result.selected, start=1)}
    return [
        PbTallyRow(
            scope_id=scope.id, project_id=ids[r.project_id], rule=result.rule, primary=primary,
            selected=r.selected, funded_order=order.get(r.project_id), score=str(r.score),
            note=r.note[:300], reason=r.reason, remaining_budget=_text(r.remaining_budget), round=r.round,
            supporters_could_pay=_text(r.supporters_could_pay),
        )
        for r in result.projects
    ]


async def run_tally(actor: Identity, cycle_id: int) -> None:
    """Tally every scope with the cycle's rule (and the compared rules) and store the rows.

    Allowed while the cycle is in `tallying`; running it again replaces the rows.
    """
    _require(domain.may_move_phase(actor.roles))
    await tally_cycle(cycle_id, actor_id=actor.user_id)


async def tally_cycle(cycle_id: int, *, actor_id: int | None) -> None:
    """The tally itself (also run by the tally job, with no actor): see `run_tally`."""
    cycle = await get_cycle(cycle_id)
    if not domain.can_tally(Phase(cycle.phase)):
        raise Conflict(_("Close voting before running the tally."))
    rows: list[PbTallyRow] = []
    summary: dict[str, list[str]] = {}
    not_computed: dict[str, list[str]] = {}
    rules = comparison.compared_rules(cycle.ballot_kind, cycle.rule)
    scopes = await PbScope.filter(cycle_id=cycle_id).order_by("id")
    for scope in scopes:
        election, ids = await election_of(cycle, scope)
        if not election.ballots or not election.projects:
            continue
        # The rules run off the event loop (the job shares the web process); see `comparison`.
        outcome = await comparison.tally_scope(election, rules, tie_break=cycle.tie_break)
        if outcome.own is not None:
            rows.extend(_rows(scope, outcome.own, ids, primary=True))
            summary[str(scope.id)] = list(outcome.own.selected)
        for result in outcome.compared:
            rows.extend(_rows(scope, result, ids, primary=False))
        if outcome.not_computed:
            not_computed[str(scope.id)] = list(outcome.not_computed)
    async with in_transaction() as conn:
        # Published results never change: the phase is re-read (and locked) with the write.
        query = PbCycle.filter(id=cycle_id, phase=Phase.TALLYING.value).using_db(conn)
        if conn.capabilities.dialect == "postgres":
            query = query.select_for_update()
        if await query.first() is None:
            raise Conflict(_("Close voting before running the tally."))
        await PbTallyRow.filter(scope_id__in=[s.id for s in scopes]).using_db(conn).delete()
        await PbTallyRow.bulk_create(rows, batch_size=1000, using_db=conn)
        await audit.record("voting:tally:run", actor_id=actor_id, target_type="pb_cycle",
                           target_id=cycle_id, data={"rule": cycle.rule, "selected": summary,
                                                     "not_computed": not_computed}, conn=conn)
