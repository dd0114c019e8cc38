"""A co-assessment inspection end to end in chromium: a coordinator opens it, three residents
apply, the panel is drawn with a published seed, panelists confirm and file scorecards (one
through the htmx check), the agency files its self-assessment, the results show the IKM, the
coordinator sends the draft report, the agency replies and submits an action plan, and only
the agency head approves it. Screenshots at 360 and 1280 px of the key pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from tests.browser.conftest import login, new_document, verify_resident

pytestmark = pytest.mark.browser

SCORES = ({"U1": "3", "U2": "3", "U3": "2", "U4": "4", "U5": "3", "U6": "3", "U7": "4", "U8": "2", "U9": "2"},
          {"U1": "4", "U2": "3", "U3": "2", "U4": "4", "U5": "3", "U6": "4", "U7": "4", "U8": "1", "U9": "3"},
          {"U1": "3", "U2": "2", "U3": "1", "U4": "4", "U5": "3", "U6": "3", "U7": "3", "U8": "2", "U9": "2"})


def click(page: Any, selector: str) -> None:
    """Click a submit button and wait for the page the form's POST redirects to."""
    with new_document(page):
        page.click(selector)
    page.wait_for_load_state("load")


def step(page: Any, iid: int, target: str) -> None:
    click(page, f"form[action$='/inspections/{iid}/transition']:has(input[value='{target}']) button")
    assert "badge" in page.content()
    errors = page.locator(".flash-error, .error-summary")
    assert errors.count() == 0, page.inner_text("main")[:1500]


def english(page: Any, server: Any) -> None:
    page.context.add_cookies([{"name": "lang", "value": "en", "url": server.base_url}])


