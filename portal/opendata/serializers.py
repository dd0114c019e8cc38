"""The public datasets: which fields each one has, what they mean, and which filters it takes.

These definitions are the single source of the API's JSON, the CSV/JSON exports, the field
tables on /exports and the OpenAPI document (see fields.py). Descriptions are English msgids;
the /exports page translates them, the OpenAPI document stays in English.

Privacy (what is deliberately NOT here): NIK, e-mail addresses and names of residents (proposal
authors, commenters, supporters, voters), panelists' identities, moderators' notes, and any
voter key. Agency scores are aggregates whose cells with fewer than 5 respondents are published
as null (panels.scoring.suppress). Ballots are published only as the Pabulib file of the voting
package, keyed by the hash of each receipt code.
"""

from __future__ import annotations

from portal.council.domain import DecisionKind, ProjectStatus, Verdict
from portal.i18n import lazy
from portal.opendata.fields import Field, Filter, Kind, Resource
from portal.panels.domain import InspectionState
from portal.proposals.domain import PUBLIC_STATUSES, AnswerKind, Category, ProposalStatus
from portal.voting.ballot_rules import BallotKind

I, N, S, B, DT, D = Kind.INTEGER, Kind.NUMBER, Kind.STRING, Kind.BOOLEAN, Kind.DATETIME, Kind.DATE

KECAMATAN_PATTERN = r"^32\.73\.[0-9]{2}$"
AGENCY_PATTERN = r"^[A-Za-z0-9-]{1,32}$"
GRADES = ("A", "B", "C", "D")

PROPOSAL_STATUSES = tuple(s.value for s in ProposalStatus if s in PUBLIC_STATUSES)
# Inspections whose scores are public: the draft report has gone to the agency.
PUBLIC_INSPECTION_STATES = tuple(
    s.value for s in InspectionState
    if s not in (InspectionState.DRAFT, InspectionState.RECRUITING, InspectionState.FIELDWORK,
                 InspectionState.CONSOLIDATION, InspectionState.REPORT_DRAFT, InspectionState.CANCELLED)
)

PROPOSALS = Resource(
    name="proposals",
    title=lazy("Residents' proposals"),
    description=lazy("Every public proposal (drafts and proposals hidden by moderation are left out), "
                     "with its status, the agency's answer and the number of supports."),
    fields=(
        Field("id", I, lazy("Proposal number, as in the address /proposals/{id}.")),
        Field("title", S, lazy("Title as written by the authors.")),
        Field("description", S, lazy("Description as written by the authors (plain text).")),
        Field("category", S, lazy("Topic of the proposal."), enum=tuple(c.value for c in Category)),
        Field("status", S, lazy("Current step of the proposal's workflow."), enum=PROPOSAL_STATUSES),
        Field("kecamatan_code", S, lazy("Kemendagri code of the kecamatan (district).")),
        Field("kecamatan", S, lazy("Name of the kecamatan.")),
        Field("kelurahan_code", S, lazy("Kemendagri code of the kelurahan (sub-district).")),
        Field("kelurahan", S, lazy("Name of the kelurahan.")),
        Field("address", S, lazy("Place the proposal is about, as given by the authors (may be empty).")),
        Field("lat", N, lazy("Latitude of the place (WGS 84), if given."), nullable=True),
        Field("lon", N, lazy("Longitude of the place (WGS 84), if given."), nullable=True),
        Field("agency", S, lazy("Abbreviation of the agency the proposal was forwarded to."), nullable=True),
        Field("estimated_cost", I, lazy("The authors' cost estimate, in rupiah."), nullable=True),
        Field("answer_kind", S, lazy("Kind of the agency's answer."), nullable=True,
              enum=tuple(k.value for k in AnswerKind)),
        Field("answer_text", S, lazy("The agency's answer (plain text)."), nullable=True),
        Field("answer_cost", I, lazy("The agency's cost estimate, in rupiah."), nullable=True),
        Field("answered_on_time", B, lazy("Whether the agency answered within its deadline."), nullable=True),
        Field("support_count", I, lazy("Number of verified residents supporting the proposal.")),
        Field("comment_count", I, lazy("Number of comments.")),
        Field("merged_into", I, lazy("Number of the proposal this duplicate was merged into."), nullable=True),
        Field("created_at", DT, lazy("When the draft was created (UTC).")),
        Field("submitted_at", DT, lazy("When the proposal was submitted (UTC)."), nullable=True),
        Field("answered_at", DT, lazy("When the agency answered (UTC)."), nullable=True),
        Field("status_changed_at", DT, lazy("When the status last changed (UTC).")),
    ),
    filters=(
        Filter("status", lazy("Only proposals with this status."), enum=PROPOSAL_STATUSES),
        Filter("category", lazy("Only proposals on this topic."), enum=tuple(c.value for c in Category)),
        Filter("kecamatan", lazy("Only proposals in this kecamatan (code, e.g. 32.73.02)."),
               pattern=KECAMATAN_PATTERN, max_length=8),
        Filter("agency", lazy("Only proposals forwarded to this agency (abbreviation)."),
               pattern=AGENCY_PATTERN, max_length=32),
    ),
    notes=(lazy("Authors' names are not included; each proposal's page shows them."),),
)

