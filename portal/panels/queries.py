"""Read models for the inspection pages: plain values only, filtered by who is asking.

Visibility rules (retaliation risk, CARE score card "blind" scoring):
- Panelists' names are shown to the coordinator only; everyone else, the agency included,
  sees "Panelist N".
- Panel scores: coordinator always; panel and agency once fieldwork has closed; the public once
  the draft report has gone to the agency. Public cells with n < 5 are suppressed.
- Self-assessment: its agency always; others once it is submitted and fieldwork has closed
  (so neither side can anchor on the other's scores).
- Evidence photos on scorecards: the panelist who filed them and the coordinator only (photos
  can show who was there).

Results are computed in results.py; agency pages are in scoreboard.py; surveys in survey_queries.py.
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
from portal.panels.domain import Actor, InspectionState as S, allowed_transitions, scorecard_phase
from portal.panels.models import (
    Action,
    ActionVerdict,
    Application,
    Inspection,
    PanelMember,
    Scorecard,
    ScorecardPhoto,
    SelfAssessment,
    SurveyResponse,
)
from portal.panels.results import PRE_FIELDWORK_END, Result, ServqualView, compute, reached, build_result, panel_ikm, panel_servqual
from portal.panels.scoring import Dimension, IkmResult, Scale, krejcie_morgan, round_half_up, suppress
from portal.panels.services import actors_for, today


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
    escalated: bool = False


def _overdue(inspection: Inspection, day: date) -> bool:
    return inspection.deadline is not None and day > inspection.deadline and inspection.state not in ("closed", "cancelled")


async def _row(i: Inspection, day: date) -> InspectionRow:
    shown = reached(i.state, S.RIGHT_OF_REPLY)
    result = await panel_ikm(i) if shown else None
    public = result is not None and suppress(result.respondents) is not None
    return InspectionRow(i.id, i.title, i.agency.abbreviation, i.agency.name, i.service.name, i.state,
                         labels.state_label(i.state), i.deadline, _overdue(i, day),
                         result.ikm_display if result and public else None,
                         result.grade.mutu if result and public else "", i.period_end, i.escalated_at is not None)


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
    reserve_rank: int | None = None


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
    servqual: ServqualView | None = None
    escalated: bool = False
    my_application: str = ""  # status of the visitor's own application, if any
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
    report_visible = coordinator or panelist or reached(i.state, S.RIGHT_OF_REPLY)
    view = InspectionView(
        id=i.id, title=i.title, agency=i.agency.abbreviation, agency_name=i.agency.name, service=i.service.name,
        service_code=i.service.code, scope=i.scope, methods=tuple(m for m in i.methods.split(",") if m),
        period_start=i.period_start, period_end=i.period_end, team_size=i.team_size, scale=i.scale,
        state=i.state, state_label=labels.state_label(i.state), deadline=i.deadline, overdue=_overdue(i, day),
        reply_deadline=i.reply_deadline, replied_at=i.replied_at, draw_seed=i.draw_seed, drawn_at=i.drawn_at,
        actors=frozenset(a.value for a in actors), escalated=i.escalated_at is not None,
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
                            a.motivation, a.availability, a.status, a.reserve_rank)
            for a in await Application.filter(inspection_id=i.id).select_related("user").order_by("id")
        ]
        view.all_cards = [
            CardRow(c.id, c.visit, c.phase, c.status, c.updated_at, c.member.user.name)
            for c in await Scorecard.filter(inspection_id=i.id).select_related("member__user").order_by("phase", "visit", "id")
        ]
    if who.user_id is not None:
        own = await Application.get_or_none(inspection_id=i.id, user_id=who.user_id)
        view.applied = own is not None
        view.my_application = own.status if own else ""
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
            self_r = compute([self_answers], scale)
            if self_r is not None:
                view.self_assessment = build_result("self", self_r, public=False)
                view.self_notes = sa.notes
    # Panel results.
    if coordinator or (i.state not in PRE_FIELDWORK_END and (panelist or officer)) or reached(i.state, S.RIGHT_OF_REPLY):
        panel = await panel_ikm(i)
        if panel is not None:
            both = self_r is not None and i.state not in PRE_FIELDWORK_END
            view.panel = build_result("panel", panel, public, self_r if both else None)
        view.servqual = await panel_servqual(i.id, "fieldwork", public)
        review = await panel_ikm(i, "review")
        if review is not None and (coordinator or i.state in (S.REVIEW, S.CLOSED)):
            view.review = build_result("review", review, public)
            if panel is not None and view.review.ikm is not None and view.panel and view.panel.ikm is not None:
                view.review_delta = round_half_up(review.ikm_exact - panel.ikm_exact, 2)
    survey_rows = [json.loads(a) for a in await SurveyResponse.filter(inspection_id=i.id).values_list("answers", flat=True)]
    survey = compute(survey_rows, scale)
    if survey is not None:
        view.survey = build_result("survey", survey, public)
    if i.population:
        view.survey_target = krejcie_morgan(i.population)
    view.actions = await action_views(i.id, mine.id if mine else None, day)
    view.timeline = await timeline(i.id)
    return view


async def action_views(inspection_id: int, member_id: int | None, day: date) -> list[ActionView]:
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


SERVQUAL_DIMENSIONS = tuple(d.value for d in Dimension)  # templates label them with labels.dimension_label


async def scorecard(card_id: int) -> dict[str, Any]:
    """One scorecard for its panelist or the coordinator (callers check who may see it)."""
    c = await Scorecard.get(id=card_id)
    photos = await ScorecardPhoto.filter(scorecard_id=c.id).order_by("id").values_list("id", "alt", "width", "height")
    return {"id": c.id, "visit": c.visit, "phase": c.phase, "status": c.status,
            "answers": json.loads(c.answers), "servqual": json.loads(c.servqual) if c.servqual else None,
            "observations": c.observations, "submitted_at": c.submitted_at, "updated_at": c.updated_at,
            "photos": [{"id": i, "alt": a, "width": w, "height": h} for i, a, w, h in photos]}


async def scorecard_for_coordinator(inspection_id: int, card_id: int, who: Identity) -> dict[str, Any]:
    inspection = await Inspection.get_or_none(id=inspection_id)
    if inspection is None or not await Scorecard.exists(id=card_id, inspection_id=inspection_id):
        raise NotFound()
    if Actor.COORDINATOR not in await actors_for(who, inspection):
        raise NotAllowed()
    return await scorecard(card_id)



# --- options ----------------------------------------------------------------------------------


async def agencies_options() -> list[tuple[str, str]]:
    return list(await Agency.all().order_by("name").values_list("abbreviation", "name"))


async def kecamatan_options() -> list[tuple[str, str]]:
    return list(await Kecamatan.all().order_by("name").values_list("code", "name"))

