"""JSON Lines dumps (``.jsonl``, ``.jsonl.gz``) with one article per line.

Fields: ``id, title, date, category, source, url, body, summary``; only
``body`` is required. A record that is not valid JSON, not an object, or has
no text body is skipped with its line number; the records around it are read.
A record is sanitised as it is read (``search.articles.sanitize``): a JSON
escape of a lone surrogate (``"\\ud800"``) becomes U+FFFD, a date outside
1900-2100 is dropped, and the article's ``notes`` say so.

A title loses the tracking junk that titles rebuilt from a URL carry
(IndoSum's): a query string (``?ICID=OP``, ``?utm_source=...``) and a
share-tracking fragment (``#JWIhi6g2BuE63JaP.99``).
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..articles import MAX_ARTICLE_BYTES, Article, Skipped, sanitize
from ..errors import IngestError
from ..language.dates import parse_date
from .boilerplate import clean_body

_TEXT_FIELDS = ("title", "category", "source", "url", "summary", "author", "editor", "location")
# A query string (a "?" then a parameter name and "="), or an AddThis fragment
# (16 letters and digits, a dot and a number), to the end of the title. A
# question mark or a hashtag of the headline's own (``Apa Saja?``,
# ``#SaveKPK``) is neither.
_URL_JUNK = re.compile(r"\s*(?:\?[A-Za-z_][\w.-]*=.*|#[A-Za-z0-9]{16}\.\d+)$")


def clean_title(title: str) -> str:
    """A title without the URL junk at its end (``...?ICID=OP``), stripped."""
    return _URL_JUNK.sub("", title.strip()).strip()


def open_lines(path: Path):
    """The file as text lines, decompressing `.gz`; undecodable bytes replaced."""
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def record_to_article(record: object, default_id: str) -> Article:
    """The article of one record (a JSON object, or a table's row as the same dict); ``default_id`` if it has no id.

    Raises :class:`IngestError` for a record that is not an object or has no text body.
    """
    if not isinstance(record, dict):
        raise IngestError("record is not a JSON object")
    body = record.get("body")
    if not isinstance(body, str) or not body.strip():
        raise IngestError("record has no text body")
    record_id = record.get("id")
    if record_id is None or record_id == "":
        record_id = default_id
    elif not isinstance(record_id, (str, int)):
        raise IngestError("record id is not text")
    fields: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        value = record.get(name)
        fields[name] = value.strip() if isinstance(value, str) else ""
    fields["title"] = clean_title(fields["title"])
    date = record.get("date")
    return Article(
        id=str(record_id),
        body=clean_body(body),
        date=parse_date(date) if isinstance(date, str) else None,
        **fields,
    )


def read_jsonl(path: Path, label: str) -> Iterator[Article | Skipped]:
    """Yield an :class:`Article` per good line and a :class:`Skipped` per bad one.

    ``label`` names the file in ids and reports (its path under the seeds).
    """
    with open_lines(path) as lines:
        lineno = 0
        try:
            for lineno, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                if len(line) > MAX_ARTICLE_BYTES:
                    yield Skipped(f"{label}:{lineno}", f"record too large for one article "
                                  f"({len(line) / 1e6:.1f} MB; the limit is {MAX_ARTICLE_BYTES / 1e6:.0f} MB)")
                    continue
                where = f"{label}:{lineno}"
                try:
                    yield sanitize(record_to_article(json.loads(line), f"{label}#{lineno}"), where)
                except json.JSONDecodeError as error:
                    yield Skipped(where, f"bad record: {error.msg}")
                except ValueError:  # json's only other error: a number Python will not convert
                    yield Skipped(where, f"bad record: a number of more than {sys.get_int_max_str_digits():,} digits")
                except IngestError as error:
                    yield Skipped(where, f"bad record: {error}")
                except RecursionError:
                    yield Skipped(where, "bad record: nested too deeply")
        except (EOFError, OSError, gzip.BadGzipFile) as error:
            yield Skipped(f"{label}:{lineno + 1}", f"unreadable after line {lineno}: {error}")
