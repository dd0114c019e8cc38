"""PURE: which audit events become notifications, for whom, and when mail may go out.

Notifications are derived from the append-only audit log, so no other domain calls this package.
An audit event ("domain:subject:action") maps to a :class:`Plan`: the notification kind (what a
resident sets preferences for), the item it is about (the page it links to), a message key with
parameters (rendered in the recipient's language when shown or mailed, never stored as text), and
the audiences whose members receive it. The actor of an event is never notified of it.

Storm limit: a resident has at most one notification row per item per day (Asia/Jakarta) — later
events of that day are folded into the row — and at most one immediate mail per item per day.
Mail waits a short grouping window after the first pending event so bursts go out together.

Some events already mail some of their people directly from their own domain (an agency's answer
and moderation mail the proposal's authors, a co-author invitation mails the invitee, a finished
project asks its residents "was it really done?"). Those people get the notice in-app only
(:func:`mailed_elsewhere`), so nobody receives two mails about one event; everyone else still
gets mail according to their preferences.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")
GROUP_WINDOW = timedelta(minutes=10)  # an immediate mail waits this long for more events
MAX_EVENTS_PER_ROW = 10  # a grouped row keeps the latest few events for display
WEEKLY_DIGEST_WEEKDAY = 0  # Monday (date.weekday())


class Kind(StrEnum):
    PROPOSAL_STATUS = "proposal_status"
    PROPOSAL_COMMENT = "proposal_comment"
    PROPOSAL_SUPPORT = "proposal_support"
    BUDGET_CYCLE = "budget_cycle"
    INSPECTION = "inspection"
    DECISION = "decision"
    IMPLEMENTATION = "implementation"


class Mode(StrEnum):
    OFF = "off"  # nothing at all
    IN_APP = "in_app"  # only on the notifications page
    IMMEDIATE = "immediate"  # in-app and a mail (grouped per item per day)
    DAILY = "daily"  # in-app and the daily digest
    WEEKLY = "weekly"  # in-app and the weekly digest (Mondays)


EMAIL_MODES = (Mode.IMMEDIATE, Mode.DAILY, Mode.WEEKLY)  # most urgent first

DEFAULT_MODES: Mapping[Kind, Mode] = {
    Kind.PROPOSAL_STATUS: Mode.IMMEDIATE,
    Kind.PROPOSAL_COMMENT: Mode.DAILY,
    Kind.PROPOSAL_SUPPORT: Mode.WEEKLY,
    Kind.BUDGET_CYCLE: Mode.IMMEDIATE,
    Kind.INSPECTION: Mode.IMMEDIATE,
    Kind.DECISION: Mode.IMMEDIATE,
    Kind.IMPLEMENTATION: Mode.IMMEDIATE,
}


class Audience(StrEnum):
    PROPOSAL_AUTHORS = "proposal_authors"
    PROPOSAL_SUPPORTERS = "proposal_supporters"
    PROPOSAL_FOLLOWERS = "proposal_followers"
    EVENT_USER = "event_user"  # the user named by the event's data["user_id"]
    CYCLE_VOTERS = "cycle_voters"  # residents who cast a ballot in the cycle
    CYCLE_PROPOSAL_PEOPLE = "cycle_proposal_people"  # authors/supporters/followers of its projects' proposals
    INSPECTION_MEMBERS = "inspection_members"
    INSPECTION_APPLICANTS = "inspection_applicants"
    PANEL_MEMBER = "panel_member"  # the member the event's target names
    DECISION_CONCERNED = "decision_concerned"  # everyone concerned by what the decision links to
    IMPLEMENTATION_CONCERNED = "implementation_concerned"
    CONFIRMATION_ASKED = "confirmation_asked"  # residents asked "was it really done?" (council.confirmations)
    COUNCIL_MEMBERS = "council_members"  # they close the reviews residents open


PROPOSAL_PEOPLE = (Audience.PROPOSAL_AUTHORS, Audience.PROPOSAL_SUPPORTERS, Audience.PROPOSAL_FOLLOWERS)

# Where each item type lives (stable public routes; a test checks them against the app).
ITEM_PATHS: Mapping[str, str] = {
    "proposal": "/proposals/{id}",
    "pb_cycle": "/budgets/{id}",
    "inspection": "/inspections/{id}",
    "decision": "/decisions/{id}",
    "implementation": "/implementation/{id}",
}


@dataclass(frozen=True)
class Rule:
    kind: Kind
    item_type: str
    message: str
    audiences: tuple[Audience, ...]
    item_key: str = ""  # data key holding the item id; "" = the event's target_id
    params: tuple[str, ...] = ()  # data keys copied into the message parameters
    renamed: tuple[tuple[str, str], ...] = ()  # (data key, parameter) where the names differ


# Proposal workflow steps all share one rule: "proposals:proposal:<action>" with data["to"].
PROPOSAL_STEP = Rule(Kind.PROPOSAL_STATUS, "proposal", "proposal.status", PROPOSAL_PEOPLE, params=("to",))

RULES: Mapping[str, Rule] = {
    "proposals:proposal:hide": Rule(Kind.PROPOSAL_STATUS, "proposal", "proposal.hidden",
                                    (Audience.PROPOSAL_AUTHORS,)),
    "proposals:proposal:restore": Rule(Kind.PROPOSAL_STATUS, "proposal", "proposal.restored", PROPOSAL_PEOPLE),
    "proposals:proposal:keep_hidden": Rule(Kind.PROPOSAL_STATUS, "proposal", "proposal.kept_hidden",
                                           (Audience.PROPOSAL_AUTHORS,)),
    "proposals:proposal:absorb": Rule(Kind.PROPOSAL_STATUS, "proposal", "proposal.absorbed", PROPOSAL_PEOPLE),
    "proposals:author:add": Rule(Kind.PROPOSAL_STATUS, "proposal", "proposal.coauthor", (Audience.EVENT_USER,)),
    "proposals:comment:add": Rule(Kind.PROPOSAL_COMMENT, "proposal", "proposal.comment",
                                  (Audience.PROPOSAL_AUTHORS, Audience.PROPOSAL_FOLLOWERS)),
    "proposals:support:add": Rule(Kind.PROPOSAL_SUPPORT, "proposal", "proposal.support",
                                  (Audience.PROPOSAL_AUTHORS,)),
    "voting:project:create": Rule(Kind.PROPOSAL_STATUS, "proposal", "proposal.on_ballot", PROPOSAL_PEOPLE,
                                  item_key="proposal"),
    "voting:project:promote": Rule(Kind.PROPOSAL_STATUS, "proposal", "proposal.on_ballot", PROPOSAL_PEOPLE,
                                   item_key="proposal"),
    "voting:cycle:phase": Rule(Kind.BUDGET_CYCLE, "pb_cycle", "cycle.phase",
                               (Audience.CYCLE_VOTERS, Audience.CYCLE_PROPOSAL_PEOPLE), params=("to",)),
    "panels:inspection:transition": Rule(Kind.INSPECTION, "inspection", "inspection.state",
                                         (Audience.INSPECTION_MEMBERS, Audience.INSPECTION_APPLICANTS),
                                         params=("to",)),
    "panels:inspection:draw": Rule(Kind.INSPECTION, "inspection", "inspection.draw",
                                   (Audience.INSPECTION_APPLICANTS,)),
    "panels:member:select": Rule(Kind.INSPECTION, "inspection", "inspection.selected",
                                 (Audience.PANEL_MEMBER,), item_key="inspection"),
    "panels:inspection:reply": Rule(Kind.INSPECTION, "inspection", "inspection.reply",
                                    (Audience.INSPECTION_MEMBERS,)),
    # Council (portal/council): decisions and implementation projects. Extension point: a new
    # council tag needs one line here and, for a new audience, one resolver in queries.py.
    "council:decision:published": Rule(Kind.DECISION, "decision", "decision.published",
                                       (Audience.DECISION_CONCERNED,)),
    "council:implementation:created": Rule(Kind.IMPLEMENTATION, "implementation", "implementation.created",
                                           (Audience.IMPLEMENTATION_CONCERNED,)),
    "council:implementation:status": Rule(Kind.IMPLEMENTATION, "implementation", "implementation.status",
                                          (Audience.IMPLEMENTATION_CONCERNED,), params=("to",)),
    # Frequent reports (progress, updates) rely on the storm limit: one row per item and day.
    "council:implementation:progress": Rule(Kind.IMPLEMENTATION, "implementation", "implementation.progress",
                                            (Audience.IMPLEMENTATION_CONCERNED,), params=("progress",)),
    "council:implementation:milestone/add": Rule(Kind.IMPLEMENTATION, "implementation",
                                                 "implementation.milestone_added", (Audience.IMPLEMENTATION_CONCERNED,),
                                                 renamed=(("title", "milestone"),)),
    # The "done" event names only the milestone's id: the fan-out looks its title up.
    "council:implementation:milestone/done": Rule(Kind.IMPLEMENTATION, "implementation",
                                                  "implementation.milestone_done",
                                                  (Audience.IMPLEMENTATION_CONCERNED,)),
    "council:implementation:update": Rule(Kind.IMPLEMENTATION, "implementation", "implementation.update",
                                          (Audience.IMPLEMENTATION_CONCERNED,)),
    # A resident's "no" opens a review: the other residents behind the item and the council, who
    # must close it, hear of it. Single answers (council:confirmation:answered) are not news:
    # yes / don't know change nothing, and the "no" that matters arrives as review_opened.
    "council:implementation:review_opened": Rule(Kind.IMPLEMENTATION, "implementation",
                                                 "implementation.review_opened",
                                                 (Audience.IMPLEMENTATION_CONCERNED, Audience.COUNCIL_MEMBERS)),
    "council:implementation:review_closed/stands": Rule(Kind.IMPLEMENTATION, "implementation",
                                                        "implementation.review_stands",
                                                        (Audience.IMPLEMENTATION_CONCERNED,)),
    "council:implementation:review_closed/reopen": Rule(Kind.IMPLEMENTATION, "implementation",
                                                        "implementation.review_reopened",
                                                        (Audience.IMPLEMENTATION_CONCERNED,)),
}

# Tags whose rule depends on one data value: RULES holds them as "<tag>/<value>".
_VARIANT_KEYS: Mapping[str, str] = {
    "council:implementation:milestone": "action",
    "council:implementation:review_closed": "outcome",
}

# Who already got a direct mail about the event from its own domain (see the module docstring).
_MAILED_BY_PROPOSALS = (Audience.PROPOSAL_AUTHORS,)
MAILED_ELSEWHERE: Mapping[str, tuple[Audience, ...]] = {
    "proposals:proposal:answer_feasible": _MAILED_BY_PROPOSALS,  # proposals.services.answer
    "proposals:proposal:answer_not_feasible": _MAILED_BY_PROPOSALS,
    "proposals:proposal:answer_direct": _MAILED_BY_PROPOSALS,
    "proposals:proposal:hide": _MAILED_BY_PROPOSALS,  # proposals.services.flag
    "proposals:proposal:restore": _MAILED_BY_PROPOSALS,  # proposals.services.decide_hidden
    "proposals:proposal:keep_hidden": _MAILED_BY_PROPOSALS,
    "proposals:author:add": (Audience.EVENT_USER,),  # proposals.services.invite_coauthor
}

# Workflow steps residents should not hear about (internal hand-offs) or that the author took.
_SILENT_PROPOSAL_ACTIONS = frozenset({"create", "edit", "start_review"})


@dataclass(frozen=True)
class Event:
    """An audit row as plain values."""

    id: int
    tag: str
    actor_id: int | None
    target_type: str
    target_id: str
    data: Mapping[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Plan:
    kind: Kind
    item_type: str
    item_id: int
    message: str
    params: Mapping[str, str]
    audiences: tuple[Audience, ...]
    mailed_elsewhere: tuple[Audience, ...] = ()  # these people get the notice in-app only


def rule_for(tag: str, data: Mapping[str, Any]) -> Rule | None:
    if tag in _VARIANT_KEYS:
        return RULES.get(f"{tag}/{data.get(_VARIANT_KEYS[tag])}")
    if tag in RULES:
        return RULES[tag]
    domain, _, action = tag.partition(":proposal:")
    if domain == "proposals" and action and action not in _SILENT_PROPOSAL_ACTIONS and "to" in data:
        return PROPOSAL_STEP
    return None


def as_id(value: Any) -> int | None:
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() and len(text) < 19 else None


def plan(event: Event) -> Plan | None:
    """The notification an event causes, or None when nobody is to be told."""
    rule = rule_for(event.tag, event.data)
    if rule is None:
        return None
    item_id = as_id(event.data.get(rule.item_key) if rule.item_key else event.target_id)
    if item_id is None:
        return None
    params = {key: str(event.data[key]) for key in rule.params if key in event.data}
    params.update({name: str(event.data[key]) for key, name in rule.renamed if key in event.data})
    return Plan(rule.kind, rule.item_type, item_id, rule.message, params, rule.audiences,
                mailed_elsewhere(event.tag, event.data))


def mailed_elsewhere(tag: str, data: Mapping[str, Any]) -> tuple[Audience, ...]:
    """The audiences the event's own domain already mailed about it.

    A project marked done mails its residents "was it really done?" (council.confirmations.ask),
    which says everything the status notice would. A "not competent" answer sends no mail.
    """
    if tag == "council:implementation:status" and data.get("to") == "done":
        return (Audience.CONFIRMATION_ASKED,)
    return MAILED_ELSEWHERE.get(tag, ())


def direct_recipients(audience: Audience, event: Event) -> frozenset[int]:
    """Audiences named inside the event itself (no database needed)."""
    if audience is Audience.EVENT_USER:
        user_id = as_id(event.data.get("user_id"))
        return frozenset({user_id}) if user_id is not None else frozenset()
    return frozenset()


def recipients(members: Iterable[int], actor_id: int | None) -> frozenset[int]:
    """Everyone in the audiences except the person who acted."""
    return frozenset(m for m in members if m != actor_id)


LINKABLE = frozenset({"proposal", "pb_cycle", "inspection", "action"})


def linked_items(data: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    """The [type, id] pairs a council decision event names in data["links"] (malformed ones dropped)."""
    found: list[tuple[str, int]] = []
    links = data.get("links")
    for link in links if isinstance(links, list) else ():
        if isinstance(link, list | tuple) and len(link) == 2 and link[0] in LINKABLE:
            item_id = as_id(link[1])
            if item_id is not None:
                found.append((str(link[0]), item_id))
    return tuple(found)


def jakarta_day(moment: datetime) -> date:
    return moment.astimezone(JAKARTA).date()


def mode_of(kind: str, preferences: Mapping[str, str]) -> Mode:
    """The resident's choice for `kind`, else the kind's default."""
    chosen = preferences.get(kind)
    if chosen in Mode.__members__.values():
        return Mode(chosen)
    return DEFAULT_MODES.get(Kind(kind), Mode.IN_APP) if kind in Kind.__members__.values() else Mode.IN_APP


def email_mode(mode: Mode) -> str:
    """The mail channel of a mode ("" when it sends no mail)."""
    return mode.value if mode in EMAIL_MODES else ""


def more_urgent(a: str, b: str) -> str:
    """Of two email modes ("" = none) the one that mails sooner."""
    order = {m.value: i for i, m in enumerate(EMAIL_MODES)}
    candidates = [m for m in (a, b) if m in order]
    return min(candidates, key=order.__getitem__) if candidates else ""


@dataclass(frozen=True)
class Entry:
    """One event as remembered on a grouped row."""

    event_id: int
    kind: str
    message: str
    params: Mapping[str, str]
    at: str  # ISO timestamp
    mailed: bool = False  # the recipient was mailed about it elsewhere: notification mail leaves it out

    def as_json(self) -> dict[str, Any]:
        found = {"event_id": self.event_id, "kind": self.kind, "message": self.message,
                 "params": dict(self.params), "at": self.at}
        return {**found, "mailed": True} if self.mailed else found


def for_mail(entries: list[dict[str, Any]], count: int) -> tuple[dict[str, Any] | None, int]:
    """What a row's mail reports: its newest entry not mailed elsewhere, and how many events that
    mail covers (`count` minus the entries mailed elsewhere). None when there is nothing to mail."""
    own = [e for e in entries if not e.get("mailed")]
    return (own[-1] if own else None), count - (len(entries) - len(own))


def fold(entries: list[dict[str, Any]], entry: Entry) -> tuple[list[dict[str, Any]], bool]:
    """Add `entry` to a row's entries (newest last, capped); False when it was already there.

    Knowing the event ids makes re-processing an event harmless even without the cursor.
    """
    if any(e.get("event_id") == entry.event_id for e in entries):
        return entries, False
    return [*entries, entry.as_json()][-MAX_EVENTS_PER_ROW:], True


def mail_due(pending_since: datetime, now: datetime) -> bool:
    """An immediate mail leaves once its grouping window has passed."""
    return now - pending_since >= GROUP_WINDOW


def mail_allowed(last_mailed: datetime | None, now: datetime) -> bool:
    """At most one immediate mail per item per Jakarta day."""
    return last_mailed is None or jakarta_day(last_mailed) != jakarta_day(now)


def digest_modes(slot: datetime) -> tuple[Mode, ...]:
    """Which digests the daily run at `slot` sends: the daily one, and the weekly one on Mondays."""
    if jakarta_day(slot).weekday() == WEEKLY_DIGEST_WEEKDAY:
        return (Mode.DAILY, Mode.WEEKLY)
    return (Mode.DAILY,)


ALL_KINDS = "*"


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    kinds: tuple[Kind, ...] = field(default_factory=tuple)  # empty = every kind

    def payload(self) -> dict[str, object]:
        return {"u": self.user_id, "k": self.kinds[0].value if len(self.kinds) == 1 else ALL_KINDS}


def parse_unsubscribe(payload: Mapping[str, object]) -> Unsubscribe | None:
    """Read a verified token payload; None when it does not name a user and a kind."""
    user_id, kind = payload.get("u"), payload.get("k")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        return None
    if kind == ALL_KINDS:
        return Unsubscribe(user_id, tuple(Kind))
    if isinstance(kind, str) and kind in Kind.__members__.values():
        return Unsubscribe(user_id, (Kind(kind),))
    return None


def after_unsubscribe(current: Mode) -> Mode:
    """Unsubscribing stops mail but keeps the in-app notices (and keeps "off" off)."""
    return Mode.OFF if current is Mode.OFF else Mode.IN_APP


def item_path(item_type: str, item_id: int) -> str:
    return ITEM_PATHS.get(item_type, "/notifications").replace("{id}", str(item_id))
