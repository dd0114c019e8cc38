"""Read models for participatory-budgeting pages: plain frozen values, no ORM objects leak out.

Public views (results, receipt check) expose ballots only by their receipt hash; voter keys,
channels, stations and cast times never leave this module.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from portal import formatting, i18n
from portal.accounts.models import ResidentVerification
from portal.core.models import Job, Kecamatan
from portal.i18n import gettext as _
from portal.voting import ballot_rules, domain, tally
from portal.voting.comparison import compared_rules
from portal.voting.domain import Phase
from portal.voting.models import PbBallot, PbCycle, PbProject, PbScope, PbTallyRow, PbVoter
from portal.voting.services import receipt_hash, voter_key


@dataclass(frozen=True)
class CycleRow:
    id: int
    title: str
    phase: str
    total_budget: int
    ballot_kind: str
    voting_from: date | None
    voting_until: date | None


async def list_cycles(staff: bool) -> list[CycleRow]:
    query = PbCycle.all() if staff else PbCycle.exclude(phase=Phase.DRAFT.value)
    return [CycleRow(c.id, c.title, c.phase, c.total_budget, c.ballot_kind, c.voting_from, c.voting_until)
            for c in await query.order_by("-id")]


@dataclass(frozen=True)
class ProjectView:
    id: int
    title: str
    description: str
    cost: int
    proposal_id: int | None


@dataclass(frozen=True)
class ScopeView:
    id: int
    kecamatan_code: str  # "" = city-wide
    kecamatan_name: str
    budget: int
    projects: tuple[ProjectView, ...]


@dataclass(frozen=True)
class CycleView:
    id: int
    title: str
    description: str
    phase: str
    total_budget: int
    ballot_kind: str
    min_spend_pct: int
    min_projects: int
    max_projects: int | None
    k: int | None
    points: int | None
    max_points_per_project: int | None
    rule: str
    tie_break: str
    proposals_from: date | None
    review_from: date | None
    voting_from: date | None
    voting_until: date | None
    results_on: date | None
    imported_from: str
    scopes: tuple[ScopeView, ...]
    frozen: bool
    projects_editable: bool
    next_phases: tuple[str, ...]
    tallied: bool
    reserve_pct: int = tally.RESERVE_PCT


async def kecamatan_names() -> dict[str, str]:
    return dict(await Kecamatan.all().values_list("code", "name"))


@dataclass(frozen=True)
class CycleHeader:
    id: int
    phase: str
    ballot_kind: str


async def cycle_header(cycle_id: int) -> CycleHeader | None:
    """The few columns a ballot submission needs (one narrow query)."""
    row = await PbCycle.filter(id=cycle_id).values_list("id", "phase", "ballot_kind")
    return CycleHeader(*row[0]) if row else None


async def cycle_view(cycle_id: int) -> CycleView | None:
    c = await PbCycle.get_or_none(id=cycle_id)
    if c is None:
        return None
    names = await kecamatan_names()
    projects: dict[int, list[ProjectView]] = {}
    for p in await PbProject.filter(cycle_id=cycle_id).order_by("id"):
        projects.setdefault(p.scope_id, []).append(  # type: ignore[attr-defined]
            ProjectView(p.id, p.title, p.description, p.cost, p.proposal_id))
    scopes = sorted(await PbScope.filter(cycle_id=cycle_id), key=lambda s: (s.kecamatan_code is not None,
                                                                           names.get(s.kecamatan_code or "", "")))
    phase = Phase(c.phase)
    return CycleView(
        c.id, c.title, c.description, c.phase, c.total_budget, c.ballot_kind, c.min_spend_pct, c.min_projects,
        c.max_projects, c.k, c.points, c.max_points_per_project, c.rule, c.tie_break, c.proposals_from,
        c.review_from, c.voting_from, c.voting_until, c.results_on, c.imported_from,
        tuple(ScopeView(s.id, s.kecamatan_code or "", names.get(s.kecamatan_code or "", ""), s.budget,
                        tuple(projects.get(s.id, []))) for s in scopes),
        domain.is_frozen(phase), domain.projects_editable(phase),
        tuple(p.value for p in domain.next_phases(phase)),
        await PbTallyRow.filter(scope__cycle_id=cycle_id, primary=True).exists(),
        reserve_pct=c.reserve_pct,
    )


async def kecamatan_options() -> list[tuple[str, str]]:
    return list(await Kecamatan.all().order_by("name").values_list("code", "name"))


# ---------------------------------------------------------------- ballot page


@dataclass(frozen=True)
class BallotLine:
    project: ProjectView
    chosen: bool
    points: int
    blocked: bool
    error: str


@dataclass(frozen=True)
class BallotForm:
    scope: ScopeView
    kind: str
    lines: tuple[BallotLine, ...]
    spent: int
    remaining: int
    points_used: int
    points_total: int | None
    min_spend: int
    has_ballot: bool
    errors: tuple[str, ...]
    percent: int  # budget used, 0..100 for the bar


async def stored_choices(scope_id: int, user_id: int) -> list[tuple[str, str]] | None:
    text = await PbBallot.filter(scope_id=scope_id, voter_key=voter_key(user_id)).values_list("choices", flat=True)
    if not text:
        return None
    return [(str(pid), str(pts)) for pid, pts in json.loads(text[0])]


def ballot_form(cycle: CycleView, scope: ScopeView, raw: list[tuple[str, str]], *, seed: str, has_ballot: bool,
                errors: dict[str, str] | None = None) -> BallotForm:
    """The ballot as one voter sees it: their project order, their current (or posted) picks,
    the live total, and which further picks would break a limit."""
    spec = ballot_rules.BallotSpec(
        kind=ballot_rules.BallotKind(cycle.ballot_kind), budget=scope.budget, min_spend_pct=cycle.min_spend_pct,
        min_projects=cycle.min_projects, max_projects=cycle.max_projects, k=cycle.k, points=cycle.points,
        max_points_per_project=cycle.max_points_per_project)
    by_id = {str(p.id): p for p in scope.projects}
    costs = {pid: p.cost for pid, p in by_id.items()}
    checked = ballot_rules.check(spec, costs, raw)
    chosen = dict(checked.choices)
    blocked = ballot_rules.blocked(spec, costs, list(chosen))
    errors = errors or {}
    lines = tuple(
        BallotLine(by_id[pid], pid in chosen, chosen.get(pid, 0), pid in blocked, errors.get(f"project-{pid}", ""))
        for pid in ballot_rules.ballot_order(list(by_id), seed)
    )
    general = tuple(m for k, m in errors.items() if not k.startswith("project-"))
    percent = max(0, min(100, checked.spent * 100 // scope.budget)) if scope.budget else 0
    return BallotForm(scope, cycle.ballot_kind, lines, checked.spent, checked.remaining, checked.points_used,
                      cycle.points, ballot_rules.min_spend(spec), has_ballot, general, percent)


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class ResultLine:
    id: int
    title: str
    cost: int
    score: str
    selected: bool
    funded_order: int | None
    explanation: str
    bar: int  # score as % of the top score, for the SVG bar


@dataclass(frozen=True)
class Turnout:
    name: str
    voters: int
    residents: int

    @property
    def percent(self) -> str:
        """One decimal, written the UI language's way ("1,2" in Indonesian, "1.2" in English)."""
        share = Decimal(self.voters * 100) / Decimal(self.residents) if self.residents else Decimal(0)
        return formatting.one_decimal(share, i18n.current_lang.get())


