"""The article: what every reader produces and what the index stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

MAX_ARTICLE_BYTES = 5_000_000
"""A page file or JSONL record larger than this is not one news article (the
longest in the corpora here is under 100 kB); it is skipped, not indexed."""


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

    def to_dict(self) -> dict:
        """A JSON-ready dict (the date as ISO 8601 text, or ``None``)."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["date"] = self.date.isoformat() if self.date else None
        return data


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
    files: int = 0
