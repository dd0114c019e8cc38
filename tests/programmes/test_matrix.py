"""The public /programmes matrix reproduces the seed's Tabel 2 (demo data) cell by cell."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx2 as httpx

from portal.programmes import demo
from portal.programmes.models import Indicator, IndicatorReading, PrincipleAssessment, Programme
from tests.helpers import make_user

LABELS = {"yes": "Yes", "no": "No", "": "Not assessed"}
PRINCIPLE_LABELS = ["People as assets", "Building on existing capabilities", "Mutuality and reciprocity",
                    "Peer support networks", "Blurring distinctions between providers and users",
                    "Facilitating rather than delivering"]


class TableGrid(HTMLParser):
    """Collect the text of every cell of <table id=...>, row by row (thead, tbody, tfoot)."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.rows = table_id, False, []  # type: ignore[var-annotated]
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", self.table_id) in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def grid(html: str) -> list[list[str]]:
    parser = TableGrid("principle-matrix")
    parser.feed(html)
    return parser.rows


async def load(services) -> None:  # type: ignore[no-untyped-def]
    await make_user(services, "council@warga.demo", roles=("council",))
    await demo.load_demo()


async def test_matrix_equals_the_seed_tabel_2_cell_by_cell(client: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    await load(app.state.services)
    response = await client.get("/programmes")
    assert response.status_code == 200
    rows = grid(response.text)
    seed = list(demo.TABEL_2)
    # Header: the seed's programmes first, in the seed's order, then the portal's own.
    assert rows[0] == ["Principle", *seed, *demo.PORTAL_PROGRAMMES]
    assert [r[0] for r in rows[1:7]] == PRINCIPLE_LABELS
    for row, principle in zip(rows[1:7], demo.A.__class__, strict=True):
        seed_cells = row[1:1 + len(seed)]
        assert seed_cells == [LABELS[demo.TABEL_2[name][principle][0]] for name in seed], principle
    # Footer: principles met per programme.
    expected_totals = [f"{sum(a == 'yes' for a, _e in demo.TABEL_2[n].values())}/6" for n in seed]
    assert rows[7][0] == "Principles met" and rows[7][1:1 + len(seed)] == expected_totals


async def test_demo_loads_once_with_assessments_indicators_and_a_first_snapshot(app) -> None:  # type: ignore[no-untyped-def]
    await load(app.state.services)
    await demo.load_demo()  # idempotent
    total = len(demo.TABEL_2) + len(demo.PORTAL_PROGRAMMES)
    assert await Programme.all().count() == total
    assert await PrincipleAssessment.all().count() == total * 6
    assert await Indicator.all().count() == sum(len(v) for v in demo.INDICATORS.values())
    # proposals_30d always measures (zero here); manual indicators never get snapshots.
    assert await IndicatorReading.filter(indicator__metric="proposals_30d", source="snapshot").count() == 1
    assert not await IndicatorReading.filter(indicator__metric="").exists()


async def test_demo_without_a_council_member_registers_nothing(db) -> None:  # type: ignore[no-untyped-def]
    await demo.load_demo()
    assert await Programme.all().count() == 0
