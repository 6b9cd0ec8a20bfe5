"""An open index: search it, fetch an article, describe it.

``open_index(path)`` checks that the index exists, was built by this version
of the schema and is readable, and returns an :class:`Index`. Everything it
returns is a small dataclass; Whoosh objects never leave this module.
``Index.export`` walks every matching article, a row at a time.
"""

from __future__ import annotations

import functools
import html
import pickle
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import sorting
from whoosh.query import AndNot as WhooshAndNot
from whoosh.query import DateRange, Every
from whoosh.query import Not as WhooshNot
from whoosh.query import Or

from . import scoring, storage
from .analysis import consult_stems, stop_consulting_stems
from .articles import Article
from .errors import (
    ArticleNotFoundError,
    IndexCorruptError,
    IndexOutdatedError,
    InvalidArgumentError,
    QueryError,
    SearchError,
)
from .highlight import Snippet, marked_title, snippets
from .dates import intersect, parse_date_range
from .query import FIELD_ALIASES, parse_query
from .spelling import suggest
from .ranking import (RERANK_DEPTH, TYPED_FIELD, WEIGHTING, Candidate, collect_evidence, query_sequence,
                      rerank)
from .schema import KEYWORD_FIELDS, SCHEMA_VERSION, TEXT_FIELDS

DEFAULT_INDEX = Path("indexes/default")
SUGGEST_MAX_WORDS = 4

_OPEN_ERRORS = (
    OSError, EOFError, ValueError, KeyError, IndexError, AttributeError, ImportError,
    TypeError, pickle.UnpicklingError, struct.error, whoosh_index.IndexError,
)


# What a damaged segment file raises while it is read.
_READ_ERRORS = (OSError, EOFError, struct.error, zlib.error, pickle.UnpicklingError)


