"""Atom feeds: council decisions, and proposal status changes per kecamatan.

Conditional GETs are answered from a count-and-last-change stamp before any entry is loaded,
so a feed reader polling every few minutes costs one aggregate query.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import i18n
from portal.council.forms import KIND_LABELS
from portal.errors import NotFound
from portal.feeds import atom, queries
from portal.i18n import gettext as _
from portal.templating import templates
from portal.web import services

CACHE_CONTROL = "public, max-age=300"
AUTHOR = "Warga Bandung"


def _absolute(request: Request, path: str) -> str:
    return services(request).settings.base_url.rstrip("/") + path


def _proposal_labels() -> Any:
    # The proposal pages' own status and action labels, so the feed says what the page says.
    return templates.env.get_template("proposals/_macros.html").module


async def _conditional(request: Request, kind: str, stamp: queries.Stamp,
                       build: Callable[[], Awaitable[atom.Feed]]) -> Response:
    lang = i18n.current_lang.get()
    last = stamp.last or atom.NEVER
    tag = atom.etag(kind, lang, stamp.count, last.isoformat())
    headers = {"ETag": tag, "Last-Modified": atom.http_date(last), "Cache-Control": CACHE_CONTROL}
    if atom.not_modified(request.headers.get("if-none-match"), request.headers.get("if-modified-since"), tag, last):
        return Response(status_code=304, headers=headers)
    return Response(atom.render(await build()), media_type=atom.MEDIA_TYPE, headers=headers)


async def decisions(request: Request) -> Response:
    async def build() -> atom.Feed:
        entries = []
        for d in await queries.decisions():
            url = _absolute(request, request.url_for("council.decision", decision_id=d.id).path)
            votes = _("Votes: %(for)d for, %(against)d against, %(abstain)d abstaining.") % {
                "for": d.votes[0], "against": d.votes[1], "abstain": d.votes[2]}
            amends = (_("Amends decision %(number)s.") % {"number": d.amends} + " ") if d.amends else ""
            summary = f"{_(KIND_LABELS.get(d.kind, d.kind))}. {amends}{votes}\n\n{d.text[:2000]}"
            entries.append(atom.Entry(url, f"{d.number}: {d.title}", d.published_at, url, summary,
                                      published=d.published_at, author=_("City council"), category=d.kind))
        return atom.Feed(_absolute(request, request.url.path), _("Council decisions"),
                         _("Decisions of the Bandung city council published on Warga."),
                         _absolute(request, request.url.path),
                         _absolute(request, request.url_for("council.decisions").path),
                         AUTHOR, i18n.current_lang.get(), tuple(entries))

    return await _conditional(request, "decisions", await queries.decisions_stamp(), build)


async def kecamatan(request: Request) -> Response:
    code: str = request.path_params["code"]
    name = await queries.kecamatan_name(code) if len(code) <= 8 else None
    if name is None:
        raise NotFound(_("No such kecamatan."))

    async def build() -> atom.Feed:
        labels = _proposal_labels()
        entries = []
        for c in await queries.kecamatan_changes(code):
            url = _absolute(request, request.url_for("proposal", proposal_id=c.proposal_id).path)
            status = str(labels.status_label(c.to_status))
            summary = _("New status: %(status)s.") % {"status": status} + (f"\n\n{c.note}" if c.note else "")
            entries.append(atom.Entry(f"{url}#timeline-{c.id}", f"{c.title}: {labels.action_label(c.action)}",
                                      c.created_at, url, summary, category=c.to_status))
        alternate = _absolute(request, request.url_for("proposals").path) + f"?kecamatan={code}"
        return atom.Feed(_absolute(request, request.url.path),
                         _("Proposal status changes in Kecamatan %(name)s") % {"name": name},
                         _("Every public status change of residents' proposals in this kecamatan."),
                         _absolute(request, request.url.path), alternate, AUTHOR, i18n.current_lang.get(),
                         tuple(entries))

    return await _conditional(request, f"kecamatan:{code}", await queries.kecamatan_stamp(code), build)


routes = [
    Route("/feeds/decisions.atom", decisions, name="feeds.decisions"),
    Route("/feeds/kecamatan/{code}.atom", kecamatan, name="feeds.kecamatan"),
]
