"""Parse the programme forms into typed commands plus per-field errors (never raises)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from portal.forms import Form
from portal.i18n import gettext as _
from portal.programmes import domain, metrics
from portal.programmes.services import IndicatorInput, ProgrammeInput

TYPES = tuple(t.value for t in domain.ProgrammeType)
ANSWERS = tuple(a.value for a in domain.Answer)


def parse_programme(data: Mapping[str, Any]) -> tuple[ProgrammeInput | None, Form]:
    form = Form(data)
    name = form.text("name", max_length=120, min_length=2)
    kind = form.choice("type", TYPES)
    lead = form.text("lead", required=False, max_length=200)
    summary = form.text("summary", required=False, max_length=2000)
    position = form.integer("position", required=False, minimum=0, maximum=9999)
    goal = form.text("goal", max_length=4000)
    change = form.text("change_management", required=False, max_length=4000)
    outcomes, error = domain.parse_outcomes(form.text("outcomes", required=False, max_length=8000))
    if error and "outcomes" not in form.errors:
        form.errors["outcomes"] = _(error)
    costs = form.integer("costs", required=False, minimum=0, maximum=10**15)
    costs_note = form.text("costs_note", required=False, max_length=2000)
    savings = form.integer("savings", required=False, minimum=0, maximum=10**15)
    savings_note = form.text("savings_note", required=False, max_length=2000)
    if not form.ok:
        return None, form
    return ProgrammeInput(name, domain.ProgrammeType(kind), lead, summary, position, goal, change, outcomes,
                          costs, costs_note, savings, savings_note), form


def form_from_view(view: Any) -> Form:
    """Prefill the edit form from a queries.ProgrammeView."""
    form = Form({})
    form.values.update({
        "name": view.name, "type": view.type, "lead": view.lead, "summary": view.summary,
        "position": str(view.position), "goal": view.goal, "change_management": view.change_management,
        "outcomes": domain.outcomes_text(view.outcomes),
        "costs": "" if view.costs is None else str(view.costs), "costs_note": view.costs_note,
        "savings": "" if view.savings is None else str(view.savings), "savings_note": view.savings_note,
    })
    return form


def parse_assessment(data: Mapping[str, Any]) -> tuple[dict[str, tuple[str, str]], Form]:
    form = Form(data)
    answers: dict[str, tuple[str, str]] = {}
    for p in domain.PRINCIPLES:
        answer = form.choice(f"answer_{p.value}", ANSWERS, required=False)
        evidence = form.text(f"evidence_{p.value}", required=False, max_length=domain.MAX_EVIDENCE)
        message = domain.check_assessment(answer, evidence) if f"answer_{p.value}" not in form.errors else ""
        if message:
            form.errors.setdefault(f"evidence_{p.value}", _(message))
        answers[p.value] = (answer, evidence)
    return answers, form


def parse_indicator(data: Mapping[str, Any], agencies: set[str], cycles: set[str]) -> tuple[IndicatorInput | None, Form]:
    form = Form(data)
    name = form.text("name", max_length=160, min_length=2)
    unit = form.text("unit", required=False, max_length=40)
    raw_target = form.text("target", required=False, max_length=20)
    target = domain.parse_decimal(raw_target)
    if raw_target and target is None:
        form.errors["target"] = _("Enter a number.")
    metric = form.choice("metric", metrics.METRICS.keys(), required=False)
    param = form.text("metric_param", required=False, max_length=40)
    kind = metrics.METRICS[metric].param if metric in metrics.METRICS else ""
    if kind == "agency" and param not in agencies:
        form.errors["metric_param"] = _("Choose the agency this figure is about.")
    elif kind == "cycle" and param and param not in cycles:
        form.errors["metric_param"] = _("Choose one of the options.")
    elif kind == "" and "metric" not in form.errors:
        param = ""
    if not form.ok:
        return None, form
    return IndicatorInput(name, unit, target, metric, param), form


def parse_reading(data: Mapping[str, Any]) -> tuple[tuple[date, Decimal] | None, Form]:
    form = Form(data)
    raw_day = form.text("day", max_length=10)
    day: date | None = None
    try:
        day = date.fromisoformat(raw_day) if raw_day else None
    except ValueError:
        form.errors["day"] = _("Enter a date as YYYY-MM-DD.")
    raw_value = form.text("value", max_length=20)
    value = domain.parse_decimal(raw_value)
    if raw_value and value is None:
        form.errors["value"] = _("Enter a number.")
    if not form.ok or day is None or value is None:
        return None, form
    return (day, value), form