def _reports_damage(method):
    """Turn a failure to read the index's files into :class:`IndexCorruptError`."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except _READ_ERRORS as error:
            raise _damaged(self.path, error) from None

    return wrapper


def _damaged(path: Path, error: Exception) -> IndexCorruptError:
    return IndexCorruptError(
        f"the index at {path} is damaged ({type(error).__name__}: {error}); "
        "rebuild it with `search index --rebuild`"
    )


@dataclass
class Hit:
    """One article in a result list."""

    id: str
    title: str
    # Relevance score; None when results are sorted by date.
    score: float | None
    date: datetime | None = None
    source: str = ""
    category: str = ""
    url: str = ""
    snippets: list[Snippet] = field(default_factory=list)
    # The whole title with the query's words marked; None when not highlighted.
    title_snippet: Snippet | None = None

    @property
    def highlights(self) -> list[str]:
        """Snippets as HTML: matches in ``<mark>``, the rest escaped."""
        return [s.html() for s in self.snippets]

    @property
    def title_highlight(self) -> str:
        """The title as HTML: matches in ``<mark>``, the rest escaped."""
        return self.title_snippet.html() if self.title_snippet else html.escape(self.title)

    def to_dict(self) -> dict:
        return {
            "id": self.id, "title": self.title, "title_highlight": self.title_highlight,
            "date": self.date.isoformat() if self.date else None,
            "source": self.source, "category": self.category, "url": self.url,
            "score": None if self.score is None else round(self.score, 4), "highlights": self.highlights,
        }


EXPORT_FIELDS = ("id", "title", "date", "source", "category", "url", "score", "snippet")


@dataclass
class ExportRow:
    """One matching article in an export: its metadata and first snippet as plain text."""

    id: str
    title: str
    date: datetime | None
    source: str
    category: str
    url: str
    # Relevance score; None when sorted by date.
    score: float | None
    snippet: str

    @classmethod
    def from_hit(cls, hit: Hit) -> ExportRow:
        return cls(hit.id, hit.title, hit.date, hit.source, hit.category, hit.url, hit.score,
                   hit.snippets[0].text if hit.snippets else "")

    def to_dict(self) -> dict:
        """The row in ``EXPORT_FIELDS`` order; the date in ISO 8601."""
        return {
            "id": self.id, "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "source": self.source, "category": self.category, "url": self.url,
            "score": None if self.score is None else round(self.score, 4), "snippet": self.snippet,
        }


class Export(Iterator[ExportRow]):
    """Every article matching a query, one :class:`ExportRow` at a time (iterate once).

    ``total`` and ``notes`` are known before the first row: the ranked list
    of article numbers is computed up front, each row's stored fields and
    snippet only when it is reached, so memory does not grow with the rows.
    Read it while its index is open.
    """

    def __init__(self, query: str, total: int, notes: list[str], rows: Iterator[ExportRow]):
        self.query = query
        self.total = total
        self.notes = notes
        self._rows = rows

    def __next__(self) -> ExportRow:
        return next(self._rows)


@dataclass
class SearchResults:
    """A page of hits, and how many articles matched in all."""

    query: str
    total: int
    page: int
    limit: int
    hits: list[Hit]
    notes: list[str] = field(default_factory=list)
    # The query with misspelled words corrected, when any were.
    suggestion: str | None = None
    # Matching articles by "category", "source" and "month", when asked for.
    facets: dict[str, dict[str, int]] | None = None

    def to_dict(self) -> dict:
        data = {
            "query": self.query, "total": self.total, "page": self.page, "limit": self.limit,
            "suggestion": self.suggestion,
            "hits": [hit.to_dict() for hit in self.hits], "notes": self.notes,
        }
        if self.facets is not None:
            data["facets"] = self.facets
        return data


@dataclass
class SourceStats:
    """One file or folder the index was built from."""

    path: str
    files: int
    articles: int
    exists: bool

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class IndexStats:
    path: Path
    articles: int
    fields: list[str]
    size_bytes: int
    built_at: str
    build_seconds: float
    schema_version: int
    sources: list[SourceStats] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = dict(self.__dict__)
        data["path"] = str(self.path)
        data["sources"] = [source.to_dict() for source in self.sources]
        return data


@dataclass
class FieldValue:
    """One value of a keyword field, as written, and how many articles have it."""

    value: str
    count: int

    def to_dict(self) -> dict:
        return {"value": self.value, "count": self.count}


SORTS = ("relevance", "date", "-date")
FACETS = ("category", "source", "author", "location", "month")
# Fields whose values ``Index.values`` lists, and their Indonesian names.
VALUE_FIELDS = (*KEYWORD_FIELDS, "month")
VALUE_ALIASES = {
    **{alias: name for name, aliases in FIELD_ALIASES.items() if name in VALUE_FIELDS
       for alias in aliases},
    "bulan": "month",
}


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment else None


def _search_with_cheap_matchers(searcher, query, options: dict):
    """``searcher.search(query, **options)``, with cheaper matchers for long OR queries.

    Measured on 26,336 articles with headline queries (an OR of 40-60 terms),
    each of these halved the query time and gave the same results:

    * Whoosh's collector rebuilds the matcher tree every 10 matches, asking
      each term matcher for its best possible score, so that it can turn
      unions into cheaper intersections. For a top 200 that pruning seldom
      pays; the tree is left as built.
    * Above 5,000 articles Whoosh walks an OR as a binary tree of unions, one
      document at a time. A query made only of words and phrases has its ORs
      add up their terms' scores in an array instead, part by part, as
      Whoosh itself does for small indexes.
    """
    if scoring.can_score(query):  # only words and phrases
        _sum_unions_in_arrays(query)
    collector = searcher.collector(**options)
    inner = collector
    while inner is not None:
        if hasattr(inner, "replace"):
            inner.replace = 0
        inner = getattr(inner, "child", None)
    searcher.search_with_collector(query, collector)
    return collector.results()


def _sum_unions_in_arrays(query) -> None:
    if isinstance(query, Or):
        query.matcher_type = Or.ARRAY_MATCHER
    for child in query.children():
        _sum_unions_in_arrays(child)


def _date_window(parsed, date_from: str | None, date_to: str | None):
    """The Whoosh filter for the query's ``tanggal:`` and the ``date_from``/``date_to`` options."""
    start, end = parsed.date_from, parsed.date_to
    try:
        if date_from:
            start, end = intersect((start, end), (parse_date_range(date_from)[0], None))
        if date_to:
            start, end = intersect((start, end), (None, parse_date_range(date_to)[1]))
    except ValueError as error:
        raise QueryError(str(error)) from None
    if start is None and end is None:
        return None
    return DateRange("date", _utc(start), _utc(end), endexcl=True)


