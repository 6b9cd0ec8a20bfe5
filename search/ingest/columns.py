"""Which column of a table holds which field of an article, by its header.

Spreadsheet exports and data sets name their columns as their makers chose:
``Judul;Isi Berita;Tanggal Terbit`` from Excel in an Indonesian locale,
``title,text,published_at`` from a scraper. :func:`assign` maps a header to
the record fields the JSON Lines reader knows (``search.ingest.jsonl``), so a
row becomes the same dict a JSON record is: by the names in
:data:`ALIASES` (Indonesian and English, case and spaces ignored), and by the
user's own choice (``--columns title=Headline,body=Story``, a
:class:`ColumnMap`), which comes first. A column named ``no`` or ``nomor``
is a spreadsheet's row count, not an id: only ``id`` is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from ..errors import InvalidArgumentError


class Field(Enum):
    """The record fields a column can give (the keys of a JSON Lines record)."""

    ID = "id"
    TITLE = "title"
    BODY = "body"
    DATE = "date"
    URL = "url"
    CATEGORY = "category"
    SOURCE = "source"
    AUTHOR = "author"
    EDITOR = "editor"
    LOCATION = "location"
    SUMMARY = "summary"


ALIASES: dict[Field, tuple[str, ...]] = {
    Field.ID: ("id",),
    Field.TITLE: ("judul", "title", "headline"),
    Field.BODY: ("isi", "isi berita", "konten", "content", "text", "body", "article"),
    Field.DATE: ("tanggal", "tanggal terbit", "date", "published", "published_at"),
    Field.URL: ("url", "tautan", "link"),
    Field.CATEGORY: ("kategori", "category", "rubrik"),
    Field.SOURCE: ("sumber", "source", "media"),
    Field.AUTHOR: ("penulis", "author", "reporter"),
    Field.EDITOR: ("editor", "redaktur"),
    Field.LOCATION: ("location", "lokasi"),
    Field.SUMMARY: ("summary", "ringkasan"),
}
"""The header names each field is known by, before any the user chooses."""

_SEPARATORS = re.compile(r"[\s_-]+")


def header_key(name: str) -> str:
    """A header name as compared: case, spaces, underscores and hyphens ignored (``Isi Berita`` → ``isiberita``)."""
    return _SEPARATORS.sub("", name.casefold())


_KNOWN = {header_key(alias): field for field, aliases in ALIASES.items() for alias in aliases}


@dataclass(frozen=True)
class ColumnMap:
    """The user's own header names for fields (``--columns title=Headline,body=Story``), tried first."""

    chosen: tuple[tuple[Field, str], ...] = ()
    """(field, header key) pairs, in the order given."""

    @classmethod
    def parse(cls, text: str | None) -> ColumnMap:
        """``title=Headline,body=Story`` as a map; :class:`InvalidArgumentError` naming what is wrong."""
        chosen: list[tuple[Field, str]] = []
        for part in (text or "").split(","):
            if not part.strip():
                continue
            name, equals, column = part.partition("=")
            field = next((f for f in Field if f.value == name.strip().casefold()), None)
            if not equals or not column.strip() or field is None:
                fields = ", ".join(f.value for f in Field)
                raise InvalidArgumentError(f"columns: {part.strip()!r} is not FIELD=COLUMN with FIELD one of {fields}")
            chosen.append((field, header_key(column)))
        return cls(tuple(chosen))

    def describe(self) -> str:
        return ",".join(f"{field.value}={column}" for field, column in self.chosen)


BY_HEADER = ColumnMap()
"""No choice of the user's: every column known by its header name (:data:`ALIASES`)."""


def assign(header: Sequence[str], columns: ColumnMap = BY_HEADER) -> dict[int, Field]:
    """Column position → field for a table's ``header``: the user's names first, then :data:`ALIASES`.

    A field is given by one column, the first that names it; other columns are not read.
    """
    keys = [header_key(name) for name in header]
    assigned: dict[int, Field] = {}
    for field, column in columns.chosen:
        position = next((i for i, key in enumerate(keys) if key == column and i not in assigned), None)
        if position is not None and field not in assigned.values():
            assigned[position] = field
    for position, key in enumerate(keys):
        known = _KNOWN.get(key)
        if position not in assigned and known is not None and known not in assigned.values():
            assigned[position] = known
    return assigned


def no_body_message(header: Sequence[str]) -> str:
    """Why a table whose header names no body column cannot be read, and the fix."""
    names = ", ".join(repr(name) for name in header) or "none"
    return (f"no column holds the article text (its columns: {names}); name it with "
            f"--columns body=COLUMN (also title=, date=, url=, ...)")
