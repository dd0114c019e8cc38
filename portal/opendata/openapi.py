"""The OpenAPI 3.1 document of the read-only API, built from the dataset definitions.

Nothing here describes a field by hand: item schemas come from `Resource.item_schema()` and the
query parameters from `Resource.filters`, the same objects the serializers and the query parser
use. tests/opendata/test_api_schemathesis.py checks the live responses against this document.
"""

from __future__ import annotations

from typing import Any

from portal import __version__
from portal.opendata.fields import CURSOR_PATTERN, DEFAULT_LIMIT, MAX_KEY, MAX_LIMIT, Resource
from portal.opendata.serializers import RESOURCES

API_PREFIX = "/api/v1"
JSON = "application/json"


def component_name(resource: Resource) -> str:
    return "".join(part.title() for part in resource.name.split("-"))


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    described = {
        400: "The query is not allowed: unknown or repeated parameter, or a value out of range.",
        404: "No such item.",
        429: "Too many requests from this address; retry after the number of seconds in Retry-After.",
    }
    out: dict[str, Any] = {str(s): _json(_ref("Error"), described[s]) for s in statuses}
    if 429 in statuses:
        out["429"]["headers"] = {"Retry-After": {"schema": {"type": "integer"},
                                                 "description": "Seconds to wait."}}
    return out


def _not_modified() -> dict[str, Any]:
    return {"304": {"description": "Not modified since the ETag given in If-None-Match."}}


PAGING = [
    {"name": "limit", "in": "query", "required": False,
     "description": f"Items per page (default {DEFAULT_LIMIT}).",
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}},
    {"name": "cursor", "in": "query", "required": False,
     "description": "The next_cursor of the previous page; omit it for the first page.",
     "schema": {"type": "string", "pattern": CURSOR_PATTERN}},
]


def _list_operation(resource: Resource) -> dict[str, Any]:
    filters = [{"name": f.name, "in": "query", "required": False, "description": f.description,
                "schema": f.json_schema()} for f in resource.filters]
    return {
        "operationId": f"list_{resource.name.replace('-', '_')}",
        "summary": resource.title,
        "description": resource.description + " Items come in ascending id order; parameters "
                       "other than those listed are refused with 400.",
        "tags": [resource.name],
        "parameters": [*PAGING, *filters],
        "responses": {"200": _json(_ref(f"{component_name(resource)}Page"), "One page of items."),
                      **_not_modified(), **_errors(400, 429)},
    }


def _detail_operation(resource: Resource) -> dict[str, Any]:
    return {
        "operationId": f"get_{resource.name.replace('-', '_')}",
        "summary": f"One item of: {resource.title}",
        "tags": [resource.name],
        "parameters": [{"name": "id", "in": "path", "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_KEY}}],
        "responses": {"200": _json({"type": "object", "properties": {"data": _ref(component_name(resource))},
                                    "required": ["data"], "additionalProperties": False}, "The item."),
                      **_not_modified(), **_errors(400, 404, 429)},
    }


def _page_schema(resource: Resource) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "data": {"type": "array", "items": _ref(component_name(resource))},
            "next_cursor": {"type": ["string", "null"], "pattern": CURSOR_PATTERN,
                            "description": "Pass as `cursor` for the next page; null on the last page."},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        },
        "required": ["data", "next_cursor", "limit"],
        "additionalProperties": False,
    }


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"error": {
        "type": "object",
        "properties": {
            "status": {"type": "integer"},
            "code": {"type": "string", "description": "Stable machine-readable reason."},
            "message": {"type": "string"},
            "parameter": {"type": ["string", "null"], "description": "The query parameter at fault."},
        },
        "required": ["status", "code", "message", "parameter"],
        "additionalProperties": False,
    }},
    "required": ["error"],
    "additionalProperties": False,
}


def build_document(resources: tuple[Resource, ...] = RESOURCES) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for r in resources:
        paths[f"{API_PREFIX}/{r.name}"] = {"get": _list_operation(r)}
        if r.has_detail:
            paths[f"{API_PREFIX}/{r.name}/{{id}}"] = {"get": _detail_operation(r)}
        schemas[component_name(r)] = r.item_schema()
        schemas[f"{component_name(r)}Page"] = _page_schema(r)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Warga open data API",
            "version": __version__,
            "description": "Read-only public data of the Warga portal (Kota Bandung): proposals, agency "
                           "scores and participatory budgeting. No authentication; GET from any origin "
                           "(CORS); rate-limited per client address. Bulk files: /exports.",
            "license": {"name": "CC BY 4.0", "identifier": "CC-BY-4.0"},
        },
        "paths": paths,
        "components": {"schemas": schemas},
    }
