"""Demo city content for co-assessment: three inspections of Disdukcapil Kota Bandung.

- Two finished (closed) inspections, so the scoreboard shows an IKM trend, replies and actions.
- One in fieldwork, with panelist@warga.demo on the panel, so a visitor can file a scorecard.
- A satisfaction survey period for the KIA service, with paper answers imported.
- The head of Disdukcapil (kepala.disdukcapil@warga.demo, no usable password) approves the plans.

Idempotent: does nothing when the demo inspections exist. Uses the demo accounts from
portal.core.demo_accounts (moderator, officer of Disdukcapil, panelist) and creates synthetic
verified residents with an unusable password hash ("!demo") so no hashing is needed. Their
verification rows carry a fake digest ("demo:<n>"), never a real NIK.
"""

from __future__ import annotations

from datetime import date, timedelta

from portal.accounts import services as accounts
from portal.accounts.identity import Identity, Role
from portal.accounts.models import ResidentVerification, User
from portal.accounts.sessions import identity_of
from portal.core.timeutil import utcnow
from portal.panels import followup, scorecards, services as panels, surveys
from portal.panels.models import Inspection, Service
from portal.panels.scoring import Scale

DOMAIN = "warga.demo"
RESIDENTS = (
    ("Asep Sunandar", "32.73.02.1004", 1978), ("Euis Komariah", "32.73.05.1001", 1990),
    ("Dadang Hermawan", "32.73.10.1002", 1965), ("Rina Marlina", "32.73.02.1001", 2001),
    ("Ujang Saepudin", "32.73.05.1002", 1985), ("Neng Siti Rahayu", "32.73.10.1001", 1995),
)


async def _resident(n: int, name: str, kelurahan: str, born: int) -> Identity:
    email = f"warga{n}@{DOMAIN}"
    user = await User.get_or_none(email=email)
    if user is None:
        user = await User.create(email=email, name=name, password_hash="!demo", email_confirmed_at=utcnow())
    if not await ResidentVerification.exists(user_id=user.id):
        await ResidentVerification.create(user=user, nik_digest=f"demo:panels:{n}", nik_masked="3273********0000",
                                          birth_year=born, kelurahan_id=kelurahan, method="assisted",
                                          verified_at=utcnow())
    return await identity_of(user)


async def _agency_head() -> Identity:
    """Kepala Dinas of Disdukcapil: an officer of it who also holds the agency-head role."""
    email = f"kepala.disdukcapil@{DOMAIN}"
    user = await User.get_or_none(email=email)
    if user is None:
        user = await User.create(email=email, name="Kepala Disdukcapil", password_hash="!demo",
                                 email_confirmed_at=utcnow())
        await accounts.grant_role(None, user_id=user.id, role=Role.OFFICER, agency_abbr="Disdukcapil")
        await accounts.grant_role(None, user_id=user.id, role=Role.AGENCY_HEAD)
    return await identity_of(user)


async def _who(local: str) -> Identity | None:
    user = await User.get_or_none(email=f"{local}@{DOMAIN}")
    return await identity_of(user) if user else None


def _scores(base: dict[str, str], bump: int) -> dict[str, str]:
    return {k: str(max(1, min(4, int(v) + bump))) for k, v in base.items()}


