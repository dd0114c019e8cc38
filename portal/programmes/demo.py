"""Demo register (idempotent): Bandung's co-production programmes and the portal's own two.

TABEL_2 is the seed's matrix of four city programmes against NEF's six principles, kept as
data so the rendered matrix can be checked against it cell by cell
(tests/programmes/test_matrix.py). The seed document itself was not in the shared folder
when this was written: the yes/no values and the evidence below are a reconstruction from
public descriptions of the programmes and must be compared with the seed's Tabel 2; a
correction is an edit of this table only, and the test follows it.
"""

from __future__ import annotations

from decimal import Decimal

from portal.accounts.identity import Identity, Role
from portal.accounts.models import User
from portal.programmes import services
from portal.programmes.domain import Outcome, Principle, ProgrammeType
from portal.programmes.models import Programme
from portal.programmes.services import IndicatorInput, ProgrammeInput

A, C, M, N, B, K = (Principle.ASSETS, Principle.CAPABILITIES, Principle.MUTUALITY, Principle.NETWORKS,
                    Principle.BLURRING, Principle.CATALYSTS)

# programme -> principle -> (answer, evidence); columns in the seed's order.
TABEL_2: dict[str, dict[Principle, tuple[str, str]]] = {
    "LAPOR!": {
        A: ("yes", "Laporan warga menjadi sumber informasi utama tentang layanan yang bermasalah."),
        C: ("no", "Warga hanya melapor; kemampuan mereka tidak dikembangkan lebih lanjut."),
        M: ("no", "Hubungan satu arah: warga melapor, SKPD menindaklanjuti."),
        N: ("no", "Pelapor tidak terhubung satu sama lain."),
        B: ("no", "Penanganan laporan tetap sepenuhnya dikerjakan SKPD."),
        K: ("no", "Pemerintah kota tetap menjadi pelaksana, bukan fasilitator."),
    },
    "Gerakan Pungut Sampah": {
        A: ("yes", "Warga, pelajar dan ASN memungut sampah di lingkungannya sendiri."),
        C: ("no", "Tidak ada pelatihan; kegiatan berupa kerja bakti."),
        M: ("no", "Tidak ada imbal balik bagi warga yang ikut."),
        N: ("yes", "Digerakkan melalui RW, sekolah, komunitas dan media sosial."),
        B: ("yes", "Petugas kebersihan dan warga mengerjakan hal yang sama berdampingan."),
        K: ("no", "Pemerintah kota memimpin dan menjadwalkan kegiatan."),
    },
    "Gerakan Sejuta Biopori": {
        A: ("yes", "Warga membuat dan merawat lubang biopori di pekarangan dan gangnya."),
        C: ("yes", "Pelatihan membuat lubang biopori; warga terlatih mengajari tetangganya."),
        M: ("no", "Tidak ada imbal balik yang disepakati antara warga dan kota."),
        N: ("yes", "Kader lingkungan per RW saling berbagi alat dan pengalaman."),
        B: ("yes", "Resapan air dikerjakan bersama oleh warga dan dinas."),
        K: ("yes", "Kota menyediakan alat bor dan pelatihan, warga yang melaksanakan."),
    },
    "Ngabandungan": {
        A: ("yes", "Pengalaman warga didengar langsung sebagai masukan bagi kebijakan."),
        C: ("no", "Warga menyampaikan aspirasi; kemampuan mereka tidak dikembangkan."),
        M: ("yes", "Dialog dua arah: pemerintah menjawab dan warga menanggapi."),
        N: ("no", "Tidak membentuk jaringan antarwarga."),
        B: ("no", "Keputusan dan pelaksanaan tetap di tangan pemerintah."),
        K: ("no", "Pemerintah kota tetap menjadi pelaksana."),
    },
}

PORTAL_PROGRAMMES: dict[str, dict[Principle, tuple[str, str]]] = {
    "Anggaran Partisipatif Warga": {
        A: ("yes", "Warga mengusulkan dan memilih sendiri proyek yang didanai."),
        C: ("yes", "Usulan dibantu moderator hingga layak dinilai dinas."),
        M: ("no", "Warga tidak menerima imbal balik selain proyek yang terpilih."),
        N: ("yes", "Pendukung usulan saling terhubung melalui portal."),
        B: ("yes", "Warga ikut menentukan belanja yang biasanya diputuskan dinas."),
        K: ("yes", "Kota menyediakan anggaran dan aturan, warga yang memutuskan."),
    },
    "Panel Inspeksi Warga": {
        A: ("yes", "Warga terpilih menilai layanan sebagai pengguna yang ahli."),
        C: ("yes", "Panelis mendapat pelatihan dan kode etik sebelum bertugas."),
        M: ("yes", "Dinas berhak menjawab laporan; panelis mendapat sertifikat."),
        N: ("yes", "Panelis bekerja dalam tim dan saling mendampingi."),
        B: ("yes", "Warga dan dinas bersama menyusun rencana aksi perbaikan."),
        K: ("yes", "Kota memfasilitasi panel, penilaian dilakukan warga."),
    },
}

