"""Council form parsing: raw form data in, typed commands and per-field errors out (never raises)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from portal.council.domain import DecisionDraft, DecisionKind, LinkType, Votes
from portal.forms import Form
from portal.i18n import gettext as _
from portal.i18n import lazy

KIND_LABELS = {
    "adopt_pb": lazy("Adopt participatory-budget results"),
    "answer_proposal": lazy("Answer to a proposal"),
    "inspection_response": lazy("Response to an inspection report"),
    "other": lazy("Other"),
}
STATUS_LABELS = {
    "planned": lazy("Planned"),
    "procurement": lazy("Procurement"),
    "in_progress": lazy("In progress"),
    "done": lazy("Done"),
    "cancelled": lazy("Cancelled"),
}
STEP_LABELS = {
    "planned": lazy("Back to planning"),
    "procurement": lazy("Start procurement"),
    "in_progress": lazy("Start the work"),
    "done": lazy("Mark as done"),
    "cancelled": lazy("Cancel the project"),
}
ANSWER_LABELS = {"yes": lazy("Yes, it was done"), "no": lazy("No, it was not done"), "unknown": lazy("I don't know")}
IDS_RE = re.compile(r"^[#\s,0-9]*$")


def parse_ids(form: Form, name: str, *, limit: int = 50) -> list[int]:
    """"#12, 15 20" -> [12, 15, 20]; anything else is an error on the field."""
    raw = form.raw(name)
    if not IDS_RE.match(raw):
        form.errors[name] = _("Write numbers separated by commas, e.g. 12, 15.")
        return []
    ids = list(dict.fromkeys(int(x) for x in re.findall(r"\d{1,9}", raw)))
    if len(ids) > limit:
        form.errors[name] = _("At most %(n)d items.") % {"n": limit}
    return ids[:limit]


def _choice_id(form: Form, name: str, allowed: set[int]) -> int | None:
    raw = form.raw(name).strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) not in allowed:
        form.errors[name] = _("Choose one of the options.")
        return None
    return int(raw)


def parse_decision(data: Mapping[str, Any], *, cycles: set[int], inspections: set[int],
                   agencies: Mapping[str, int]) -> tuple[DecisionDraft | None, Form]:
    form = Form(data)
    number = form.text("number", max_length=16)
    decided_on = form.iso_date("decided_on")
    title = form.text("title", max_length=200)
    text = form.text("text", max_length=20000)
    kind = form.choice("kind", [k.value for k in DecisionKind])
    votes = [form.integer(n, minimum=0, maximum=1000) for n in ("votes_for", "votes_against", "votes_abstain")]
    dissenters = tuple(n for n in (" ".join(line.split()) for line in form.text(
        "dissenters", required=False, max_length=5000).splitlines()) if n)
    if any(len(n) > 120 for n in dissenters):
        form.errors["dissenters"] = _("At most %(n)d characters.") % {"n": 120}
    rationale = form.text("rationale", required=False, max_length=20000)
    budget_line = form.text("budget_line", required=False, max_length=120)
    amount = form.integer("amount", required=False, minimum=0)
    agency = form.choice("agency", list(agencies), required=False)
    implement = form.raw("implement") in ("1", "on", "true")
    amends_raw = form.raw("amends").strip()
    amends = int(amends_raw) if amends_raw.isdigit() and len(amends_raw) < 10 else None
    links = [(LinkType.PROPOSAL, i) for i in parse_ids(form, "proposals")]
    cycle = _choice_id(form, "pb_cycle", cycles)
    inspection = _choice_id(form, "inspection", inspections)
    links += [(LinkType.PB_CYCLE, cycle)] if cycle else []
    links += [(LinkType.INSPECTION, inspection)] if inspection else []
    links += [(LinkType.ACTION, i) for i in parse_ids(form, "actions")]
    if not form.ok or decided_on is None or None in votes:
        return None, form
    return DecisionDraft(
        number=number, decided_on=decided_on, title=title, text=text, kind=DecisionKind(kind),
        votes=Votes(votes[0], votes[1], votes[2], dissenters),  # type: ignore[arg-type]
        rationale=rationale, budget_line=budget_line, amount=amount, links=tuple(links),
        agency_id=agencies.get(agency) if agency else None, implement=implement, amends_id=amends,
    ), form


def field_for_error(key: str) -> str:
    """Service errors name links by type ("link_proposal"); map them to the form's fields."""
    return {"link_proposal": "proposals", "link_pb_cycle": "pb_cycle", "link_inspection": "inspection",
            "link_action": "actions", "links": "proposals"}.get(key, key)


def parse_progress(data: Mapping[str, Any]) -> tuple[tuple[int | None, int, str] | None, Form]:
    form = Form(data)
    progress = form.integer("progress", required=False, minimum=0, maximum=100)
    spent = form.integer("spent", minimum=0)
    note = form.text("note", required=False, max_length=2000)
    if not form.ok or spent is None:
        return None, form
    return (progress, spent, note), form


def parse_milestone(data: Mapping[str, Any]) -> tuple[tuple[str, date] | None, Form]:
    form = Form(data)
    title = form.text("title", max_length=200)
    due_on = form.iso_date("due_on")
    if not form.ok or due_on is None:
        return None, form
    return (title, due_on), form


def parse_child(data: Mapping[str, Any]) -> tuple[tuple[str, int] | None, Form]:
    form = Form(data)
    title = form.text("title", max_length=200)
    cost = form.integer("cost", minimum=0)
    if not form.ok or cost is None:
        return None, form
    return (title, cost), form
