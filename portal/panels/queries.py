"""Read models for the panel pages: plain values only, filtered by who is asking.

Visibility rules (retaliation risk, CARE score card "blind" scoring):
- Panelists' names are shown to the coordinator only; everyone else, the agency included,
  sees "Panelist N".
- Panel scores: coordinator always; panel and agency once fieldwork has closed; the public once
  the draft report has gone to the agency. Public cells with n < 5 are suppressed.
- Self-assessment: its agency always; others once it is submitted and fieldwork has closed
  (so neither side can anchor on the other's scores).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from portal.accounts.identity import Identity
from portal.core.models import Agency, AuditEvent, Kecamatan
from portal.errors import NotAllowed, NotFound
from portal.panels import labels
from portal.panels.domain import Actor, InspectionState as S, ORDER, allowed_transitions, scorecard_phase
from portal.panels.models import (
    Action,
    ActionVerdict,
    Application,
    Inspection,
    PanelMember,
    Scorecard,
    SelfAssessment,
    Service,
    SurveyResponse,
)
from portal.panels.scoring import IkmResult, Scale, ScoringError, compare, ikm, krejcie_morgan, round_half_up, suppress
from portal.panels.services import actors_for, today

PRE_FIELDWORK_END = (S.DRAFT, S.RECRUITING, S.FIELDWORK)


def _past(state: str, threshold: S) -> bool:
    if state == S.CANCELLED:
        return False
    return ORDER.index(S(state)) >= ORDER.index(threshold)


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnsurLine:
    code: str
    name: str
    answered: int | None  # None = suppressed
    nrr: Decimal | None
    x25: Decimal | None
    grade: str
    self_nrr: Decimal | None = None
    gap: Decimal | None = None
    weakest: bool = False


@dataclass(frozen=True)
class Result:
    source: str  # "panel" | "review" | "survey" | "self"
    respondents: int
    ikm: Decimal | None  # None = suppressed
    grade: str
    label: str
    lines: tuple[UnsurLine, ...]
    ikm_gap: Decimal | None = None


def _compute(rows: list[dict[str, int | None]], scale: Scale) -> IkmResult | None:
    try:
        return ikm(rows, scale) if rows else None
    except ScoringError:
        return None  # e.g. an unsur nobody observed: shown as "not enough answers"


def _result(source: str, r: IkmResult, public: bool, self_r: IkmResult | None = None) -> Result:
    hide_all = public and suppress(r.respondents) is None
    gaps = {g.unsur.code: g for g in compare(r, self_r).per_unsur} if self_r is not None else {}
    weakest = {s.unsur.code for s in r.weakest}
    lines = []
    for s in r.per_unsur:
        hidden = hide_all or (public and suppress(s.answered) is None)
        g = gaps.get(s.unsur.code)
        lines.append(UnsurLine(
            s.unsur.code, s.unsur.name, None if hidden else s.answered,
            None if hidden else round_half_up(s.nrr, 2), None if hidden else round_half_up(s.nrr_x25, 2),
            "" if hidden else s.grade.mutu,
            self_nrr=round_half_up(g.self_nrr, 2) if g else None,
            gap=None if (g is None or hidden) else round_half_up(g.gap, 2),
            weakest=not hidden and s.unsur.code in weakest,
        ))
    ikm_gap = round_half_up(r.ikm_exact - self_r.ikm_exact, 2) if self_r is not None and not hide_all else None
    return Result(source, r.respondents, None if hide_all else r.ikm_display,
                  "" if hide_all else r.grade.mutu, "" if hide_all else r.grade.kinerja, tuple(lines), ikm_gap)


async def _scorecard_rows(inspection_id: int, phase: str) -> list[dict[str, int | None]]:
    raw = await Scorecard.filter(inspection_id=inspection_id, phase=phase, status="submitted").values_list("answers", flat=True)
    return [json.loads(a) for a in raw]


async def panel_ikm(inspection: Inspection, phase: str = "fieldwork") -> IkmResult | None:
    return _compute(await _scorecard_rows(inspection.id, phase), Scale(inspection.scale))


# --- list and detail --------------------------------------------------------------------------


@dataclass(frozen=True)
class InspectionRow:
    id: int
    title: str
    agency: str
    agency_name: str
    service: str
    state: str
    state_label: str
    deadline: date | None
    overdue: bool
    ikm: Decimal | None
    grade: str
    period_end: date


def _overdue(inspection: Inspection, day: date) -> bool:
    return inspection.deadline is not None and day > inspection.deadline and inspection.state not in ("closed", "cancelled")


async def _row(i: Inspection, day: date) -> InspectionRow:
    shown = _past(i.state, S.RIGHT_OF_REPLY)
    result = await panel_ikm(i) if shown else None
    public = result is not None and suppress(result.respondents) is not None
    return InspectionRow(i.id, i.title, i.agency.abbreviation, i.agency.name, i.service.name, i.state,
                         labels.state_label(i.state), i.deadline, _overdue(i, day),
                         result.ikm_display if result and public else None,
                         result.grade.mutu if result and public else "", i.period_end)


async def inspections(*, agency_id: int | None = None, include_drafts: bool = False) -> list[InspectionRow]:
    qs = Inspection.all().select_related("agency", "service").order_by("-id")
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    if not include_drafts:
        qs = qs.exclude(state="draft")
    day = today()
    return [await _row(i, day) for i in await qs]


@dataclass(frozen=True)
class MemberView:
    id: int
    label: str  # real name for the coordinator, "Panelist N" for everyone else
    ready: bool
    submitted: int


@dataclass(frozen=True)
class ApplicationView:
    id: int
    name: str
    kecamatan: str
    gender: str
    age_group: str
    motivation: str
    availability: str
    status: str


@dataclass(frozen=True)
class ActionView:
    id: int
    unsur: str
    description: str
    owner: str
    due_date: date
    budget_source: str
    evidence_expected: str
    evidence_text: str
    evidence_at: datetime | None
    overdue: bool
    on_time: bool | None
    confirmed: int
    disputed: int
    my_verdict: str


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    text: str


@dataclass(frozen=True)
class CardRow:
    id: int
    visit: int
    phase: str
    status: str
    updated_at: datetime
    member: str


@dataclass
class InspectionView:
    id: int
    title: str
    agency: str
    agency_name: str
    service: str
    service_code: str
    scope: str
    methods: tuple[str, ...]
    period_start: date
    period_end: date
    team_size: int
    scale: str
    state: str
    state_label: str
    deadline: date | None
    overdue: bool
    reply_deadline: date | None
    replied_at: datetime | None
    draw_seed: str
    drawn_at: datetime | None
    actors: frozenset[str]
    report: dict[str, str] | None
    reply_text: str
    minutes: str
    transitions: list[tuple[str, str]] = field(default_factory=list)
    members: list[MemberView] = field(default_factory=list)
    applications: list[ApplicationView] = field(default_factory=list)
    my_member: dict[str, Any] | None = None
    my_cards: list[CardRow] = field(default_factory=list)
    all_cards: list[CardRow] = field(default_factory=list)
    phase: str | None = None
    panel: Result | None = None
    review: Result | None = None
    review_delta: Decimal | None = None
    survey: Result | None = None
    survey_target: int | None = None
    self_assessment: Result | None = None
    self_status: str = ""
    self_form_values: dict[str, str] = field(default_factory=dict)
    self_notes: str = ""
    actions: list[ActionView] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    unsur: tuple[tuple[str, str], ...] = ()
    applied: bool = False


async def inspection_detail(inspection_id: int, who: Identity) -> InspectionView:
    i = await Inspection.get_or_none(id=inspection_id).select_related("agency", "service")
    if i is None:
        raise NotFound()
    actors = await actors_for(who, i)
    coordinator = Actor.COORDINATOR in actors
    officer = Actor.OFFICER in actors
    panelist = Actor.PANELIST in actors
    if i.state == S.DRAFT and not (coordinator or officer):
        raise NotFound()
    public = not (coordinator or officer or panelist)
    day = today()
    scale = Scale(i.scale)
    report_visible = coordinator or panelist or _past(i.state, S.RIGHT_OF_REPLY)
    view = InspectionView(
        id=i.id, title=i.title, agency=i.agency.abbreviation, agency_name=i.agency.name, service=i.service.name,
        service_code=i.service.code, scope=i.scope, methods=tuple(m for m in i.methods.split(",") if m),
        period_start=i.period_start, period_end=i.period_end, team_size=i.team_size, scale=i.scale,
        state=i.state, state_label=labels.state_label(i.state), deadline=i.deadline, overdue=_overdue(i, day),
        reply_deadline=i.reply_deadline, replied_at=i.replied_at, draw_seed=i.draw_seed, drawn_at=i.drawn_at,
        actors=frozenset(a.value for a in actors),
        report={"findings": i.report_findings, "strengths": i.report_strengths,
                "recommendations": i.report_recommendations} if report_visible else None,
        reply_text=i.reply_text if (report_visible or officer) else "", minutes=i.minutes,
        phase=scorecard_phase(S(i.state)), unsur=tuple((u.code, u.name) for u in scale.unsur),
    )
    view.transitions = [(t.target.value, t.label) for t in allowed_transitions(S(i.state), actors)]
    # Members: names only for the coordinator.
    members = await PanelMember.filter(inspection_id=i.id).select_related("user").order_by("number")
    counts: dict[int, int] = {}
    for member_id in await Scorecard.filter(inspection_id=i.id, status="submitted").values_list("member_id", flat=True):
        counts[member_id] = counts.get(member_id, 0) + 1
    from portal.i18n import gettext as _

    view.members = [
        MemberView(m.id, m.user.name if coordinator else _("Panelist %(n)d") % {"n": m.number},
                   bool(m.conduct_confirmed_at and m.training_done_at), counts.get(m.id, 0))
        for m in members
    ]
    if coordinator:
        kec = dict(await Kecamatan.all().values_list("code", "name"))
        view.applications = [
            ApplicationView(a.id, a.user.name, kec.get(a.kecamatan_code, a.kecamatan_code), a.gender, a.age_group,
                            a.motivation, a.availability, a.status)
            for a in await Application.filter(inspection_id=i.id).select_related("user").order_by("id")
        ]
        view.all_cards = [
            CardRow(c.id, c.visit, c.phase, c.status, c.updated_at, c.member.user.name)
            for c in await Scorecard.filter(inspection_id=i.id).select_related("member__user").order_by("phase", "visit", "id")
        ]
    if who.user_id is not None:
        view.applied = await Application.exists(inspection_id=i.id, user_id=who.user_id)
    mine = next((m for m in members if m.user_id == who.user_id), None)  # type: ignore[attr-defined]
    if mine is not None:
        view.my_member = {"number": mine.number, "conduct": mine.conduct_confirmed_at,
                          "training": mine.training_done_at}
        view.my_cards = [
            CardRow(c.id, c.visit, c.phase, c.status, c.updated_at, "")
            for c in await Scorecard.filter(member_id=mine.id).order_by("phase", "visit")
        ]
    # Self-assessment.
    sa = await SelfAssessment.get_or_none(inspection_id=i.id)
    self_r: IkmResult | None = None
    if sa is not None:
        view.self_status = sa.status
        self_answers = json.loads(sa.answers)
        if officer:
            view.self_form_values = {k: "" if v is None else str(v) for k, v in self_answers.items()}
            view.self_form_values["notes"] = sa.notes
        if sa.status == "submitted" and (officer or i.state not in PRE_FIELDWORK_END):
            self_r = _compute([self_answers], scale)
            if self_r is not None:
                view.self_assessment = _result("self", self_r, public=False)
                view.self_notes = sa.notes
    # Panel results.
    if coordinator or (i.state not in PRE_FIELDWORK_END and (panelist or officer)) or _past(i.state, S.RIGHT_OF_REPLY):
        panel = await panel_ikm(i)
        if panel is not None:
            both = self_r is not None and i.state not in PRE_FIELDWORK_END
            view.panel = _result("panel", panel, public, self_r if both else None)
        review = await panel_ikm(i, "review")
        if review is not None and (coordinator or i.state in (S.REVIEW, S.CLOSED)):
            view.review = _result("review", review, public)
            if panel is not None and view.review.ikm is not None and view.panel and view.panel.ikm is not None:
                view.review_delta = round_half_up(review.ikm_exact - panel.ikm_exact, 2)
    survey_rows = [json.loads(a) for a in await SurveyResponse.filter(inspection_id=i.id).values_list("answers", flat=True)]
    survey = _compute(survey_rows, scale)
    if survey is not None:
        view.survey = _result("survey", survey, public)
    if i.population:
        view.survey_target = krejcie_morgan(i.population)
    view.actions = await _actions(i.id, mine.id if mine else None, day)
    view.timeline = await timeline(i.id)
    return view


async def _actions(inspection_id: int, member_id: int | None, day: date) -> list[ActionView]:
    actions = await Action.filter(inspection_id=inspection_id).order_by("due_date", "id")
    verdicts = await ActionVerdict.filter(action__inspection_id=inspection_id).values_list("action_id", "member_id", "verdict")
    out = []
    for a in actions:
        mine = [v for aid, mid, v in verdicts if aid == a.id and mid == member_id]
        on_time = None if a.evidence_at is None else a.evidence_at.date() <= a.due_date
        out.append(ActionView(
            a.id, a.unsur, a.description, a.owner, a.due_date, a.budget_source, a.evidence_expected,
            a.evidence_text, a.evidence_at, a.evidence_at is None and day > a.due_date, on_time,
            sum(1 for aid, _m, v in verdicts if aid == a.id and v == "confirm"),
            sum(1 for aid, _m, v in verdicts if aid == a.id and v == "dispute"),
            mine[0] if mine else "",
        ))
    return out


async def timeline(inspection_id: int) -> list[TimelineEntry]:
    """Public timeline: audit rows about the inspection itself (never who did what)."""
    events = await AuditEvent.filter(target_type="inspection", target_id=str(inspection_id),
                                     tag__in=list(labels.TIMELINE)).order_by("id")
    entries = []
    for e in events:
        if e.tag == "panels:self_assessment:save":
            continue
        entries.append(TimelineEntry(e.created_at, labels.timeline_label(e.tag, json.loads(e.data))))
    return entries


# --- scorecards -------------------------------------------------------------------------------


async def scorecard(card_id: int) -> dict[str, Any]:
    c = await Scorecard.get(id=card_id)
    return {"id": c.id, "visit": c.visit, "phase": c.phase, "status": c.status,
            "answers": json.loads(c.answers), "servqual": json.loads(c.servqual) if c.servqual else None,
            "observations": c.observations, "submitted_at": c.submitted_at, "updated_at": c.updated_at}


async def scorecard_for_coordinator(inspection_id: int, card_id: int, who: Identity) -> dict[str, Any]:
    inspection = await Inspection.get_or_none(id=inspection_id)
    if inspection is None or not await Scorecard.exists(id=card_id, inspection_id=inspection_id):
        raise NotFound()
    if Actor.COORDINATOR not in await actors_for(who, inspection):
        raise NotAllowed()
    return await scorecard(card_id)


# --- agencies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyScore:
    abbreviation: str
    name: str
    trend: tuple[tuple[str, Decimal, str], ...]  # (period end, IKM, grade) oldest first
    replies_on_time: tuple[int, int]  # (on time, replied or due)
    actions_on_time: tuple[int, int]  # (done on time, due or done)
    open_inspections: int


async def _agency_score(agency: Agency, day: date) -> AgencyScore:
    items = await Inspection.filter(agency_id=agency.id).exclude(state__in=("draft", "cancelled")).order_by("period_end", "id")
    trend = []
    replies = [0, 0]
    for i in items:
        if _past(i.state, S.RIGHT_OF_REPLY):
            r = await panel_ikm(i)
            if r is not None and suppress(r.respondents) is not None:
                trend.append((i.period_end.isoformat(), r.ikm_display, r.grade.mutu))
        if i.reply_deadline is not None and (i.replied_at is not None or day > i.reply_deadline):
            replies[1] += 1
            if i.replied_at is not None and i.replied_at.date() <= i.reply_deadline:
                replies[0] += 1
    actions = await Action.filter(inspection__agency_id=agency.id)
    due_or_done = [a for a in actions if a.evidence_at is not None or day > a.due_date]
    on_time = sum(1 for a in due_or_done if a.evidence_at is not None and a.evidence_at.date() <= a.due_date)
    open_count = sum(1 for i in items if i.state not in ("closed",))
    return AgencyScore(agency.abbreviation, agency.name, tuple(trend), (replies[0], replies[1]),
                       (on_time, len(due_or_done)), open_count)


async def scoreboard() -> list[AgencyScore]:
    """Agencies with at least one public inspection, best latest IKM first."""
    ids = set(await Inspection.exclude(state__in=("draft", "cancelled")).values_list("agency_id", flat=True))
    day = today()
    scores = [await _agency_score(a, day) for a in await Agency.filter(id__in=list(ids)).order_by("name")]
    return sorted(scores, key=lambda s: (-(s.trend[-1][1] if s.trend else Decimal(0)), s.name))


@dataclass(frozen=True)
class OpenAction:
    inspection_id: int
    inspection: str
    action: ActionView


@dataclass(frozen=True)
class AgencyPage:
    score: AgencyScore
    inspections: list[InspectionRow]
    services: list[tuple[str, str]]
    open_actions: list[OpenAction]
    is_officer: bool
    to_do: list[InspectionRow]


async def agency_page(abbreviation: str, who: Identity) -> AgencyPage:
    agency = await Agency.get_or_none(abbreviation=abbreviation)
    if agency is None:
        raise NotFound()
    day = today()
    is_officer = who.agency_id == agency.id and who.has("officer")
    rows = await inspections(agency_id=agency.id, include_drafts=is_officer)
    open_actions: list[OpenAction] = []
    if is_officer:
        for row in rows:
            if row.state in ("action_plan_approved", "follow_up", "review"):
                for a in await _actions(row.id, None, day):
                    if a.evidence_at is None or a.disputed:
                        open_actions.append(OpenAction(row.id, row.title, a))
    to_do = [r for r in rows if is_officer and r.state in ("fieldwork", "consolidation", "right_of_reply",
                                                             "action_plan_submitted")]
    services = list(await Service.filter(agency_id=agency.id).order_by("name").values_list("code", "name"))
    return AgencyPage(await _agency_score(agency, day), rows, services, open_actions, is_officer, to_do)


async def survey_service(code: str) -> dict[str, Any]:
    service = await Service.get_or_none(code=code).select_related("agency")
    if service is None:
        raise NotFound()
    scale = Scale(service.scale)
    return {"code": service.code, "name": service.name, "agency": service.agency.name,
            "agency_abbr": service.agency.abbreviation, "scale": service.scale,
            "unsur": tuple((u.code, u.name) for u in scale.unsur)}


async def has_answered_survey(code: str, user_id: int | None, period: str) -> bool:
    if user_id is None:
        return False
    return await SurveyResponse.exists(service__code=code, user_id=user_id, period=period)


async def agencies_options() -> list[tuple[str, str]]:
    return list(await Agency.all().order_by("name").values_list("abbreviation", "name"))


async def kecamatan_options() -> list[tuple[str, str]]:
    return list(await Kecamatan.all().order_by("name").values_list("code", "name"))