SUMMARIES: dict[str, tuple[ProgrammeType, str, str, str]] = {
    # name -> (type, lead, summary, goal)
    "LAPOR!": (ProgrammeType.CO_ASSESSMENT, "Diskominfo",
               "Layanan Aspirasi dan Pengaduan Online Rakyat: pengaduan warga diteruskan ke SKPD.",
               "Setiap pengaduan warga diverifikasi dalam 3 hari kerja dan ditindaklanjuti sampai selesai."),
    "Gerakan Pungut Sampah": (ProgrammeType.CO_DELIVERY, "DLH",
                              "Gerakan bersama warga dan ASN memungut sampah di ruang publik.",
                              "Ruang publik yang bersih dan kebiasaan tidak membuang sampah sembarangan."),
    "Gerakan Sejuta Biopori": (ProgrammeType.CO_DELIVERY, "DLH",
                               "Warga membuat lubang resapan biopori untuk mengurangi genangan dan sampah organik.",
                               "Sejuta lubang biopori yang dibuat dan dirawat warga."),
    "Ngabandungan": (ProgrammeType.CO_DESIGN, "Diskominfo",
                     "Pemerintah kota menyimak aspirasi warga secara langsung.",
                     "Kebijakan kota yang disusun dengan mendengar warga."),
    "Anggaran Partisipatif Warga": (ProgrammeType.CO_COMMISSIONING, "Bappelitbang",
                                    "Warga mengusulkan dan memilih proyek dalam anggaran kota (portal ini).",
                                    "Sebagian anggaran kota dibelanjakan sesuai pilihan warga."),
    "Panel Inspeksi Warga": (ProgrammeType.CO_ASSESSMENT, "Disdukcapil",
                             "Panel warga menilai layanan dinas dengan kartu skor dan survei IKM (portal ini).",
                             "Layanan dinas membaik berdasarkan penilaian warga."),
}

INDICATORS: dict[str, tuple[IndicatorInput, ...]] = {
    "LAPOR!": (
        IndicatorInput("Usulan warga dalam 30 hari terakhir", "usulan", None, "proposals_30d", ""),
        IndicatorInput("Usulan dijawab dalam 5 hari kerja", "%", Decimal(90), "answered_on_time", ""),
    ),
    "Anggaran Partisipatif Warga": (
        IndicatorInput("Partisipasi pemilih", "%", Decimal(10), "pb_turnout", ""),
    ),
    "Panel Inspeksi Warga": (
        IndicatorInput("Rata-rata IKM Disdukcapil", "IKM", Decimal("81.26"), "agency_ikm", "Disdukcapil"),
    ),
    "Gerakan Sejuta Biopori": (
        IndicatorInput("Lubang biopori terpasang", "lubang", Decimal(1_000_000), "", ""),
    ),
}


def _input(name: str) -> ProgrammeInput:
    kind, lead, summary, goal = SUMMARIES[name]
    return ProgrammeInput(
        name=name, type=kind, lead=lead, summary=summary, position=None, goal=goal,
        change_management="", outcomes=(Outcome("Warga", summary),), costs=None, costs_note="",
        savings=None, savings_note="")


async def load_demo() -> None:
    """Register the demo programmes as the demo council member; skipped without one."""
    council = await User.filter(email="council@warga.demo").first()
    if council is None:
        return
    who = Identity(user_id=council.id, name=council.name, roles=frozenset({Role.COUNCIL}))
    created = 0
    for name, answers in {**TABEL_2, **PORTAL_PROGRAMMES}.items():
        if await Programme.exists(name=name):
            continue
        created += 1
        programme_id = await services.create_programme(who, _input(name))
        await services.save_assessment(who, programme_id, {p.value: a for p, a in answers.items()})
        for indicator in INDICATORS.get(name, ()):
            await services.add_indicator(who, programme_id, indicator)
    if created:
        await services.take_snapshot()  # a first reading for the bound indicators
