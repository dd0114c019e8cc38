"""English source strings for the panel domain's enumerations, marked for extraction.

The pure modules hold stable keys (states, methods, guard reasons); the templates translate them
through these tables at render time.
"""

from __future__ import annotations

from portal.i18n import gettext, lazy

STATES = {
    "draft": lazy("Draft"),
    "recruiting": lazy("Recruiting panelists"),
    "fieldwork": lazy("Fieldwork"),
    "consolidation": lazy("Self-assessment and consolidation"),
    "report_draft": lazy("Draft report"),
    "right_of_reply": lazy("Agency's right of reply"),
    "action_plan_submitted": lazy("Action plan submitted"),
    "action_plan_approved": lazy("Action plan approved"),
    "follow_up": lazy("Follow-up"),
    "review": lazy("Re-inspection"),
    "closed": lazy("Closed"),
    "cancelled": lazy("Cancelled"),
}

METHODS = {
    "site_visit": lazy("Site visit"),
    "observation": lazy("Observation checklist"),
    "mystery_shopping": lazy("Mystery shopping"),
    "user_survey": lazy("User satisfaction survey"),
    "document_review": lazy("Document review"),
}

TRANSITIONS = (
    lazy("Open recruitment"), lazy("Start fieldwork"), lazy("Close fieldwork"), lazy("Start the report"),
    lazy("Send the draft report to the agency"), lazy("Submit the action plan"),
    lazy("Return the plan for revision"), lazy("Approve the action plan"), lazy("Start follow-up"),
    lazy("Start the re-inspection"), lazy("Close the inspection"), lazy("Cancel the inspection"),
)

GUARD_REASONS = (
    lazy("select at least three panelists (or the whole team, if smaller) first"),
    lazy("every panelist must confirm the code of conduct and finish training"),
    lazy("no scorecard has been submitted yet"),
    lazy("wait for the agency's self-assessment or its deadline"),
    lazy("write the draft report first"),
    lazy("add at least one action"),
    lazy("the re-inspection needs at least one submitted scorecard"),
)

CONFLICTS = (
    lazy("Only verified residents can join a panel. Verify your account first."),
    lazy("Staff of the inspected agency cannot sit on its panel (conflict of interest)."),
    lazy("Residents with close family working at the inspected agency cannot sit on its panel "
         "(conflict of interest)."),
)

TIMELINE = {
    "panels:inspection:create": lazy("Inspection opened"),
    "panels:inspection:transition": lazy("Moved to: %(state)s"),
    "panels:inspection:draw": lazy("Panel drawn by lot (seed published)"),
    "panels:inspection:reply": lazy("The agency replied to the draft report"),
    "panels:self_assessment:submit": lazy("The agency submitted its self-assessment"),
    "panels:self_assessment:save": lazy("The agency saved a self-assessment draft"),
    "panels:survey:import": lazy("Paper survey answers imported"),
    "panels:action:create": lazy("Action added to the plan"),
    "panels:action:delete": lazy("Action removed from the plan"),
    "panels:action:evidence": lazy("The agency submitted evidence for an action"),
    "panels:inspection:remind": lazy("Reminder sent: the deadline is in two working days"),
    "panels:inspection:escalate": lazy("Deadline missed: escalated to the council"),
    "panels:action:escalate": lazy("An action is overdue: escalated to the council"),
}

DIMENSIONS = {
    "tangibles": lazy("Tangibles (facilities, equipment, appearance)"),
    "reliability": lazy("Reliability (the promised service, dependably)"),
    "responsiveness": lazy("Responsiveness (prompt help)"),
    "assurance": lazy("Assurance (knowledge, courtesy, trust)"),
    "empathy": lazy("Empathy (individual attention)"),
}

APPLICATION_STATUSES = {
    "applied": lazy("applied"),
    "selected": lazy("selected"),
    "reserve": lazy("reserve list"),
    "rejected": lazy("turned down"),
    "withdrawn": lazy("withdrawn"),
}

GENDERS = {"f": lazy("woman"), "m": lazy("man"), "": lazy("not given")}


def state_label(state: str) -> str:
    return gettext(STATES.get(state, state))


def dimension_label(dimension: str) -> str:
    return gettext(DIMENSIONS.get(dimension, dimension))


def application_label(status: str) -> str:
    return gettext(APPLICATION_STATUSES.get(status, status))


def method_label(method: str) -> str:
    return gettext(METHODS.get(method, method))


def timeline_label(tag: str, data: dict[str, object]) -> str:
    text = gettext(TIMELINE.get(tag, tag))
    return text % {"state": state_label(str(data.get("to", "")))} if "%(state)s" in text else text
