"""An open index: search it, fetch an article, describe it.

``open_index(path)`` checks that the index exists, was built by this version
of the schema and is readable, and returns an :class:`Index`. Everything it
returns is a small dataclass; Whoosh objects never leave this module.
"""

from __future__ import annotations

import pickle
import struct
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index

from . import storage
from .articles import Article
from .errors import (
    ArticleNotFoundError,
    IndexCorruptError,
    IndexOutdatedError,
    SearchError,
)
from .highlight import Snippet, snippets
from .query import parse_query
from .ranking import RERANK_DEPTH, WEIGHTING, Candidate, query_words, rerank
from .schema import SCHEMA_VERSION, TEXT_FIELDS

DEFAULT_INDEX = Path("indexes/default")

_OPEN_ERRORS = (
    OSError, EOFError, ValueError, KeyError, IndexError, AttributeError, ImportError,
    TypeError, pickle.UnpicklingError, struct.error, whoosh_index.IndexError,
)


@dataclass
class Hit:
    """One article in a result list."""

    id: str
    title: str
    score: float
    date: datetime | None = None
    source: str = ""
    category: str = ""
    url: str = ""
    snippets: list[Snippet] = field(default_factory=list)

    @property
    def highlights(self) -> list[str]:
        """Snippets as HTML: matches in ``<mark>``, the rest escaped."""
        return [s.html() for s in self.snippets]

    def to_dict(self) -> dict:
        return {
            "id": self.id, "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "source": self.source, "category": self.category, "url": self.url,
            "score": round(self.score, 4), "highlights": self.highlights,
        }


@dataclass
class SearchResults:
    """A page of hits, and how many articles matched in all."""

    query: str
    total: int
    page: int
    limit: int
    hits: list[Hit]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "query": self.query, "total": self.total, "page": self.page, "limit": self.limit,
            "hits": [hit.to_dict() for hit in self.hits], "notes": self.notes,
        }


@dataclass
class IndexStats:
    path: Path
    articles: int
    fields: list[str]
    size_bytes: int
    built_at: str
    build_seconds: float
    schema_version: int

    def to_dict(self) -> dict:
        data = dict(self.__dict__)
        data["path"] = str(self.path)
        return data


def _parse_stored_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


class Index:
    """A read-only view of one generation of the index. Use as a context manager."""

    def __init__(self, index_dir: Path, generation: Path, meta: dict, ix):
        self.path = index_dir
        self.generation = generation
        self.meta = meta
        self._ix = ix
        self._searcher = ix.searcher(weighting=WEIGHTING)

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._searcher.close()
        self._ix.close()

    @property
    def article_count(self) -> int:
        return self._searcher.doc_count()

    def search(self, text: str, limit: int = 10, page: int = 1,
               highlight: bool = True) -> SearchResults:
        """The ``page``-th page of ``limit`` hits for ``text``, best first."""
        if limit < 1 or page < 1:
            raise SearchError("limit and page must be at least 1")
        parsed = parse_query(text, self._ix.schema)
        if parsed.is_empty:
            notes = parsed.notes + ["no searchable words in the query (only stop words or symbols)"]
            return SearchResults(text, 0, page, limit, [], notes)
        depth = max(RERANK_DEPTH, page * limit)
        results = self._searcher.search(parsed.query, limit=depth, terms=True)
        candidates = [
            Candidate(hit.docnum, hit.score, {
                t.decode("utf-8") for field, t in (hit.matched_terms() or []) if field in TEXT_FIELDS
            })
            for hit in results
        ]
        ranked = rerank(candidates, query_words(parsed.query, TEXT_FIELDS))
        page_of = ranked[(page - 1) * limit: page * limit]
        terms = parsed.terms() if highlight else set()
        analyzer = self._ix.schema["body"].analyzer
        hits = []
        for candidate in page_of:
            stored = self._searcher.stored_fields(candidate.docnum)
            hits.append(Hit(
                id=stored["id"],
                title=stored.get("title", ""),
                score=candidate.score,
                date=_parse_stored_date(stored.get("date_text")),
                source=stored.get("source", ""),
                category=stored.get("category", ""),
                url=stored.get("url", ""),
                snippets=snippets(stored.get("body", ""), terms, analyzer) if highlight else [],
            ))
        return SearchResults(text, len(results), page, limit, hits, parsed.notes)

    def get(self, article_id: str) -> Article:
        """The stored article with this id."""
        stored = self._searcher.document(id=article_id)
        if stored is None:
            raise ArticleNotFoundError(f"no article with id {article_id!r}")
        return Article(
            id=stored["id"], body=stored.get("body", ""), title=stored.get("title", ""),
            date=_parse_stored_date(stored.get("date_text")),
            category=stored.get("category", ""), source=stored.get("source", ""),
            location=stored.get("location", ""), author=stored.get("author", ""),
            editor=stored.get("editor", ""), url=stored.get("url", ""),
            summary=stored.get("summary", ""), path=stored.get("path", ""),
        )

    def stats(self) -> IndexStats:
        return IndexStats(
            path=self.path,
            articles=self.article_count,
            fields=list(self._ix.schema.names()),
            size_bytes=storage.folder_size(self.generation),
            built_at=self.meta.get("built_at", ""),
            build_seconds=self.meta.get("build_seconds", 0.0),
            schema_version=self.meta.get("schema_version", 0),
        )


def open_index(index_dir: str | Path = DEFAULT_INDEX) -> Index:
    """Open the live index at ``index_dir`` for reading."""
    index_dir = Path(index_dir)
    generation = storage.current_generation(index_dir)
    meta = storage.read_meta(generation)
    version = meta.get("schema_version")
    if version != SCHEMA_VERSION:
        raise IndexOutdatedError(
            f"the index at {index_dir} was built with schema version {version}, "
            f"this version needs {SCHEMA_VERSION}; rebuild it with `search index`"
        )
    try:
        ix = whoosh_index.open_dir(str(generation))
        return Index(index_dir, generation, meta, ix)
    except _OPEN_ERRORS as error:
        raise IndexCorruptError(
            f"the index at {index_dir} is damaged ({type(error).__name__}: {error}); "
            "rebuild it with `search index --rebuild`"
        ) from None