AGENCY_SCORES = Resource(
    name="agency-scores",
    title=lazy("Agency scores from citizen inspections"),
    description=lazy("One row per inspection whose draft report has gone to the agency: the "
                     "satisfaction index (IKM, PermenPAN-RB 14/2017) from the panel's score cards "
                     "and from the service users' survey, and whether the agency replied on time."),
    fields=(
        Field("id", I, lazy("Inspection number, as in the address /inspections/{id}.")),
        Field("agency", S, lazy("Abbreviation of the inspected agency.")),
        Field("agency_name", S, lazy("Name of the inspected agency.")),
        Field("service", S, lazy("The public service inspected.")),
        Field("period_start", D, lazy("First day of the inspected period.")),
        Field("period_end", D, lazy("Last day of the inspected period.")),
        Field("state", S, lazy("Current step of the inspection."), enum=PUBLIC_INSPECTION_STATES),
        Field("panel_respondents", I, lazy("Submitted panel score cards (null when fewer than 5)."),
              nullable=True),
        Field("panel_ikm", N, lazy("IKM from the panel's score cards, 25 to 100 (null when fewer than 5)."),
              nullable=True),
        Field("panel_grade", S, lazy("Quality grade of the panel IKM, A (very good) to D."), nullable=True,
              enum=GRADES),
        Field("survey_respondents", I, lazy("Survey answers from service users (null when fewer than 5)."),
              nullable=True),
        Field("survey_ikm", N, lazy("IKM from the users' survey, 25 to 100 (null when fewer than 5)."),
              nullable=True),
        Field("survey_grade", S, lazy("Quality grade of the survey IKM, A (very good) to D."), nullable=True,
              enum=GRADES),
        Field("replied_on_time", B, lazy("Whether the agency replied to the draft report by its deadline "
                                         "(null while the deadline has not passed)."), nullable=True),
    ),
    filters=(
        Filter("agency", lazy("Only inspections of this agency (abbreviation)."),
               pattern=AGENCY_PATTERN, max_length=32),
    ),
    notes=(lazy("Counts below 5 are published as empty (null) so that no panelist or respondent can be "
                "singled out."),),
)

BUDGET_CYCLES = Resource(
    name="budget-cycles",
    title=lazy("Participatory budgeting: published votes"),
    description=lazy("Every participatory budgeting cycle whose results are published, with the "
                     "address of its anonymised ballots in the Pabulib format."),
    fields=(
        Field("id", I, lazy("Cycle number, as in the address /budgets/{id}.")),
        Field("title", S, lazy("Title of the cycle.")),
        Field("ballot_kind", S, lazy("Kind of ballot."), enum=tuple(k.value for k in BallotKind)),
        Field("rule", S, lazy("Counting rule used for the results.")),
        Field("total_budget", I, lazy("City-wide plus every kecamatan budget, in rupiah.")),
        Field("voting_from", D, lazy("First day of voting."), nullable=True),
        Field("voting_until", D, lazy("Last day of voting."), nullable=True),
        Field("published_at", DT, lazy("When the results were published (UTC)."), nullable=True),
        Field("voters", I, lazy("Number of residents who voted.")),
        Field("ballots_url", S, lazy("Path of the anonymised ballots of the city-wide vote (Pabulib .pb file).")),
    ),
    notes=(lazy("Ballots are keyed by the hash of each voter's receipt code, never by a person."),),
)

