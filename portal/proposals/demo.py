"""Demo proposals for Kota Bandung: ~60 realistic usulan in every workflow state.

Everything goes through the services (with explicit past `now` values), so audit rows,
timelines, deadlines, jobs and counters are real. Idempotent: nothing happens when demo
proposals already exist. Uses the demo accounts of portal.core.demo_accounts when present
(resident@, moderator@, officer@ of Disdukcapil) and creates synthetic verified residents and
one officer per further agency (passwords random and never shown: they are not for logging in).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from portal.accounts import passwords
from portal.accounts import services as accounts
from portal.accounts.identity import Identity
from portal.accounts.models import User
from portal.accounts.sessions import identity_of
from portal.accounts.services import AccountDeps
from portal.accounts.tokens import Tokens
from portal.core.mail import Mailer, Outbox
from portal.core.timeutil import utcnow
from portal.proposals import services as proposals
from portal.proposals.domain import AnswerKind, Category, ProposalDraft
from portal.proposals.models import Proposal
from portal.settings import Settings

DOMAIN = "warga.demo"

RESIDENTS = (
    ("dewi.lestari", "Dewi Lestari"), ("asep.sunandar", "Asep Sunandar"), ("rina.marlina", "Rina Marlina"),
    ("budi.santoso", "Budi Santoso"), ("euis.komariah", "Euis Komariah"), ("yusuf.hidayat", "Yusuf Hidayat"),
    ("siti.nurhaliza", "Siti Nurhaliza"), ("ujang.saepudin", "Ujang Saepudin"),
)
OFFICERS = ("DSDABM", "DLH", "Dishub", "Dinkes", "Disdik", "Disperkim", "Dinsos")

# (title, description, category, kecamatan, kelurahan, agency, cost)
ITEMS: tuple[tuple[str, str, Category, str, str, str, int | None], ...] = (
    ("Perbaikan jalan berlubang di Jl. Dago Atas", "Lubang besar di depan SD Negeri Dago sering membuat pengendara motor jatuh, terutama saat hujan.\n\nMohon ditambal sebelum musim hujan puncak.", Category.ROADS, "32.73.02", "32.73.02.1004", "DSDABM", 35_000_000),
    ("Saluran air tersumbat di Jl. Sekeloa Selatan", "Gorong-gorong tertutup sampah dan lumpur sehingga air meluap ke jalan setiap hujan deras.", Category.DRAINAGE, "32.73.02", "32.73.02.1005", "DSDABM", 12_000_000),
    ("Tambah tempat sampah terpilah di Taman Cibeunying", "Pengunjung taman membuang sampah sembarangan karena tempat sampah sedikit dan tidak terpilah organik/anorganik.", Category.WASTE, "32.73.09", "32.73.09.1001", "DLH", 8_500_000),
    ("Zebra cross dan lampu penyeberangan di depan Pasar Kosambi", "Warga dan pedagang kesulitan menyeberang karena arus kendaraan padat. Perlu zebra cross dan pelican crossing.", Category.TRANSPORT, "32.73.13", "32.73.13.1006", "Dishub", 60_000_000),
    ("Posyandu Anggrek butuh timbangan bayi baru", "Timbangan bayi di Posyandu Anggrek RW 05 sudah rusak, kader memakai timbangan pinjaman.", Category.HEALTH, "32.73.16", "32.73.16.1001", "Dinkes", 3_000_000),
    ("Perbaikan atap kelas SDN Cikutra yang bocor", "Dua ruang kelas bocor saat hujan, siswa dipindah ke perpustakaan.", Category.EDUCATION, "32.73.14", "32.73.14.1002", "Disdik", 75_000_000),
    ("Penanaman pohon peneduh di sepanjang Jl. Soekarno-Hatta", "Trotoar sangat panas di siang hari; pohon peneduh akan membantu pejalan kaki dan mengurangi polusi.", Category.ENVIRONMENT, "32.73.22", "32.73.22.1001", "DLH", 40_000_000),
    ("Perbaikan lampu PJU mati di Jl. Antapani Lama", "Sepanjang 300 meter lampu penerangan jalan mati sejak bulan lalu, rawan kejahatan malam hari.", Category.PUBLIC_FACILITIES, "32.73.20", "32.73.20.1004", "Dishub", 15_000_000),
    ("Pendataan lansia terlantar di Kelurahan Babakan Ciparay", "Ada beberapa lansia hidup sendiri tanpa bantuan. Mohon pendataan dan pendampingan sosial.", Category.SOCIAL_SERVICES, "32.73.03", "32.73.03.1001", "Dinsos", None),
    ("Layanan jemput bola KTP-el untuk warga disabilitas", "Warga disabilitas di RW 07 kesulitan datang ke kantor kecamatan untuk perekaman KTP-el.", Category.ADMINISTRATION, "32.73.02", "32.73.02.1002", "Disdukcapil", 5_000_000),
    ("Trotoar rusak di Jl. Braga dekat persimpangan Naripan", "Ubin trotoar terlepas dan berbahaya untuk wisatawan serta pejalan kaki lansia.", Category.ROADS, "32.73.19", "32.73.19.1001", "DSDABM", 20_000_000),
    ("Normalisasi selokan di Gang Sukaluyu", "Selokan dangkal menyebabkan banjir cileuncang setiap hujan lebih dari satu jam.", Category.DRAINAGE, "32.73.18", "32.73.18.1002", "DSDABM", 18_000_000),
    ("Jadwal angkut sampah TPS Cicadas tidak teratur", "Sampah menumpuk hingga tiga hari dan menimbulkan bau ke permukiman sekitar.", Category.WASTE, "32.73.14", "32.73.14.1003", "DLH", None),
    ("Halte Trans Metro Bandung tanpa atap di Jl. Kopo", "Penumpang kehujanan dan kepanasan saat menunggu bus; perlu atap dan tempat duduk.", Category.TRANSPORT, "32.73.04", "32.73.04.1001", "Dishub", 30_000_000),
    ("Fogging dan PSN di RW 11 Sukapura", "Tiga warga terkena DBD bulan ini. Mohon fogging dan gerakan pemberantasan sarang nyamuk.", Category.HEALTH, "32.73.16", "32.73.16.1001", "Dinkes", 4_000_000),
    ("Taman baca anak di balai RW 03 Cigadung", "Balai RW kosong di sore hari; bisa dijadikan taman baca dengan rak dan buku anak.", Category.EDUCATION, "32.73.18", "32.73.18.1004", "Disdik", 12_500_000),
    ("Pengolahan sampah organik skala RW di Sukamiskin", "Usulan komposter komunal dan pelatihan maggot BSF untuk mengurangi sampah ke TPA Sarimukti.", Category.ENVIRONMENT, "32.73.24", "32.73.24.1001", "DLH", 22_000_000),
    ("Perbaikan toilet umum taman Pasir Endah, Ujungberung", "Toilet umum sering tidak ada air dan pintunya rusak.", Category.PUBLIC_FACILITIES, "32.73.26", "32.73.26.1003", "Disperkim", 16_000_000),
    ("Bantuan kursi roda untuk warga miskin di Cibaduyut", "Beberapa warga lansia dan penyandang disabilitas membutuhkan kursi roda.", Category.SOCIAL_SERVICES, "32.73.17", "32.73.17.1003", "Dinsos", 9_000_000),
    ("Percepatan penerbitan akta kelahiran lewat kelurahan", "Warga harus bolak-balik ke Disdukcapil; usul layanan akta kelahiran terpadu di kelurahan.", Category.ADMINISTRATION, "32.73.11", "32.73.11.1003", "Disdukcapil", None),
    ("Jalan amblas di Jl. Cijerah dekat jembatan", "Sebagian badan jalan amblas dan retak, dikhawatirkan longsor ke sungai.", Category.ROADS, "32.73.15", "32.73.15.1001", "DSDABM", 120_000_000),
    ("Gorong-gorong runtuh di Jl. Rancasari", "Gorong-gorong runtuh sehingga air menggenang di jalan utama perumahan.", Category.DRAINAGE, "32.73.23", "32.73.23.1001", "DSDABM", 45_000_000),
    ("Bank sampah di Kelurahan Cijaura", "Warga siap mengelola bank sampah jika ada timbangan, karung dan pendampingan.", Category.WASTE, "32.73.22", "32.73.22.1003", "DLH", 7_000_000),
    ("Rambu larangan parkir di Jl. Pasirkaliki", "Parkir liar di dua sisi jalan menyebabkan macet panjang jam sibuk.", Category.TRANSPORT, "32.73.06", "32.73.06.1004", "Dishub", 6_000_000),
    ("Puskesmas Garuda perlu antrean daring", "Antrean pagi sangat panjang; pendaftaran daring akan mengurangi penumpukan pasien.", Category.HEALTH, "32.73.05", "32.73.05.1005", "Dinkes", None),
    ("Pagar sekolah SMPN di Kiaracondong roboh", "Pagar depan sekolah roboh sejak angin kencang, siswa mudah keluar ke jalan raya.", Category.EDUCATION, "32.73.16", "32.73.16.1002", "Disdik", 28_000_000),
    ("Ruang terbuka hijau di lahan kosong Batununggal", "Lahan milik pemkot terbengkalai; usul dijadikan taman warga dan tempat bermain anak.", Category.ENVIRONMENT, "32.73.12", "32.73.12.1001", "DLH", 85_000_000),
    ("Lapangan olahraga RW 09 Antapani Kidul perlu perbaikan", "Lantai lapangan retak dan ring basket patah.", Category.PUBLIC_FACILITIES, "32.73.20", "32.73.20.1005", "Disperkim", 35_000_000),
    ("Dapur umum untuk korban kebakaran Cicendo", "Beberapa keluarga kehilangan rumah; mohon dukungan logistik dan dapur umum.", Category.SOCIAL_SERVICES, "32.73.06", "32.73.06.1006", "Dinsos", None),
    ("Perekaman KTP-el di sekolah untuk pemilih pemula", "Siswa kelas XII yang sudah 17 tahun belum punya KTP-el; usul perekaman di sekolah.", Category.ADMINISTRATION, "32.73.01", "32.73.01.1002", "Disdukcapil", None),
)

# Workflow outcome per item index (cycled); each is applied through the services.
PLAN = ("draft", "submitted", "in_review", "clarification", "forwarded", "forwarded_late", "answered",
        "eligible", "closed", "archived", "withdrawn", "rerouting", "eligible", "answered", "forwarded")

# How long ago each kind of item started: answered items are recent (inside the 10 HK reply
# window), closed ones old enough for the auto-close, "forwarded_late" ones past the 5 HK.
AGE_DAYS = {"draft": 1, "submitted": 2, "in_review": 3, "clarification": 4, "forwarded": 2,
            "forwarded_late": 20, "answered": 5, "eligible": 25, "closed": 45, "archived": 15,
            "withdrawn": 12, "rerouting": 4}

VARIANTS = ("", " (lanjutan)")
SECOND_PLACES = {"Jl. Dago Atas": "Jl. Ir. H. Juanda", "Jl. Sekeloa Selatan": "Jl. Tubagus Ismail"}


async def _account(deps: AccountDeps, local: str, name: str, roles: tuple[str, ...] = (), agency: str = "",
                   verified: bool = False) -> Identity:
    email = f"{local}@{DOMAIN}"
    user = await User.get_or_none(email=email)
    if user is None:
        user = await accounts.create_user(deps, email=email, name=name, password=secrets.token_urlsafe(16),
                                          roles=roles, agency_abbr=agency)
        if verified:
            await accounts.verify_resident(deps, user_id=user.id, raw_nik=f"327302601090{user.id % 9999 + 1:04d}",
                                           kelurahan_code="32.73.02.1004", today=date.today(), method="assisted")
    return await identity_of(user)


def _deps(settings: Settings | None) -> tuple[AccountDeps, Mailer]:
    if settings is not None:
        from portal.app import build_services

        services = build_services(settings)
        return services.accounts, services.mailer
    import tempfile
    from pathlib import Path

    hasher = passwords.make_hasher(cheap=False)
    outbox = Outbox(Path(tempfile.mkdtemp(prefix="warga-demo-outbox-")), "Warga <no-reply@warga.local>")
    mailer = Mailer(outbox)
    key = secrets.token_urlsafe(32)
    return AccountDeps(hasher=hasher, tokens=Tokens(key), mailer=mailer, nik_key=key.encode(), nik_key_id="demo",
                       base_url="http://127.0.0.1:8000"), mailer


async def load_demo(settings: Settings | None = None) -> None:
    """Create the demo proposals once (pass the app's Settings so mails land in its outbox)."""
    if await Proposal.filter(created_by__email__endswith=f"@{DOMAIN}").exists():
        return
    deps, mailer = _deps(settings)
    residents = [await _account(deps, local, name, verified=True) for local, name in RESIDENTS]
    if await User.exists(email=f"resident@{DOMAIN}"):
        residents.insert(0, await identity_of(await User.get(email=f"resident@{DOMAIN}")))
    residents = [r for r in residents if r.verified] or residents
    moderator = (await identity_of(await User.get(email=f"moderator@{DOMAIN}"))
                 if await User.exists(email=f"moderator@{DOMAIN}")
                 else await _account(deps, "moderator.usulan", "Moderator Usulan", roles=("moderator",)))
    officers = {abbr: await _account(deps, f"petugas.{abbr.lower()}", f"Petugas {abbr}", roles=("officer",),
                                     agency=abbr) for abbr in OFFICERS}
    officers["Disdukcapil"] = (await identity_of(await User.get(email=f"officer@{DOMAIN}"))
                               if await User.exists(email=f"officer@{DOMAIN}")
                               else await _account(deps, "petugas.disdukcapil", "Petugas Disdukcapil",
                                                   roles=("officer",), agency="Disdukcapil"))
    now = utcnow()
    index = 0
    for variant in VARIANTS:
        for title, description, category, kec, kel, agency, cost in ITEMS:
            author = residents[index % len(residents)]
            plan = PLAN[index % len(PLAN)]
            start = now - timedelta(days=AGE_DAYS[plan] + index % 4, hours=index)
            full_title = title + variant
            if variant:
                for old, new in SECOND_PLACES.items():
                    full_title = full_title.replace(old, new)
            draft = ProposalDraft(title=full_title[:140], description=description, category=category,
                                  kecamatan_code=kec, kelurahan_code=kel, suggested_agency=agency,
                                  estimated_cost=cost)
            await _play(plan, draft, author, moderator, officers.get(agency), residents,
                        mailer, start, index)
            index += 1


async def _play(plan: str, draft: ProposalDraft, author: Identity, moderator: Identity, officer: Identity | None,
                residents: list[Identity], mailer: Mailer, start: datetime, index: int) -> None:
    pid = await proposals.create_draft(author, draft, now=start)
    if plan == "draft":
        return
    await proposals.submit(author, pid, now=start + timedelta(hours=2))
    for n, fan in enumerate(residents):
        if fan.user_id != author.user_id and (index + n) % 3 != 0:
            await proposals.support(fan, pid)
    if index % 4 == 0:
        commenter = residents[(index + 1) % len(residents)]
        if commenter.user_id != author.user_id:
            await proposals.add_comment(commenter, pid, "Setuju, kondisi ini sudah lama dikeluhkan warga sekitar.")
    if plan == "submitted":
        return
    t = start + timedelta(days=1)
    if plan == "in_review":
        await proposals.start_review(moderator, pid, now=t)
        return
    if plan == "clarification":
        await proposals.return_for_clarification(moderator, pid, "Mohon lengkapi RT/RW dan foto lokasi.", now=t)
        return
    if plan == "archived":
        await proposals.archive(moderator, pid, "Usulan terlalu umum; tidak menyebut lokasi yang jelas.", now=t)
        return
    if plan == "withdrawn":
        await proposals.withdraw(author, pid, now=t)
        return
    agency = draft.suggested_agency
    await proposals.verify(moderator, pid, agency, now=t)
    if plan in ("forwarded", "forwarded_late") or officer is None:
        return
    answered_at = t + timedelta(days=2)
    if plan == "rerouting":
        await proposals.answer(officer, pid, AnswerKind.NOT_COMPETENT, "Lokasi ini kewenangan pemerintah provinsi.",
                               None, mailer, "", now=answered_at)
        return
    if plan == "eligible":
        await proposals.answer(officer, pid, AnswerKind.FEASIBLE,
                               "Usulan layak dan dapat diajukan ke anggaran partisipatif tahun depan.",
                               (draft.estimated_cost or 10_000_000) + 5_000_000, mailer, "", now=answered_at)
        return
    await proposals.answer(officer, pid, AnswerKind.DIRECT if index % 2 else AnswerKind.NOT_FEASIBLE,
                           "Sudah kami jadwalkan dalam pemeliharaan rutin bulan ini." if index % 2
                           else "Belum dapat dilaksanakan karena lahan bukan milik pemerintah kota.",
                           None, mailer, "", now=answered_at)
    if plan == "closed":
        proposal = await Proposal.get(id=pid)
        assert proposal.deadline_at is not None
        await proposals.auto_close(pid, proposal.deadline_at.isoformat())
