"""Pabulib ``.pb`` files (pabulib.org/format): parse one into a tally `Election`, write one.

Pure: takes and returns text, never opens files. A file has three ``;``-separated sections:
META (``key;value``), PROJECTS (a header row starting ``project_id;cost``) and VOTES (a header
row starting ``voter_id;vote``; ``points`` for cumulative ballots). List cells (``vote``,
``points``) are ``,``-separated; an ordinal ``vote`` lists projects best first.

Speed matters: Warszawa's city-wide file has ~75k ballots in 4 MB. META and PROJECTS are tiny
and go through `csv` (their names may be quoted); VOTE rows are split with `str.split` and
only fall back to `csv` for the rare row that contains a quote. Only the voter id and the
vote/points cells of a row are kept; the other columns (age, sex, ...) are not needed to tally.

The writer exists for exporting anonymised ballots: callers pass plain values (order ids as
voter ids, never resident ids) and get a file any Pabulib tool can read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import chain

from portal.voting.tally import Election, Number, Project, VoteType

SECTIONS = ("META", "PROJECTS", "VOTES")


class PabulibError(ValueError):
    """The text is not a Pabulib file this module can tally."""


@dataclass(frozen=True, slots=True)
class PabulibFile:
    meta: tuple[tuple[str, str], ...]
    project_columns: tuple[str, ...]
    project_rows: tuple[tuple[str, ...], ...]  # raw PROJECTS cells, aligned with the header
    voter_ids: tuple[str, ...]
    election: Election

    def meta_value(self, key: str) -> str | None:
        return next((v for k, v in self.meta if k == key), None)

    @property
    def rule(self) -> str | None:
        return self.meta_value("rule")

    @property
    def official_selected(self) -> tuple[str, ...] | None:
        """Projects whose ``selected`` cell is exactly ``1`` (None: no such column)."""
        if "selected" not in self.project_columns:
            return None
        col = self.project_columns.index("selected")
        return tuple(r[0] for r in self.project_rows if len(r) > col and r[col] == "1")

    @property
    def official_reserve(self) -> tuple[str, ...]:
        """Projects whose ``selected`` cell is ``2``: funded from an external reserve (Poznań's
        greedy-custom marks the one project its reserve topped up)."""
        if "selected" not in self.project_columns:
            return ()
        col = self.project_columns.index("selected")
        return tuple(r[0] for r in self.project_rows if len(r) > col and r[col] == "2")


def _number(text: str, what: str) -> Number:
    try:
        value = Fraction(text.strip().replace(",", "."))
    except (ValueError, ZeroDivisionError):
        raise PabulibError(f"{what} is not a number: {text!r}") from None
    return int(value) if value.denominator == 1 else value


def _whole(text: str, what: str) -> int:
    value = _number(text, what)
    if not isinstance(value, int):
        raise PabulibError(f"{what} must be a whole number: {text!r}")
    return value


def _split_sections(lines: list[str]) -> dict[str, tuple[int, int]]:
    marks: list[tuple[str, int]] = []
    for n, line in enumerate(lines):
        word = line.strip().upper()
        if word in SECTIONS:
            marks.append((word, n))
            if word == "VOTES":  # VOTES is last; do not scan 75k ballot rows for headers
                break
    spans = {}
    for k, (word, start) in enumerate(marks):
        end = marks[k + 1][1] if k + 1 < len(marks) else len(lines)
        spans[word] = (start + 1, end)
    missing = [s for s in SECTIONS if s not in spans]
    if missing:
        raise PabulibError(f"missing section(s): {', '.join(missing)}")
    return spans


def _rows(lines: list[str]) -> list[list[str]]:
    return [[c.strip() for c in row] for row in csv.reader(lines, delimiter=";") if any(row)]


def _ids(cell: str) -> tuple[str, ...]:
    parts = cell.split(",")
    if " " in cell:
        parts = [p.strip() for p in parts]
    return tuple(p for p in parts if p)


Votes = tuple[tuple[str, ...], tuple[tuple[str, ...], ...], tuple[tuple[int, ...], ...]]


def _votes_fast(block: list[str], columns: tuple[int, int, int], known: set[str]) -> Votes | None:
    """The common case at C speed: no quotes, no stray spaces, whole points; else None."""
    vcol, pcol, width = columns
    if any('"' in line for line in block):
        return None
    rows = [line.split(";", width) for line in block if line and not line.isspace()]
    try:
        ballots = tuple([tuple(r[vcol].split(",")) if r[vcol] else () for r in rows])
        points: tuple[tuple[int, ...], ...] = ()
        if pcol >= 0:
            points = tuple([tuple(map(int, r[pcol].split(","))) if r[pcol] else () for r in rows])
    except (IndexError, ValueError):
        return None
    if not known.issuperset(chain.from_iterable(ballots)):
        return None  # an unknown id, or one with spaces around it: let the careful path say
    if pcol >= 0 and any(len(b) != len(p) for b, p in zip(ballots, points)):
        return None
    return tuple([r[0].strip() for r in rows]), ballots, points


def _votes_careful(
    block: list[str], columns: tuple[int, int, int], known: set[str], first_line: int
) -> Votes:
    vcol, pcol, width = columns
    voters: list[str] = []
    ballots: list[tuple[str, ...]] = []
    points: list[tuple[int, ...]] = []
    for n, line in enumerate(block, first_line):
        if not line.strip():
            continue
        if '"' in line:
            cells = next(csv.reader([line], delimiter=";"))
        else:
            cells = line.split(";", width)
        if len(cells) < width:
            raise PabulibError(f"line {n}: expected at least {width} cells")
        ballot = _ids(cells[vcol].strip())
        if not known.issuperset(ballot):
            raise PabulibError(f"line {n}: unknown project in {cells[vcol]!r}")
        voters.append(cells[0].strip())
        ballots.append(ballot)
        if pcol >= 0:
            pts = tuple(_whole(p, f"line {n}: points") for p in _ids(cells[pcol]))
            if len(pts) != len(ballot):
                raise PabulibError(f"line {n}: vote and points differ in length")
            points.append(pts)
    return tuple(voters), tuple(ballots), tuple(points)


def parse_pabulib(text: str) -> PabulibFile:
    """Parse the text of a ``.pb`` file (a leading BOM is ignored)."""
    lines = text.removeprefix("\ufeff").splitlines()
    spans = _split_sections(lines)
    meta_rows = _rows(lines[slice(*spans["META"])])
    meta = tuple((r[0], r[1] if len(r) > 1 else "") for r in meta_rows[1:])
    info = dict(meta)
    try:
        vote_type = VoteType(info.get("vote_type", ""))
    except ValueError:
        raise PabulibError(f"unsupported vote_type: {info.get('vote_type')!r}") from None
    if "budget" not in info:
        raise PabulibError("META has no budget")
    budget = _number(info["budget"], "budget")

    prows = _rows(lines[slice(*spans["PROJECTS"])])
    if not prows or prows[0][0] != "project_id" or "cost" not in prows[0]:
        raise PabulibError("PROJECTS needs a project_id;...;cost;... header")
    ccol = prows[0].index("cost")
    projects = tuple(Project(r[0], _whole(r[ccol], f"cost of {r[0]}")) for r in prows[1:])
    known = {p.id for p in projects}

    start, end = spans["VOTES"]
    header = lines[start].strip().split(";") if start < end else []
    if header[:1] != ["voter_id"] or "vote" not in header:
        raise PabulibError("VOTES needs a voter_id;...;vote;... header")
    cumulative = vote_type is VoteType.CUMULATIVE
    if cumulative and "points" not in header:
        raise PabulibError("cumulative VOTES need a points column")
    vcol = header.index("vote")
    pcol = header.index("points") if cumulative else vcol
    width = max(vcol, pcol) + 1
    block = lines[start + 1 : end]
    columns = (vcol, pcol if cumulative else -1, width)
    fast = _votes_fast(block, columns, known)
    voters, ballots, points = fast or _votes_careful(block, columns, known, start + 2)

    threshold = info.get("min_project_score_threshold")
    max_length = info.get("max_length")
    election = Election(
        budget=budget,
        projects=projects,
        ballots=tuple(ballots),
        vote_type=vote_type,
        points=points if cumulative else None,
        min_score=_number(threshold, "threshold") if threshold else None,
        max_length=_whole(max_length, "max_length") if max_length else None,
        currency=info.get("currency") or "Rp",
    )
    return PabulibFile(
        meta=meta,
        project_columns=tuple(prows[0]),
        project_rows=tuple(tuple(r) for r in prows[1:]),
        voter_ids=tuple(voters),
        election=election,
    )


Cell = str | int | Fraction | Sequence[str | int] | None


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        # Pabulib numbers are decimals: only a terminating fraction can be written exactly.
        den = value.denominator
        for p in (2, 5):
            while den % p == 0:
                den //= p
        if den != 1:
            raise ValueError(f"{value} has no exact decimal form")
        digits = 0
        while (value * 10**digits).denominator != 1:
            digits += 1
        return f"{value.numerator / value.denominator:.{digits}f}"
    if isinstance(value, int):
        return str(value)
    return ",".join(str(v) for v in value)


# The order pabulib.org/format lists its fields in; pabulib's checker warns about any other.
META_ORDER = (
    "description country unit district subunit instance num_projects num_votes budget "
    "vote_type rule date_begin date_end min_length max_length min_sum_cost max_sum_cost "
    "min_points max_points min_sum_points max_sum_points default_score min_project_cost "
    "max_project_cost min_project_score_threshold neighborhoods subdistricts categories "
    "edition language currency fully_funded experimental comment acknowledgments"
).split()
PROJECT_ORDER = (
    "project_id cost votes score name category beneficiaries selected neighborhood subunit "
    "district description proposer public_id latitude longitude"
).split()
VOTE_ORDER = "voter_id vote points age sex voting_method district neighborhood education".split()


def _ordered(keys: Sequence[str], canonical: Sequence[str]) -> list[str]:
    """Known fields in the format's order, then the others as given."""
    known = [k for k in canonical if k in keys]
    return known + [k for k in keys if k not in canonical]