DECISIONS = Resource(
    name="decisions",
    title=lazy("Council decisions"),
    description=lazy("The published decision register of the city council: what was decided, the votes, "
                     "the budget committed and what each decision concerns. Drafts are left out."),
    fields=(
        Field("id", I, lazy("Decision id, as in the address /decisions/{id}.")),
        Field("number", S, lazy("Register number, N/YYYY.")),
        Field("decided_on", D, lazy("Day the council decided.")),
        Field("title", S, lazy("Title of the decision.")),
        Field("text", S, lazy("Text of the decision.")),
        Field("kind", S, lazy("What the decision does."), enum=tuple(k.value for k in DecisionKind)),
        Field("votes_for", I, lazy("Councillors voting for.")),
        Field("votes_against", I, lazy("Councillors voting against.")),
        Field("votes_abstain", I, lazy("Councillors abstaining.")),
        Field("dissenters", Kind.STRINGS, lazy("Councillors who voted against or abstained and asked to be named.")),
        Field("rationale", S, lazy("Reasons given by the council.")),
        Field("budget_line", S, lazy("Budget line charged, if any."), nullable=True),
        Field("amount", I, lazy("Amount committed, in rupiah."), nullable=True),
        Field("agency", S, lazy("Responsible agency (abbreviation), if named."), nullable=True),
        Field("amends", I, lazy("Id of the earlier decision this one corrects."), nullable=True),
        Field("proposal_ids", Kind.INTEGERS, lazy("Proposals the decision concerns.")),
        Field("budget_cycle_ids", Kind.INTEGERS, lazy("Participatory budgeting cycles the decision concerns.")),
        Field("inspection_ids", Kind.INTEGERS, lazy("Inspections the decision responds to.")),
        Field("published_at", DT, lazy("When the decision was published (UTC).")),
    ),
    filters=(
        Filter("kind", lazy("Only decisions of this kind."), enum=tuple(k.value for k in DecisionKind)),
        Filter("year", lazy("Only decisions taken in this year."), pattern=r"^[0-9]{4}$", max_length=4),
    ),
)

IMPLEMENTATION_PROJECTS = Resource(
    name="implementation-projects",
    title=lazy("Implementation of decisions"),
    description=lazy("What the city committed to do and how far it got: responsible agency, status, "
                     "progress, money committed and spent, and whether residents confirmed it was done."),
    fields=(
        Field("id", I, lazy("Project id, as in the address /implementation/{id}.")),
        Field("title", S, lazy("Title of the project.")),
        Field("description", S, lazy("What will be done.")),
        Field("status", S, lazy("Current status."), enum=tuple(s.value for s in ProjectStatus)),
        Field("cancel_reason", S, lazy("Why it was cancelled."), nullable=True),
        Field("agency", S, lazy("Responsible agency (abbreviation).")),
        Field("kecamatan_code", S, lazy("Kemendagri code of the kecamatan, if the project is local."), nullable=True),
        Field("parent", I, lazy("Id of the project this one is part of."), nullable=True),
        Field("decision", I, lazy("Id of the decision that adopted it."), nullable=True),
        Field("proposal", I, lazy("Number of the residents' proposal it came from."), nullable=True),
        Field("budget_cycle", I, lazy("Participatory budgeting cycle it came from."), nullable=True),
        Field("inspection", I, lazy("Inspection whose action plan it carries out."), nullable=True),
        Field("cost", I, lazy("Adopted budget, in rupiah.")),
        Field("spent", I, lazy("Money spent so far as reported by the agency, in rupiah.")),
        Field("progress", I, lazy("Progress in percent; a project with parts takes it from them, weighted by cost.")),
        Field("under_review", B, lazy("Whether the council is reviewing it after residents said it was not done.")),
        Field("verdict", S, lazy("What residents said when asked whether it was really done."),
              enum=tuple(v.value for v in Verdict)),
        Field("created_at", DT, lazy("When the project was registered (UTC).")),
        Field("updated_at", DT, lazy("Last change (UTC).")),
        Field("done_at", DT, lazy("When it was marked done (UTC)."), nullable=True),
    ),
    filters=(
        Filter("status", lazy("Only projects with this status."), enum=tuple(s.value for s in ProjectStatus)),
        Filter("agency", lazy("Only projects of this agency (abbreviation)."), pattern=AGENCY_PATTERN, max_length=32),
        Filter("kecamatan", lazy("Only projects in this kecamatan (code, e.g. 32.73.02)."),
               pattern=KECAMATAN_PATTERN, max_length=8),
    ),
    notes=(lazy("Residents' individual answers and comments are not included, only the overall verdict."),),
)

RESOURCES: tuple[Resource, ...] = (PROPOSALS, DECISIONS, IMPLEMENTATION_PROJECTS, AGENCY_SCORES, BUDGET_CYCLES)


def resource_named(name: str) -> Resource | None:
    return next((r for r in RESOURCES if r.name == name), None)
