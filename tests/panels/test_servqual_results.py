"""SERVQUAL per dimension (weighted and unweighted) from the pure rule up to the results page,
the scorecard's importance points, and the htmx check of a scorecard (nothing saved)."""

from __future__ import annotations

import json
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.panels import scorecards, services as panels
from portal.panels.models import Scorecard
from portal.panels.scoring import SERVQUAL_ITEMS, Dimension, ServqualResponse, servqual, servqual_by_dimension
from tests.helpers import csrf_of, login, post_form
from tests.panels.factories import new_inspection, person, team
from tests.panels.test_scoring import WORKED_GAPS, WORKED_POINTS, _worked_panel

GOOD = {f"U{i}": "3" for i in range(1, 10)}


def test_dimension_table_of_the_worked_example() -> None:
    detail = servqual_by_dimension(_worked_panel(WORKED_POINTS))
    assert {d: detail.perceptions[d] - detail.expectations[d] for d in Dimension} == WORKED_GAPS
    assert detail.weights == {d: Fraction(p, 100) for d, p in WORKED_POINTS.items()}
    assert detail.weighted_gaps is not None
    # Tangibles: 0.15 x -0.5; the five weighted gaps add up to the weighted score -0.755.
    assert detail.weighted_gaps[Dimension.TANGIBLES] == Fraction("-0.075")
    assert sum(detail.weighted_gaps.values()) == Fraction("-0.755")


def test_dimension_table_without_weights() -> None:
    detail = servqual_by_dimension(_worked_panel(None))
    assert detail.weights is None and detail.weighted_gaps is None


likert = st.integers(min_value=1, max_value=7)


@st.composite
def respondents(draw: st.DrawFn) -> ServqualResponse:
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=4, max_size=4)))
    bounds = [0, *cuts, 100]
    points = {d: bounds[k + 1] - bounds[k] for k, d in enumerate(Dimension)}
    return ServqualResponse({i: draw(likert) for i in SERVQUAL_ITEMS}, {i: draw(likert) for i in SERVQUAL_ITEMS}, points)


@settings(max_examples=60, deadline=None)
@given(st.lists(respondents(), min_size=1, max_size=6))
def test_weighted_gaps_always_add_up_to_the_weighted_score(panel: list[ServqualResponse]) -> None:
    detail = servqual_by_dimension(panel)
    result = servqual(panel)
    assert detail.weighted_gaps is not None and result.weighted is not None
    assert sum(detail.weighted_gaps.values()) == result.weighted
    assert sum(detail.weights.values()) == 1  # type: ignore[union-attr]
    assert {d: detail.perceptions[d] - detail.expectations[d] for d in Dimension} == dict(result.dimension_gaps)


def _servqual_form(e: int, p: int, weights: dict[str, str] | None = None) -> dict[str, str]:
    form = {f"sq_e_{i}": str(e) for i in SERVQUAL_ITEMS} | {f"sq_p_{i}": str(p) for i in SERVQUAL_ITEMS}
    return form | {f"sq_w_{k}": v for k, v in (weights or {}).items()}


def test_importance_points_must_share_exactly_100() -> None:
    _data, errors = scorecards.parse_servqual(_servqual_form(6, 4, {"tangibles": "50", "empathy": "40"}))
    assert "servqual_weights" in errors
    _data, errors = scorecards.parse_servqual({"sq_w_tangibles": "100"})
    assert "servqual" in errors
    weights = {"tangibles": "10", "reliability": "30", "responsiveness": "20", "assurance": "20", "empathy": "20"}
    data, errors = scorecards.parse_servqual(_servqual_form(6, 4, weights))
    assert not errors and json.loads(data)["w"] == {k: int(v) for k, v in weights.items()}