async def _run(mod: Identity, officer: Identity, head: Identity, team: list[Identity], *, title: str, service: str, scope: str,
               start: date, end: date, panel: list[dict[str, str]], self_scores: dict[str, str],
               report: tuple[str, str, str], reply: str, actions: list[tuple[str, str, str, str, str]],
               review: list[dict[str, str]] | None, until: str) -> int:
    iid = await panels.create_inspection(mod, panels.NewInspection(
        "Disdukcapil", service, title, scope, ("site_visit", "mystery_shopping", "user_survey"),
        start, end, len(team), Scale.PERMENPANRB_14_2017, 20, 1200))
    await panels.transition(mod, iid, "recruiting")
    for who in team:
        await panels.apply(who, iid, panels.NewApplication(
            "Saya rutin mengurus dokumen kependudukan untuk keluarga dan tetangga.", who.kecamatan_code or "32.73.02",
            "Hari kerja pagi", "", True, False, False))
    await panels.draw(mod, iid, seed=f"bandung-{start.isoformat()}")
    for who in team:
        who = await identity_of(await User.get(id=who.user_id))
        await panels.onboard(who, iid, "conduct")
        await panels.onboard(who, iid, "training")
    await panels.transition(mod, iid, "fieldwork")
    for k, who in enumerate(team):
        for visit, answers in enumerate(panel[k::len(team)], start=1):
            card = await scorecards.start_scorecard(who, iid, visit)
            await scorecards.save_scorecard(who, iid, card, answers, observations=OBSERVATIONS[(k + visit) % 4],
                                            submit=until != "fieldwork" or visit == 1)
    if until == "fieldwork":
        return iid
    await scorecards.save_self_assessment(officer, iid, self_scores, notes="Diisi oleh Sekretariat Disdukcapil.", submit=True)
    for target in ("consolidation", "report_draft"):
        await panels.transition(mod, iid, target)
    await followup.save_report(mod, iid, findings=report[0], strengths=report[1], recommendations=report[2])
    await panels.transition(mod, iid, "right_of_reply")
    await followup.reply(officer, iid, text=reply, minutes="Pertemuan antarmuka di Aula Disdukcapil, dihadiri panel dan "
                                                          "Kepala Bidang Pelayanan Pendaftaran Penduduk.")
    ids = []
    for unsur, text, owner, budget, evidence in actions:
        ids.append(await followup.add_action(officer, iid, followup.NewAction(
            unsur, text, owner, date.today() + timedelta(days=60), budget, evidence)))
    await panels.transition(officer, iid, "action_plan_submitted")
    await panels.transition(head, iid, "action_plan_approved")
    await panels.transition(mod, iid, "follow_up")
    for action_id in ids:
        await followup.submit_evidence(officer, iid, action_id, text="Sudah dilaksanakan; foto dan SK terlampir di arsip.")
        for who in team:
            await followup.give_verdict(who, iid, action_id, verdict="confirm", note="")
    await panels.transition(mod, iid, "review")
    for k, who in enumerate(team):
        for visit, answers in enumerate((review or [])[k::len(team)], start=1):
            card = await scorecards.start_scorecard(who, iid, visit)
            await scorecards.save_scorecard(who, iid, card, answers, observations="Kunjungan ulang (look-see).",
                                            submit=True)
    await panels.transition(mod, iid, "closed")
    return iid


OBSERVATIONS = (
    "Antrean mengular sejak pukul 07.00; nomor antrean habis pukul 09.30.",
    "Petugas ramah, tetapi persyaratan berbeda dengan yang tertulis di papan informasi.",
    "Ruang tunggu panas, kursi kurang; tidak ada jalur prioritas untuk lansia.",
    "Kotak pengaduan ada, tetapi tidak ada nomor WhatsApp pengaduan yang aktif.",
)

BASE = {"U1": "3", "U2": "3", "U3": "2", "U4": "4", "U5": "3", "U6": "3", "U7": "3", "U8": "2", "U9": "2"}


