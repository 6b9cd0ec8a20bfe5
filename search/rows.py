"""An export's rows as text: CSV with a header line, or JSON Lines.

Why here: ``search query --all --format csv|jsonl`` and the web page's
export (``GET /export``) write the same rows in the same two formats, and a
spreadsheet or a script reading one must read the other. So do ``search
timeline --format csv`` and the timeline page's download (:func:`timeline_csv`). The text of a row is
made once, here, with neither click nor Starlette: the CLI echoes each line
as it comes, the web streams them a chunk of lines at a time.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from .results import EXPORT_FIELDS, ExportRow, Timeline

FORMATS = ("csv", "jsonl")


def header(fmt: str) -> str:
    """The text before the first row: the CSV header line, or nothing for JSON Lines."""
    return _csv_line(EXPORT_FIELDS) if fmt == "csv" else ""


def line(row: ExportRow, fmt: str) -> str:
    """One row as one line of ``fmt`` text, newline included: a JSON object, or CSV
    in :data:`EXPORT_FIELDS` order with an empty cell for a missing value."""
    data = row.to_dict()
    if fmt == "jsonl":
        return json.dumps(data, ensure_ascii=False) + "\n"
    return _csv_line(["" if data[name] is None else data[name] for name in EXPORT_FIELDS])


def lines(rows: Iterable[ExportRow], fmt: str) -> str:
    """Several rows' lines, one after another (no header)."""
    return "".join(line(row, fmt) for row in rows)


def _csv_line(values) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue()


def timeline_csv(timeline: Timeline) -> str:
    """A timeline as CSV: one row per period (its name, first and last day, the archive's count), each
    query's count and share of the archive in two columns."""
    data = list(timeline.rows())
    names = ["period", "start", "end", "archive"]
    for found in timeline.lines:
        names += [f"{found.query} count", f"{found.query} share"]
    return _csv_line(names) + "".join(_csv_line([row[name] for name in names]) for row in data)
