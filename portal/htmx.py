"""Typed view of the htmx request headers (htmx 4) and the fragment-or-page decision."""

from __future__ import annotations

from starlette.requests import Request


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def is_fragment_request(request: Request) -> bool:
    """True for a partial htmx request; boosted navigation and history restore need pages."""
    h = request.headers
    return (
        h.get("hx-request") == "true"
        and h.get("hx-history-restore-request") != "true"
        and h.get("hx-request-type", "partial") == "partial"
        and h.get("hx-boosted") != "true"
    )


VARY = "HX-Request, HX-Request-Type"
