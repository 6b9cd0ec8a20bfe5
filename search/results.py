"""What the library returns: small dataclasses, each with ``to_dict`` for JSON.

The command line's ``--json``, the HTTP API and the library all give these
same shapes. Whoosh objects never appear here.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from types import MappingProxyType


@dataclass(frozen=True)
class Snippet:
    """A passage of text as ``(text, marked)`` parts, in order.

    ``starts_text`` and ``ends_text`` say whether the passage begins at the
    beginning of its text and runs to its end: where it does not, a renderer
    shows that something was cut (an ellipsis).
    """

    parts: tuple[tuple[str, bool], ...]
    starts_text: bool = False
    ends_text: bool = False

    @property
    def text(self) -> str:
        """The passage without marks."""
        return "".join(text for text, _ in self.parts)

    @property
    def marked(self) -> list[str]:
        """The words that matched, as written in the article."""
        return [text for text, is_match in self.parts if is_match]

    def html(self) -> str:
        """HTML: matches in ``<mark>``, every piece of article text escaped."""
        return "".join(
            f"<mark>{html.escape(text)}</mark>" if is_match else html.escape(text)
            for text, is_match in self.parts
        )

    def render(self, mark) -> str:
        """Text with each match passed through ``mark`` (for terminals and the like)."""
        return "".join(mark(text) if is_match else text for text, is_match in self.parts)


@dataclass(frozen=True)
class QueryWord:
    """One word of a query that ranks: as typed (lowercased), its stem, and the field it was aimed at."""

    text: str
    stem: str
    field: str = ""
    """``judul`` or ``isi`` when the query aimed the word at the title or the body; empty for both."""
    prefix: str = ""
    """The word's beginning typed with ``*`` (``banj*``) when the word is one of the index's words it
    stands for; empty for a word typed whole."""

    def to_dict(self) -> dict:
        data = {"text": self.text, "stem": self.stem, "field": self.field}
        if self.prefix:
            data["prefix"] = self.prefix
        return data


@dataclass
class QueryWords:
    """How the engine read a query's words: those that rank, the stop words it left out, the excluded ones.

    Each as typed, lowercased, without repeats, in the order typed; filters
    (``kategori:``, ``tanggal:``) are not words.
    """

    words: list[QueryWord] = field(default_factory=list)
    stop_words: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    """The words of ``NOT``, ``BUKAN`` and ``-`` clauses."""

    @property
    def stems(self) -> set[str]:
        return {word.stem for word in self.words}

    def to_dict(self) -> dict:
        return {"words": [word.to_dict() for word in self.words], "stop_words": self.stop_words,
                "excluded": self.excluded}


@dataclass(frozen=True)
class WordForms:
    """The forms an article wrote one query word in (lowercased), with how often, in its title and its body."""

    title: dict[str, int] = field(default_factory=dict)
    body: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"title": self.title, "body": self.body}


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
    # Each query word's stem -> the forms the article wrote it in; empty when not highlighted.
    forms: dict[str, WordForms] = field(default_factory=dict)

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
            "forms": {stem: forms.to_dict() for stem, forms in self.forms.items()},
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


class QueryNoteKind(Enum):
    """What a query's note says, with the English sentence it reads as (its values in braces)."""

    CUT = "query cut to its first {characters} characters"
    FILTER_IGNORED = "ignored {clause}: {reason}"
    NO_SUCH_FIELD = "there is no field {field!r}; searched {field}: as words"
    SYNTAX_NOT_UNDERSTOOD = "query syntax not understood; searched for its words"
    LEFT_OUT = "left out articles with: {words} (a '-' or NOT before a word excludes it)"
    CORRECTED = "nothing matched {typed!r}; showing results for {searched!r}"
    NO_WORDS = "no searchable words in the query (only stop words or symbols)"
    SHARDS_MISSING = "shards {shards} did not answer: these results leave out their articles"
    PREFIX_TOO_SHORT = ("{clause}: '*' finds the words that begin with at least {letters} letters "
                        "(banj* finds banjir, banjarmasin); searched for {word}")
    WILDCARD_MISPLACED = ("{clause}: '*' goes at the end of a word's beginning "
                          "(banj* finds banjir, banjarmasin); searched for {word}")
    EVERYTHING = "a lone '*' lists every article, newest first ('*' after a word's beginning, as in banj*, finds " \
                 "the words that begin so)"
    STAR_IGNORED = "a lone '*' beside other words is ignored ('*' after a word's beginning, as in banj*, finds " \
                   "the words that begin so)"
    PREFIX_CUT = "{clause} stands for its {count} most frequent words only: {words}"
    PREFIX_NOTHING = "no word of the index begins with {prefix}"
    DATES_REVERSED = "the dates are reversed: no article is from {start} and up to {end}; swap them"