@dataclass(frozen=True)
class ScopeResult:
    id: int
    kecamatan_code: str
    name: str
    budget: int
    spent: int  # from the budget
    reserve: int  # greedy-custom: paid by the city reserve on top of the budget
    ballots: int
    projects: tuple[ResultLine, ...]
    comparison: tuple[tuple[str, tuple[str, ...], int, int], ...]  # rule, funded titles, spent, reserve
    export_sha256: str
    not_compared: tuple[str, ...] = ()  # compared rules with no stored outcome (not computed in time)


@dataclass(frozen=True)
class Results:
    cycle_id: int
    title: str
    rule: str
    ballot_kind: str
    published: bool
    scopes: tuple[ScopeResult, ...]
    turnout: Turnout
    turnout_by_kecamatan: tuple[Turnout, ...]


def _number(text: str) -> Fraction:
    return Fraction(text) if text else Fraction(0)


def _rp(value: Fraction | int) -> str:
    from portal import formatting, i18n

    return formatting.rupiah(int(value), i18n.current_lang.get())


def _share(part: Fraction, whole: int) -> str:
    return formatting.one_decimal(Decimal(tally.share_text(part, whole)), i18n.current_lang.get(), drop_zero=True)


def explain(row: PbTallyRow, rule: str, cost: int, *, stopped_at: str = "",
            reserve_pct: int = tally.RESERVE_PCT) -> str:
    """Why a project was or was not funded, in translated plain words (from the tally's reason).

    ``stopped_at`` names the project a no-skip list stopped at (for the projects after it)."""
    left = _rp(_number(row.remaining_budget)) if row.remaining_budget else ""
    why = row.reason or _legacy_reason(row, rule)
    if why == "funded":
        return _("Funded: %(left)s was still available and it costs %(cost)s.") % {"left": left, "cost": _rp(cost)}
    if why == "reserve":
        was_left = _number(row.remaining_budget)
        return _("Funded from the city reserve: %(left)s was left, %(share)s %% of its cost %(cost)s (the rule "
                 "allows at least %(min)d %%); the reserve paid the other %(reserve)s.") % {
            "left": left, "share": _share(was_left, cost), "cost": _rp(cost), "min": reserve_pct,
            "reserve": _rp(cost - was_left)}
    if why == "misfit" and rule == "greedy-custom":
        return _("Did not fit: %(left)s left, costs %(cost)s. The city reserve funds it only when at least "
                 "%(min)d %% of its cost is left.") % {"left": left, "cost": _rp(cost), "min": reserve_pct}
    if why == "stopped" and stopped_at:
        return _("Not considered: the list stopped at “%(project)s”.") % {"project": stopped_at}
    if why == "completion":
        return _("Funded when the leftover money was spent by votes: %(left)s was still available and it costs "
                 "%(cost)s.") % {"left": left, "cost": _rp(cost)}
    if why == "misfit":
        return _("Did not fit: %(left)s left, costs %(cost)s.") % {"left": left, "cost": _rp(cost)}
    if why == "threshold":
        return _("Below the minimum number of votes (%(score)s): not eligible for funding.") % {"score": row.score}
    if why == "excluded":
        return _("Not funded: a project it excludes (the same site or purpose) was funded first.")
    if why == "stopped":
        return _("Not considered: this rule stops at the first project that does not fit.")
    if why == "no-votes":
        return _("No votes: never funded.")
    if why == "free":
        return _("Funded: it costs nothing and has votes.")
    if why == "round" and rule.startswith("equalshares"):
        return _("Funded in round %(round)d: its supporters paid for it from their equal shares.") % {
            "round": row.round}
    if why == "round":
        return _("Funded in round %(round)d: it spread the cost most evenly over its supporters.") % {
            "round": row.round}
    if why == "dropped":
        return _("Its supporters' remaining shares covered only %(paid)s of %(cost)s at round %(round)s.") % {
            "paid": _rp(_number(row.supporters_could_pay)), "cost": _rp(cost), "round": row.round or "?"}
    if why == "not-reached":
        return _("Not reached: this rule stops at the first project that does not fit.")
    return _("Funded.") if row.selected else _("Not funded.")


