"""Participatory budgeting pages: cycles, set-up, projects, ballots, results, receipts, export.

Thin endpoints: parse with forms.py, call one service, render a page or a fragment. Ballot
input is read as the ordered multi-dict the browser posted, so duplicates and tampered ids
reach the server-side rules untouched.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import forms
from portal.accounts.identity import Identity, Role
from portal.core.timeutil import to_jakarta, utcnow
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.i18n import gettext as _
from portal.templating import flash, render
from portal.voting import automation, domain, interop, promote, queries, services, tally
from portal.voting import forms as pb_forms
from portal.council import queries as council_queries
from portal.voting.domain import Phase
from portal.web import client_ip, form_data, identity, redirect, require_login, require_role
from portal.web import services as services_of

STAFF = (Role.COUNCIL, Role.ADMIN, Role.MODERATOR, Role.OFFICER)
# Scheduled work of this domain, registered in portal.app (job_handlers / periodic_jobs).
job_handlers = automation.job_handlers
PERIODIC_JOBS = (automation.PERIODIC,)


def _today() -> date:
    return to_jakarta(utcnow()).date()


def _id(request: Request) -> int:
    cycle_id: int = request.path_params["cycle_id"]
    return cycle_id


async def _cycle(request: Request) -> queries.CycleView:
    cycle = await queries.cycle_view(_id(request))
    if cycle is None or (cycle.phase == Phase.DRAFT and not identity(request).has(*STAFF)):
        raise NotFound()
    return cycle


async def _items(request: Request) -> list[tuple[str, str]]:
    async with request.form(max_files=0, max_fields=2000) as form:
        return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


def _base(cycle: queries.CycleView) -> dict[str, Any]:
    return {"cycle": cycle, "kind_labels": pb_forms.KIND_LABELS, "tie_labels": pb_forms.TIE_BREAK_LABELS,
            "phase_labels": pb_forms.PHASE_LABELS, "phase_actions": pb_forms.PHASE_ACTIONS,
            "rule_labels": pb_forms.RULE_LABELS}


# ---------------------------------------------------------------- cycles


async def index(request: Request) -> Response:
    who = identity(request)
    rows = await queries.list_cycles(staff=who.has(*STAFF))
    return render(request, "voting/index.html", {"rows": rows, "can_create": domain.may_edit_cycle(_roles(who)),
                                                 "phase_labels": pb_forms.PHASE_LABELS,
                                                 "kind_labels": pb_forms.KIND_LABELS})


def _roles(who: Identity) -> set[str]:
    return set(who.roles) if who.is_authenticated else set()


async def _cycle_form_page(request: Request, form: forms.Form, cycle: queries.CycleView | None,
                           status: int = 200) -> Response:
    return render(request, "voting/cycle_form.html",
                  {"form": form, "cycle": cycle, "kecamatan": await queries.kecamatan_options(),
                   "rules": list(tally.RULES), "kinds": pb_forms.KIND_LABELS, "rule_labels": pb_forms.RULE_LABELS,
                   "tie_labels": pb_forms.TIE_BREAK_LABELS}, status_code=status)


def _cycle_values(cycle: queries.CycleView) -> dict[str, str]:
    values = {k: "" if v is None else str(v) for k, v in cycle.__dict__.items()
              if isinstance(v, (str, int)) or v is None or hasattr(v, "isoformat")}
    values["city_budget"] = str(next((s.budget for s in cycle.scopes if not s.kecamatan_code), ""))
    values.update({f"budget-{s.kecamatan_code}": str(s.budget) for s in cycle.scopes if s.kecamatan_code})
    return values


async def new_cycle(request: Request) -> Response:
    who = require_role(request, Role.COUNCIL, Role.ADMIN)
    if request.method == "GET":
        defaults = {"rule": "greedy", "ballot_kind": "knapsack", "reserve_pct": str(tally.RESERVE_PCT)}
        return await _cycle_form_page(request, forms.Form({}, values=defaults), None)
    data = await form_data(request)
    command, form = pb_forms.parse_cycle(data, await queries.kecamatan_options())
    if command is not None:
        try:
            cycle_id = await services.create_cycle(who, command)
        except InvalidInput as exc:
            form.add_errors(exc.errors)
        else:
            flash(request, _("The cycle was created."), "success")
            return redirect(request, request.url_for("budgets.detail", cycle_id=cycle_id).path)
    return await _cycle_form_page(request, form, None, 422)


async def edit_cycle(request: Request) -> Response:
    who = require_role(request, Role.COUNCIL, Role.ADMIN)
    cycle = await _cycle(request)
    if request.method == "GET":
        return await _cycle_form_page(request, forms.Form({}, values=_cycle_values(cycle)), cycle)
    data = await form_data(request)
    command, form = pb_forms.parse_cycle(data, await queries.kecamatan_options())
    if command is not None:
        try:
            await services.update_cycle(who, cycle.id, command)
        except InvalidInput as exc:
            form.add_errors(exc.errors)
        else:
            flash(request, _("The cycle was updated."), "success")
            return redirect(request, request.url_for("budgets.detail", cycle_id=cycle.id).path)
    return await _cycle_form_page(request, form, cycle, 422)


async def detail(request: Request, form: forms.Form | None = None, status: int = 200) -> Response:
    cycle = await _cycle(request)
    who = identity(request)
    voted = await queries.has_voted(cycle.id, who.user_id) if who.user_id else ""
    eligible = (await promote.eligible_for(cycle.id)
                if cycle.projects_editable and promote.may_promote(who) else [])
    return render(request, "voting/cycle.html",
                  {**_base(cycle), "form": form or forms.Form({}), "voted": voted, "can": _can(who),
                   "eligible": eligible, "job": await queries.tally_job(cycle.id),
                   "council_links": await council_queries.decisions_for("pb_cycle", cycle.id)},
                  status_code=status)


def _can(who: Identity) -> dict[str, bool]:
    roles = _roles(who)
    return {"edit_cycle": domain.may_edit_cycle(roles), "move": domain.may_move_phase(roles),
            "edit_projects": domain.may_edit_projects(roles), "record": domain.may_record_ballots(roles),
            "staff": who.has(*STAFF), "promote": promote.may_promote(who)}


async def move_phase(request: Request) -> Response:
    who = require_role(request, Role.COUNCIL, Role.ADMIN)
    data = await form_data(request)
    await services.move_phase(who, _id(request), data.get("phase", ""))
    flash(request, _("The phase was changed."), "success")
    return redirect(request, request.url_for("budgets.detail", cycle_id=_id(request)).path)


async def run_tally(request: Request) -> Response:
    """Queue the tally again (it runs as a background job, never inside the request)."""
    require_role(request, Role.COUNCIL, Role.ADMIN)
    cycle = await _cycle(request)
    if not domain.can_tally(Phase(cycle.phase)):
        raise Conflict(_("Close voting before running the tally."))
    await automation.queue_tally(cycle.id, utcnow().isoformat(timespec="seconds"))
    flash(request, _("The tally is being computed. This page shows the results link when it is done."), "info")
    return redirect(request, request.url_for("budgets.detail", cycle_id=cycle.id).path)


# ---------------------------------------------------------------- projects


async def add_project(request: Request) -> Response:
    who = require_role(request, Role.MODERATOR, Role.ADMIN)
    cycle = await _cycle(request)
    data = await form_data(request)
    command, form = pb_forms.parse_project(data, [s.kecamatan_code for s in cycle.scopes if s.kecamatan_code])
    if command is not None:
        try:
            await services.add_project(who, cycle.id, command)
        except InvalidInput as exc:
            form.add_errors(exc.errors)
        else:
            flash(request, _("The project was added."), "success")
            return redirect(request, request.url_for("budgets.detail", cycle_id=cycle.id).path)
    return await detail(request, form, 422)


async def edit_project(request: Request) -> Response:
    who = require_role(request, Role.MODERATOR, Role.ADMIN)
    cycle = await _cycle(request)
    project_id = request.path_params["project_id"]
    found = [(s, p) for s in cycle.scopes for p in s.projects if p.id == project_id]
    if not found:
        raise NotFound()
    scope, project = found[0]
    if request.method == "GET":
        form = forms.Form({}, values={"title": project.title, "description": project.description,
                                      "cost": str(project.cost), "kecamatan_code": scope.kecamatan_code})
        return render(request, "voting/project_form.html", {**_base(cycle), "form": form, "project": project})
    data = await form_data(request)
    command, form = pb_forms.parse_project(data, [s.kecamatan_code for s in cycle.scopes if s.kecamatan_code])
    if command is not None:
        try:
            await services.update_project(who, project_id, command)
        except InvalidInput as exc:
            form.add_errors(exc.errors)
        else:
            flash(request, _("The project was updated."), "success")
            return redirect(request, request.url_for("budgets.detail", cycle_id=cycle.id).path)
    return render(request, "voting/project_form.html", {**_base(cycle), "form": form, "project": project},
                  status_code=422)


async def promote_proposal(request: Request) -> Response:
    """One click: put an eligible proposal on this cycle's ballot (idempotent)."""
    who = require_role(request, *promote.PROMOTERS)
    data = await form_data(request)
    raw = data.get("proposal_id", "")
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput({"proposal_id": _("Choose one of the options.")})
    await promote.promote(who, proposal_id=int(raw), cycle_id=_id(request))
    flash(request, _("The proposal is on the ballot of this cycle."), "success")
    back = request.url_for("budgets.detail", cycle_id=_id(request)).path
    return redirect(request, forms.safe_next(data.get("next", ""), back))