class QueryNote(str):
    """A note on how a query was read or answered: its English sentence (the string itself, as
    the command line and the JSON's ``notes`` show it), its ``kind`` and its ``values`` (for a
    page that says it in another language: ``search.web.labels``)."""

    kind: QueryNoteKind
    values: Mapping[str, str]

    def __new__(cls, kind: QueryNoteKind, **values: str) -> QueryNote:
        note = super().__new__(cls, kind.value.format(**values))
        note.kind, note.values = kind, MappingProxyType(dict(values))
        return note

    def __reduce__(self):  # a note travels from a Ray actor as its kind and values
        return _query_note, (self.kind, dict(self.values))

    def to_dict(self) -> dict:
        return {"kind": self.kind.name.lower(), "text": str(self), **self.values}


def _query_note(kind: QueryNoteKind, values: dict[str, str]) -> QueryNote:
    return QueryNote(kind, **values)


class Export(Iterator[ExportRow]):
    """Every article matching a query, one :class:`ExportRow` at a time (iterate once).

    ``total`` and ``notes`` are known before the first row: the ranked list
    of article numbers is computed up front, each row's stored fields and
    snippet only when it is reached, so memory does not grow with the rows.
    Read it while its index is open.
    """

    def __init__(self, query: str, total: int, notes: list[QueryNote], rows: Iterator[ExportRow]):
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
    notes: list[QueryNote] = field(default_factory=list)
    # The query with misspelled words corrected, when any were.
    suggestion: str | None = None
    # Matching articles by "category", "source", "author", "location" and "month", when asked for.
    facets: dict[str, dict[str, int]] | None = None
    # Shards held apart that did not answer in time: the results leave out their articles.
    missing_shards: list[int] = field(default_factory=list)
    # How the engine read the query's words (of the query searched: corrected, when it was).
    words: QueryWords = field(default_factory=QueryWords)

    def to_dict(self) -> dict:
        data = {
            "query": self.query, "total": self.total, "page": self.page, "limit": self.limit,
            "suggestion": self.suggestion, "words": self.words.to_dict(),
            "hits": [hit.to_dict() for hit in self.hits], "notes": [str(note) for note in self.notes],
            "note_details": [note.to_dict() for note in self.notes],
        }
        if self.facets is not None:
            data["facets"] = self.facets
        if self.missing_shards:
            data["missing_shards"] = self.missing_shards
        return data


@dataclass
class SourceStats:
    """One file or folder the index was built from."""

    path: str
    files: int
    articles: int
    exists: bool
    kept: int = 0
    """Articles from this source whose files are gone, kept in the index (a prune removes them)."""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ShardStats:
    """One shard of the index: its articles, its size on disk, and what serves it."""

    number: int
    articles: int
    size_bytes: int
    served_by: str = "this process"

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
    shards: list[ShardStats] = field(default_factory=list)
    kept: int = 0
    """Articles no source file holds any more (gone, moved away, emptied), kept until pruned or removed."""

    def to_dict(self) -> dict:
        data = dict(self.__dict__)
        data["path"] = str(self.path)
        data["sources"] = [source.to_dict() for source in self.sources]
        data["shards"] = [shard.to_dict() for shard in self.shards]
        return data


@dataclass
class FieldValue:
    """One value of a keyword field, as written, and how many articles have it."""

    value: str
    count: int

    def to_dict(self) -> dict:
        return {"value": self.value, "count": self.count}


