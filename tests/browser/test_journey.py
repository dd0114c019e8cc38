"""The real-user journey in chromium: register, confirm by mail, log in, verify as a resident,
switch the language, log out; the same without JavaScript; and a password reset by mail.

Screenshots of every step go to test-artifacts/screenshots/ at 360x740 and 1280x800; the journey
runs once starting in Indonesian and once starting in English, so every step exists in both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.conftest import new_document

pytestmark = pytest.mark.browser

CONFIRM_LINK = r"https?://[^\s<>\"']+/register/confirm/[^\s<>\"']+"
RESET_LINK = r"https?://[^\s<>\"']+/password/reset/[^\s<>\"']+"
SUBMIT = "main form button[type=submit]"
LANG_BUTTON = "header form.lang-switch button[type=submit]"
# Templates use url_for(), which renders absolute URLs: match on the end of href/action.
LOGOUT_BUTTON = "nav form[action$='/logout'] button[type=submit]"
LOGIN_LINK = "nav a[href$='/login']"


def masked(nik: str) -> str:
    return f"{nik[:4]} •••• •••• {nik[12:]}"


def html_lang(page: Any) -> str | None:
    value: str | None = page.get_attribute("html", "lang")
    return value


def submit(page: Any, selector: str = SUBMIT) -> Any:
    """Click a submit button and wait for the resulting page load; return the last response."""
    with new_document(page) as nav:
        page.click(selector)
    page.wait_for_load_state("load")
    return nav.value


def assert_path(page: Any, path: str) -> None:
    actual = re.sub(r"^https?://[^/]+", "", page.url).split("?")[0]
    assert actual == path, f"expected {path}, at {page.url}; page says:\n{page.inner_text('main')[:1500]}"


def register(page: Any, server: Any, name: str, email: str, password: str) -> None:
    page.goto("/register")
    page.fill("#field-name", name)
    page.fill("#field-email", email)
    page.fill("#field-password", password)
    page.fill("#field-password_confirm", password)
    submit(page)
    assert_path(page, "/register/sent")


def confirm_from_mail(page: Any, server: Any, outbox: Any, email: str,
                      shot: Callable[[str], None] | None = None) -> None:
    link = outbox.wait_for(email, pattern=CONFIRM_LINK)
    assert link.startswith(server.base_url + "/register/confirm/"), f"mail link uses another base URL: {link}"
    response = page.goto(link)
    assert response is not None and response.status == 200
    assert page.locator(SUBMIT).count() == 1, "the confirmation page must ask for a click (mail scanners follow GETs)"
    if shot:
        shot("confirm")
    submit(page)
    assert_path(page, "/login")


def log_in(page: Any, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("#field-email", email)
    page.fill("#field-password", password)
    submit(page)
    assert_path(page, "/account")


def verify(page: Any, nik: str) -> str:
    page.goto("/account/verify")
    page.fill("#field-nik", nik)
    option = page.locator("#field-kelurahan option[value]:not([value=''])").nth(3)
    value, label = option.get_attribute("value"), option.inner_text().strip()
    page.select_option("#field-kelurahan", value=value)
    submit(page)
    assert_path(page, "/account")
    return label


@pytest.mark.parametrize("start_lang", ["id", "en"])
def test_full_journey(start_lang: str, new_page: Callable[..., Any], live_server: Any, outbox: Any,
                      shoot: Callable[..., Any], nik_factory: Callable[[], str]) -> None:
    page = new_page()
    step = iter(range(1, 100))

    def shot(name: str) -> None:
        shoot(page, f"journey-start-{start_lang}-{next(step):02d}-{name}")

    email, password, nik = f"journey-{start_lang}@browser.test", "Kata-Sandi-Baru-99", nik_factory()

    page.goto("/")
    assert html_lang(page) == "id", "the default UI language is Indonesian"
    if start_lang == "en":
        submit(page, LANG_BUTTON)
        assert html_lang(page) == "en"
    shot("home")

    page.goto("/register")
    shot("register")
    register(page, live_server, "Siti Nurhaliza", email, password)
    shot("register-sent")

    confirm_from_mail(page, live_server, outbox, email, shot)
    shot("confirmed-login")

    log_in(page, email, password)
    shot("account")

    page.goto("/account/verify")
    shot("verify")
    kelurahan = verify(page, nik)
    main = page.inner_text("main")
    assert masked(nik) in main, f"masked NIK {masked(nik)!r} not on /account:\n{main}"
    assert nik not in page.content(), "the full NIK must never be shown"
    assert kelurahan in main
    assert page.locator("main a[href$='/account/verify']").count() == 0, "verified: no verify link any more"
    shot("verified")

    other = "id" if start_lang == "en" else "en"
    submit(page, LANG_BUTTON)
    assert html_lang(page) == other
    assert_path(page, "/account")  # the switch returns to the page it came from
    shot("language-switched")
    page.goto("/")
    assert html_lang(page) == other, "the language choice must stick on the next page"
    page.goto("/account")
    assert html_lang(page) == other

    submit(page, LOGOUT_BUTTON)
    assert page.locator(LOGIN_LINK).is_visible(), "after logging out the login link is shown"
    assert page.locator(LOGOUT_BUTTON).count() == 0
    page.goto("/account")
    assert_path(page, "/login")  # /account needs a login again
    shot("logged-out")
    assert not page.warga_console.errors, "\n".join(page.warga_console.errors)


def test_journey_without_javascript(new_page: Callable[..., Any], live_server: Any, outbox: Any,
                                    shoot: Callable[..., Any], nik_factory: Callable[[], str]) -> None:
    page = new_page(java_script_enabled=False)
    email, password, nik = "nojs@browser.test", "Tanpa-Skrip-2026", nik_factory()

    register(page, live_server, "Budi Santoso", email, password)
    confirm_from_mail(page, live_server, outbox, email)
    log_in(page, email, password)
    verify(page, nik)
    assert masked(nik) in page.inner_text("main")
    shoot(page, "nojs-01-verified")

    submit(page, LANG_BUTTON)
    assert html_lang(page) == "en"
    shoot(page, "nojs-02-language-switched")

    submit(page, LOGOUT_BUTTON)
    assert page.locator(LOGIN_LINK).is_visible()
    shoot(page, "nojs-03-logged-out")


def submit_bad_registration(page: Any) -> Any:
    page.goto("/register")
    page.fill("#field-name", "A")
    page.fill("#field-email", "not-an-address")
    page.fill("#field-password", "short")
    page.fill("#field-password_confirm", "different")
    return submit(page)


def test_registration_errors_without_javascript(new_page: Callable[..., Any], shoot: Callable[..., Any]) -> None:
    """A bad form comes back (422) with an error summary linking to the fields, no JS needed."""
    page = new_page(java_script_enabled=False)
    response = submit_bad_registration(page)
    assert response.status == 422
    links = page.locator(".error-summary a[href^='#field-']")
    assert links.count() >= 1
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href")
        assert page.locator(target).count() == 1, f"error summary links to missing {target}"
    assert page.input_value("#field-name") == "A", "entered values are kept"
    shoot(page, "nojs-register-errors")


def test_field_errors_are_exposed_to_assistive_technology(new_page: Callable[..., Any]) -> None:
    page = new_page(java_script_enabled=False)
    submit_bad_registration(page)
    field = page.locator("#field-name")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("required") is not None
    assert "error-name" in (field.get_attribute("aria-describedby") or "").split()


def test_password_reset_by_mail(new_page: Callable[..., Any], live_server: Any, outbox: Any,
                                create_user: Callable[..., Any], shoot: Callable[..., Any]) -> None:
    account = create_user("reset@browser.test", "Dewi Lestari", password="Lama-Sandi-2026")
    new_password = "Baru-Sandi-2026!"
    page = new_page()

    page.goto("/login")
    submit_link = page.locator("main a[href$='/password/forgot']")
    with new_document(page):
        submit_link.click()
    assert_path(page, "/password/forgot")
    shoot(page, "reset-01-forgot")
    seen = outbox.names()
    page.fill("#field-email", account.email)
    response = submit(page)
    assert response.status == 200
    shoot(page, "reset-02-sent")

    link = outbox.wait_for(account.email, pattern=RESET_LINK, seen=seen)
    assert link.startswith(live_server.base_url + "/password/reset/"), link
    response = page.goto(link)
    assert response is not None and response.status == 200
    shoot(page, "reset-03-new-password")
    page.fill("#field-password", new_password)
    page.fill("#field-password_confirm", new_password)
    submit(page)
    assert_path(page, "/login")
    shoot(page, "reset-04-login")

    # The link works once.
    reused = page.goto(link)
    assert reused is not None and reused.status >= 400, f"reset link reusable: {reused and reused.status}"

    # The old password no longer works, the new one does.
    page.goto("/login")
    page.fill("#field-email", account.email)
    page.fill("#field-password", account.password)
    assert submit(page).status == 422
    log_in(page, account.email, new_password)
    shoot(page, "reset-05-account")