# ---------------------------------------------------------------- ballots


def _posted(items: list[tuple[str, str]], kind: str) -> tuple[int | None, list[tuple[str, str]]]:
    scope = next((v for k, v in items if k == "scope"), "")
    return (int(scope) if scope.isdigit() and len(scope) < 10 else None), pb_forms.ballot_pairs(items, kind)


async def ballot(request: Request) -> Response:
    who = require_login(request)
    status, posted, errors = 200, None, None
    if request.method == "POST":
        # The hot path of a vote: only the cycle's phase and ballot kind are read before casting;
        # the full cycle view is loaded only to re-render the form.
        header = await queries.cycle_header(_id(request))
        if header is None or (header.phase == Phase.DRAFT and not identity(request).has(*STAFF)):
            raise NotFound()
        items = await _items(request)
        scope_id, raw = _posted(items, header.ballot_kind)
        action = next((v for k, v in items if k == "action"), "vote")
        if scope_id is None:
            raise NotFound()
        if action == "vote":
            try:
                code = await services.cast_ballot(who, cycle_id=header.id, scope_id=scope_id, raw=raw, today=_today())
            except InvalidInput as exc:
                status, errors = 422, {scope_id: exc.errors}
            else:
                request.session["pb_receipt"] = {"cycle": header.id, "code": code}
                return redirect(request, request.url_for("budgets.voted", cycle_id=header.id).path)
        posted = {scope_id: raw}
    cycle = await _cycle(request)
    ballots = await queries.ballot_forms(cycle, who.user_id or 0, _today(), posted=posted, errors=errors)
    return render(request, "voting/ballot.html",
                  {**_base(cycle), "ballots": ballots, "voted": await queries.has_voted(cycle.id, who.user_id or 0)},
                  status_code=status)


