"""PURE data: the perangkat daerah of Pemkot Bandung seeded into the demo city (DOMAIN.md §5.1).

Names change with each SOTK Perda; the table keeps validity dates and successors so a rename
does not orphan old scores.
"""

from __future__ import annotations

BANDUNG_AGENCIES: tuple[tuple[str, str], ...] = (
    ("Setda", "Sekretariat Daerah"),
    ("Setwan", "Sekretariat DPRD"),
    ("Inspektorat", "Inspektorat Daerah"),
    ("Bappelitbang", "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan"),
    ("BKAD", "Badan Keuangan dan Aset Daerah"),
    ("Bapenda", "Badan Pendapatan Daerah"),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia"),
    ("Kesbangpol", "Badan Kesatuan Bangsa dan Politik"),
    ("Disdik", "Dinas Pendidikan"),
    ("Dinkes", "Dinas Kesehatan"),
    ("DSDABM", "Dinas Sumber Daya Air dan Bina Marga"),
    ("Diciptabintar", "Dinas Cipta Karya, Bina Konstruksi dan Tata Ruang"),
    ("Disperkim", "Dinas Perumahan dan Kawasan Permukiman"),
    ("Satpol PP", "Satuan Polisi Pamong Praja"),
    ("DKPB", "Dinas Kebakaran dan Penanggulangan Bencana"),
    ("Dinsos", "Dinas Sosial"),
    ("Disnaker", "Dinas Ketenagakerjaan"),
    ("DPPKB", "Dinas Pengendalian Penduduk dan Keluarga Berencana"),
    ("DKPP", "Dinas Ketahanan Pangan dan Pertanian"),
    ("DLH", "Dinas Lingkungan Hidup"),
    ("Disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil"),
    ("DP3A", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak"),
    ("Dishub", "Dinas Perhubungan"),
    ("Diskominfo", "Dinas Komunikasi dan Informatika"),
    ("Diskop UKM", "Dinas Koperasi dan Usaha Kecil dan Menengah"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu"),
    ("Dispora", "Dinas Pemuda dan Olahraga"),
    ("Disbudpar", "Dinas Kebudayaan dan Pariwisata"),
    ("Disarpus", "Dinas Arsip dan Perpustakaan"),
    ("Disdagin", "Dinas Perdagangan dan Perindustrian"),
)