def _legacy_reason(row: PbTallyRow, rule: str) -> str:
    """Rows stored before reasons were recorded: infer the reason from the numbers kept."""
    if row.supporters_could_pay and not row.selected:
        return "dropped"
    if row.selected and row.round:
        return "round"
    if row.remaining_budget:
        return "funded" if row.selected else "misfit"
    return "no-votes" if row.score in ("", "0") else ""


def _stopping_row(rows: list[PbTallyRow]) -> PbTallyRow | None:
    """The project a no-skip list stopped at: the one the reserve funded, else the first misfit
    (None when no project was left out because the list stopped)."""
    if not any(r.reason == "stopped" for r in rows):
        return None
    return next((r for r in rows if r.reason == "reserve"), None) or next(
        (r for r in rows if r.reason == "misfit"), None)


def _spending(rows: list[PbTallyRow], costs: dict[int, int]) -> tuple[int, int]:
    """(paid from the budget, paid by the city reserve) for one rule's funded projects.

    Only greedy-custom uses the reserve: it pays the part of one project's cost that the money
    left (``remaining_budget``) did not cover."""
    total = sum(costs[r.project_id] for r in rows if r.selected)  # type: ignore[attr-defined]
    reserve = sum(costs[r.project_id] - _number(r.remaining_budget)  # type: ignore[attr-defined]
                  for r in rows if r.reason == "reserve")
    return int(total - reserve), int(reserve)


async def turnout(cycle_id: int) -> tuple[Turnout, tuple[Turnout, ...]]:
    names = await kecamatan_names()
    residents = Counter(await ResidentVerification.filter(revoked_at=None).values_list(
        "kelurahan__kecamatan_id", flat=True))
    voters = Counter(await PbVoter.filter(cycle_id=cycle_id).exclude(channel="imported").values_list(
        "kecamatan_code", flat=True))
    per = tuple(Turnout(names[code], voters.get(code, 0), residents.get(code, 0)) for code in sorted(
        names, key=lambda c: names[c]))
    return Turnout(_("Kota Bandung"), sum(voters.values()), sum(residents.values())), per


