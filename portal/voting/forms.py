"""Form parsing for participatory budgeting: raw posted fields in, commands and errors out.

Parsing never raises: it collects one translated message per field (portal.forms.Form).
Ballot input is read as ordered (project id, value) pairs so that the pure ballot rules see
exactly what was posted, duplicates and tampered ids included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from portal import formatting, i18n
from portal.forms import Form
from portal.i18n import gettext as _
from portal.i18n import lazy
from portal.voting import ballot_rules, tally
from portal.voting.ballot_rules import BallotKind, BallotSpec, Issue
from portal.voting.domain import CycleInput, ProjectInput

KIND_LABELS = {
    BallotKind.KNAPSACK.value: lazy("Approval within the budget (knapsack)"),
    BallotKind.K_APPROVAL.value: lazy("Approve up to k projects"),
    BallotKind.CUMULATIVE.value: lazy("Distribute points"),
    BallotKind.RANKED.value: lazy("Ranked (imported)"),
}
TIE_BREAK_LABELS = {
    "": lazy("The rule's own default"),
    "id": lazy("Lower project number first"),
    "min-cost": lazy("Cheaper project first"),
}
PHASE_LABELS = {
    "draft": lazy("Draft"),
    "proposals": lazy("Proposal intake"),
    "review": lazy("Review"),
    "voting": lazy("Voting"),
    "tallying": lazy("Tallying"),
    "published": lazy("Results published"),
}
PHASE_ACTIONS = {
    "draft": lazy("Back to draft"),
    "proposals": lazy("Open proposal intake"),
    "review": lazy("Start review"),
    "voting": lazy("Open voting"),
    "tallying": lazy("Close voting"),
    "published": lazy("Publish results"),
}
# Plain names for the tally rules (the keys stay the Pabulib `rule` vocabulary).
RULE_LABELS = {
    "greedy": lazy("Most votes first, skipping what does not fit"),
    "greedy-no-skip": lazy("Most votes first, stopping at the first project that does not fit"),
    "greedy-threshold": lazy("Most votes first, among projects above a minimum of votes"),
    "greedy-exclusive": lazy("Most votes first, skipping projects excluded by a funded one"),
    "greedy-custom": lazy("Most votes first, stopping at the first project that does not fit; the city "
                          "reserve funds that project when enough of its cost is left (Poznań)"),
    "equalshares": lazy("Method of Equal Shares"),
    "equalshares/greedy": lazy("Method of Equal Shares, leftover spent by votes"),
    "equalshares/add1": lazy("Method of Equal Shares, shares raised until the budget is used"),
    "equalshares/add1/greedy": lazy("Method of Equal Shares, shares raised, leftover spent by votes"),
    "equalshares/add1-comparison": lazy("Method of Equal Shares with raised shares, compared with most votes first"),
    "phragmen": lazy("Sequential Phragmén (cost spread evenly over supporters)"),
}
MAX_BUDGET = 10**15
RESERVE_RULE = "greedy-custom"  # the one rule that reads the reserve share


def _rp(amount: int) -> str:
    return formatting.rupiah(amount, i18n.current_lang.get())


def issue_message(issue: Issue) -> str:
    """A translated sentence for one ballot issue."""
    code = issue.code
    if code == "unknown_project":
        return _("One of the chosen projects is not on this ballot.")
    if code == "duplicate":
        return _("A project was chosen more than once.")
    if code == "bad_points":
        return _("Points must be whole numbers of zero or more.")
    if code == "empty":
        return _("Choose at least one project.")
    if code == "over_budget":
        return _("Your choices cost %(spent)s, more than the budget of %(budget)s.") % {
            "spent": _rp(issue.param("spent")), "budget": _rp(issue.param("budget"))}
    if code == "under_min_spend":
        return _("Your choices cost %(spent)s; choose projects worth at least %(minimum)s.") % {
            "spent": _rp(issue.param("spent")), "minimum": _rp(issue.param("minimum"))}
    if code == "too_many":
        return _("Choose at most %(n)d projects.") % {"n": issue.param("max")}
    if code == "too_few":
        return _("Choose at least %(n)d projects.") % {"n": issue.param("min")}
    if code == "over_points":
        return _("You gave %(used)d points; at most %(max)d can be given.") % {
            "used": issue.param("used"), "max": issue.param("max")}
    if code == "over_project_points":
        return _("At most %(max)d points can go to one project.") % {"max": issue.param("max")}
    return _("Please check your input")


def issue_messages(issues: Iterable[Issue]) -> dict[str, str]:
    """Field name -> message; project-specific issues go to that project's field."""
    out: dict[str, str] = {}
    for issue in issues:
        key = f"project-{issue.project_id}" if issue.project_id else "ballot"
        out.setdefault(key, issue_message(issue))
    return out


