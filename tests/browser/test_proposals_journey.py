"""A proposal's life in chromium: a verified resident drafts (with live duplicate hints from the
full-text search), previews, adds a photo and submits; a second resident supports and comments
without JavaScript, a third supports with htmx; the moderator verifies and forwards to the
agency; the agency officer answers "feasible" with a cost; the author reads the answer and the
timeline. Screenshots at 360 and 1280 px go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.browser.conftest import login, new_document, verify_resident

pytestmark = pytest.mark.browser


def click_and_wait(page: Any, selector: str) -> Any:
    with new_document(page) as nav:
        page.click(selector)
    page.wait_for_load_state("load")
    return nav.value


def status_of(page: Any) -> str:
    return page.inner_text("main")


def resident_page(new_page: Callable[..., Any], live_server: Any, create_user: Callable[..., Any],
                  nik_factory: Callable[[], str], name: str, *, js: bool) -> Any:
    account = create_user(f"{name.lower().replace(' ', '.')}.{secrets.token_hex(3)}@browser.test", name)
    page = new_page(java_script_enabled=js)
    login(page, live_server, account)
    verify_resident(page, live_server, nik_factory())
    return page


def test_proposal_from_draft_to_agency_answer(new_page: Callable[..., Any], live_server: Any,
                                              create_user: Callable[..., Any], nik_factory: Callable[[], str],
                                              shoot: Callable[..., list[Path]], tmp_path: Path) -> None:
    marker = secrets.token_hex(3)
    title = f"Layanan jemput bola perekaman KTP-el di Dago {marker}"

    # The author drafts with JavaScript: similar proposals are suggested while typing the title.
    author = new_page(role="resident")
    author.goto("/proposals/new")
    author.fill("#field-title", title)
    author.wait_for_selector("#similar li a", timeout=10_000)
    assert "KTP-el" in author.inner_text("#similar")
    author.fill("#field-description", "Warga lanjut usia di RW 03 sulit datang ke kantor Disdukcapil.\n\n"
                                      "Usul petugas datang ke balai RW sebulan sekali.")
    author.select_option("#field-category", "administration")
    author.select_option("#field-kecamatan", "32.73.02")
    author.wait_for_selector("#field-kelurahan option[value='32.73.02.1004']", state="attached")
    author.select_option("#field-kelurahan", "32.73.02.1004")
    author.fill("#field-estimated_cost", "5.000.000")
    shoot(author, "proposal-journey-new")
    click_and_wait(author, "main form button[type=submit]")
    match = re.search(r"/proposals/(\d+)$", author.url)
    assert match, author.url
    url = f"/proposals/{match.group(1)}"
    assert "Draft" in status_of(author) or "Draf" in status_of(author)

    # A photo: re-encoded by the server and served back.
    photo = tmp_path / "lubang.png"
    Image.new("RGB", (640, 480), (120, 90, 60)).save(photo)
    author.set_input_files("#field-photos", str(photo))
    author.fill("#field-alt", "Antrean di kantor kecamatan")
    click_and_wait(author, "form[action$='/photos'] button[type=submit]")
    image = author.locator(".photo-list img").first
    image.wait_for()
    # The <img> is in the page before its bytes have arrived: wait for them, then read its size.
    author.wait_for_function("(img) => img.complete", arg=image.element_handle())
    assert author.evaluate("(img) => img.naturalWidth", image.element_handle()) == 640
    click_and_wait(author, "form[action$='/submit'] button[type=submit]")
    author.wait_for_selector(".badge.status-submitted")

    # A second resident without JavaScript: support and comment are plain forms (303 -> page).
    second = resident_page(new_page, live_server, create_user, nik_factory, "Warga Dua", js=False)
    second.goto(url)
    click_and_wait(second, "form[action$='/support'] button[type=submit]")
    assert second.locator("form[action$='/support'] button[aria-pressed=true]").count() == 1
    second.fill("#field-comment-body", f"Setuju, ibu saya juga kesulitan. {marker}")
    click_and_wait(second, "form[action$='/comments'] button[type=submit]:has-text('Post comment'), "
                           "form[action$='/comments'] button[type=submit]:has-text('Kirim komentar')")
    assert f"ibu saya juga kesulitan. {marker}" in second.inner_text("#comments")

    # A third resident with htmx: the support widget swaps itself, no page load.
    third = resident_page(new_page, live_server, create_user, nik_factory, "Warga Tiga", js=True)
    third.goto(url)
    third.click("#support-" + match.group(1) + " button[type=submit]")
    third.wait_for_selector(f"#support-{match.group(1)} button[aria-pressed=true]")
    assert "2" in third.inner_text(f"#support-{match.group(1)} .support-count")
    assert third.url.endswith(url)

    # The moderator verifies and forwards to Disdukcapil.
    moderator = new_page(role="moderator")
    moderator.goto(url)
    moderator.select_option("#field-verify-agency", "Disdukcapil")
    click_and_wait(moderator, "form[action$='/moderate/verify'] button[type=submit]")
    moderator.wait_for_selector(".badge.status-forwarded")

    # The Disdukcapil officer finds it in the inbox and answers: feasible, with a cost.
    officer = new_page(role="officer")
    officer.goto("/agency/inbox")
    click_and_wait(officer, f"main a[href$='{url}']")
    officer.check("input[name=kind][value=feasible]")
    officer.fill("#field-answer-text", "Layanan jemput bola bisa dijadwalkan mulai bulan depan.")
    officer.fill("#field-cost", "4500000")
    click_and_wait(officer, "form[action$='/answer'] button[type=submit]")
    assert officer.url.endswith("/agency/inbox")

    # The author reads the answer and the whole timeline.
    author.goto(url)
    author.wait_for_selector(".badge.status-eligible")
    text = author.inner_text("main")
    assert "Layanan jemput bola bisa dijadwalkan" in text and "4.500.000" in text
    timeline = author.inner_text("ol.timeline")
    assert timeline.count("\n") >= 3, timeline
    for step in (("Submitted", "Diajukan"), ("Verified and forwarded", "Terverifikasi dan diteruskan"),
                 ("Answered: feasible", "Dijawab: dapat dilaksanakan")):
        assert any(word in timeline for word in step), (step, timeline)
    shoot(author, "proposal-journey-answered")
    assert not author.warga_console.errors, author.warga_console.errors
    assert not third.warga_console.errors, third.warga_console.errors
