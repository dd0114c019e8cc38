"""Helpers shared by the inspection route modules: path parameters, the detail URL and the
detail page re-rendered with a form's errors (422) in the section that was submitted."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from portal import forms
from portal.panels import labels, queries
from portal.council import queries as council_queries
from portal.templating import render
from portal.web import identity


def iid(request: Request) -> int:
    value: int = request.path_params["inspection_id"]
    return value


def detail_url(request: Request, inspection_id: int, anchor: str = "") -> str:
    return request.url_for("panels.detail", inspection_id=inspection_id).path + (f"#{anchor}" if anchor else "")


async def detail_page(request: Request, form: forms.Form | None = None, status: int = 200, **extra: Any) -> Response:
    view = await queries.inspection_detail(iid(request), identity(request))
    context = {"i": view, "form": form or forms.Form({}), "blank": forms.Form({}), "labels": labels,
               "form_name": "", "council_links": await council_queries.decisions_for("inspection", view.id),
               **extra}
    return render(request, "panels/detail.html", context, status_code=status)
