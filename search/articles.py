"""The article: what every reader produces and what the index stores.

Also what the index can hold of one: text UTF-8 can encode, a date in
:data:`YEARS`. :func:`sanitize` repairs a record as it is read, so that one
bad record never stops the records around it, and says what it changed in
:class:`Note` s; :func:`encodable` repairs text read back from an index an
older version wrote.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from operator import attrgetter

MAX_ARTICLE_BYTES = 5_000_000
"""A page file or JSONL record larger than this is not one news article (the
longest in the corpora here is under 100 kB); it is skipped, not indexed."""

YEARS = range(1900, 2101)
"""The years a publication date may fall in. A date outside them is a
placeholder (``0001-01-01``) or a typing error, not news, and Python cannot
convert the far ends to UTC: the article keeps no date."""

REPLACEMENT = "\ufffd"
"""What stands for a character UTF-8 cannot encode."""

# Lone surrogates: the only characters of a Python string that UTF-8 cannot
# encode (JSON's "\ud800" escape makes one). Whoosh, pickle and JSON carry
# every other character, NUL and control characters included.
_UNENCODABLE = re.compile("[\ud800-\udfff]")


def can_encode(text: str) -> bool:
    """Whether UTF-8 can encode every character of ``text``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def encodable(text: str) -> str:
    """``text`` with each character UTF-8 cannot encode replaced by U+FFFD, one for one."""
    return text if text.isascii() else _UNENCODABLE.sub(REPLACEMENT, text)


class NoteKind(Enum):
    """What a reader changed in a record so that it could be indexed."""

    CHARACTERS_REPLACED = "had characters UTF-8 cannot encode replaced by U+FFFD"
    DATE_DROPPED = f"had a date outside the years {YEARS[0]}-{YEARS[-1]}, dropped"


@dataclass(frozen=True)
class Note:
    """One change a reader made to one record, and where the record is (``file.jsonl:3``, ``page.html``)."""

    where: str
    kind: NoteKind
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text}"


@dataclass
class Article:
    """One news article, as read from a seed file or returned by the index.

    ``id`` is stable across rebuilds: the record's own id for JSONL, the file's
    path under the seeds folder for pages. Every field but ``id`` and ``body``
    may be empty.
    """

    id: str
    body: str
    title: str = ""
    date: datetime | None = None
    category: str = ""
    source: str = ""
    location: str = ""
    author: str = ""
    editor: str = ""
    url: str = ""
    summary: str = ""
    path: str = ""
    captured: datetime | None = None
    """When a web archive captured the page (its WARC record's date); None for anything else."""
    origin: str = field(default="", compare=False, repr=False)
    """Where a reader found it, for reports: ``file.jsonl:3`` for a record, the
    file's label for a page; empty for an article read back from the index. Not stored."""
    notes: list[Note] = field(default_factory=list, compare=False, repr=False)
    """What the reader changed to make it indexable (:func:`sanitize`). Not stored."""

    def to_dict(self) -> dict:
        """A JSON-ready dict of the stored fields (the date as ISO 8601 text, or ``None``)."""
        data = {name: getattr(self, name) for name in ARTICLE_FIELDS}
        data["date"] = self.date.isoformat() if self.date else None
        data["captured"] = self.captured.isoformat() if self.captured else None
        return data


ARTICLE_FIELDS = ("id", "body", "title", "date", "category", "source", "location", "author", "editor",
                  "url", "summary", "path", "captured")
"""The fields an article has in the index, in ``to_dict`` order."""
STRING_FIELDS = tuple(name for name in ARTICLE_FIELDS if name not in ("date", "captured"))
"""The fields that hold text."""
string_fields = attrgetter(*STRING_FIELDS)
"""``string_fields(article)``: the values of its :data:`STRING_FIELDS`, as a tuple."""


def sanitize(article: Article, where: str) -> Article:
    """``article`` as the index can hold it, read at ``where``; each change is in its ``notes``.

    Characters UTF-8 cannot encode become U+FFFD in every text field (the id
    too), and a date outside :data:`YEARS` is dropped. An article with nothing
    to repair is returned itself, its ``origin`` set; else a repaired copy.
    """
    date = article.date
    if can_encode("".join(string_fields(article))) and (date is None or date.year in YEARS):
        article.origin = where  # the common case: nothing to repair, nothing copied
        return article
    changes: dict = {}
    notes: list[Note] = []
    replaced: Counter[str] = Counter()
    for name in STRING_FIELDS:
        value = getattr(article, name)
        if not can_encode(value):
            changes[name], replaced[name] = _UNENCODABLE.subn(REPLACEMENT, value)
    if replaced.total():
        count = replaced.total()
        fields = ", ".join(name for name in STRING_FIELDS if replaced[name])
        notes.append(Note(where, NoteKind.CHARACTERS_REPLACED,
                          f"{_count(count, 'character')} UTF-8 cannot encode replaced by U+FFFD (in {fields})"))
    if article.date is not None and article.date.year not in YEARS:
        changes["date"] = None
        notes.append(Note(where, NoteKind.DATE_DROPPED,
                          f"date {article.date.date().isoformat()} is outside the years "
                          f"{YEARS[0]}-{YEARS[-1]}; indexed without a date"))
    return replace(article, **changes, origin=where, notes=[*article.notes, *notes])


def summarize(notes: Iterable[Note]) -> list[str]:
    """One line per kind of change: ``3 records had characters UTF-8 cannot encode replaced by U+FFFD``."""
    counts = Counter(note.kind for note in notes)
    return [f"{_count(counts[kind], 'record')} {kind.value}" for kind in NoteKind if counts[kind]]


def _count(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@dataclass
class Skipped:
    """A file or record that could not be read, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class ReadReport:
    """What reading the seeds produced besides articles."""

    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    """What was changed in the records read (:func:`sanitize`)."""
    files: int = 0
