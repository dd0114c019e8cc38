"""templating.url_for remembers route URLs per app: same answers as Starlette's, per host."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from portal import templating


def request_for(app: Any, host: bytes) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": [(b"host", host)],
                    "query_string": b"", "app": app, "router": app.router, "scheme": "http",
                    "server": ("testserver", 80), "root_path": ""})


def test_remembered_urls_equal_starlettes_and_follow_the_host(app) -> None:  # type: ignore[no-untyped-def]
    for name, params in [("proposal", {"proposal_id": 5}), ("static", {"path": "app.css"}), ("home", {})]:
        for host in (b"warga.example", b"127.0.0.1:8000"):
            request = request_for(app, host)
            first = templating.url_for({"request": request}, name, **params)
            again = templating.url_for({"request": request_for(app, host)}, name, **params)
            assert str(first) == str(again) == str(request.url_for(name, **params))
            assert str(first).startswith(f"http://{host.decode()}/")
    assert ("http://warga.example/", "proposal", ("proposal_id", 5)) in app.state.url_paths
    other = templating.url_for({"request": request_for(app, b"warga.example")}, "proposal", proposal_id=6)
    assert str(other) == "http://warga.example/proposals/6"
