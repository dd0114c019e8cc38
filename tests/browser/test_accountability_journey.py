"""Closing the loop in chromium: one proposal from a resident's idea to "was it really done? yes".

A new verified resident proposes; a neighbour supports it; the moderator verifies and forwards it
to Disdukcapil; the agency officer answers "feasible" with a cost, which makes it eligible; a
moderator puts it on a participatory-budget cycle's ballot in one click (portal.voting.promote);
residents vote; the council closes voting (the tally runs as a job) and publishes the results; the
council records and publishes a decision adopting them, which creates the implementation project;
the officer reports progress and marks it done; the proposer follows the "was it really done?"
mail and answers yes. Along the way the proposer is notified in the app (/notifications) and by
mail (the live server's outbox).

Everything is done through the pages, as people would. Shortcuts, each justified where it is
taken: none for the workflow itself; for notification mail only, the 10-minute grouping window
of immediate notification mail (a storm limit, portal.notifications.domain.GROUP_WINDOW) is
moved into the past in the live database instead of waiting ten minutes.

Screenshots of the decision, the implementation project and the confirmation at 360 and 1280 px go
to test-artifacts/screenshots/accountability-*.png.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser import conftest as browser_conftest
from tests.browser.conftest import NARROW, SCREENSHOT_DIR, WIDE, login, new_document, verify_resident

pytestmark = pytest.mark.browser

# The demo city takes well over a minute to load when the shared cores are busy (as in
# test_budget_journey.py: only raises the session's limit).
for _module in {browser_conftest, *(m for n, m in sys.modules.items() if n.endswith("browser.conftest"))}:
    _module.HEALTH_TIMEOUT = max(getattr(_module, "HEALTH_TIMEOUT", 0), 240.0)

ENGLISH = {"extra_http_headers": {"Accept-Language": "en"}}
CONFIRM_LINK = r"https?://[^\s<>\"']+/implementation/\d+#confirm"
# The live server fans notifications out every few seconds (WARGA_NOTIFY_EVERY_SECONDS in
# conftest.live_server; two minutes by default).
NOTIFY_TIMEOUT = 200.0


def click_and_wait(page: Any, selector: str) -> None:
    with new_document(page):
        page.click(selector)
    page.wait_for_load_state("load")


def path_of(page: Any) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0].split("#")[0]


def english(page: Any, server: Any) -> Any:
    page.context.add_cookies([{"name": "lang", "value": "en", "url": server.base_url}])
    return page


def shot(page: Any, name: str) -> None:
    """Screenshots at 360 and 1280 px; nothing may overflow sideways at 360 px."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size or WIDE
    for size in (NARROW, WIDE):
        page.set_viewport_size(size)
        # caret="initial": hiding the caret leaves style="" on inputs, which htmx's settle step then
        # copies (an inline style the CSP blocks, logged as a console error no real user would see)
        page.screenshot(path=str(SCREENSHOT_DIR / f"accountability-{name}-{size['width']}.png"), full_page=True,
                        caret="initial")
    page.set_viewport_size(NARROW)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(original)
    assert overflow <= NARROW["width"] + 1, f"{name}: page is {overflow}px wide at 360px"


def resident(new_page: Callable[..., Any], server: Any, create_user: Callable[..., Any],
             nik_factory: Callable[[], str], name: str, kelurahan_index: int = 1) -> tuple[Any, Any]:
    """A new account, logged in and verified as a resident through the pages."""
    account = create_user(f"{name.lower().replace(' ', '.')}.{secrets.token_hex(3)}@browser.test", name)
    page = english(new_page(**ENGLISH), server)
    login(page, server, account)
    verify_resident(page, server, nik_factory(), kelurahan_index)
    return page, account


def phase(page: Any, label: str) -> None:
    click_and_wait(page, f"form[action$='/phase'] button:has-text('{label}')")
    assert page.locator(".flash").count() >= 1, page.inner_text("main")[:1500]


def vote_for(page: Any, cycle_url: str, title: str) -> None:
    page.goto(f"{cycle_url}/ballot")
    line = page.locator("form.pb-ballot li.pb-line", has_text=title)
    line.locator("input[type=checkbox]").check()
    # the htmx budget bar follows the choice (a selector wait: the CSP forbids string evaluation)
    page.wait_for_selector("form.pb-ballot progress:not([value='0'])", state="attached")
    click_and_wait(page, "form.pb-ballot button[value=vote]")
    assert page.locator(".pb-receipt").count() == 1, page.inner_text("main")[:1500]