async def results(cycle_id: int) -> Results | None:
    c = await PbCycle.get_or_none(id=cycle_id)
    if c is None:
        return None
    names = await kecamatan_names()
    projects = {p.id: p for p in await PbProject.filter(cycle_id=cycle_id)}
    scope_results = []
    for s in sorted(await PbScope.filter(cycle_id=cycle_id), key=lambda s: (s.kecamatan_code is not None, s.id)):
        rows = await PbTallyRow.filter(scope_id=s.id).order_by("id")
        primary = [r for r in rows if r.primary]
        top = max((_number(r.score) for r in primary), default=Fraction(0)) or Fraction(1)
        stop = _stopping_row(primary)
        stopped_at = projects[stop.project_id].title if stop else ""  # type: ignore[attr-defined]
        lines = sorted(
            (ResultLine(r.project_id, projects[r.project_id].title, projects[r.project_id].cost,  # type: ignore[attr-defined]
                        r.score, r.selected, r.funded_order,
                        explain(r, c.rule, projects[r.project_id].cost,  # type: ignore[attr-defined]
                                stopped_at=stopped_at, reserve_pct=c.reserve_pct),
                        int(_number(r.score) * 100 / top)) for r in primary),
            key=lambda line: (not line.selected, line.funded_order or 0, -_number(line.score), line.id))
        comparison: dict[str, list[PbTallyRow]] = {}
        for r in rows:
            comparison.setdefault(r.rule, []).append(r)
        costs = {pid: p.cost for pid, p in projects.items()}
        compared = tuple(
            (rule, tuple(projects[r.project_id].title for r in sorted(  # type: ignore[attr-defined]
                (r for r in rs if r.selected), key=lambda r: r.funded_order or 0)),
             *_spending(rs, costs))
            for rule, rs in comparison.items())
        spent, reserve = _spending(primary, costs)
        scope_results.append(ScopeResult(
            s.id, s.kecamatan_code or "", names.get(s.kecamatan_code or "", "") or _("City-wide"), s.budget,
            spent, reserve, await PbBallot.filter(scope_id=s.id).count(), tuple(lines), compared,
            s.export_sha256,
            tuple(r for r in compared_rules(c.ballot_kind, c.rule) if rows and r not in comparison)))
    overall, per = await turnout(cycle_id)
    return Results(c.id, c.title, c.rule, c.ballot_kind, c.phase == Phase.PUBLISHED.value, tuple(scope_results),
                   overall, per)


# ---------------------------------------------------------------- receipts


@dataclass(frozen=True)
class ReceiptView:
    """What a published ballot holds: nothing about who cast it, when, or how."""

    receipt_hash: str
    ballot_name: str
    projects: tuple[str, ...]
    points: tuple[int, ...]


async def check_receipt(cycle_id: int, code: str) -> ReceiptView | None:
    """Find the published ballot whose public key is the hash of `code` (after publication only)."""
    cycle = await PbCycle.get_or_none(id=cycle_id)
    if cycle is None or cycle.phase != Phase.PUBLISHED.value:
        return None
    digest = receipt_hash(code)
    ballot = await PbBallot.filter(scope__cycle_id=cycle_id, public_key=digest).select_related("scope").first()
    if ballot is None:
        return None
    names = await kecamatan_names()
    titles = dict(await PbProject.filter(cycle_id=cycle_id).values_list("id", "title"))
    items = json.loads(ballot.choices)
    return ReceiptView(digest, names.get(ballot.scope.kecamatan_code or "", "") or _("City-wide"),
                       tuple(titles[pid] for pid, _pts in items), tuple(pts for _pid, pts in items))



async def ballot_forms(
    cycle: CycleView, user_id: int, today: date, *, posted: dict[int, list[tuple[str, str]]] | None = None,
    errors: dict[int, dict[str, str]] | None = None,
) -> list[BallotForm]:
    """Every ballot this resident may fill in, with their stored (or just posted) choices.

    Raises NotAllowed for residents who may not vote (services.eligible_scopes)."""
    from portal.voting.services import eligible_scopes

    allowed = {s.id for s in await eligible_scopes(cycle.id, user_id, today)}
    forms = []
    for scope in cycle.scopes:
        if scope.id not in allowed:
            continue
        stored = await stored_choices(scope.id, user_id)
        raw = (posted or {}).get(scope.id)
        forms.append(ballot_form(cycle, scope, raw if raw is not None else (stored or []),
                                 seed=f"{voter_key(user_id)}:{scope.id}", has_ballot=stored is not None,
                                 errors=(errors or {}).get(scope.id)))
    return forms


async def resident_id(email: str) -> int | None:
    """A verified resident's user id by e-mail (for officials at a voting station)."""
    found = await ResidentVerification.filter(user__email=email.strip().lower(), revoked_at=None).values_list(
        "user_id", flat=True)
    return found[0] if found else None


async def tally_job(cycle_id: int) -> str:
    """State of the latest tally job of a cycle: "", "pending", "running", "done" or "failed"."""
    from portal.voting.services import tally_job_key

    job = await Job.filter(key__startswith=tally_job_key(cycle_id, "")).order_by("-id").first()
    return job.status if job is not None else ""


async def has_voted(cycle_id: int, user_id: int) -> str:
    """'' or the channel the resident voted through ("online" / "assisted")."""
    found = await PbVoter.filter(cycle_id=cycle_id, voter_key=voter_key(user_id)).values_list("channel", flat=True)
    return found[0] if found else ""
