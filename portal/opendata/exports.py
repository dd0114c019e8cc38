"""Streamed CSV and JSON exports of the public datasets.

The database is read in keyset-paginated chunks (`queries.LOADERS`, key > last key seen), and
each chunk is encoded and handed to the response before the next one is read, so memory stays
constant however many rows there are (bench/export.py measures 100k rows). No OFFSET: chunk
1000 costs what chunk 1 costs.

CSV: RFC 4180 (comma, double quotes, CRLF), UTF-8, one header row of field names.
JSON: one object {"dataset", "title", "licence", "generated_at", "fields", "data": [...]}, so a
plain `json.load` reads it; the field list is the dataset's definition (names, types, meaning).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Mapping
from datetime import datetime

from portal.opendata import queries
from portal.opendata.fields import Resource

CHUNK = 1000


async def chunks(resource: Resource, filters: Mapping[str, str], size: int = CHUNK) -> AsyncIterator[list[queries.Row]]:
    """The dataset's rows, `size` at a time, in key order."""
    load = queries.LOADERS[resource.name]
    lookup = await queries.names()
    after = 0
    while True:
        rows = await load(filters, after, size, lookup)
        if rows:
            yield rows
        if len(rows) < size:
            return
        after = rows[-1][resource.key]


async def csv_stream(resource: Resource, filters: Mapping[str, str], size: int = CHUNK) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # excel dialect: RFC 4180 quoting and CRLF line ends
    writer.writerow(resource.csv_header())
    yield buffer.getvalue().encode()
    async for rows in chunks(resource, filters, size):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(resource.csv_row(r) for r in rows)
        yield buffer.getvalue().encode()


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def json_stream(resource: Resource, filters: Mapping[str, str], *, now: datetime,
                      size: int = CHUNK) -> AsyncIterator[bytes]:
    head = {
        "dataset": resource.name,
        "title": resource.title,
        "licence": resource.licence,
        "generated_at": now.isoformat().replace("+00:00", "Z"),
        "filters": dict(filters),
        "fields": [{"name": f.name, "type": f.json_schema()["type"], "description": f.description}
                   for f in resource.fields],
    }
    yield (_dumps(head)[:-1] + ',"data":[').encode()
    first = True
    async for rows in chunks(resource, filters, size):
        body = ",\n".join(_dumps(resource.to_json(r)) for r in rows)
        yield (("\n" if first else ",\n") + body).encode()
        first = False
    yield b"\n]}\n"


async def pabulib_stream(text: str, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    """The voting package builds the Pabulib text (frozen at publication); send it in pieces."""
    data = text.encode()
    for start in range(0, len(data), size):
        yield data[start:start + size]