async def load_demo() -> None:
    """Create the three demo inspections once (needs the demo accounts of the core demo)."""
    if await Inspection.filter(title__startswith="Inspeksi warga:").exists():
        return
    mod, officer, panelist = await _who("moderator"), await _who("officer"), await _who("panelist")
    if mod is None or officer is None or panelist is None:
        return
    head = await _agency_head()
    residents = [await _resident(n, *r) for n, r in enumerate(RESIDENTS, start=1)]
    first = [_scores(BASE, d) for d in (0, -1, 0, 0, 1, -1)]
    await _run(
        mod, officer, head, residents[:3], title="Inspeksi warga: layanan akta kelahiran",
        service="Penerbitan akta kelahiran", scope="Loket akta kelahiran di Mal Pelayanan Publik Kota Bandung.",
        start=date(2025, 8, 4), end=date(2025, 10, 31), panel=first,
        self_scores={k: "4" for k in BASE},
        report=("Waktu penyelesaian melebihi standar pelayanan (5 hari kerja) pada 4 dari 6 kunjungan. "
                "Penanganan pengaduan belum jelas.", "Biaya gratis dan dipahami warga; petugas sopan.",
                "Publikasikan status berkas secara daring; aktifkan kanal pengaduan WhatsApp."),
        reply="Keterlambatan pada bulan September disebabkan gangguan jaringan SIAK selama tiga hari.",
        actions=[("U3", "Notifikasi status berkas melalui SMS/WhatsApp", "Kepala Bidang Pelayanan Pencatatan Sipil",
                  "APBD 2026 (DPA Disdukcapil)", "Tangkapan layar notifikasi dan data waktu penyelesaian"),
                 ("U8", "Aktifkan kanal pengaduan WhatsApp dengan SLA 3 hari kerja", "Sekretaris Dinas",
                  "Tanpa biaya tambahan", "Nomor kanal dan rekap pengaduan bulanan")],
        review=[_scores(BASE, d) for d in (1, 0, 1, 1, 0, 1)], until="closed")
    await _run(
        mod, officer, head, residents[3:6], title="Inspeksi warga: perekaman e-KTP Kecamatan Coblong",
        service="Perekaman e-KTP Kecamatan Coblong", scope="Perekaman dan pencetakan e-KTP di Kantor Kecamatan Coblong.",
        start=date(2026, 3, 2), end=date(2026, 5, 29), panel=[_scores(BASE, d) for d in (1, 0, 1, 0, 1, 1)],
        self_scores={k: "4" for k in BASE},
        report=("Sarana ruang tunggu kurang memadai; jadwal perekaman tidak diumumkan.",
                "Waktu pencetakan cepat bila blangko tersedia.", "Umumkan jadwal perekaman mingguan; tambah kursi."),
        reply="Blangko e-KTP sempat kosong dua minggu karena distribusi dari pusat.",
        actions=[("U9", "Tambah 20 kursi dan kipas angin di ruang tunggu", "Camat Coblong", "APBD Perubahan 2026",
                  "Foto ruang tunggu")],
        review=[_scores(BASE, d) for d in (1, 1, 1, 1, 1, 1)], until="closed")
    await _run(
        mod, officer, head, [panelist, residents[0], residents[4]], title="Inspeksi warga: Kartu Identitas Anak (KIA)",
        service="Penerbitan Kartu Identitas Anak", scope="Layanan KIA keliling di sekolah dasar Kecamatan Sukajadi.",
        start=date(2026, 11, 2), end=date(2027, 1, 29), panel=[_scores(BASE, 0)] * 3, self_scores={},
        report=("", "", ""), reply="", actions=[], review=None, until="fieldwork")
    await _survey_period(officer)


async def _survey_period(officer: Identity) -> None:
    """An SKM period for the KIA service with paper answers imported, independent of inspections."""
    service = await Service.get(name="Penerbitan Kartu Identitas Anak")
    start = date.today().replace(day=1)
    period_id = await surveys.open_period(officer, surveys.NewPeriod(
        service.code, "SKM layanan KIA semester ini", start, start + timedelta(days=150), 900))
    rows = ["U1,U2,U3,U4,U5,U6,U7,U8,U9"] + [
        ",".join(str(max(1, min(4, int(v) + (k % 3) - 1))) for v in BASE.values()) for k in range(14)]
    await surveys.import_period_csv(officer, period_id, "\n".join(rows) + "\n")