def notification_links(page: Any) -> list[tuple[str, str]]:
    rows = page.locator("#notifications-list li.notification .notification-text a")
    return [(rows.nth(i).get_attribute("href") or "", rows.nth(i).inner_text()) for i in range(rows.count())]


def wait_for_notifications(page: Any, expected: dict[str, str]) -> list[tuple[str, str]]:
    """Reload /notifications until each expected item path shows a row whose text contains the
    expected words (rows are derived from the audit log by a periodic job)."""
    deadline = time.monotonic() + NOTIFY_TIMEOUT
    while True:
        page.goto("/notifications")
        links = notification_links(page)
        missing = {p: w for p, w in expected.items()
                   if not any(href.endswith(p) and w in text for href, text in links)}
        if not missing:
            return links
        assert time.monotonic() < deadline, f"notifications missing {missing}; shown: {links}"
        time.sleep(2)


def end_grouping_window(server: Any, email: str) -> int:
    """SHORTCUT (no UI can do it): immediate notification mail waits 10 minutes for more events
    of the same item (portal.notifications.domain.GROUP_WINDOW, a storm limit). Instead of
    waiting, move the resident's pending rows' `pending_since` into the past in the live SQLite
    database; the next fan-out run then mails them as it would ten minutes later."""
    with sqlite3.connect(server.data_dir / "warga.sqlite3", timeout=30) as db:
        changed = db.execute(
            "UPDATE notification SET pending_since = '2000-01-01 00:00:00+00:00' WHERE email_pending = 1 "
            "AND user_id = (SELECT id FROM user WHERE email = ?)", (email,)).rowcount
    return changed


def wait_for_mails(server: Any, outbox: Any, email: str, paths: list[str]) -> None:
    """Each item path appears in a mail to `email`; runs due jobs meanwhile."""
    deadline = time.monotonic() + NOTIFY_TIMEOUT
    pending = list(paths)
    while pending:
        for path in list(pending):
            try:
                outbox.wait_for(email, pattern=re.escape(server.base_url + path) + r"(?![\d#])", timeout=0.1)
                pending.remove(path)
            except AssertionError:
                pass
        if not pending:
            return
        assert time.monotonic() < deadline, f"no mail to {email} about {pending}: {sorted(outbox.names())}"
        # Run due jobs (the fan-out and mail job) in case the server runs none in-process.
        server.cli("worker", "--once")
        time.sleep(2)


