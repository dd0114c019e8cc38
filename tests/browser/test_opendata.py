"""The /exports page in Chromium: datasets and their fields, a download, the API with an Origin
header (CORS), no serious axe violations; screenshots at 360 and 1280 px in test-artifacts/opendata/."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "opendata"
SIZES = ({"width": 360, "height": 740}, {"width": 1280, "height": 800})


def test_exports_page_downloads_and_api(new_page: Callable[..., Any]) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = new_page()
    response = page.goto("/exports")
    assert response is not None and response.status == 200
    assert page.locator("section.dataset h2").count() == 5
    page.locator("#dataset-proposals summary").click()
    assert page.locator("#dataset-proposals table").is_visible()
    assert page.locator("#dataset-proposals tbody tr").count() >= 20
    violations = [v for v in Axe().run(page).response.get("violations", []) if v["impact"] in ("serious", "critical")]
    assert violations == [], [v["id"] for v in violations]
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"exports-{size['width']}.png"), full_page=True)

    with page.expect_download() as download:
        page.locator("#dataset-proposals a", has_text="CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows and all(r["status"] != "draft" for r in rows)

    # Another origin may read the API (public data, CORS).
    api = page.request.get("/api/v1/proposals?limit=2", headers={"Origin": "https://data.example.org"})
    assert api.status == 200 and api.headers["access-control-allow-origin"] == "*"
    body = api.json()
    assert len(body["data"]) == 2 and body["next_cursor"]
    document = json.loads(page.request.get("/api/openapi.json").text())
    assert document["openapi"] == "3.1.0"
