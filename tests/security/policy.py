"""Who may call which route: one entry per route name of the app, per method.

The app's routes are listed from the app itself (`app_routes`); test_access_control fails when a
route has no entry here or an entry names no route, so a new route cannot ship untested.

Access classes (a route's method allows the union of its classes):

PUBLIC     everyone, anonymous included
LOGIN      any logged-in account (no NIK needed)
VERIFIED   a verified resident (NIK checked)
RESIDENT   an account holding no staff role (verified or not)
OWNER      the owner of the row the path points at: proposal author, panel member, voter
AGENCY     an officer of the agency the row is about (the proposal's or inspection's agency)
OFFICER    any officer bound to an agency
MODERATOR, COUNCIL, ADMIN   staff roles (an admin holds every staff power, see Identity.has)
TOKEN      only the holder of a signed e-mail token (the sweep sends a forged one: nobody passes)

`params` maps path parameters to keys of World.ids (defaults in DEFAULT_PARAMS), `data` is a
VALID payload (values are formatted with World.ids) so that the only thing standing between a
denied actor and a state change is the access check itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute, Mount, Route

PUBLIC, LOGIN, VERIFIED, OWNER, AGENCY, OFFICER = "public", "login", "verified", "owner", "agency", "officer"
MODERATOR, COUNCIL, ADMIN, TOKEN = "moderator", "council", "admin", "token"
RESIDENT = "resident"  # an account without staff roles, verified or not

# Which actors of the test world belong to each class.
MEMBERS: dict[str, frozenset[str]] = {
    PUBLIC: frozenset({"anonymous", "unverified", "resident", "owner", "officer", "officer_other", "moderator",
                       "council", "admin"}),
    LOGIN: frozenset({"unverified", "resident", "owner", "officer", "officer_other", "moderator", "council",
                      "admin"}),
    VERIFIED: frozenset({"resident", "owner"}),
    RESIDENT: frozenset({"unverified", "resident", "owner"}),
    OWNER: frozenset({"owner"}),
    AGENCY: frozenset({"officer"}),
    OFFICER: frozenset({"officer", "officer_other"}),
    MODERATOR: frozenset({"moderator", "admin"}),
    COUNCIL: frozenset({"council", "admin"}),
    ADMIN: frozenset({"admin"}),
    TOKEN: frozenset(),
}

DEFAULT_PARAMS = {
    "proposal_id": "forwarded", "photo_id": "photo", "cycle_id": "cycle", "project_id": "project",
    "inspection_id": "inspection", "application_id": "application", "card_id": "card", "action_id": "action",
    "user_id": "user", "name": "mail", "code": "survey", "token": "confirm_token", "comment_id": "comment",
    "decision_id": "decision", "id": "forwarded",
    # Rows the world does not build yet (see PENDING): a missing id, so only refusals are checked.
    "period_id": "period", "programme_id": "programme", "indicator_id": "indicator",
    "notification_id": "notification", "holiday_id": "holiday", "milestone_id": "milestone", "answer_id": "missing",
}
LITERAL_PARAMS = {"abbreviation": "Disdukcapil", "step": "conduct", "role": "moderator", "action": "start_review",
                  "path": "app.css", "decision": "reserve", "resource": "proposals", "dataset": "proposals",
                  "fmt": "csv"}

SCORES = {f"U{i}": "3" for i in range(1, 10)}
PROPOSAL = {"title": "Trotoar rusak di Jalan Ganesha", "description": "Trotoar di depan kampus rusak dan "
            "membahayakan pejalan kaki, terutama saat hujan.", "category": "roads", "kecamatan": "32.73.02",
            "kelurahan": "32.73.02.1004", "suggested_agency": "DSDABM", "estimated_cost": "1000000"}
CYCLE = {"title": "Anggaran partisipatif 2028", "city_budget": "5000", "ballot_kind": "knapsack",
         "rule": "greedy", "tie_break": "min-cost"}
INSPECTION = {"agency": "Disdukcapil", "service_name": "Layanan akta kelahiran", "title": "Inspeksi akta kelahiran",
              "scope": "Pelayanan akta kelahiran di kantor dinas", "methods": "site_visit", "period_start": "2026-12-01",
              "period_end": "2027-01-30", "team_size": "4", "fieldwork_days": "30", "scale": "2017"}
APPLICATION = {"motivation": "Saya sering mengurus dokumen kependudukan untuk tetangga.", "kecamatan": "32.73.02",
               "availability": "Selasa pagi", "conflict": "none"}
ACTION = {"unsur": "U3", "description": "Tambah satu loket perekaman", "owner": "Kepala Seksi",
          "due_date": "2027-03-01", "budget_source": "APBD 2027", "evidence_expected": "Foto loket baru"}


@dataclass(frozen=True)
class Rule:
    access: dict[str, frozenset[str]]  # method -> access classes
    params: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    files: bool = False  # POST a small valid photo as `photos`
    # True: the world has no row for this route yet; only refusals are swept (listed in the report).
    pending: bool = False
    # Exempt from the CSRF middleware because the URL carries a signed token (one-click unsubscribe,
    # RFC 8058): a forged request must still be refused by the token check.
    csrf_exempt: bool = False
    destroys: bool = False  # the first allowed actor deletes the row: later allowed actors may see 404
    also_refused: frozenset[int] = frozenset()  # a refusal shown as an inline form error (no change)

    @property
    def methods(self) -> frozenset[str]:
        return frozenset(self.access)

    def allowed(self, method: str) -> frozenset[str]:
        return frozenset().union(*(MEMBERS[c] for c in self.access[method]))


def r(get: tuple[str, ...] = (), post: tuple[str, ...] = (), **kw: Any) -> Rule:
    access = {}
    if get:
        access["GET"] = frozenset(get)
    if post:
        access["POST"] = frozenset(post)
    return Rule(access=access, **kw)


P = (PUBLIC,)
DRAFT = {"proposal_id": "draft"}
REVIEW = {"cycle_id": "cycle_review"}
PUBLISHED = {"cycle_id": "cycle_published"}
FOLLOWUP = {"inspection_id": "followup"}
COORD = (MODERATOR, COUNCIL)
DRAFT_DECISION = {"decision_id": "draft_decision"}
IMPLEMENTATION = {"project_id": "implementation"}

POLICY: dict[str, Rule] = {
    # core
    "home": r(P), "healthz": r(P), "static": r(P),
    "lang": r(post=P, data={"lang": "en", "next": "/"}),
    # accounts
    "register": r(P, P, data={"name": "Rina", "email": "rina@example.id", "password": "a long password",
                              "password_confirm": "a long password"}),
    "register_sent": r(P),
    "confirm_email": r(P, (TOKEN,), params={"token": "bad_token"}),
    "resend_confirmation": r(post=(LOGIN,)),
    "login": r(P, P, data={"email": "nobody@example.id", "password": "wrong password"}),
    "logout": r(post=P),
    "password_forgot": r(P, P, data={"email": "nobody@example.id"}),
    "password_reset": r((TOKEN,), (TOKEN,), params={"token": "bad_token"},
                        data={"password": "a new long password", "password_confirm": "a new long password"}),
    "account": r((LOGIN,)),
    "change_password": r(post=(LOGIN,), data={"current_password": "wrong", "new_password": "x" * 12,
                                              "new_password_confirm": "x" * 12}),
    "verify": r((LOGIN,), (LOGIN,), data={"nik": "3273026010907777", "kelurahan": "32.73.02.1004"}),
    # administration
    "admin_users": r((MODERATOR,)), "admin_user": r((MODERATOR,)),
    "admin_grant": r(post=(ADMIN,), data={"role": "moderator"}),
    "admin_revoke": r(post=(ADMIN,)),
    "admin_disable": r(post=(ADMIN,)), "admin_enable": r(post=(ADMIN,)),
    "admin_verify": r(post=(MODERATOR,), params={"user_id": "unverified_user"},
                      data={"nik": "3273026010907778", "kelurahan": "32.73.02.1004"}),
    "admin_revoke_verification": r(post=(MODERATOR,), data={"reason": "Data tidak cocok"}),
    "admin_outbox": r((ADMIN,)), "admin_outbox_message": r((ADMIN,)), "admin_jobs": r((ADMIN,)),
    # proposals
    "proposals": r(P), "proposals_similar": r(P), "proposals_stats": r(P),
    "proposals_new": r((VERIFIED,), (VERIFIED,), data=PROPOSAL),
    "proposals_mine": r((LOGIN,)),
    "proposals_escalations": r(COORD),
    "proposal": r(P),
    "proposal_edit": r((OWNER,), (OWNER,), params=DRAFT, data=PROPOSAL),
    "proposal_submit": r(post=(OWNER,), params=DRAFT),
    "proposal_withdraw": r(post=(OWNER,), params=DRAFT),
    "proposal_coauthors": r(post=(OWNER,), params=DRAFT, data={"email": "warga@example.id"}),
    "proposal_photos": r(post=(OWNER,), params=DRAFT, files=True, data={"alt": "Foto"}),
    "proposal_photo": r((OWNER,), params=DRAFT),
    "proposal_photo_delete": r(post=(OWNER,), params=DRAFT),
    "proposal_support": r(post=(VERIFIED,)),
    "proposal_follow": r(post=(LOGIN,)),
    "proposal_comment": r(post=(VERIFIED,), data={"body": "Setuju, ini penting."}),
    "proposal_flag": r(post=(VERIFIED,), data={"reason": "Berisi iklan"}),
    "proposal_appeal": r(post=(OWNER,), data={"reason": "Usulan ini tidak melanggar aturan."}),
    "proposal_reply": r(post=(OWNER,), data={"reason": "Terima kasih atas jawabannya."}),
    "proposal_answer": r(post=(AGENCY,), data={"kind": "feasible", "text": "Akan kami kerjakan tahun depan.",
                                               "cost": "1000000"}),
    "proposal_moderate": r(post=(MODERATOR,), params={"proposal_id": "submitted"}),
    "moderation": r((MODERATOR,)),
    "agency_inbox": r((OFFICER,)),
    # panels
    "panels.index": r(P), "panels.detail": r(P), "panels.scoreboard": r(P), "panels.agency": r(P),
    "panels.new": r(COORD, COORD, data=INSPECTION),
    "panels.transition": r(post=COORD, data={"target": "consolidation"}),
    # Unverified accounts and staff see "only verified residents can apply" on the form (422).
    "panels.apply": r((LOGIN,), (VERIFIED,), params={"inspection_id": "recruiting"}, data=APPLICATION,
                      also_refused=frozenset({422})),
    "panels.select": r(post=COORD),
    "panels.draw": r(post=COORD, data={"seed": "abc"}),
    "panels.onboard": r(post=(OWNER,)),
    "panels.scorecards_new": r(post=(OWNER,), data={"visit": "2"}),
    "panels.scorecard": r((OWNER, *COORD), (OWNER,), data={**SCORES, "observations": "Antri", "action": "save"}),
    "panels.self_assessment": r(post=(AGENCY,), data={**SCORES, "notes": "", "action": "save"}),
    "panels.survey_import": r(post=(AGENCY,), data={"csv_text": "U1,U2\n3,3\n"}),
    "panels.report": r(post=(OWNER, *COORD), data={"findings": "Waktu tunggu rata-rata dua jam penuh.",
                                                   "recommendations": "Tambah loket perekaman."}),
    "panels.reply": r(post=(AGENCY,), data={"reply_text": "Loket sedang diperbaiki saat itu."}),
    "panels.add_action": r(post=(AGENCY,), data=ACTION),
    "panels.remove_action": r(post=(AGENCY,), params=FOLLOWUP),
    "panels.evidence": r(post=(AGENCY,), params=FOLLOWUP, data={"evidence_text": "Loket baru dibuka 1 Desember."}),
    "panels.verdict": r(post=(OWNER,), params=FOLLOWUP, data={"verdict": "confirm", "note": ""}),
    "panels.survey": r(P, (VERIFIED,), data=SCORES),
    # participatory budgeting
    "budgets.index": r(P), "budgets.detail": r(P),
    "budgets.new": r((COUNCIL,), (COUNCIL,), data=CYCLE),
    "budgets.edit": r((COUNCIL,), (COUNCIL,), params=REVIEW, data=CYCLE),
    "budgets.phase": r(post=(COUNCIL,), params=REVIEW, data={"phase": "voting"}),
    "budgets.tally": r(post=(COUNCIL,)),
    "budgets.project_add": r(post=(MODERATOR,), params=REVIEW, data={"title": "Taman kota baru", "cost": "100"}),
    "budgets.project_edit": r((MODERATOR,), (MODERATOR,), params=REVIEW, data={"title": "Taman baca besar",
                                                                              "cost": "500"}),
    "budgets.ballot": r((VERIFIED,), (VERIFIED,), data={"scope": "{scope}", "project": "{first_project}",
                                                     "action": "vote"}),
    "budgets.preview": r(post=(VERIFIED,), data={"scope": "{scope}", "project": "{first_project}"}),
    "budgets.voted": r((LOGIN,)),
    "budgets.assisted": r((MODERATOR, OFFICER), (MODERATOR, OFFICER),
                          data={"resident": "warga@example.id", "station": "Kantor Kelurahan Dago",
                                "scope": "{scope}", "project": "{first_project}", "action": "vote"}),
    "budgets.results": r(P, params=PUBLISHED),
    "budgets.receipt": r(P, P, params=PUBLISHED, data={"code": "{receipt}"}),
    "budgets.export": r(P, params=PUBLISHED),
    "budgets.promote": r(post=(MODERATOR, COUNCIL), params=REVIEW, data={"proposal_id": "{forwarded}"}),
    # --- added while the suite was written: read from each package's routes and services ---------
    "admin_holidays": r((ADMIN,)),
    "admin_holidays_add": r(post=(ADMIN,), data={"day": "2027-01-05", "name": "Cuti bersama"}),
    "admin_holidays_delete": r(post=(ADMIN,)),
    "api:openapi": r(P), "api:list": r(P), "api:item": r(P),
    "exports.index": r(P), "exports.file": r(P), "exports.ballots": r(P, params=PUBLISHED),
    "feeds.decisions": r(P), "feeds.kecamatan": r(P, params={"code": "kecamatan"}),
    "leaderboard": r(P), "leaderboard_visibility": r(post=(RESIDENT,), data={"listed": "1"}),
    "comment_flag": r(post=(VERIFIED,), data={"reason": "Berisi iklan"}),
    "comment_appeal": r(post=(OWNER,), data={"reason": "Komentar ini tidak melanggar aturan."}),
    "comment_moderate": r(post=(MODERATOR,), data={"decision": "hide", "reason": "Kata kasar"}),
    "council.decisions": r(P), "council.decision": r(P),
    "council.decision_new": r((COUNCIL,), (COUNCIL,)),
    "council.decision_edit": r((COUNCIL,), (COUNCIL,), params=DRAFT_DECISION),
    "council.decision_publish": r(post=(COUNCIL,), params=DRAFT_DECISION),
    "council.decision_delete": r(post=(COUNCIL,), params=DRAFT_DECISION),
    "council.implementation": r(P), "council.reviews": r((COUNCIL,)),
    "council.project": r(P, params=IMPLEMENTATION),
    "council.update_photo": r(P, params={"photo_id": "missing"}, pending=True),
    "council.answer_photo": r(P, pending=True),
    "council.project_status": r(post=(AGENCY,), params=IMPLEMENTATION,
                                 data={"status": "in_progress", "reason": "Mulai dikerjakan"}),
    "council.project_progress": r(post=(AGENCY,), params=IMPLEMENTATION,
                                 data={"progress": "10", "spent": "1000", "note": "Awal"}),
    "council.milestone_add": r(post=(AGENCY,), params=IMPLEMENTATION,
                                 data={"title": "Survei lokasi", "due_on": "2027-02-01"}),
    "council.milestone_done": r(post=(AGENCY,), params=IMPLEMENTATION, data={"done_on": "2026-11-20"}),
    "council.project_child": r(post=(AGENCY,), params=IMPLEMENTATION, data={"title": "Paket kecil", "cost": "1000"}),
    "council.project_update": r(post=(AGENCY,), params=IMPLEMENTATION,
                                 data={"text": "Pekerjaan dimulai minggu ini.", "alt": ""}),
    # Residents confirm delivery of a project they wrote or supported (here: the proposal's author).
    "council.project_confirm": r(post=(OWNER,), params=IMPLEMENTATION, data={"answer": "yes", "comment": ""}),
    "council.project_review": r(post=(COUNCIL,), params=IMPLEMENTATION,
                                 data={"outcome": "stands", "note": "Sudah sesuai"}),
    "notifications": r((LOGIN,)), "notifications.badge": r((LOGIN,)),
    "notifications.preferences": r((LOGIN,), (LOGIN,)),
    "notifications.read_all": r(post=(LOGIN,)),
    "notifications.read": r(post=(OWNER,)),
    "notifications.unsubscribe": r((TOKEN,), (TOKEN,), params={"token": "bad_token"}, csrf_exempt=True),
    "panels.decide": r(post=COORD, params={"inspection_id": "recruiting", "application_id": "recruiting_application"}),
    "panels.promote": r(post=COORD),
    "panels.withdraw": r(post=(OWNER,)),
    "panels.scorecard_check": r(post=(OWNER,), data=SCORES),
    "panels.scorecard_photos": r(post=(OWNER,), files=True),
    "panels.scorecard_photo": r((OWNER, *COORD), params={"photo_id": "card_photo"}),
    "panels.scorecard_photo_delete": r(post=(OWNER,), params={"photo_id": "card_photo"}),
    "panels.survey_qr": r(P),
    "panels.period_new": r((OFFICER, *COORD), (OFFICER, *COORD)),
    "panels.period": r(P),
    "panels.period_import": r(post=(AGENCY, *COORD), data={"csv_text": "U1,U2\n3,3\n"}),
    "panels.period_close": r(post=(AGENCY, *COORD)),
    "programmes.index": r(P), "programmes.new": r(COORD, COORD),
    "programmes.detail": r(P),
    "programmes.edit": r(COORD, COORD),
    "programmes.delete": r(post=COORD, destroys=True),
    "programmes.assessment": r(COORD, COORD),
    "programmes.add_indicator": r(post=COORD, data={"name": "Jumlah warga", "unit": "orang"}),
    "programmes.remove_indicator": r(post=COORD, destroys=True),
    "programmes.add_reading": r(post=COORD, data={"day": "2026-11-01", "value": "10"}),
}
PENDING = sorted(name for name, rule in POLICY.items() if rule.pending)


@dataclass(frozen=True)
class AppRoute:
    name: str
    path: str
    methods: frozenset[str]


def app_routes(routes: list[BaseRoute], prefix: str = "", name_prefix: str = "") -> Iterator[AppRoute]:
    """Every endpoint of the app, descending into Mounts (names joined with ':' like url_for)."""
    for route in routes:
        if isinstance(route, Mount):
            name = f"{name_prefix}{route.name}" if route.name else name_prefix.rstrip(":")
            sub = getattr(route.app, "routes", None) if route.routes == [] else route.routes
            if sub:
                yield from app_routes(list(sub), prefix + route.path, f"{name}:" if name else "")
            else:  # a mounted ASGI app (static files): one entry for the whole subtree
                yield AppRoute(name, prefix + route.path + "/{path:path}", frozenset({"GET"}))
        elif isinstance(route, Route):
            methods = frozenset(route.methods or {"GET"}) - {"HEAD"}
            yield AppRoute(f"{name_prefix}{route.name}", prefix + route.path, methods)
        else:  # websockets or custom routes: still need a policy entry
            yield AppRoute(f"{name_prefix}{getattr(route, 'name', type(route).__name__)}",
                           prefix + str(getattr(route, "path", "")), frozenset())