def test_inspection_end_to_end(new_page: Callable[..., Any], live_server: Any, create_user: Callable[..., Any],
                               nik_factory: Callable[[], str], shoot: Callable[..., Any]) -> None:
    coordinator = create_user("h3.koordinator@browser.test", "Koordinator Panel", ("moderator",))
    officer = create_user("h3.petugas@browser.test", "Petugas Disdukcapil", ("officer",))
    head = create_user("h3.kepala@browser.test", "Kepala Disdukcapil", ("officer", "agency_head"))
    residents = [create_user(f"h3.warga{k}@browser.test", f"Warga Panel {k}") for k in range(3)]

    mod = new_page()
    english(mod, live_server)
    login(mod, live_server, coordinator)
    mod.goto("/inspections/new")
    mod.select_option("#field-agency", value="Disdukcapil")
    mod.fill("#field-service_name", "Perekaman e-KTP Kecamatan Coblong")
    mod.fill("#field-title", "Browser inspection of e-KTP Coblong")
    mod.fill("#field-scope", "Perekaman dan pencetakan e-KTP di kantor kecamatan.")
    mod.check("input[name=methods][value=site_visit]")
    mod.check("input[name=methods][value=mystery_shopping]")
    mod.fill("#field-period_start", "2026-12-01")
    mod.fill("#field-period_end", "2027-01-29")
    mod.fill("#field-team_size", "3")
    mod.fill("#field-fieldwork_days", "20")
    mod.fill("#field-population", "1200")
    click(mod, "main form button[type=submit]")
    match = re.search(r"/inspections/(\d+)$", mod.url)
    assert match, mod.url
    iid = int(match.group(1))
    step(mod, iid, "recruiting")

    # Three residents verify and apply.
    panel_pages = []
    for account in residents:
        page = new_page()
        english(page, live_server)
        login(page, live_server, account)
        verify_resident(page, live_server, nik_factory())
        page.goto(f"/inspections/{iid}/apply")
        page.fill("#field-motivation", "Saya rutin mengurus dokumen kependudukan untuk keluarga.")
        page.select_option("#field-kecamatan", index=2)
        page.fill("#field-availability", "Selasa pagi")
        page.check("input[name=conflict][value=none]")
        click(page, "main form[action$='/apply'] button[type=submit]")
        assert "You have applied" in page.inner_text("main")
        panel_pages.append(page)

    # The draw, with the seed published.
    mod.goto(f"/inspections/{iid}")
    mod.fill("#field-seed", "browser-2026")
    click(mod, f"form[action$='/inspections/{iid}/draw'] button")
    assert "browser-2026" in mod.inner_text("main")

    for page in panel_pages:
        page.goto(f"/inspections/{iid}")
        click(page, "form[action$='/membership/conduct'] button")
        click(page, "form[action$='/membership/training'] button")
        assert "Training done" in page.inner_text("#my-panel")
    mod.goto(f"/inspections/{iid}")
    step(mod, iid, "fieldwork")

    # Scorecards: the first panelist sees the htmx check, then all three submit.
    for k, page in enumerate(panel_pages):
        page.goto(f"/inspections/{iid}")
        page.fill("#field-visit", "1")
        click(page, f"form[action$='/inspections/{iid}/scorecards'] button")
        if k == 0:
            page.check("input[name=U1][value='3']")
            page.locator("#scorecard-check", has_text="8 things are missing").wait_for()
            shoot(page, "panels-scorecard")
        for code, value in SCORES[k].items():
            page.check(f"input[name={code}][value='{value}']")
        if k == 0:
            page.locator("#scorecard-check", has_text="Complete").wait_for()
        page.fill("#field-observations", "Antrean panjang sebelum loket dibuka.")
        click(page, "#scorecard-form button[value=submit]")
        assert "Scorecard submitted" in page.inner_text("main")

    # The agency's self-assessment, blind to the panel's scores.
    agency = new_page()
    english(agency, live_server)
    login(agency, live_server, officer)
    agency.goto(f"/inspections/{iid}")
    assert "Warga Panel" not in agency.inner_text("main")  # panelists stay anonymous to the agency
    for k in range(1, 10):
        agency.check(f"#self-assessment input[name=U{k}][value='4']")
    click(agency, "#self-assessment button[value=submit]")

    mod.goto(f"/inspections/{iid}")
    for target in ("consolidation", "report_draft"):
        step(mod, iid, target)
    results = mod.inner_text("#results")
    # Panel IKM: NRR mean of the three cards = (sum of 27 answers)/27 x 25.
    total = sum(int(v) for card in SCORES for v in card.values())
    expected = f"{round(total / 27 * 25 + 1e-9, 2):.2f}"
    assert f"IKM {expected}" in results and "weakest" in results and "Agency NRR" in results
    mod.fill("#field-findings", "Waktu tunggu lebih dari dua jam; kanal pengaduan tidak aktif.")
    mod.fill("#field-recommendations", "Tambah loket dan aktifkan kanal pengaduan WhatsApp.")
    click(mod, f"form[action$='/inspections/{iid}/report'] button")
    step(mod, iid, "right_of_reply")
    shoot(mod, "panels-results")

    agency.goto(f"/inspections/{iid}")
    agency.fill("#field-reply_text", "Satu loket sedang diperbaiki pada minggu kunjungan.")
    click(agency, f"form[action$='/inspections/{iid}/reply'] button")
    agency.select_option("#field-unsur", value="U8")
    agency.fill("#field-description", "Aktifkan kanal pengaduan WhatsApp dengan SLA 3 hari kerja.")
    agency.fill("#field-owner", "Sekretaris Dinas")
    agency.fill("#field-due_date", (date.today() + timedelta(days=60)).isoformat())
    agency.fill("#field-budget_source", "Tanpa biaya tambahan")
    agency.fill("#field-evidence_expected", "Nomor kanal dan rekap bulanan")
    click(agency, f"form[action$='/inspections/{iid}/actions'] button")
    step(agency, iid, "action_plan_submitted")
    assert agency.locator("input[value=action_plan_approved]").count() == 0  # an officer cannot approve

    boss = new_page()
    english(boss, live_server)
    login(boss, live_server, head)
    boss.goto(f"/inspections/{iid}")
    step(boss, iid, "action_plan_approved")
    assert "Action plan approved" in boss.inner_text("main")

    public = new_page()
    english(public, live_server)
    public.goto(f"/inspections/{iid}")
    text = public.inner_text("main")
    assert "Aktifkan kanal pengaduan WhatsApp" in text and "Panel drawn by lot" in text
    assert "Warga Panel" not in text
    shoot(public, "panels-public")
    for page in (mod, agency, boss, public, *panel_pages):
        assert not page.warga_console.errors, page.warga_console.errors