async def ballot_preview(request: Request) -> Response:
    """htmx: re-render one ballot with the live total and over-budget choices disabled."""
    who = require_login(request)
    cycle = await _cycle(request)
    scope_id, raw = _posted(await _items(request), cycle.ballot_kind)
    ballots = await queries.ballot_forms(cycle, who.user_id or 0, _today(), posted={scope_id or 0: raw})
    chosen = [b for b in ballots if b.scope.id == scope_id]
    if not chosen:
        raise NotFound()
    return render(request, "voting/ballot.html", {**_base(cycle), "ballots": chosen, "b": chosen[0], "voted": ""},
                  fragment="voting/_ballot.html")


async def voted(request: Request) -> Response:
    require_login(request)
    cycle = await _cycle(request)
    receipt = request.session.pop("pb_receipt", None)
    code = receipt["code"] if receipt and receipt.get("cycle") == cycle.id else ""
    return render(request, "voting/voted.html", {**_base(cycle), "code": code})


async def assisted(request: Request) -> Response:
    """An official at a voting station records a resident's paper or assisted ballot."""
    official = require_role(request, Role.MODERATOR, Role.OFFICER, Role.ADMIN)
    cycle = await _cycle(request)
    items = await _items(request) if request.method == "POST" else list(request.query_params.multi_items())
    form = forms.Form(dict(items))
    email = form.email("resident") if dict(items).get("resident") else ""
    station = form.text("station", required=False, max_length=120)
    resident = await queries.resident_id(email) if email and form.ok else None
    if email and form.ok and resident is None:
        form.errors["resident"] = _("No verified resident has this e-mail address.")
    status, posted, errors = 200, None, None
    if request.method == "POST" and resident is not None and dict(items).get("action") == "check":
        scope_id, raw = _posted(items, cycle.ballot_kind)
        posted = {scope_id or 0: raw}
    elif request.method == "POST" and resident is not None:
        scope_id, raw = _posted(items, cycle.ballot_kind)
        try:
            await services.record_assisted_ballot(official, cycle_id=cycle.id, scope_id=scope_id or 0,
                                                  resident_id=resident, station=station, raw=raw, today=_today())
        except InvalidInput as exc:
            status, posted, errors = 422, {scope_id or 0: raw}, {scope_id or 0: exc.errors}
            form.add_errors({k: v for k, v in exc.errors.items() if k == "station"})
        else:
            flash(request, _("The ballot was recorded."), "success")
            return redirect(request, request.url_for("budgets.assisted", cycle_id=cycle.id).path)
    elif request.method == "POST":
        status = 422
    ballots = (await queries.ballot_forms(cycle, resident, _today(), posted=posted, errors=errors)
               if resident is not None else [])
    return render(request, "voting/assisted.html",
                  {**_base(cycle), "form": form, "ballots": ballots, "resident": email if resident else ""},
                  status_code=status)


