"""Demo data for the decision register and implementation tracking (idempotent).

Builds on the other demos: the demo council account publishes
- the adoption of the finished demo PB cycle's results (when its results are published), which
  creates one implementation project per winner; two of them get progress, milestones, an
  update and sub-projects;
- an answer to a supported demo proposal ("the agency will do it"), whose project is marked
  done and confirmed by the residents behind the proposal (one of them disputes it).
Reporting is done as the responsible agency's demo officer identity.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from portal.accounts.identity import Identity
from portal.accounts.models import User
from portal.core.models import Agency
from portal.core.timeutil import utcnow
from portal.core.workdays import JAKARTA
from portal.council import confirmations, implementation, services
from portal.council.domain import DecisionDraft, DecisionKind, LinkType, Votes, next_number
from portal.council.models import Decision, ImplementationProject
from portal.proposals.models import Proposal, ProposalAuthor, Support
from portal.voting.models import PbCycle

COUNCIL_EMAIL = "council@warga.demo"
ADOPT_TITLE = "Penetapan hasil Anggaran Partisipatif Kota Bandung 2026"
ANSWER_TITLE = "Tindak lanjut usulan warga yang didukung"
FALLBACK_AGENCY = "DSDABM"


def _agency_officer(user_id: int, agency_id: int) -> Identity:
    return Identity(user_id=user_id, name="Petugas", roles=frozenset({"officer"}), agency_id=agency_id)


async def load_demo() -> None:
    user = await User.get_or_none(email=COUNCIL_EMAIL)
    if user is None or await Decision.filter(title__in=[ADOPT_TITLE, ANSWER_TITLE]).exists():
        return
    council = Identity(user_id=user.id, name=user.name, roles=frozenset({"council"}))
    today = utcnow().astimezone(JAKARTA).date()
    numbers = list(await Decision.all().values_list("number", flat=True))
    fallback = await Agency.get_or_none(abbreviation=FALLBACK_AGENCY) or await Agency.all().first()
    if fallback is None:
        return
    cycle = await PbCycle.filter(phase="published").order_by("id").first()
    if cycle is not None:
        number = next_number(numbers, today.year)
        numbers.append(number)
        decision_id = await services.create_draft(council, DecisionDraft(
            number=number, decided_on=today - timedelta(days=14), title=ADOPT_TITLE,
            text="DPRD Kota Bandung menetapkan proyek-proyek pemenang Anggaran Partisipatif 2026 sebagai "
                 "kegiatan tahun anggaran berjalan.\nPelaksanaan dipantau terbuka di portal Warga.",
            kind=DecisionKind.ADOPT_PB, votes=Votes(38, 6, 3, ("Hendra Gunawan",)),
            rationale="Hasil pemungutan suara warga dengan metode Equal Shares dihormati sepenuhnya.",
            budget_line="1.03.03.2.01", amount=None, links=((LinkType.PB_CYCLE, cycle.id),),
            agency_id=fallback.id))
        created = await services.publish(council, decision_id)
        await _progress_demo(user.id, created)
    await _answer_demo(council, user.id, numbers)


async def _progress_demo(user_id: int, project_ids: list[int]) -> None:
    projects = await ImplementationProject.filter(id__in=project_ids).order_by("id")
    today = utcnow().astimezone(JAKARTA).date()
    for n, project in enumerate(projects[:2]):
        worker = _agency_officer(user_id, project.agency_id)  # type: ignore[attr-defined]
        await implementation.change_status(worker, project.id, "procurement")
        await implementation.change_status(worker, project.id, "in_progress")
        first = await implementation.add_milestone(worker, project.id, title="Kontrak ditandatangani",
                                                   due_on=today - timedelta(days=10))
        await implementation.complete_milestone(worker, project.id, first, done_on=today - timedelta(days=9))
        await implementation.add_milestone(worker, project.id, title="Pekerjaan fisik selesai",
                                           due_on=today + timedelta(days=60))
        if n == 0:
            await implementation.report_progress(worker, project.id, progress=35, spent=project.cost // 4,
                                                 note="Pengadaan selesai, pekerjaan lapangan dimulai.")
        else:
            first_part = await implementation.add_child(worker, project.id, title="Tahap 1", cost=project.cost // 3)
            second_part = await implementation.add_child(worker, project.id, title="Tahap 2",
                                                         cost=project.cost - project.cost // 3)
            await implementation.change_status(worker, first_part, "in_progress")
            await implementation.report_progress(worker, first_part, progress=80, spent=project.cost // 4)
            await implementation.report_progress(worker, second_part, progress=0, spent=0)


async def _answer_demo(council: Identity, user_id: int, numbers: list[str]) -> None:
    supported = await Proposal.filter(hidden=False, support_count__gte=2, agency_id__isnull=False).exclude(
        status__in=["draft", "withdrawn", "merged"]).order_by("-support_count", "id").first()
    if supported is None:
        return
    day = utcnow().astimezone(JAKARTA).date()
    decision_id = await services.create_draft(council, DecisionDraft(
        number=next_number(numbers, day.year), decided_on=day - timedelta(days=40), title=ANSWER_TITLE,
        text=f"Dewan meminta dinas terkait melaksanakan usulan warga \"{supported.title}\".",
        kind=DecisionKind.ANSWER_PROPOSAL, votes=Votes(41, 2, 4), rationale="Usulan didukung banyak warga.",
        links=((LinkType.PROPOSAL, supported.id),), implement=True))
    [project_id] = await services.publish(council, decision_id)
    project = await ImplementationProject.get(id=project_id)
    worker = _agency_officer(user_id, project.agency_id)  # type: ignore[attr-defined]
    await implementation.change_status(worker, project_id, "in_progress")
    await implementation.report_progress(worker, project_id, progress=100, spent=project.cost,
                                         note="Pekerjaan selesai sesuai rencana.")
    await implementation.change_status(worker, project_id, "done")
    people = list(await ProposalAuthor.filter(proposal_id=supported.id).values_list("user_id", flat=True))
    people += [u for u in await Support.filter(proposal_id=supported.id).values_list("user_id", flat=True)
               if u not in people]
    for n, uid in enumerate(people[:4]):
        answer = "no" if n == 3 else "yes"
        resident = Identity(user_id=uid, name="Warga", roles=frozenset({"resident"}), verified=True)
        await confirmations.answer(resident, project_id, answer, media_dir=Path("data/media"),
                                   comment="Sisi utara belum dikerjakan." if answer == "no" else "")
