"""Open data: the /exports page and files, and the /api mount (JSON API + OpenAPI document)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Mount, Route, Router

from portal.core.timeutil import utcnow
from portal.errors import DomainError, NotFound
from portal.i18n import gettext as _
from portal.opendata import api, exports, queries
from portal.opendata.fields import QueryError, parse_query
from portal.opendata.serializers import RESOURCES, resource_named
from portal.templating import render
from portal.web import client_ip, services

MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
# Public data: other sites may fetch the files too (no cookies are honoured for them).
OPEN_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"}


async def index(request: Request) -> Response:
    return render(request, "opendata/index.html",
                  {"resources": RESOURCES, "ballot_files": await queries.ballot_files()})


async def export_file(request: Request) -> Response:
    resource = resource_named(request.path_params["dataset"])
    fmt = request.path_params["fmt"]
    if resource is None or fmt not in MEDIA:
        raise NotFound()
    try:
        query = parse_query(resource, request.query_params.multi_items(), paged=False)
    except QueryError as exc:
        raise DomainError(_("This filter is not available for this dataset: %(name)s") % {"name": exc.parameter})
    await services(request).limiter.hit("export", client_ip(request))
    stream = (exports.csv_stream(resource, query.filters) if fmt == "csv"
              else exports.json_stream(resource, query.filters, now=utcnow()))
    name = f"warga_{resource.name}_{utcnow():%Y%m%d}.{fmt}"
    return StreamingResponse(stream, media_type=MEDIA[fmt],
                             headers={**OPEN_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})


async def ballots(request: Request) -> Response:
    cycle_id = request.path_params["cycle_id"]
    kecamatan = request.query_params.get("kecamatan", "")[:8]
    await services(request).limiter.hit("export", client_ip(request))
    text = await queries.ballots_pabulib(cycle_id, kecamatan)  # the voting package's Pabulib writer
    name = f"warga_pb_{cycle_id}{'_' + kecamatan.replace('.', '') if kecamatan else ''}.pb"
    return StreamingResponse(exports.pabulib_stream(text), media_type="text/plain; charset=utf-8",
                             headers={**OPEN_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})


api_router = Router(
    routes=[
        Route("/openapi.json", api.openapi_document, name="openapi"),
        Route("/v1/{resource}", api.list_items, name="list"),
        Route("/v1/{resource}/{id:int}", api.get_item, name="item"),
    ],
    default=api.not_found,
)

routes = [
    Route("/exports", index, name="exports.index"),
    Route("/exports/ballots/{cycle_id:int}.pb", ballots, name="exports.ballots"),
    Route("/exports/{dataset}.{fmt}", export_file, name="exports.file"),
    Mount("/api", app=api_router, middleware=api.MIDDLEWARE, name="api"),
]