# ---------------------------------------------------------------- results, receipts, export


async def results(request: Request) -> Response:
    cycle = await _cycle(request)
    staff = identity(request).has(Role.COUNCIL, Role.ADMIN)
    if not (domain.results_public(Phase(cycle.phase)) or (staff and cycle.tallied)):
        raise NotFound()
    view = await queries.results(cycle.id)
    return render(request, "voting/results.html", {**_base(cycle), "results": view, "staff": staff})


async def receipt(request: Request) -> Response:
    cycle = await _cycle(request)
    if not domain.results_public(Phase(cycle.phase)):
        raise NotAllowed(_("Receipts can be checked once the results are published."))
    found, form, status, checked = None, forms.Form({}), 200, False
    if request.method == "POST":
        # Receipt codes are secrets: guessing them must be slow.
        await services_of(request).limiter.hit("receipt", client_ip(request))
        code, form = pb_forms.parse_receipt(await form_data(request))
        if code is None:
            status = 422
        else:
            found, checked = await queries.check_receipt(cycle.id, code), True
    return render(request, "voting/receipt.html",
                  {**_base(cycle), "form": form, "found": found, "checked": checked}, status_code=status,
                  fragment="voting/_receipt_result.html")


async def export(request: Request) -> Response:
    cycle = await _cycle(request)
    staff = identity(request).has(Role.COUNCIL, Role.ADMIN)
    if not (domain.results_public(Phase(cycle.phase)) or staff):
        raise NotFound()
    kecamatan = request.query_params.get("kecamatan", "")[:8]
    text = await interop.export_pb(cycle.id, kecamatan)
    name = f"warga_pb_{cycle.id}{'_' + kecamatan.replace('.', '') if kecamatan else ''}.pb"
    return Response(text.encode(), media_type="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Content-SHA256": hashlib.sha256(text.encode()).hexdigest()})


routes = [
    Route("/budgets", index, name="budgets.index"),
    Route("/budgets/new", new_cycle, methods=["GET", "POST"], name="budgets.new"),
    Route("/budgets/{cycle_id:int}", detail, name="budgets.detail"),
    Route("/budgets/{cycle_id:int}/edit", edit_cycle, methods=["GET", "POST"], name="budgets.edit"),
    Route("/budgets/{cycle_id:int}/phase", move_phase, methods=["POST"], name="budgets.phase"),
    Route("/budgets/{cycle_id:int}/tally", run_tally, methods=["POST"], name="budgets.tally"),
    Route("/budgets/{cycle_id:int}/projects", add_project, methods=["POST"], name="budgets.project_add"),
    Route("/budgets/{cycle_id:int}/promote", promote_proposal, methods=["POST"], name="budgets.promote"),
    Route("/budgets/{cycle_id:int}/projects/{project_id:int}/edit", edit_project, methods=["GET", "POST"],
          name="budgets.project_edit"),
    Route("/budgets/{cycle_id:int}/ballot", ballot, methods=["GET", "POST"], name="budgets.ballot"),
    Route("/budgets/{cycle_id:int}/ballot/preview", ballot_preview, methods=["POST"], name="budgets.preview"),
    Route("/budgets/{cycle_id:int}/ballot/done", voted, name="budgets.voted"),
    Route("/budgets/{cycle_id:int}/assisted", assisted, methods=["GET", "POST"], name="budgets.assisted"),
    Route("/budgets/{cycle_id:int}/results", results, name="budgets.results"),
    Route("/budgets/{cycle_id:int}/receipt", receipt, methods=["GET", "POST"], name="budgets.receipt"),
    Route("/budgets/{cycle_id:int}/export.pb", export, name="budgets.export"),
]
