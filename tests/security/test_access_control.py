"""Access control for every route of the app x every kind of actor, on real rows.

Denied actors must get a login redirect, 401 (htmx), 403 or 404 and change nothing in the
database; allowed actors must get past the guard (anything but those answers). The route list
comes from the app, so a route added without a policy entry fails `test_every_route_has_a_policy`.
"""

from __future__ import annotations

import pytest

from tests.security import world as w
from tests.security.policy import DEFAULT_PARAMS, PENDING, POLICY, AppRoute
from tests.security.sweep import CASES, ROUTES, param_names, refused, send, url_for


def test_every_route_has_a_policy() -> None:
    missing = sorted(f"{r.name} {r.path}" for r in ROUTES if r.name not in POLICY)
    assert not missing, f"routes without an access policy in tests/security/policy.py: {missing}"


def test_every_policy_names_a_route() -> None:
    stale = sorted(set(POLICY) - {r.name for r in ROUTES})
    assert not stale, f"policy entries for routes that do not exist: {stale}"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_policy_methods_match_the_route(route: AppRoute) -> None:
    if route.name in POLICY:
        assert POLICY[route.name].methods == route.methods, route.path


def family(name: str) -> str:
    """Routes are swept per family, each family on a world holding only the rows it needs."""
    if "." in name or ":" in name:
        return name.replace(":", ".").split(".")[0]
    if name.startswith("proposal") or name in ("moderation", "agency_inbox"):
        return "proposals"
    return "admin" if name.startswith("admin") else "accounts"


FAMILIES = sorted({family(r.name) for r, _m in CASES})
# Allowed actors really act: these go last so they do not lock later checks out.
LAST = ("panels.withdraw", "panels.period_close", "programmes.remove_indicator", "programmes.delete",
        "admin_revoke_verification", "admin_revoke", "admin_disable", "admin_enable", "change_password", "logout")


def _cases(name: str) -> list[tuple[AppRoute, str]]:
    cases = [(r, m) for r, m in CASES if family(r.name) == name]
    return sorted(cases, key=lambda c: (c[0].name in LAST, LAST.index(c[0].name) if c[0].name in LAST else 0,
                                        c[1] != "GET"))


def sections(cases: list[tuple[AppRoute, str]]) -> frozenset[str]:
    keys: set[str] = set()
    for route, _method in cases:
        rule = POLICY[route.name]
        keys |= {rule.params.get(n, DEFAULT_PARAMS.get(n, "")) for n in param_names(route.path)}
        keys |= {k[1:-1] for v in rule.data.values() if isinstance(v, str) for k in [v] if k.startswith("{")}
    return frozenset(w.SECTION_OF[k] for k in keys if k in w.SECTION_OF)


@pytest.mark.parametrize("name", FAMILIES)
async def test_denied_actors_are_refused_and_change_nothing(app, name: str) -> None:  # type: ignore[no-untyped-def]
    cases = _cases(name)
    world = await w.build(app.state.services, sections(cases))
    problems: list[str] = []
    async with w.logged_in(app, world):
        before = await w.snapshot()
        for route, method in cases:
            url = url_for(route, world.ids)
            denied = [a for a in w.ACTORS if a not in POLICY[route.name].allowed(method)]
            for actor in denied:
                response = await send(world, actor, method, url, route)
                if not refused(response, route, method):
                    problems.append(f"{actor} {method} {url} ({route.name}): {response.status_code}, should be refused")
            changes = w.diff(before, after := await w.snapshot())
            if changes:
                problems.append(f"{method} {url} ({route.name}) by {denied}: refused, yet changed {changes}")
                before = after
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", FAMILIES)
async def test_allowed_actors_get_past_the_guard(app, name: str) -> None:  # type: ignore[no-untyped-def]
    cases = _cases(name)
    world = await w.build(app.state.services, sections(cases))
    problems: list[str] = []
    async with w.logged_in(app, world):
        for route, method in cases:
            url = url_for(route, world.ids)
            if POLICY[route.name].pending:
                continue
            gone = False
            for actor in [a for a in w.ACTORS if a in POLICY[route.name].allowed(method)]:
                response = await send(world, actor, method, url, route)
                if gone and response.status_code == 404:
                    continue  # an earlier allowed actor deleted the row
                gone = POLICY[route.name].destroys and response.status_code in (200, 303)
                if response.status_code >= 500 or refused(response):
                    problems.append(f"{actor} {method} {url} ({route.name}): {response.status_code}, should pass")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", PENDING or ["none"])
def test_pending_policies_are_visible(name: str) -> None:
    """Routes whose rows the world cannot build yet are swept for refusals only; say so."""
    if name != "none":
        pytest.skip(f"{name}: no world row yet, allowed actors are not checked (tests/security/world.py)")