def ballot_pairs(items: Sequence[tuple[str, str]], kind: str) -> list[tuple[str, str]]:
    """Extract (project id, value) pairs from the posted multi-dict items, in posted order.

    Approval ballots post ``project=<id>`` per ticked box; cumulative ballots post
    ``points-<id>=<n>``. Other fields are ignored.
    """
    if kind == BallotKind.CUMULATIVE.value:
        return [(k.removeprefix("points-"), v) for k, v in items if k.startswith("points-")]
    return [(v.strip(), "1") for k, v in items if k == "project"]


def parse_cycle(data: Mapping[str, str], kecamatan: Sequence[tuple[str, str]]) -> tuple[CycleInput | None, Form]:
    """The cycle set-up form. Kecamatan budgets come from fields ``budget-<code>`` (blank = none)."""
    form = Form(data)
    title = form.text("title", max_length=200, min_length=5)
    description = form.text("description", required=False, max_length=5000)
    city_budget = form.integer("city_budget", minimum=1, maximum=MAX_BUDGET)
    kind = form.choice("ballot_kind", [k.value for k in ballot_rules.OFFERED_KINDS])
    rule = form.choice("rule", list(tally.RULES))
    reserve_pct = _reserve_pct(form, rule)
    tie_break = form.choice("tie_break", list(TIE_BREAK_LABELS), required=False)
    kec_budgets: dict[str, int] = {}
    for code, _name in kecamatan:
        value = form.integer(f"budget-{code}", required=False, minimum=1, maximum=MAX_BUDGET)
        if value:
            kec_budgets[code] = value
    numbers = {
        name: form.integer(name, required=False, minimum=0, maximum=maximum)
        for name, maximum in (("min_spend_pct", 100), ("min_projects", 1000), ("max_projects", 1000),
                              ("k", 1000), ("points", 100000), ("max_points_per_project", 100000))
    }
    dates = {name: form.iso_date(name, required=False)
             for name in ("proposals_from", "review_from", "voting_from", "voting_until", "results_on")}
    if dates["voting_from"] and dates["voting_until"] and dates["voting_until"] < dates["voting_from"]:
        form.errors["voting_until"] = _("Voting must close after it opens.")
    if form.ok and city_budget is not None:
        spec = BallotSpec(BallotKind(kind), budget=city_budget, min_spend_pct=numbers["min_spend_pct"] or 0,
                          min_projects=numbers["min_projects"] or 0, max_projects=numbers["max_projects"],
                          k=numbers["k"], points=numbers["points"],
                          max_points_per_project=numbers["max_points_per_project"])
        for issue in ballot_rules.spec_issues(spec):
            field = {"k_required": "k", "points_required": "points", "max_points_required": "max_points_per_project",
                     "max_below_min": "max_projects", "min_spend_range": "min_spend_pct"}.get(issue.code, "ballot_kind")
            form.errors.setdefault(field, _("This setting does not fit the ballot type."))
    if not form.ok or city_budget is None:
        return None, form
    return CycleInput(
        title=title, description=description, city_budget=city_budget, ballot_kind=kind, rule=rule,
        tie_break=tie_break, kecamatan_budgets=kec_budgets, reserve_pct=reserve_pct,
        min_spend_pct=numbers["min_spend_pct"] or 0, min_projects=numbers["min_projects"] or 0,
        max_projects=numbers["max_projects"], k=numbers["k"], points=numbers["points"],
        max_points_per_project=numbers["max_points_per_project"], **dates,
    ), form


def _reserve_pct(form: Form, rule: str) -> int:
    """greedy-custom's reserve share, a whole percentage (blank: Poznań's default). Other rules
    do not use it, so their cycles keep the default whatever was posted."""
    text = form.raw("reserve_pct").strip().removesuffix("%").strip()
    if rule != RESERVE_RULE or not text:
        return tally.RESERVE_PCT
    if not re.fullmatch(r"\d{1,3}", text) or not 1 <= int(text) <= 100:
        form.errors["reserve_pct"] = _("The reserve share must be a whole percentage from 1 to 100.")
        return tally.RESERVE_PCT
    return int(text)


def parse_project(data: Mapping[str, str], kecamatan_codes: Iterable[str]) -> tuple[ProjectInput | None, Form]:
    form = Form(data)
    title = form.text("title", max_length=200, min_length=5)
    description = form.text("description", required=False, max_length=5000)
    cost = form.integer("cost", minimum=1, maximum=MAX_BUDGET)
    scope = form.choice("kecamatan_code", ["", *kecamatan_codes], required=False)
    proposal = form.integer("proposal_id", required=False, minimum=1)
    if not form.ok or cost is None:
        return None, form
    return ProjectInput(title=title, description=description, cost=cost, kecamatan_code=scope,
                        proposal_id=proposal), form


RECEIPT_RE = re.compile(r"[A-Za-z0-9]{4}(-?[A-Za-z0-9]{4}){4}")


def parse_receipt(data: Mapping[str, str]) -> tuple[str | None, Form]:
    form = Form(data)
    code = form.text("code", max_length=40)
    if form.ok and not RECEIPT_RE.fullmatch(code.replace(" ", "")):
        form.errors["code"] = _("A receipt code looks like ABCD-EFGH-JKMN-PQRS-TVWX.")
    return (code if form.ok else None), form
