"""Browser-level security checks: the CSP really blocks inline script, normal pages raise no
console/CSP errors, the vendored htmx is 4.0.1, and htmx requests carry the CSRF header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.browser

# Records CSP violations from the first byte of every document (init scripts are not subject
# to the page's CSP, so this works on a page with script-src 'self').
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
});
"""
ANONYMOUS_PAGES = ["/", "/login", "/register", "/password/forgot", "/register/sent"]
ADMIN_PAGES = ["/", "/account", "/account/verify", "/admin/users", "/admin/outbox", "/admin/jobs"]


def csp_violations(page: Any) -> list[str]:
    found: list[str] = page.evaluate("() => window.__cspViolations || []")
    return found


def test_security_headers_on_pages(new_page: Callable[..., Any]) -> None:
    page = new_page()
    response = page.goto("/login")
    assert response is not None and response.status == 200
    headers = response.headers
    csp = headers.get("content-security-policy", "")
    directives = {part.strip().split(" ")[0]: part.strip() for part in csp.split(";") if part.strip()}
    assert directives.get("script-src") == "script-src 'self'", csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", csp
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("x-frame-options") == "DENY"
    assert headers.get("referrer-policy") == "same-origin"
    assert headers.get("cache-control") == "no-store"


def test_csp_blocks_inline_script(new_page: Callable[..., Any]) -> None:
    page = new_page()
    page.add_init_script(CSP_RECORDER)
    page.goto("/")
    with page.expect_console_message(lambda m: m.type == "error" and "Content Security Policy" in m.text) as msg:
        page.evaluate("""() => {
            const s = document.createElement('script');
            s.textContent = 'window.__inlineRan = true;';
            document.body.appendChild(s);
            const b = document.createElement('button');
            b.setAttribute('onclick', 'window.__handlerRan = true');
            document.body.appendChild(b);
            b.click();
        }""")
    assert "script-src" in msg.value.text
    assert page.evaluate("() => window.__inlineRan") is None, "inline <script> ran despite the CSP"
    assert page.evaluate("() => window.__handlerRan") is None, "inline event handler ran despite the CSP"
    assert any("script-src" in v for v in csp_violations(page)), csp_violations(page)


@pytest.mark.parametrize("role, pages", [("anonymous", ANONYMOUS_PAGES), ("admin", ADMIN_PAGES)])
def test_normal_pages_have_no_console_errors(role: str, pages: list[str], new_page: Callable[..., Any]) -> None:
    page = new_page(role=None if role == "anonymous" else role)
    page.add_init_script(CSP_RECORDER)
    problems = []
    for path in pages:
        page.warga_console.errors.clear()
        response = page.goto(path, wait_until="networkidle")
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        inline = page.evaluate("""() => ({
            scripts: document.querySelectorAll('script:not([src])').length,
            styles: document.querySelectorAll('[style], style').length,
            handlers: Array.from(document.querySelectorAll('*')).filter(
                el => Array.from(el.attributes).some(a => a.name.startsWith('on'))).length,
        })""")
        if any(inline.values()):
            problems.append(f"{path}: inline code that the CSP blocks: {inline}")
        problems += [f"{path}: CSP {v}" for v in csp_violations(page)]
        problems += [f"{path}: {e}" for e in page.warga_console.errors]
    assert not problems, "\n".join(problems)


def test_htmx_4_0_1_is_loaded(new_page: Callable[..., Any]) -> None:
    page = new_page()
    page.goto("/")
    page.wait_for_function("() => window.htmx !== undefined")
    info = page.evaluate("() => ({version: window.htmx.version, keys: Object.keys(window.htmx).sort()})")
    version = info["version"]
    assert isinstance(version, str) and version.startswith("4.0.1"), (
        f"htmx.version is {version!r}; the htmx object has: {info['keys']}")


def test_htmx_get_sends_csrf_header(new_page: Callable[..., Any]) -> None:
    """The admin user search is an hx-get form; the body's hx-headers:inherited adds the token."""
    page = new_page(role="admin")
    page.goto("/admin/users", wait_until="networkidle")
    token = page.get_attribute("header form.lang-switch input[name=csrf_token]", "value")
    assert token
    with page.expect_response(lambda r: "/admin/users" in r.url and r.request.headers.get("hx-request") == "true") as info:
        page.fill("#field-q", "uji admin")
    response = info.value
    assert response.status == 200
    assert response.request.headers.get("x-csrf-token") == token, response.request.headers
    rows = page.locator("#user-rows tbody tr")
    page.wait_for_function("() => document.querySelectorAll('#user-rows tbody tr').length === 1")
    assert "admin@browser.test" in rows.first.inner_text()
    assert page.url.endswith("/admin/users"), "an hx-get search is a partial swap, not a navigation"


def test_htmx_post_sends_csrf_header(new_page: Callable[..., Any]) -> None:
    page = new_page()
    page.goto("/", wait_until="networkidle")
    token = page.get_attribute("header form.lang-switch input[name=csrf_token]", "value")
    with page.expect_response(lambda r: r.url.endswith("/lang") and r.request.method == "POST") as info:
        page.evaluate("() => htmx.ajax('POST', '/lang', {values: {lang: 'en', next: '/'}})")
    response = info.value
    assert response.status != 403, f"htmx POST rejected by CSRF: {response.status} {response.request.headers}"
    assert response.status == 200, response.status
    assert response.request.headers.get("x-csrf-token") == token, response.request.headers
    assert response.headers.get("hx-redirect", "").endswith("/"), response.headers  # htmx gets HX-Redirect
    page.wait_for_function("() => document.documentElement.lang === 'en'")


def test_post_without_csrf_token_is_rejected(new_page: Callable[..., Any]) -> None:
    page = new_page()
    page.goto("/")
    status = page.evaluate("""async () => (await fetch('/lang', {method: 'POST',
        body: new URLSearchParams({lang: 'en', next: '/'})})).status""")
    assert status == 403
    page.reload()
    assert page.get_attribute("html", "lang") == "id", "a rejected POST must not change the language"