@dataclass(frozen=True)
class Period:
    """One period of a timeline: its first and last day (WIB), and its name (``2021-03``, ``2021-W09``).

    The first and last periods of a timeline with dates given end at those
    dates: they count, and link to, only the days inside them.
    """

    start: date
    end: date
    label: str

    @property
    def _whole_month_or_year(self) -> bool:
        """A month or year from its first day to its last (so that its name alone says which days)."""
        if len(self.label) not in (4, 7) or self.start.day != 1 or (self.end + timedelta(days=1)).day != 1:
            return False
        return len(self.label) == 7 or (self.start.month == 1 and self.end.month == 12)

    @property
    def date_from(self) -> str:
        """The period's start as the date options take it: its link to its articles is from..to."""
        return self.label if self._whole_month_or_year else self.start.isoformat()

    @property
    def date_to(self) -> str:
        return self.label if self._whole_month_or_year else self.end.isoformat()

    def to_dict(self) -> dict:
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass
class TimelineLine:
    """One query's articles per period of a :class:`Timeline`, and as shares of the archive's."""

    query: str
    counts: list[int]
    shares: list[float]
    """Each period's count over the archive's count of that period (0 where the archive has none)."""
    undated: int = 0
    """Matching articles without a date: in no period."""
    notes: list[QueryNote] = field(default_factory=list)
    suggestion: str | None = None
    """The query with misspelled words corrected, when it matched nothing (a timeline counts what was typed)."""

    @property
    def total(self) -> int:
        return sum(self.counts) + self.undated

    def to_dict(self) -> dict:
        return {"query": self.query, "total": self.total, "undated": self.undated, "counts": self.counts,
                "shares": [round(share, 6) for share in self.shares], "suggestion": self.suggestion,
                "notes": [str(n) for n in self.notes], "note_details": [note.to_dict() for note in self.notes]}


@dataclass
class Timeline:
    """Attention over time: each query's article count per period, beside the archive's.

    ``archive`` counts the articles the filters and dates let through in
    each period (all of them without filters): the shares are of it, so
    that periods of a growing archive compare.
    """

    interval: str
    periods: list[Period]
    archive: list[int]
    lines: list[TimelineLine]
    filters: str = ""
    missing_shards: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"interval": self.interval, "filters": self.filters,
                "periods": [period.to_dict() for period in self.periods], "archive": self.archive,
                "lines": [line.to_dict() for line in self.lines]}

    def rows(self) -> Iterator[dict]:
        """One row per period: its label and dates, the archive's count, each query's count and share."""
        for i, period in enumerate(self.periods):
            row: dict = {"period": period.label, "start": period.start.isoformat(),
                         "end": period.end.isoformat(), "archive": self.archive[i]}
            for line in self.lines:
                row[f"{line.query} count"] = line.counts[i]
                row[f"{line.query} share"] = round(line.shares[i], 6)
            yield row


@dataclass(frozen=True)
class SignificantWord:
    """A word or two-word phrase a query's articles use more than the rest of the archive."""

    text: str
    """Its most common written form in the articles read (``BPBD``, ``Kali Ciliwung``)."""
    stems: tuple[str, ...]
    """What the index holds: one stem, or two for a phrase (what a link adds to the query)."""
    articles: int
    """Articles of the sample holding it."""
    archive: int
    """Articles of the whole archive holding it."""
    score: float
    """Log-likelihood (G²) of it being this much more common in the sample than elsewhere."""

    @property
    def phrase(self) -> bool:
        return len(self.stems) > 1

    @property
    def query_text(self) -> str:
        """How to add it to a query: a word as written, a phrase in quotes."""
        return f'"{self.text}"' if self.phrase else self.text

    def to_dict(self) -> dict:
        return {"text": self.text, "stems": list(self.stems), "phrase": self.phrase, "articles": self.articles,
                "archive": self.archive, "score": round(self.score, 3)}


@dataclass(frozen=True)
class SourceShare:
    """An outlet's articles matching a query, as a share of its own articles."""

    source: str
    matched: int
    articles: int

    @property
    def share(self) -> float:
        return self.matched / self.articles if self.articles else 0.0

    def to_dict(self) -> dict:
        return {"source": self.source, "matched": self.matched, "articles": self.articles,
                "share": round(self.share, 6)}


@dataclass
class Coverage:
    """The words that set a query's articles apart, and the outlets that carried them.

    The words are read from the query's ``sample`` best-ranked articles and
    weighed against the whole archive (:func:`search.query.coverage.log_likelihood`).
    """

    query: str
    total: int
    """Articles matching the query."""
    sample: int
    """Articles read for their words."""
    words: list[SignificantWord]
    sources: list[SourceShare]
    notes: list[QueryNote] = field(default_factory=list)
    missing_shards: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"query": self.query, "total": self.total, "sample": self.sample,
                "words": [word.to_dict() for word in self.words],
                "sources": [source.to_dict() for source in self.sources],
                "notes": [str(note) for note in self.notes],
                "note_details": [note.to_dict() for note in self.notes]}