def _columns(rows: Sequence[Mapping[str, Cell]], canonical: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for row in rows:
        seen.extend(k for k in row if k not in seen)
    return _ordered(seen, canonical)


def _by_points(vote: Mapping[str, Cell]) -> Mapping[str, Cell]:
    """A cumulative vote listed most points first, as the format asks; order means nothing."""
    ids, pts = vote.get("vote"), vote.get("points")
    if isinstance(ids, str) or isinstance(pts, str) or ids is None or pts is None:
        return vote
    if not isinstance(ids, Sequence) or not isinstance(pts, Sequence):
        return vote
    pairs = sorted(zip(ids, pts), key=lambda pair: -int(pair[1]))
    return {**vote, "vote": [i for i, _ in pairs], "points": [p for _, p in pairs]}


def write_pabulib(
    *,
    meta: Mapping[str, Cell],
    projects: Sequence[Mapping[str, Cell]],
    votes: Sequence[Mapping[str, Cell]],
) -> str:
    """A ``.pb`` text from plain values.

    ``meta`` must name ``vote_type`` and ``budget``; ``num_projects`` / ``num_votes`` are
    filled in. Each project needs ``project_id`` and ``cost``; each vote ``voter_id`` and
    ``vote`` (a sequence of project ids, best first for ordinal), plus ``points`` for
    cumulative (written most points first). Fields the format knows come in its order,
    other keys after them as extra columns, in first-seen order.
    """
    for key in ("vote_type", "budget"):
        if key not in meta:
            raise ValueError(f"meta needs {key}")
    ids = {str(p["project_id"]) for p in projects}
    for v in votes:
        listed = [p for p in _cell(v["vote"]).split(",") if p]
        if not ids.issuperset(listed):
            raise ValueError(f"vote {v['voter_id']} names an unknown project")
    if meta["vote_type"] == "cumulative":
        votes = [_by_points(v) for v in votes]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    full = {**meta, "num_projects": len(projects), "num_votes": len(votes)}
    out.write("META\n")
    writer.writerow(["key", "value"])
    writer.writerows([k, _cell(full[k])] for k in _ordered(list(full), META_ORDER))
    for title, rows, canonical in (
        ("PROJECTS", projects, PROJECT_ORDER),
        ("VOTES", votes, VOTE_ORDER),
    ):
        out.write(title + "\n")
        columns = _columns(rows, canonical)
        writer.writerow(columns)
        writer.writerows([_cell(r.get(c)) for c in columns] for r in rows)
    return out.getvalue()
