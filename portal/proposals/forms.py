"""Parsing of the proposal forms into typed commands with per-field errors (never raises)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from portal.forms import Form
from portal.i18n import gettext as _
from portal.proposals import domain
from portal.proposals.domain import AnswerKind, Category, ProposalDraft

FIELDS = ("title", "description", "category", "kecamatan", "kelurahan", "address", "lat", "lon",
          "suggested_agency", "estimated_cost")


def _coordinate(form: Form, name: str) -> float | None:
    raw = form.raw(name).strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        form.errors[name] = _("Enter a number such as -6.9147 or 107.6098.")
        return None
    if value != value or value in (float("inf"), float("-inf")):
        form.errors[name] = _("Enter a number such as -6.9147 or 107.6098.")
        return None
    return round(value, 6)


def parse_proposal(data: Mapping[str, Any], kecamatan_codes: Iterable[str], kelurahan_codes: Iterable[str],
                   agencies: Iterable[str]) -> tuple[ProposalDraft | None, Form]:
    form = Form(data)
    title = form.text("title", max_length=domain.TITLE_MAX, min_length=domain.TITLE_MIN)
    description = form.text("description", max_length=domain.DESCRIPTION_MAX, min_length=domain.DESCRIPTION_MIN)
    category = form.choice("category", [c.value for c in Category])
    kecamatan = form.choice("kecamatan", kecamatan_codes)
    kelurahan = form.choice("kelurahan", kelurahan_codes)
    address = form.text("address", required=False, max_length=200)
    lat = _coordinate(form, "lat")
    lon = _coordinate(form, "lon")
    if (lat is None) != (lon is None) and "lat" not in form.errors and "lon" not in form.errors:
        form.errors["lat" if lat is None else "lon"] = _("Give both latitude and longitude, or neither.")
    elif lat is not None and lon is not None and not domain.inside_bandung(lat, lon):
        form.errors["lat"] = _("This point is outside Kota Bandung.")
    agency = form.choice("suggested_agency", agencies, required=False)
    cost = form.integer("estimated_cost", required=False, minimum=0, maximum=domain.MAX_COST)
    if not form.ok:
        return None, form
    return ProposalDraft(title=title, description=description, category=Category(category),
                         kecamatan_code=kecamatan, kelurahan_code=kelurahan, address=address, lat=lat, lon=lon,
                         suggested_agency=agency, estimated_cost=cost), form


def parse_reason(data: Mapping[str, Any], name: str = "reason", max_length: int = 2000) -> tuple[str | None, Form]:
    form = Form(data)
    value = form.text(name, max_length=max_length, min_length=3)
    return (value if form.ok else None), form


def parse_answer(data: Mapping[str, Any]) -> tuple[tuple[AnswerKind, str, int | None] | None, Form]:
    form = Form(data)
    kind = form.choice("kind", [k.value for k in AnswerKind])
    text = form.text("text", max_length=5000, min_length=10)
    cost = form.integer("cost", required=kind == AnswerKind.FEASIBLE, minimum=0, maximum=domain.MAX_COST)
    if not form.ok:
        return None, form
    return (AnswerKind(kind), text, cost), form


def parse_comment(data: Mapping[str, Any]) -> tuple[tuple[str, int | None] | None, Form]:
    form = Form(data)
    body = form.text("body", max_length=domain.COMMENT_MAX, min_length=2)
    parent = form.integer("parent_id", required=False, minimum=1)
    return ((body, parent) if form.ok else None), form


def form_from_values(values: Mapping[str, Any]) -> Form:
    """A form pre-filled for editing (no errors)."""
    form = Form(values)
    for name in FIELDS:
        form.values[name] = "" if values.get(name) is None else str(values.get(name))
    return form