def _safe_to_optimize(query) -> bool:
    """Whoosh's block-skipping optimisation fails on some exclusions (an
    IndexError deep in its AndNot matcher, seen on real headlines), so a query
    with NOT or -word is evaluated without it."""
    if isinstance(query, (WhooshNot, WhooshAndNot)):
        return False
    return all(_safe_to_optimize(child) for child in query.children())


def _no_facets() -> dict:
    return {name: {} for name in FACETS}


def _facet_counts(results, names=FACETS) -> dict:
    """Matching articles per category, source and month (or ``names``), the largest first."""
    counts = {}
    for name in names:
        groups = results.groups(name)
        items = [(key.decode("utf-8") if isinstance(key, bytes) else key, n)
                 for key, n in groups.items() if key not in (None, "", b"")]
        counts[name] = dict(sorted(items, key=lambda item: (-item[1], item[0])))
    return counts


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
        # The schema as this generation was opened; ``ix.schema`` would read
        # the table of contents from disk again on every use.
        self._schema = self._searcher.schema
        self._fast_scorer = None
        # Parsing queries and highlighting stem words: take the roots the build
        # computed instead of asking Sastrawi again.
        self._stems = storage.StemTable(generation)
        consult_stems(self._stems)
        self._hold = storage.hold(generation)

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._searcher.close()
        self._ix.close()
        stop_consulting_stems(self._stems)
        self._stems.close()
        if self._hold is not None:
            self._hold.close()

    def refresh(self) -> bool:
        """Move to the index's newest complete generation, if a build or update published one.

        A long-running reader (a server) calls this between requests: it keeps
        answering from the generation it has open until then. Returns True if
        it moved.
        """
        if storage.current_generation(self.path) == self.generation:
            return False
        fresh = open_index(self.path)
        self.close()
        (self.generation, self.meta, self._ix, self._searcher, self._schema, self._stems,
         self._hold) = (fresh.generation, fresh.meta, fresh._ix, fresh._searcher, fresh._schema,
                        fresh._stems, fresh._hold)
        self._fast_scorer = None
        return True

    @property
    def article_count(self) -> int:
        return self._searcher.doc_count()

    @_reports_damage
    def search(self, text: str, limit: int = 10, page: int = 1, highlight: bool = True,
               sort: str = "relevance", date_from: str | None = None,
               date_to: str | None = None, facets: bool = False) -> SearchResults:
        """The ``page``-th page of ``limit`` hits for ``text``.

        ``sort`` is ``relevance`` (best first), ``date`` (oldest first) or
        ``-date`` (newest first). ``date_from`` and ``date_to`` take the same
        values as the ``tanggal:`` filter (``2021``, ``2021-03``, ``Maret 2021``
        ...), both ends included. ``facets`` adds counts of all matching
        articles by category, source and month.
        """
        if limit < 1 or page < 1:
            raise InvalidArgumentError("limit and page must be at least 1")
        parsed, window, notes, suggestion, browse = self._read_query(text, sort, date_from, date_to)
        short = len(parsed.text.split()) <= SUGGEST_MAX_WORDS
        if parsed.is_empty and not browse:
            notes.append("no searchable words in the query (only stop words or symbols)")
            return SearchResults(text, 0, page, limit, [], notes, suggestion,
                                 _no_facets() if facets else None)
        if browse:
            results = self._by_date(parsed, window, sort, page * limit, facets)
            hits = [self._hit(hit.docnum, None, set() if highlight else None)
                    for hit in results[(page - 1) * limit: page * limit]]
            return SearchResults(text, len(results), page, limit, hits, notes, suggestion,
                                 _facet_counts(results) if facets else None)

        depth = max(RERANK_DEPTH, page * limit)
        # Whoosh's block-max skipping costs more than it saves on long OR
        # queries over several fields, and cannot skip much for a top 200.
        options = {"limit": depth, "filter": window, "optimize": False}
        if facets:
            options["groupedby"] = {name: sorting.FieldFacet(name) for name in FACETS}
            options["maptype"] = sorting.Count
        if sort != "relevance":
            options.update(sortedby="date", reverse=sort == "-date")
        read = {}  # postings already read, by (field, word)
        if sort == "relevance" and not facets and scoring.can_score(parsed.query):
            scores = self._scorer().score(parsed.query, self._allowed(window))
            candidates = [Candidate(docnum, score) for docnum, score in scores.best(depth)]
            total, counts, read = scores.total, None, scores.postings
        else:
            results = _search_with_cheap_matchers(self._searcher, parsed.query, options)
            candidates = [Candidate(hit.docnum, hit.score) for hit in results]
            total, counts = len(results), _facet_counts(results) if facets else None
        sequence = query_sequence(parsed.query, TEXT_FIELDS)
        terms = set(sequence)  # what the query asks for: re-scored and highlighted
        if sort == "relevance":
            candidates = self._rerank(candidates, parsed.query, sequence, read)
        hits = [self._hit(c.docnum, c.score if sort == "relevance" else None, terms if highlight else None)
                for c in candidates[(page - 1) * limit: page * limit]]
        if not short and total < limit:
            suggestion = suggest(parsed.text, self._searcher)
        return SearchResults(text, total, page, limit, hits, notes, suggestion, counts)

    def _read_query(self, text: str, sort: str, date_from: str | None, date_to: str | None):
        """(parsed query, date window, notes, suggestion, browse): how search() and export() read ``text``.

        A short query with a misspelled word gets a suggestion; if it matches
        nothing as typed, the corrected query is searched instead. Looking up
        corrections costs tens of milliseconds per unknown word, so a long
        query (often a headline full of names) gets none here. ``browse`` is
        true for a query of filters only (``tanggal:2021-03``,
        ``kategori:politik``, or no text beside a date window): it lists every
        article they let through, by date.
        """
        if sort not in SORTS:
            raise InvalidArgumentError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        parsed = parse_query(text, self._schema)
        notes = list(parsed.notes)
        window = _date_window(parsed, date_from, date_to)
        short = len(parsed.text.split()) <= SUGGEST_MAX_WORDS
        suggestion = suggest(parsed.text, self._searcher) if short else None
        if suggestion is not None and (parsed.is_empty or not self._matches(parsed, window)):
            corrected = parse_query(suggestion, self._schema)
            if not corrected.is_empty:
                notes.append(f"nothing matched {text!r}; showing results for {suggestion!r}")
                parsed = corrected
        browse = parsed.filters_only and (not parsed.is_empty or window is not None)
        return parsed, window, notes, suggestion, browse

    def _by_date(self, parsed, window, sort: str, limit: int | None, facets: bool = False):
        """The articles a query of filters only lets through, newest first unless ``sort`` is ``date``."""
        options = {"limit": limit, "filter": window, "optimize": False,
                   "sortedby": "date", "reverse": sort != "date"}
        if facets:
            options["groupedby"] = {name: sorting.FieldFacet(name) for name in FACETS}
            options["maptype"] = sorting.Count
        return self._searcher.search(Every() if parsed.is_empty else parsed.query, **options)

    def _rerank(self, candidates: list[Candidate], query, sequence: list[str], read: dict) -> list[Candidate]:
        """The second stage: re-score ``candidates`` on the query's evidence (``read``: postings at hand)."""
        def postings_of(fieldname, word):
            if (fieldname, word) not in read:
                read[fieldname, word] = scoring.read_postings(self._searcher, fieldname, word,
                                                              with_positions=True)
            return read[fieldname, word]

        typed = query_sequence(query, (TYPED_FIELD,))  # the words as typed, unstemmed
        collect_evidence(candidates, set(sequence), TEXT_FIELDS, postings_of, set(typed))
        return rerank(candidates, sequence, tie_key=self._article_id, typed=typed)

    def _scorer(self) -> scoring.Scorer:
        if self._fast_scorer is None:
            self._fast_scorer = scoring.Scorer(self._searcher, WEIGHTING)
        return self._fast_scorer

    def _allowed(self, window):
        """The articles the date window lets through, as a mask; None when there is no window."""
        return None if window is None else self._scorer().range_mask(window)

    def _matches(self, parsed, window) -> bool:
        return not self._searcher.search(parsed.query, limit=1, filter=window,
                                         optimize=_safe_to_optimize(parsed.query)).is_empty()

    @_reports_damage
    def export(self, text: str, sort: str = "relevance", date_from: str | None = None,
               date_to: str | None = None) -> Export:
        """Every article matching ``text``, as :class:`ExportRow` objects, in ranked or date order.

        The options are those of :meth:`search`, and the query is read the same
        way (a query that matches nothing as typed is corrected). With ``sort``
        ``relevance`` the first ``RERANK_DEPTH`` rows are those :meth:`search`
        ranks first, in its order; the rest follow by their first-stage BM25F
        score. Only the ranked article numbers are held at once: each row is
        read and its snippet made when the iteration reaches it.
        """
        parsed, window, notes, _, browse = self._read_query(text, sort, date_from, date_to)
        if browse:
            ranked = [(hit.docnum, None) for hit in self._by_date(parsed, window, sort, None)]
            return Export(text, len(ranked), notes, self._export_rows(ranked, set(), "date"))
        if parsed.is_empty:
            notes.append("no searchable words in the query (only stop words or symbols)")
            return Export(text, 0, notes, iter(()))
        sequence = query_sequence(parsed.query, TEXT_FIELDS)
        ranked = self._ranked(parsed.query, window, sort, sequence)
        return Export(text, len(ranked), notes, self._export_rows(ranked, set(sequence), sort))

    def _ranked(self, query, window, sort: str, sequence: list[str]) -> list[tuple[int, float]]:
        """Every matching (docnum, score), in the order of ``sort``; the top re-scored as in search()."""
        read = {}
        if sort == "relevance" and scoring.can_score(query):
            scores = self._scorer().score(query, self._allowed(window))
            ranked, read = scores.best(scores.total), scores.postings
        else:
            options = {"limit": None, "filter": window, "optimize": False}
            if sort != "relevance":
                options.update(sortedby="date", reverse=sort == "-date")
            results = _search_with_cheap_matchers(self._searcher, query, options)
            ranked = [(hit.docnum, hit.score) for hit in results]
        if sort != "relevance":
            return ranked
        top = [Candidate(docnum, score) for docnum, score in ranked[:RERANK_DEPTH]]
        top = self._rerank(top, query, sequence, read)
        ranked[:RERANK_DEPTH] = [(c.docnum, c.score) for c in top]
        return ranked

    def _export_rows(self, ranked: list[tuple[int, float]], terms: set[str],
                     sort: str) -> Iterator[ExportRow]:
        searcher, analyzer = self._searcher, self._schema["body"].analyzer
        try:
            for docnum, score in ranked:
                stored = searcher.stored_fields(docnum)
                first = snippets(stored.get("body", ""), terms, analyzer)
                yield ExportRow(
                    id=stored["id"], title=stored.get("title", ""),
                    date=_parse_stored_date(stored.get("date_text")),
                    source=stored.get("source", ""), category=stored.get("category", ""),
                    url=stored.get("url", ""), score=score if sort == "relevance" else None,
                    snippet=first[0].text if first else "",
                )
        except _READ_ERRORS as error:
            raise _damaged(self.path, error) from None

    @_reports_damage
    def similar(self, article_id: str, limit: int = 10) -> list[Hit]:
        """The articles most like the given one (not including it), best first."""
        docnum = self._searcher.document_number(id=article_id)
        if docnum is None:
            raise ArticleNotFoundError(f"no article with id {article_id!r}")
        results = self._searcher.more_like(docnum, "body", top=limit, numterms=25)
        return [self._hit(hit.docnum, hit.score, None) for hit in results]

    def _article_id(self, docnum: int) -> str:
        return self._searcher.stored_fields(docnum)["id"]

    def _hit(self, docnum: int, score: float, terms: set[str] | None) -> Hit:
        stored = self._searcher.stored_fields(docnum)
        analyzer = self._schema["body"].analyzer
        return Hit(
            id=stored["id"],
            title=stored.get("title", ""),
            score=score,
            date=_parse_stored_date(stored.get("date_text")),
            source=stored.get("source", ""),
            category=stored.get("category", ""),
            url=stored.get("url", ""),
            snippets=snippets(stored.get("body", ""), terms, analyzer) if terms is not None else [],
            title_snippet=(marked_title(stored.get("title", ""), terms, self._schema["title"].analyzer)
                           if terms is not None else None),
        )

    @_reports_damage
    def values(self, field: str, limit: int | None = None) -> list[FieldValue]:
        """The values of a keyword field with their article counts, most common first.

        ``field`` is ``category``, ``source``, ``author``, ``location`` or
        ``month``, or its Indonesian name (``kategori``, ``sumber``, ``penulis``,
        ``lokasi``, ``bulan``). Values are as written in the articles; articles
        without one are not counted. ``limit`` keeps the most common ones.
        """
        name = VALUE_ALIASES.get(field.lower(), field.lower())
        if name not in VALUE_FIELDS:
            allowed = ", ".join(f"{n} ({a})" for a, n in VALUE_ALIASES.items())
            raise InvalidArgumentError(f"no field {field!r} to list values of; use one of: {allowed}")
        if limit is not None and limit < 1:
            raise InvalidArgumentError(f"limit must be at least 1, not {limit}")
        results = self._searcher.search(Every(), limit=1, groupedby={name: sorting.FieldFacet(name)},
                                        maptype=sorting.Count)
        found = [FieldValue(value, count) for value, count in _facet_counts(results, (name,))[name].items()]
        return found if limit is None else found[:limit]

    @_reports_damage
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

    @_reports_damage
    def stats(self) -> IndexStats:
        return IndexStats(
            path=self.path,
            articles=self.article_count,
            fields=list(self._schema.names()),
            size_bytes=storage.folder_size(self.generation),
            built_at=self.meta.get("built_at", ""),
            build_seconds=self.meta.get("build_seconds", 0.0),
            schema_version=self.meta.get("schema_version", 0),
            sources=self._sources(),
        )

    def _sources(self) -> list[SourceStats]:
        manifest = storage.read_manifest(self.generation)
        stats = {path: SourceStats(path, 0, 0, Path(path).exists()) for path in manifest["sources"]}
        for key, state in manifest["files"].items():
            source = storage.source_of(key, manifest["sources"])
            if source is not None:
                stats[source].files += 1
                stats[source].articles += len(state.get("ids", []))
        return list(stats.values())