def test_one_proposal_from_idea_to_confirmed_work(new_page: Callable[..., Any], live_server: Any, outbox: Any,
                                                  accounts: dict[str, Any], create_user: Callable[..., Any],
                                                  nik_factory: Callable[[], str]) -> None:
    marker = secrets.token_hex(3)
    title = f"Layanan jemput bola KTP-el untuk lansia RW 03 Dago {marker}"

    # -- a new verified resident proposes; a neighbour supports it -------------------------------
    proposer, proposer_account = resident(new_page, live_server, create_user, nik_factory, "Ibu Ratna")
    proposer.goto("/proposals/new")
    proposer.fill("#field-title", title)
    proposer.fill("#field-description", "Warga lanjut usia di RW 03 sulit datang ke kantor Disdukcapil.\n\n"
                                        "Usul petugas datang ke balai RW sebulan sekali.")
    proposer.select_option("#field-category", "administration")
    proposer.select_option("#field-kecamatan", "32.73.02")
    proposer.wait_for_selector("#field-kelurahan option[value='32.73.02.1004']", state="attached")
    proposer.select_option("#field-kelurahan", "32.73.02.1004")
    proposer.fill("#field-estimated_cost", "50.000.000")
    click_and_wait(proposer, "main form button[type=submit]")
    match = re.search(r"/proposals/(\d+)$", proposer.url)
    assert match, proposer.url
    proposal_id = int(match.group(1))
    proposal_url = f"/proposals/{proposal_id}"
    click_and_wait(proposer, "form[action$='/submit'] button[type=submit]")
    proposer.wait_for_selector(".badge.status-submitted")

    neighbour, _ = resident(new_page, live_server, create_user, nik_factory, "Pak Dedi", kelurahan_index=2)
    neighbour.goto(proposal_url)
    neighbour.click(f"#support-{proposal_id} button[type=submit]")
    neighbour.wait_for_selector(f"#support-{proposal_id} button[aria-pressed=true]")

    # -- the moderator verifies and forwards it; the agency answers "feasible" with a cost ----------
    moderator = english(new_page(role="moderator", **ENGLISH), live_server)
    moderator.goto(proposal_url)
    moderator.select_option("#field-verify-agency", "Disdukcapil")
    click_and_wait(moderator, "form[action$='/moderate/verify'] button[type=submit]")
    moderator.wait_for_selector(".badge.status-forwarded")

    officer = english(new_page(role="officer", **ENGLISH), live_server)
    officer.goto("/agency/inbox")
    click_and_wait(officer, f"main a[href$='{proposal_url}']")
    officer.check("input[name=kind][value=feasible]")
    officer.fill("#field-answer-text", "Layanan jemput bola bisa dijadwalkan mulai bulan depan.")
    officer.fill("#field-cost", "45000000")
    click_and_wait(officer, "form[action$='/answer'] button[type=submit]")
    proposer.goto(proposal_url)
    proposer.wait_for_selector(".badge.status-eligible")
    assert "45.000.000" in proposer.inner_text("main")

    # -- the council opens a budget cycle; a moderator puts the proposal on its ballot -------------
    council = english(new_page(role="council", **ENGLISH), live_server)
    cycle_title = f"Anggaran partisipatif Coblong {marker}"
    council.goto("/budgets/new")
    council.fill("#field-title", cycle_title)
    council.fill("#field-description", "Dana kelurahan untuk layanan warga.")
    council.fill("#field-city_budget", "60000000")
    council.select_option("#field-ballot_kind", "knapsack")
    council.select_option("#field-rule", "greedy")
    click_and_wait(council, "main form button[type=submit]")
    match = re.search(r"/budgets/(\d+)$", council.url)
    assert match, council.url
    cycle_id = int(match.group(1))
    cycle_url = f"/budgets/{cycle_id}"
    phase(council, "Open proposal intake")

    # One click on the proposal page (H2's promotion UI, templates/voting/_promote.html).
    moderator.goto(proposal_url)
    click_and_wait(moderator, f"#proposal-budget-{proposal_id} form[action$='/budgets/{cycle_id}/promote'] "
                              "button[type=submit]")
    section = moderator.inner_text(f"#proposal-budget-{proposal_id}")
    assert cycle_title in section, section
    # A competing project the moderator adds by hand during review.
    council.goto(cycle_url)
    phase(council, "Start review")
    moderator.goto(cycle_url)
    moderator.fill("#field-title", f"Bangku taman Cikapayang {marker}")
    moderator.fill("#field-cost", "30000000")
    click_and_wait(moderator, "form[action$='/projects'] button[type=submit]")
    page_text = moderator.inner_text("main")
    assert title in page_text and f"Bangku taman Cikapayang {marker}" in page_text

    # -- residents vote; the council closes voting (tally job) and publishes ----------------------
    council.goto(cycle_url)
    phase(council, "Open voting")
    vote_for(proposer, cycle_url, title)
    vote_for(neighbour, cycle_url, title)
    third = english(new_page(role="resident", **ENGLISH), live_server)
    vote_for(third, cycle_url, f"Bangku taman Cikapayang {marker}")
    council.goto(cycle_url)
    phase(council, "Close voting")
    deadline = time.monotonic() + 90
    while "The tally is done" not in council.inner_text("main"):
        assert time.monotonic() < deadline, council.inner_text("main")[:2000]
        time.sleep(1)
        council.reload()
    phase(council, "Publish results")
    proposer.goto(f"{cycle_url}/results")
    assert title in proposer.inner_text("main")

    # -- the council adopts the results: the decision creates the implementation project ----------
    council.goto("/decisions/new")
    council.fill("#field-title", f"Penetapan hasil anggaran partisipatif Coblong {marker}")
    council.select_option("#field-kind", "adopt_pb")
    council.fill("#field-text", "Dewan menetapkan proyek pemenang pemungutan suara warga untuk dilaksanakan.")
    council.fill("#field-votes_for", "38")
    council.fill("#field-votes_against", "4")
    council.fill("#field-votes_abstain", "2")
    council.fill("#field-rationale", "Hasil pemungutan suara warga dihitung dengan aturan yang diumumkan.")
    council.fill("#field-budget_line", "5.2.2.01")
    council.fill("#field-amount", "45.000.000")
    council.select_option("#field-pb_cycle", str(cycle_id))
    click_and_wait(council, "main form.decision-form button[type=submit]")
    match = re.search(r"/decisions/(\d+)$", council.url)
    assert match, council.url + "\n" + council.inner_text("main")[:2000]
    decision_url = f"/decisions/{match.group(1)}"
    click_and_wait(council, "form[action$='/publish'] button[type=submit]")
    assert "1 implementation projects were created" in council.inner_text("body")

    # The public sees the decision and, from it, the project.
    proposer.goto(decision_url)
    assert "38 for, 4 against, 2 abstained" in proposer.inner_text("main")
    assert cycle_title in proposer.inner_text("main")
    project_link = proposer.locator(f"#decision-{match.group(1)} a[href*='/implementation/']", has_text=title)
    assert project_link.count() == 1, proposer.inner_text("main")
    shot(proposer, "decision")
    project_match = re.search(r"/implementation/(\d+)$", project_link.get_attribute("href") or "")
    assert project_match
    project_id = int(project_match.group(1))
    project_url = f"/implementation/{project_id}"
    # ...and the proposal page shows what became of it
    proposer.goto(proposal_url)
    assert proposer.locator(f"main a[href$='{project_url}']").count() >= 1, proposer.inner_text("main")

    # -- the agency carries it out and reports ----------------------------------------------------
    officer.goto(project_url)
    click_and_wait(officer, "form[action$='/status'] button:has-text('Start procurement')")
    click_and_wait(officer, "form[action$='/status'] button:has-text('Start the work')")
    officer.fill("#field-progress", "80")
    officer.fill("#field-spent", "41.500.000")
    officer.fill("#field-note", "Petugas sudah datang ke balai RW 03 dua kali.")
    click_and_wait(officer, "form[action$='/progress'] button[type=submit]")
    click_and_wait(officer, "form[action$='/status'] button:has-text('Mark as done')")
    assert "Done" in officer.inner_text("main .badge")

    proposer.goto(project_url)
    text = proposer.inner_text("main")
    assert "Disdukcapil" in text and "41.500.000" in text and "Petugas sudah datang" in text
    shot(proposer, "implementation")

    # -- "was it really done?": the proposer follows the mail and answers yes ----------------------
    link = outbox.wait_for(proposer_account.email, pattern=CONFIRM_LINK, timeout=90)
    assert link == f"{live_server.base_url}{project_url}#confirm", link
    proposer.goto("/")  # (reading mail elsewhere) so that the link loads the page afresh
    proposer.goto(link)
    proposer.check("#confirm input[name=answer][value=yes]")
    proposer.fill("#field-comment", "Sudah, ibu saya sudah dapat KTP-el di balai RW.")
    proposer.click("#confirm button[type=submit]")
    proposer.wait_for_selector("#confirm [role=status]:has-text('Your answer')")
    assert "1 yes" in proposer.inner_text("#confirm")
    proposer.reload()
    assert "confirmed by residents" in proposer.inner_text("#confirm")
    assert proposer.is_checked("#confirm input[name=answer][value=yes]")
    shot(proposer, "confirmation")

    # -- the proposer was told along the way: in the app... ---------------------------------------
    expected = {proposal_url: title, f"/budgets/{cycle_id}": cycle_title,
                decision_url: "The council published decision", project_url: "Done"}
    wait_for_notifications(proposer, expected)
    shot(proposer, "notifications")

    # ...and by mail (one grouped mail per item; see end_grouping_window for the shortcut)
    assert end_grouping_window(live_server, proposer_account.email) >= 1
    wait_for_mails(live_server, outbox, proposer_account.email, list(expected))

    for page in (proposer, neighbour, moderator, officer, council, third):
        assert not page.warga_console.errors, "\n".join(page.warga_console.messages)
