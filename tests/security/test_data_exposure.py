"""Public machine-readable outputs (open-data API, exports, Atom feeds, Pabulib files) hold no
personal data: no e-mail addresses, NIK digests, password hashes, session ids, voter keys,
drafts or hidden rows."""

from __future__ import annotations

from portal.accounts.models import ResidentVerification, User, UserSession
from portal.voting.models import PbBallot
from tests.security import sweep
from tests.security import world as w

PUBLIC_DATA_PREFIXES = ("/api/", "/exports", "/feeds/", "/budgets/{cycle_id:int}/export.pb")


async def test_public_data_holds_no_personal_data(app) -> None:  # type: ignore[no-untyped-def]
    world = await w.build(app.state.services)
    secrets = {u.email for u in await User.all()} | {u.password_hash for u in await User.all()}
    secrets |= {v.nik_digest for v in await ResidentVerification.all() if v.nik_digest}
    secrets |= {s.id for s in await UserSession.all()} | {b.voter_key for b in await PbBallot.all()}
    secrets |= {"Draf taman bermain anak Coblong", "Draf warga lain tentang trotoar", "$argon2"}
    urls = set()
    async with w.logged_in(app, world):
        for route, method in sweep.CASES:
            if method == "GET" and route.path.startswith(PUBLIC_DATA_PREFIXES):
                urls.add(sweep.url_for(route, world.ids))
        api = await world.clients["anonymous"].get("/api/openapi.json")
        resources = sorted({p.split("/")[3] for p in api.json().get("paths", {}) if p.startswith("/api/v1/")} or
                           {"proposals"})
        urls |= {f"/api/v1/{r}" for r in resources}
        urls |= {f"/exports/{r}.{fmt}" for r in resources for fmt in ("csv", "json")}
        problems = []
        for url in sorted(urls):
            for actor in ("anonymous", "admin"):  # an admin's cookie must not widen public data
                r = await world.clients[actor].get(url)
                if r.status_code >= 500:
                    problems.append(f"{url}: {r.status_code}")
                found = [s[:24] for s in secrets if s and s in r.text]
                if found:
                    problems.append(f"{actor} {url}: {found}")
    assert len(urls) >= 12, urls
    assert not problems, "\n".join(problems)
