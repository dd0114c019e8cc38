"""Notification text: English source strings marked for extraction, rendered in the current language.

Rows store a message key and parameters; `render` turns them into a sentence with gettext at the
moment they are shown or mailed, so each resident reads them in their own language.
"""

from __future__ import annotations

from collections.abc import Mapping

from portal.i18n import gettext, lazy, ngettext
from portal.panels.labels import STATES as INSPECTION_STATES
from portal.voting.forms import PHASE_LABELS

KIND_LABELS = {
    "proposal_status": lazy("Status changes of proposals I wrote, support or follow"),
    "proposal_comment": lazy("New comments on proposals I wrote or follow"),
    "proposal_support": lazy("New supporters of my proposals"),
    "budget_cycle": lazy("Budget cycles I voted in: voting closed, results published"),
    "inspection": lazy("Inspections I applied for or take part in"),
    "decision": lazy("Council decisions about things I took part in"),
    "implementation": lazy("Implementation of projects I proposed or supported"),
}

MODE_LABELS = {
    "immediate": lazy("Here and by email right away"),
    "daily": lazy("Here and in a daily email digest"),
    "weekly": lazy("Here and in a weekly email digest"),
    "in_app": lazy("Only here, no email"),
    "off": lazy("Off"),
}

PROPOSAL_STATUSES = {
    "draft": lazy("Draft"), "submitted": lazy("Waiting for verification"), "in_review": lazy("Being verified"),
    "clarification": lazy("Returned for clarification"), "forwarded": lazy("Forwarded to the agency"),
    "rerouting": lazy("Being re-routed"), "answered": lazy("Answered"),
    "eligible": lazy("Eligible for participatory budget"), "closed": lazy("Closed"), "archived": lazy("Archived"),
    "withdrawn": lazy("Withdrawn"), "merged": lazy("Merged"),
}

PROJECT_STATUSES = {
    "planned": lazy("Planned"), "procurement": lazy("Procurement"), "in_progress": lazy("In progress"),
    "done": lazy("Done"), "cancelled": lazy("Cancelled"),
}

MESSAGES = {
    "proposal.status": lazy("“%(title)s” is now: %(to)s"),
    "proposal.hidden": lazy("“%(title)s” was hidden until a moderator reviews it"),
    "proposal.restored": lazy("“%(title)s” is visible again"),
    "proposal.kept_hidden": lazy("A moderator decided to keep “%(title)s” hidden"),
    "proposal.absorbed": lazy("“%(title)s” absorbed a duplicate proposal and its supporters"),
    "proposal.coauthor": lazy("You are now a co-author of “%(title)s”"),
    "proposal.comment": lazy("New comment on “%(title)s”"),
    "proposal.support": lazy("A resident supported “%(title)s”"),
    "proposal.on_ballot": lazy("“%(title)s” is on the participatory budgeting ballot"),
    "cycle.phase": lazy("Budget cycle “%(title)s”: %(to)s"),
    "inspection.state": lazy("Inspection “%(title)s”: %(to)s"),
    "inspection.draw": lazy("The panel of “%(title)s” has been drawn"),
    "inspection.selected": lazy("You were selected for the panel of “%(title)s”"),
    "inspection.reply": lazy("The agency replied to the report on “%(title)s”"),
    "decision.published": lazy("The council published decision “%(title)s”"),
    "implementation.created": lazy("“%(title)s” became an implementation project"),
    "implementation.status": lazy("Implementation of “%(title)s”: %(to)s"),
    "implementation.progress": lazy("Progress of “%(title)s”: %(progress)s%% done"),
    "implementation.milestone_added": lazy("New milestone planned for “%(title)s”: %(milestone)s"),
    "implementation.milestone_done": lazy("Milestone reached for “%(title)s”: %(milestone)s"),
    "implementation.update": lazy("The agency posted an update on “%(title)s”"),
    "implementation.review_opened": lazy("A resident says “%(title)s” is not really done: the council will "
                                         "review it"),
    "implementation.review_stands": lazy("The council reviewed “%(title)s”: the work stands"),
    "implementation.review_reopened": lazy("The council reviewed “%(title)s” and reopened the work"),
}

# Which table translates the "to" parameter of each message.
_TO_LABELS: Mapping[str, Mapping[str, str]] = {
    "proposal.status": PROPOSAL_STATUSES,
    "cycle.phase": PHASE_LABELS,
    "inspection.state": INSPECTION_STATES,
    "implementation.status": PROJECT_STATUSES,
}


def render(message: str, params: Mapping[str, str]) -> str:
    """The sentence for one stored message in the current language."""
    template = MESSAGES.get(message)
    if template is None:
        return gettext("Something changed")
    values = _Params(params)
    labels = _TO_LABELS.get(message, {})
    label = labels.get(values["to"])
    if label is not None:
        values["to"] = gettext(label)
    return gettext(template) % values


class _Params(dict[str, str]):
    """Message parameters where a missing one reads as empty (rows stored by older versions)."""

    def __missing__(self, key: str) -> str:
        return ""


def kind_label(kind: str) -> str:
    return gettext(KIND_LABELS.get(kind, kind))


def mode_label(mode: str) -> str:
    return gettext(MODE_LABELS.get(mode, mode))


def more_label(count: int) -> str:
    """"and N more updates" for a grouped row (count includes the shown one)."""
    extra = count - 1
    return ngettext("and %(n)d more update today", "and %(n)d more updates today", extra) % {"n": extra}
