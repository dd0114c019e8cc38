"""The programme register in chromium: the public matrix of the demo city, a council member
registering, assessing and measuring a programme, and the Atom feed link targets.

Screenshots go to test-artifacts/programmes/ (360 and 1280 px); no serious axe violation.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import new_document

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "programmes"
SIZES = ({"width": 360, "height": 740}, {"width": 1280, "height": 800})


def shots(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"{name}-{size['width']}.png"), full_page=True)


def serious_axe_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response.get("violations", [])
    return [v["id"] for v in violations if v.get("impact") in ("serious", "critical")]


def test_public_matrix_of_the_demo_city(new_page: Callable[..., Any]) -> None:
    page = new_page()
    page.goto("/programmes")
    header = page.locator("#principle-matrix thead th").all_inner_texts()
    assert header[1:5] == ["LAPOR!", "Gerakan Pungut Sampah", "Gerakan Sejuta Biopori", "Ngabandungan"]
    assert page.locator("#principle-matrix tbody tr").count() == 6
    region = page.locator("#principle-matrix-region")
    region.focus()
    assert page.evaluate("document.activeElement.id") == "principle-matrix-region"
    assert serious_axe_violations(page) == []
    shots(page, "index")
    page.click("#principle-matrix thead a >> text=Gerakan Sejuta Biopori")
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Gerakan Sejuta Biopori"
    assert serious_axe_violations(page) == []
    shots(page, "detail-demo")


def test_council_registers_assesses_and_measures_a_programme(new_page: Callable[..., Any]) -> None:
    page = new_page(role="council")
    page.goto("/programmes")
    page.click("main a[href$='/programmes/new']")
    page.fill("#field-name", "Kampung Iklim Cibeunying")
    page.select_option("#field-type", "co_delivery")
    page.fill("#field-goal", "Kampung yang tahan banjir dan panas.")
    page.fill("#field-outcomes", "Warga: genangan berkurang\nDLH: data iklim per RW")
    with new_document(page):
        page.click("main form button[type=submit]")
    assert page.locator("h1").inner_text() == "Kampung Iklim Cibeunying"
    page.click("main a[href$='/assessment']")
    page.check("input[name=answer_assets][value=yes]")
    with new_document(page):
        page.click("main form button[type=submit]")
    assert page.locator(".field-error").count() >= 1  # a yes without evidence is refused
    shots(page, "assessment-error")
    page.fill("#field-evidence_assets", "Warga memetakan titik banjir sendiri.")
    with new_document(page):
        page.click("main form button[type=submit]")
    assert "/assessment" not in page.url
    page.fill("#field-name", "Sumur resapan terpasang")
    page.fill("#field-target", "50")
    with new_document(page):
        page.click("form[action$='/indicators'] button[type=submit]")
    reading = page.locator("form[action$='/readings']").first
    reading.locator("input[name=day]").fill("2026-11-01")
    reading.locator("input[name=value]").fill("12")
    with new_document(page):
        reading.locator("button[type=submit]").click()
    assert page.locator(".line-chart circle").count() == 1
    assert serious_axe_violations(page) == []
    shots(page, "detail-measured")
