"""A small city with one row of every kind, and one logged-in HTTP client per actor.

The access-control sweep points every route at these rows. Actors:

* anonymous, unverified (logged in, no NIK), resident (verified; owns nothing here: the
  "other owner"), owner (verified; author of the proposals, member of both panels, voter),
* officer (of Disdukcapil, the agency the proposals and inspections are about),
  officer_other (of DSDABM: "officer of another agency"),
* moderator, council, admin.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx2 as httpx
from PIL import Image
from tortoise.models import Model

from portal.accounts.identity import Identity
from portal.accounts.sessions import identity_of
from portal.accounts.tokens import CONFIRM_EMAIL
from portal.db import MODEL_MODULES
from portal.panels import followup, scorecards, services as panels
from portal.panels.models import Application, Inspection, Service
from portal.proposals import services as proposals
from portal.voting import services as pb
from portal.voting.domain import Phase
from portal.web import Services
from tests.helpers import csrf_of, make_user
from tests.panels.factories import APPLY, new_inspection
from tests.proposals.factories import draft
from tests.voting.factories import COUNCIL, city_scope, cycle

AGENCY = "Disdukcapil"
OTHER_AGENCY = "DSDABM"
ACTORS = ("anonymous", "unverified", "resident", "owner", "officer", "officer_other", "moderator", "council",
          "admin")
GOOD_SCORES = {f"U{i}": "3" for i in range(1, 10)}
_serial = iter(range(5000, 9000))


def nik() -> str:
    """A fresh valid NIK (each test has its own database, so the series restarts per world)."""
    return f"327302601090{next(_serial):04d}"


def png(size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@dataclass
class World:
    ids: dict[str, Any] = field(default_factory=dict)
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    people: dict[str, Identity] = field(default_factory=dict)

    async def request(self, actor: str, method: str, url: str, data: dict[str, Any] | None = None,
                      headers: dict[str, str] | None = None) -> httpx.Response:
        client = self.clients[actor]
        if method == "GET":
            return await client.get(url, headers=headers)
        sent = {"X-CSRF-Token": self.tokens[actor], **(headers or {})}
        return await client.request(method, url, data=data or {}, headers=sent)


async def _person(services: Services, email: str, *, roles: tuple[str, ...] = (), agency: str = "",
                  verified: bool = False) -> Identity:
    user = await make_user(services, email, roles=roles, agency=agency, verified=verified, nik=nik())
    return await identity_of(user)


async def _inspection_with_team(services: Services, mod: Identity, members: list[Identity], **overrides: Any) -> int:
    iid = await panels.create_inspection(mod, new_inspection(agency_abbr=AGENCY, team_size=len(members), **overrides))
    await panels.transition(mod, iid, "recruiting")
    for who in members:
        await panels.apply(who, iid, APPLY)
    await panels.draw(mod, iid, seed="keamanan")
    for who in members:
        fresh = await identity_of(await _user(who))
        await panels.onboard(fresh, iid, "conduct")
        await panels.onboard(fresh, iid, "training")
    await panels.transition(mod, iid, "fieldwork")
    return iid


async def _user(who: Identity) -> Any:
    from portal.accounts.models import User

    return await User.get(id=who.user_id)


SECTIONS = ("proposals", "budgets", "panels", "council", "programmes")
# Which section of the world creates each id (the rest exist in every world).
SECTION_OF = {key: section for section, keys in {
    "proposals": ("draft", "photo", "submitted", "forwarded", "resident_draft", "mail", "comment"),
    "budgets": ("cycle_review", "project", "cycle", "cycle_projects", "scope", "cycle_published", "receipt",
                "first_project"),
    "council": ("decision", "draft_decision", "implementation", "milestone"),
    "programmes": ("programme", "indicator"),
    "panels": ("inspection", "recruiting", "recruiting_application", "period", "card", "card_photo", "mate_card", "application", "survey", "followup", "action"),
}.items() for key in keys}


async def build(services: Services, sections: tuple[str, ...] | frozenset[str] = SECTIONS) -> World:
    """The people always; the rows of the requested sections only (building all takes seconds)."""
    global _serial
    _serial = iter(range(5000, 9000))
    world = World()
    p = world.people
    p["unverified"] = await _person(services, "baru@example.id")
    p["resident"] = await _person(services, "warga@example.id", verified=True)
    p["owner"] = await _person(services, "pemilik@example.id", verified=True)
    p["officer"] = await _person(services, "petugas@example.id", roles=("officer",), agency=AGENCY)
    p["officer_other"] = await _person(services, "petugas.lain@example.id", roles=("officer",), agency=OTHER_AGENCY)
    p["moderator"] = await _person(services, "mod@example.id", roles=("moderator",))
    p["council"] = await _person(services, "dewan@example.id", roles=("council",))
    p["admin"] = await _person(services, "admin@example.id", roles=("admin",))
    p["head"] = await _person(services, "kepala@example.id", roles=("officer", "agency_head"), agency=AGENCY)
    mates = [await _person(services, f"panelis{k}@example.id", verified=True) for k in range(2)]
    ids = world.ids

    if "proposals" in sections:
        await _proposals(services, world)
    if "budgets" in sections:
        await _budgets(world)
    if "panels" in sections:
        await _panels(services, world, mates)
    if "council" in sections:
        if "forwarded" not in ids:
            await _proposals(services, world)
        await _council(world)
    if "programmes" in sections:
        await _programmes(world)
    ids["missing"] = 987654
    from tests.notifications.helpers import make_row

    ids["notification"] = (await make_row(p["owner"].user_id)).id  # type: ignore[arg-type]
    from portal.core import city_calendar

    ids["holiday"] = await city_calendar.add_holiday(p["admin"], date(2027, 1, 4), "Cuti bersama uji")
    ids["kecamatan"] = "32.73.02"
    ids["user"] = p["resident"].user_id
    ids["unverified_user"] = p["unverified"].user_id
    ids["bad_token"] = "eyJ1aWQiOjF9.forged.signature"
    ids["confirm_token"] = services.accounts.tokens.make(CONFIRM_EMAIL, {"uid": p["unverified"].user_id,
                                                                        "email": "baru@example.id"})
    return world


async def _proposals(services: Services, world: World) -> None:
    ids, p = world.ids, world.people
    owner, mod = p["owner"], p["moderator"]
    # Proposals: the owner's draft (with a photo), a submitted one, one forwarded to the agency.
    ids["draft"] = await proposals.create_draft(owner, draft(title="Draf taman bermain anak Coblong"))
    ids["photo"] = await proposals.add_photo(owner, ids["draft"], png(), services.settings.media_dir, alt="Taman")
    ids["submitted"] = await proposals.create_draft(owner, draft(title="Lampu jalan di gang sempit Dago"))
    await proposals.submit(owner, ids["submitted"])
    ids["forwarded"] = await proposals.create_draft(owner, draft(title="Antrian e-KTP terlalu panjang"))
    await proposals.submit(owner, ids["forwarded"])
    await proposals.verify(mod, ids["forwarded"], AGENCY)
    ids["resident_draft"] = await proposals.create_draft(p["resident"], draft(title="Draf warga lain tentang trotoar"))
    await proposals.invite_coauthor(owner, ids["draft"], "panelis0@example.id", services.mailer,
                                    services.settings.base_url)
    ids["mail"] = services.outbox.latest(1)[0].name
    ids["comment"] = await proposals.add_comment(owner, ids["forwarded"], "Komentar pemilik usulan")


async def _programmes(world: World) -> None:
    from portal.programmes import domain as programme_domain
    from portal.programmes import services as programmes

    council_member = world.people["council"]
    world.ids["programme"] = await programmes.create_programme(council_member, programmes.ProgrammeInput(
        name="Program uji keamanan", type=programme_domain.ProgrammeType.CO_DESIGN, lead="Bappelitbang",
        summary="Ringkasan program", position=None, goal="Tujuan program", change_management="", outcomes=(),
        costs=None, costs_note="", savings=None, savings_note=""))
    world.ids["indicator"] = await programmes.add_indicator(council_member, world.ids["programme"],
                                                            programmes.IndicatorInput(
        name="Jumlah peserta", unit="orang", target=None, metric="", metric_param=""))


async def _council(world: World) -> None:
    from portal.council import services as council
    from portal.council.models import ImplementationProject
    from tests.council.factories import answer_proposal
    from tests.council.factories import draft as decision

    council_member = world.people["council"]
    world.ids["decision"] = await council.create_draft(council_member, decision())
    await council.publish(council_member, world.ids["decision"])
    world.ids["draft_decision"] = await council.create_draft(council_member, decision())
    # Answering the forwarded proposal with "implement" opens an implementation project for its agency.
    answer = await council.create_draft(council_member, answer_proposal(world.ids["forwarded"]))
    await council.publish(council_member, answer)
    project = await ImplementationProject.get(proposal_id=world.ids["forwarded"])
    world.ids["implementation"] = project.id
    from portal.council import implementation

    world.ids["milestone"] = await implementation.add_milestone(world.people["officer"], project.id,
                                                               title="Survei lokasi", due_on=date(2027, 2, 1))



async def _budgets(world: World) -> None:
    ids = world.ids
    # Budgets: a cycle in review (editable), one open for voting, one published.
    ids["cycle_review"], review_projects = await cycle(phase=Phase.REVIEW)
    ids["project"] = review_projects[0]
    ids["cycle"], ids["cycle_projects"] = await cycle(phase=Phase.VOTING)
    ids["scope"] = await city_scope(ids["cycle"])
    ids["first_project"] = ids["cycle_projects"][0]
    ids["cycle_published"], ids["receipt"] = await _published(world.people["owner"])


async def _panels(services: Services, world: World, mates: list[Identity]) -> None:
    ids, p = world.ids, world.people
    owner, mod = p["owner"], p["moderator"]

    # Panels: one inspection in fieldwork (owner's scorecard), one in follow-up (an action).
    ids["inspection"] = await _inspection_with_team(services, mod, [owner, *mates])
    member = await identity_of(await _user(owner))
    ids["card"] = await scorecards.start_scorecard(member, ids["inspection"], 1)
    from portal.panels import evidence

    ids["card_photo"] = await evidence.add_photo(member, ids["inspection"], ids["card"], png(),
                                                 services.settings.media_dir, alt="Loket")
    ids["application"] = (await Application.filter(inspection_id=ids["inspection"]).first()).id  # type: ignore[union-attr]
    ids["survey"] = (await Service.get(id=(await Inspection.get(id=ids["inspection"])).service_id)).code  # type: ignore[attr-defined]
    ids["followup"], ids["action"] = await _followup(services, mod, p["officer"], p["head"], [member, *mates])
    p["owner"] = member
    p["mate"] = await identity_of(await _user(mates[0]))
    ids["mate_card"] = await scorecards.start_scorecard(p["mate"], ids["inspection"], 1)
    ids["recruiting"] = await panels.create_inspection(mod, new_inspection(agency_abbr=AGENCY, title="Inspeksi baru"))
    await panels.transition(mod, ids["recruiting"], "recruiting")
    ids["recruiting_application"] = await panels.apply(p["resident"], ids["recruiting"], APPLY)
    from portal.panels import surveys

    ids["period"] = await surveys.open_period(mod, surveys.NewPeriod(
        service_code=ids["survey"], title="Periode SKM uji", opens_on=date.today(),
        closes_on=date.today() + timedelta(days=30)))


async def _published(voter: Identity) -> tuple[int, str]:
    """A published cycle with the owner's ballot in it; returns the owner's receipt code."""
    cycle_id, projects = await cycle(phase=Phase.VOTING)
    code = await pb.cast_ballot(voter, cycle_id=cycle_id, scope_id=await city_scope(cycle_id),
                                raw=[(str(projects[0]), "1")], today=date.today())
    await pb.move_phase(COUNCIL, cycle_id, Phase.TALLYING)
    await pb.run_tally(COUNCIL, cycle_id)
    await pb.move_phase(COUNCIL, cycle_id, Phase.PUBLISHED)
    return cycle_id, code


async def _followup(services: Services, mod: Identity, officer: Identity, head: Identity,
                    mates: list[Identity]) -> tuple[int, int]:
    iid = await panels.create_inspection(mod, new_inspection(agency_abbr=AGENCY, team_size=3,
                                                             title="Inspeksi tindak lanjut e-KTP"))
    await panels.transition(mod, iid, "recruiting")
    for who in mates:
        await panels.apply(who, iid, APPLY)
    await panels.draw(mod, iid, seed="tindak")
    members = []
    for who in mates:
        fresh = await identity_of(await _user(who))
        await panels.onboard(fresh, iid, "conduct")
        await panels.onboard(fresh, iid, "training")
        members.append(fresh)
    await panels.transition(mod, iid, "fieldwork")
    for who in members:
        card = await scorecards.start_scorecard(who, iid, 1)
        await scorecards.save_scorecard(who, iid, card, GOOD_SCORES, observations="", submit=True)
    await scorecards.save_self_assessment(officer, iid, GOOD_SCORES, notes="", submit=True)
    await panels.transition(mod, iid, "consolidation")
    await panels.transition(mod, iid, "report_draft")
    await followup.save_report(mod, iid, findings="Waktu tunggu rata-rata dua jam.", strengths="",
                               recommendations="Tambah loket perekaman.")
    await panels.transition(mod, iid, "right_of_reply")
    action = followup.NewAction("U3", "Tambah satu loket perekaman", "Kepala Seksi",
                                date.today() + timedelta(days=30), "APBD 2027", "Foto loket baru")
    action_id = await followup.add_action(officer, iid, action)
    await panels.transition(officer, iid, "action_plan_submitted")
    await panels.transition(head, iid, "action_plan_approved")
    await panels.transition(mod, iid, "follow_up")
    return iid, action_id


@asynccontextmanager
async def logged_in(app: Any, world: World) -> AsyncIterator[World]:
    """One client per actor (a separate cookie jar each), logged in over HTTP like a browser."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    emails = {"unverified": "baru@example.id", "resident": "warga@example.id", "owner": "pemilik@example.id",
              "officer": "petugas@example.id", "officer_other": "petugas.lain@example.id",
              "moderator": "mod@example.id", "council": "dewan@example.id", "admin": "admin@example.id"}
    clients = [httpx.AsyncClient(transport=transport, base_url="http://testserver") for _ in ACTORS]
    try:
        for actor, client in zip(ACTORS, clients, strict=True):
            world.clients[actor] = client
            page = await client.get("/login")
            token = csrf_of(page.text)
            if actor in emails:
                r = await client.post("/login", data={"csrf_token": token, "email": emails[actor],
                                                      "password": "correct horse battery"})
                assert r.status_code == 303, (actor, r.status_code)
                token = csrf_of((await client.get("/login")).text)
            world.tokens[actor] = token
        yield world
    finally:
        for client in clients:
            await client.aclose()


def _models() -> dict[str, type[Model]]:
    found: dict[str, type[Model]] = {}
    for module_name in MODEL_MODULES:
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Model) and value is not Model
                    and value.__module__ == module_name and not value._meta.abstract):
                found[value.__name__] = value
    return found


async def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (sessions excluded: reading a page touches last_seen_at)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for name, model in sorted(_models().items()):
        if name in {"UserSession"}:
            continue
        rows = await model.all().values()
        out[name] = sorted((tuple(sorted((k, repr(v)) for k, v in r.items())) for r in rows))
    return out


def diff(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return [f"{name}: {len(before.get(name, []))} -> {len(after.get(name, []))} rows"
            + ("" if len(before.get(name, [])) != len(after.get(name, [])) else " (changed)")
            for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)]
