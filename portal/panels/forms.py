"""Parsing of the panel forms into typed commands with per-field errors (never raises)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from portal.forms import Form
from portal.i18n import gettext as _
from portal.panels.followup import NewAction
from portal.panels.services import METHODS, NewApplication, NewInspection
from portal.panels.surveys import NewPeriod
from portal.panels.scoring import Scale

SCALES = {"2017": Scale.PERMENPANRB_14_2017, "2004": Scale.KEPMENPAN_25_2004}


def parse_inspection(data: Mapping[str, Any], methods: Iterable[str], agencies: Iterable[str]) -> tuple[NewInspection | None, Form]:
    form = Form(data)
    agency = form.choice("agency", agencies)
    service = form.text("service_name", max_length=200, min_length=3)
    title = form.text("title", max_length=200, min_length=5)
    scope = form.text("scope", max_length=4000, min_length=10)
    chosen = tuple(m for m in METHODS if m in set(methods))
    form.values["methods"] = ",".join(chosen)
    if not chosen:
        form.errors["methods"] = _("Choose at least one method.")
    start = form.iso_date("period_start")
    end = form.iso_date("period_end")
    if start and end and end < start:
        form.errors["period_end"] = _("The end cannot be before the start.")
    team = form.integer("team_size", minimum=1, maximum=12)
    days = form.integer("fieldwork_days", minimum=5, maximum=90)
    population = form.integer("population", required=False, minimum=1, maximum=10_000_000)
    scale = form.choice("scale", SCALES)
    if not form.ok:
        return None, form
    assert start and end and team and days
    return NewInspection(agency, service, title, scope, chosen, start, end, team, SCALES[scale], days, population), form


def parse_application(data: Mapping[str, Any], kecamatan: Iterable[str]) -> tuple[NewApplication | None, Form]:
    form = Form(data)
    motivation = form.text("motivation", max_length=2000, min_length=20)
    kec = form.choice("kecamatan", kecamatan)
    if "kecamatan" in form.errors:
        form.errors["kecamatan"] = _("Choose a kecamatan from the list.")
    availability = form.text("availability", max_length=300, min_length=3)
    gender = form.choice("gender", ("f", "m", ""), required=False)
    share_age = form.raw("share_age") == "1"
    conflict = form.choice("conflict", ("none", "staff", "family"))
    if "conflict" in form.errors:
        form.errors["conflict"] = _("Declare whether you have a conflict of interest.")
    if not form.ok:
        return None, form
    return NewApplication(motivation, kec, availability, gender, share_age, conflict == "staff", conflict == "family"), form


def parse_action(data: Mapping[str, Any], unsur: Iterable[str]) -> tuple[NewAction | None, Form]:
    form = Form(data)
    code = form.choice("unsur", unsur)
    description = form.text("description", max_length=2000, min_length=10)
    owner = form.text("owner", max_length=200, min_length=3)
    due = form.iso_date("due_date")
    budget = form.text("budget_source", max_length=200, min_length=2)
    evidence = form.text("evidence_expected", max_length=300, min_length=3)
    if not form.ok:
        return None, form
    assert due is not None
    return NewAction(code, description, owner, due, budget, evidence), form


def parse_report(data: Mapping[str, Any]) -> tuple[dict[str, str] | None, Form]:
    form = Form(data)
    values = {
        "findings": form.text("findings", max_length=10000, min_length=20),
        "strengths": form.text("strengths", max_length=10000, required=False),
        "recommendations": form.text("recommendations", max_length=10000, min_length=10),
    }
    return (values if form.ok else None), form


def parse_reply(data: Mapping[str, Any]) -> tuple[dict[str, str] | None, Form]:
    form = Form(data)
    values = {"text": form.text("reply_text", max_length=10000, min_length=10),
              "minutes": form.text("minutes", max_length=10000, required=False)}
    return (values if form.ok else None), form


def parse_long_text(data: Mapping[str, Any], name: str, *, min_length: int = 3, required: bool = True) -> tuple[str | None, Form]:
    form = Form(data)
    value = form.text(name, max_length=5000, min_length=min_length, required=required)
    return (value if form.ok else None), form


def parse_period(data: Mapping[str, Any], services: Iterable[str]) -> tuple[NewPeriod | None, Form]:
    form = Form(data)
    code = form.choice("service", services)
    if "service" in form.errors:
        form.errors["service"] = _("Choose a service from the list.")
    title = form.text("title", max_length=200, min_length=5)
    opens = form.iso_date("opens_on")
    closes = form.iso_date("closes_on")
    if opens and closes and closes < opens:
        form.errors["closes_on"] = _("The end cannot be before the start.")
    population = form.integer("population", required=False, minimum=1, maximum=10_000_000)
    if not form.ok:
        return None, form
    assert opens and closes
    return NewPeriod(code, title, opens, closes, population), form