def open_index(index_dir: str | Path = DEFAULT_INDEX) -> Index:
    """Open the live index at ``index_dir`` for reading."""
    index_dir = Path(index_dir)
    for _ in range(OPEN_ATTEMPTS):
        generation = storage.current_generation(index_dir)
        try:
            return _open_generation(index_dir, generation)
        except SearchError:
            # Updates published two generations while we read the pointer, and
            # the one it named was deleted under us: read the pointer again.
            if storage.current_generation(index_dir) == generation:
                raise
    return _open_generation(index_dir, storage.current_generation(index_dir))


OPEN_ATTEMPTS = 5


def _open_generation(index_dir: Path, generation: Path) -> Index:
    meta = storage.read_meta(generation)
    storage.check_files(generation, meta)
    version = meta.get("schema_version")
    if version != SCHEMA_VERSION:
        raise IndexOutdatedError(
            f"the index at {index_dir} was built with schema version {version}, "
            f"this version needs {SCHEMA_VERSION}; rebuild it with `search index`"
        )
    try:
        ix = storage.open_for_reading(generation)
        return Index(index_dir, generation, meta, ix)
    except _OPEN_ERRORS as error:
        raise IndexCorruptError(
            f"the index at {index_dir} is damaged ({type(error).__name__}: {error}); "
            "rebuild it with `search index --rebuild`"
        ) from None