async def _fieldwork(app):  # type: ignore[no-untyped-def]
    services = app.state.services
    _m, mod = await person(services, "mod@example.id", roles=("moderator",))
    iid = await panels.create_inspection(mod, new_inspection())
    await panels.transition(mod, iid, "recruiting")
    members = await team(services, mod, iid)
    await panels.transition(mod, iid, "fieldwork")
    return mod, iid, members


async def test_results_page_shows_servqual_gaps(client, app) -> None:  # type: ignore[no-untyped-def]
    mod, iid, members = await _fieldwork(app)
    weights = {"tangibles": "20", "reliability": "20", "responsiveness": "20", "assurance": "20", "empathy": "20"}
    for k, (_u, who) in enumerate(members):
        card = await scorecards.start_scorecard(who, iid, 1)
        await scorecards.save_scorecard(who, iid, card, GOOD | _servqual_form(6, 4 + k % 2, weights), observations="",
                                        submit=True)
    await login(client, "mod@example.id")
    page = await client.get(f"/inspections/{iid}")
    # Gaps -2, -1, -2: mean -5/3 = -1.67 per dimension; weighted = 5 x 0.2 x -1.67 = -1.667.
    assert "SERVQUAL gaps" in page.text and "unweighted score: -1.67" in page.text
    assert "weighted score: -1.667" in page.text and "Tangibles" in page.text
    # The public does not see SERVQUAL of 3 panelists (n < 5), nor anything before the report.
    await client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert "SERVQUAL gaps" not in (await client.get(f"/inspections/{iid}")).text


async def test_htmx_check_lists_what_is_missing_without_saving(client, app) -> None:  # type: ignore[no-untyped-def]
    _mod, iid, members = await _fieldwork(app)
    user, who = members[0]
    card = await scorecards.start_scorecard(who, iid, 1)
    await login(client, user.email)
    url = f"/inspections/{iid}/scorecards/{card}"
    page = await client.get(url)
    assert 'id="scorecard-check"' in page.text and f'{url}/check" hx-trigger="change"' in page.text
    token = csrf_of(page.text)
    hx = {"HX-Request": "true", "X-CSRF-Token": token}
    partial = await client.post(f"{url}/check", data={"U1": "3", "U2": "na"}, headers=hx)
    assert partial.status_code == 200 and partial.text.lstrip().startswith('<div id="scorecard-check"')
    assert "7 things are missing" in partial.text and 'href="#field-U3"' in partial.text
    complete = await client.post(f"{url}/check", data=GOOD, headers=hx)
    assert "Complete: this scorecard can be submitted." in complete.text
    assert (await Scorecard.get(id=card)).answers == "{}"  # nothing saved
    plain = await client.post(f"{url}/check", data={"csrf_token": token, **GOOD})
    assert plain.status_code == 303 and plain.headers["location"] == url
    # Another panelist cannot probe someone else's card.
    await client.get("/logout")
    await login(client, members[1][0].email)
    assert (await client.post(f"{url}/check", data=GOOD, headers={"HX-Request": "true", "X-CSRF-Token": csrf_of(
        (await client.get(f"/inspections/{iid}")).text)})).status_code == 403


async def test_agency_head_role_is_grantable_and_labelled(client, app) -> None:  # type: ignore[no-untyped-def]
    from portal.accounts.services import GRANTABLE
    from portal.templating import role_label

    assert "agency_head" in GRANTABLE and role_label("agency_head") == "agency head"
    user, _who = await person(app.state.services, "kepala@example.id", roles=("officer",), agency="Disdukcapil")
    await person(app.state.services, "admin@example.id", roles=("admin",))
    await login(client, "admin@example.id")
    page = f"/admin/users/{user.id}"
    detail = await client.get(page)
    assert detail.status_code == 200 and 'value="agency_head"' in detail.text
    r = await post_form(client, page, f"{page}/roles", {"role": "agency_head"})
    assert r.status_code == 303
    from portal.accounts.models import UserRole

    assert await UserRole.exists(user_id=user.id, role="agency_head")
