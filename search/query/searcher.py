"""Answering a query over one generation, in explicit stages.

::

    read_query      text -> QueryPlan        parse, filters (dates), did-you-mean
    FirstStage      plan -> Candidates       BM25F over the index (NumPy, or Whoosh's searcher)
    rerank_stage    candidates -> ranked     the re-ranking of search.query.ranking
    Renderer        docnum -> Hit            stored fields and snippets

:class:`Searcher` runs them for ``search``, ``export``, ``similar``,
``values`` and ``get``. Each stage takes what it needs (the generation's
Whoosh searcher, a :class:`~search.query.ranking.Ranking`) as arguments; none
reads a global. The first stage is the only one that touches postings: an
index of several shards, or another postings format, replaces it alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property

import numpy as np
from whoosh import sorting
from whoosh.query import DateRange, Every, Or, Query

from ..articles import Article, encodable
from ..errors import ArticleNotFoundError, InvalidArgumentError, QueryError
from ..language.analysis import WORD_PATTERN
from ..language.dates import intersect, parse_date_range
from ..results import Export, ExportRow, FieldValue, Hit, SearchResults
from ..store.generation import Generation
from ..store.schema import KEYWORD_FIELDS, POSITIONS_FIELD, TEXT_FIELDS, TYPED_FIELD, to_article
from . import scoring
from .parser import FIELD_ALIASES, ParsedQuery, parse_query
from .ranking import Ranking, gather_evidence, ranked_order, rescore
from .snippets import Snippet, marked_title, snippets_at
from .spelling import suggest

SORTS = ("relevance", "date", "-date")
FACETS = ("category", "source", "author", "location", "month")
# Fields whose values ``Searcher.values`` lists, and their Indonesian names.
VALUE_FIELDS = (*KEYWORD_FIELDS, "month")
VALUE_ALIASES = {
    **{alias: name for name, aliases in FIELD_ALIASES.items() if name in VALUE_FIELDS
       for alias in aliases},
    "bulan": "month",
}
SUGGEST_MAX_WORDS = 4
NO_WORDS = "no searchable words in the query (only stop words or symbols)"


# --------------------------------------------------------------------------- stage 1: read the query

@dataclass
class QueryPlan:
    """A query as the later stages need it: parsed, its date window, what to tell the user."""

    text: str
    parsed: ParsedQuery
    window: DateRange | None
    notes: list[str]
    suggestion: str | None
    sort: str
    browse: bool
    """Only filters were typed: list what they let through, by date."""

    @cached_property
    def words(self) -> list[str]:
        """The analysed words asked for in the text fields, in order: re-scored and highlighted."""
        return self.parsed.words(TEXT_FIELDS)

    @cached_property
    def typed(self) -> list[str]:
        """The query's words as typed, unstemmed."""
        return self.parsed.words((TYPED_FIELD,))

    @property
    def short(self) -> bool:
        return _is_short(self.parsed)


def _is_short(parsed: ParsedQuery) -> bool:
    """Short enough to look up corrections for (tens of milliseconds per unknown word)."""
    return len(parsed.text.split()) <= SUGGEST_MAX_WORDS


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment else None


def date_window(parsed: ParsedQuery, date_from: str | None, date_to: str | None) -> DateRange | None:
    """The filter for the query's ``tanggal:`` and the ``date_from``/``date_to`` options."""
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


def read_query(searcher, ranking: Ranking, text: str, sort: str = "relevance",
               date_from: str | None = None, date_to: str | None = None, correct: bool = True) -> QueryPlan:
    """Parse ``text``, add the date options, and correct it when it matches nothing as typed.

    A short query with a misspelled word gets a suggestion; if it matches
    nothing as typed, the corrected query is searched instead. Looking up
    corrections costs tens of milliseconds per unknown word, so a long query
    (often a headline full of names) gets none here. ``correct=False``: none
    at all (the caller decides, as over shards held apart).
    """
    if sort not in SORTS:
        raise InvalidArgumentError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    schema = searcher.schema
    parsed = parse_query(text, schema, ranking.field_boosts)
    notes = list(parsed.notes)
    window = date_window(parsed, date_from, date_to)
    suggestion = suggest(parsed.text, searcher) if correct and _is_short(parsed) else None
    if suggestion is not None and (parsed.is_empty or not _matches(searcher, parsed, window)):
        corrected = parse_query(suggestion, schema, ranking.field_boosts)
        if not corrected.is_empty:
            notes.append(f"nothing matched {text!r}; showing results for {suggestion!r}")
            parsed = corrected
    browse = parsed.filters_only and (not parsed.is_empty or window is not None)
    return QueryPlan(text, parsed, window, notes, suggestion, sort, browse)


def _matches(searcher, parsed: ParsedQuery, window) -> bool:
    return not searcher.search(parsed.query, limit=1, filter=window, optimize=False).is_empty()


# --------------------------------------------------------------------------- stage 2: the first stage

@dataclass
class Candidates:
    """What the first stage found: the best (docnum, score) pairs, how many matched, facet counts."""

    ranked: Sequence[tuple[int, float | None]]
    total: int
    facets: dict[str, dict[str, int]] | None = None
    postings: dict = field(default_factory=dict)
    """Postings read while scoring, by (field, word): the re-ranking reuses them."""


def facet_counts(results, names=FACETS) -> dict[str, dict[str, int]]:
    """Matching articles per category, source, author, location and month (or ``names``), the largest first."""
    counts = {}
    for name in names:
        groups = results.groups(name)
        items = [(key.decode("utf-8") if isinstance(key, bytes) else key, n)
                 for key, n in groups.items() if key not in (None, "", b"")]
        counts[name] = dict(sorted(items, key=lambda item: (-item[1], item[0])))
    return counts


def _facet_options(facets: bool) -> dict:
    """Whoosh's search options that count matches per facet field, or none."""
    if not facets:
        return {}
    return {"groupedby": {name: sorting.FieldFacet(name) for name in FACETS}, "maptype": sorting.Count}


def _sum_unions_in_arrays(query: Query) -> None:
    if isinstance(query, Or):
        query.matcher_type = Or.ARRAY_MATCHER
    for child in query.children():
        _sum_unions_in_arrays(child)


class FirstStage:
    """BM25F over one generation: in NumPy for words and phrases joined by OR, else Whoosh's searcher.

    Keeps the NumPy scorer (every article's field lengths and dates as
    arrays) for the life of the generation.
    """

    def __init__(self, searcher, ranking: Ranking, statistics: scoring.Statistics | None = None):
        self._searcher = searcher
        self._scorer = scoring.Scorer(searcher, ranking.k1, ranking.b, statistics)

    def run(self, plan: QueryPlan, depth: int | None, facets: bool = False,
            statistics: scoring.Statistics | None = None) -> Candidates:
        """The best ``depth`` matches of ``plan`` (all with None) in its sort order, and the total.

        ``statistics``: the whole collection's, when this is one shard of it
        held apart (``search.query.scatter``); else the generation's own.
        """
        with scoring.scored_with(self._searcher, statistics):
            return self._run(plan, depth, facets, statistics)

    def _run(self, plan: QueryPlan, depth: int | None, facets: bool,
             statistics: scoring.Statistics | None) -> Candidates:
        if plan.browse:
            results = self._by_date(plan, depth, facets)
            return Candidates([(hit.docnum, None) for hit in results], len(results),
                              facet_counts(results) if facets else None)
        query = plan.parsed.query
        if plan.sort == "relevance" and not facets and scoring.can_score(query):
            allowed = None if plan.window is None else self._scorer.range_mask(plan.window)
            scores = self._scorer.score(query, allowed, statistics)
            return Candidates(scores.best(scores.total if depth is None else depth), scores.total,
                              None, scores.postings)
        options: dict = {"limit": depth, "filter": plan.window, "optimize": False, **_facet_options(facets)}
        if plan.sort != "relevance":
            options.update(sortedby="date", reverse=plan.sort == "-date")
        results = self._with_cheap_matchers(query, options)
        score = plan.sort == "relevance"
        return Candidates([(hit.docnum, hit.score if score else None) for hit in results], len(results),
                          facet_counts(results) if facets else None)

    def _by_date(self, plan: QueryPlan, limit: int | None, facets: bool):
        """The articles a query of filters only lets through, newest first unless sorted by ``date``."""
        options: dict = {"limit": limit, "filter": plan.window, "optimize": False,
                         "sortedby": "date", "reverse": plan.sort != "date", **_facet_options(facets)}
        return self._searcher.search(Every() if plan.parsed.is_empty else plan.parsed.query, **options)

    def _with_cheap_matchers(self, query: Query, options: dict):
        """``searcher.search(query, **options)``, with cheaper matchers for long OR queries.

        * Whoosh's collector rebuilds the matcher tree every 10 matches, asking
          each term matcher for its best possible score, so that it can turn
          unions into cheaper intersections. For a top 200 that pruning seldom
          pays; the tree is left as built.
        * Above 5,000 articles Whoosh walks an OR as a binary tree of unions, one
          document at a time. A query made only of words and phrases has its ORs
          add up their terms' scores in an array instead, part by part, as
          Whoosh itself does for small indexes.

        Each halved the query time with the same results (benchmarks/README.md).
        """
        if scoring.can_score(query):
            _sum_unions_in_arrays(query)
        collector = self._searcher.collector(**options)
        inner = collector
        while inner is not None:
            if hasattr(inner, "replace"):
                inner.replace = 0
            inner = getattr(inner, "child", None)
        self._searcher.search_with_collector(query, collector)
        return collector.results()

    def postings_of(self, read: dict) -> Callable:
        """``postings_of(field, word)`` for the re-ranking: from ``read`` where the first stage has them."""
        def postings_of(fieldname: str, word: str):
            if (fieldname, word) not in read:
                read[fieldname, word] = scoring.read_postings(self._searcher, fieldname, word,
                                                              with_positions=True)
            return read[fieldname, word]
        return postings_of


# --------------------------------------------------------------------------- stage 3: re-rank

def rerank_stage(found: Candidates, plan: QueryPlan, ranking: Ranking, postings_of: Callable,
                 tie_key: Callable[[int], str]) -> Sequence[tuple[int, float | None]]:
    """``found.ranked`` with its first ``ranking.rerank_depth`` re-scored (relevance order only)."""
    if plan.sort != "relevance" or plan.browse:
        return found.ranked
    top = found.ranked[:ranking.rerank_depth]
    docnums = np.array([docnum for docnum, _ in top], dtype=np.int64)
    bm25 = np.array([score or 0.0 for _, score in top], dtype=np.float64)
    words, typed = plan.words, plan.typed
    evidence = gather_evidence(docnums, words, TEXT_FIELDS, postings_of, typed)
    scores = rescore(bm25, evidence, words, ranking, typed)
    ranked: list[tuple[int, float | None]] = [(int(docnums[row]), float(scores[row]))
                                              for row in ranked_order(docnums, scores, tie_key)]
    ranked.extend(found.ranked[ranking.rerank_depth:])
    return ranked


# --------------------------------------------------------------------------- stage 4: render

class Renderer:
    """Hits and export rows from stored fields, with the query's words marked in their inflected forms.

    A body's marks come from the characters its postings keep (every index
    of this schema keeps them), so the body is not analysed again; a title,
    a few words, is analysed again to mark it.
    """

    def __init__(self, searcher):
        self._searcher = searcher
        self._title = searcher.schema["title"].analyzer
        # The words around a match are found by the body tokenizer's own pattern.
        tokenizer = getattr(searcher.schema["body"].analyzer, "items", [None])[0]
        expression = getattr(tokenizer, "expression", None)
        self._word_pattern = expression.pattern if expression is not None else WORD_PATTERN

    def article(self, docnum: int) -> Article:
        return to_article(self._searcher.stored_fields(docnum))

    def _snippets(self, docnum: int, body: str, terms: set[str], postings_of: Callable) -> list[Snippet]:
        matches: list[tuple[str, int, int]] = []
        for term in terms:
            postings = postings_of(POSITIONS_FIELD, term)
            found = postings.characters(docnum) if postings is not None else None
            matches.extend((term, start, end) for _, start, end in found or ())
        return snippets_at(body, matches, word_pattern=self._word_pattern)

    def hit(self, docnum: int, score: float | None, terms: set[str] | None, postings_of: Callable) -> Hit:
        """``terms``: the analysed words to mark, or None for no snippets at all.

        ``postings_of(field, word)`` gives the postings the body's marks come
        from (``FirstStage.postings_of``).
        """
        article = self.article(docnum)
        return Hit(
            id=article.id, title=article.title, score=score, date=article.date, source=article.source,
            category=article.category, url=article.url,
            snippets=self._snippets(docnum, article.body, terms, postings_of) if terms is not None else [],
            title_snippet=marked_title(article.title, terms, self._title) if terms is not None else None,
        )

    def row(self, docnum: int, score: float | None, terms: set[str], postings_of: Callable) -> ExportRow:
        article = self.article(docnum)
        first = self._snippets(docnum, article.body, terms, postings_of)
        return ExportRow(id=article.id, title=article.title, date=article.date, source=article.source,
                         category=article.category, url=article.url, score=score,
                         snippet=first[0].text if first else "")


# --------------------------------------------------------------------------- the stages together

SIMILAR_FIELD = "body"
SIMILAR_TERMS = 25
"""``similar`` looks for an article's 25 key words of the body (Whoosh's more-like-this, Bo1 weights)."""


class Searcher:
    """One generation and one ranking configuration: search, export, similar, values, get."""

    def __init__(self, generation: Generation, ranking: Ranking):
        self.generation = generation
        self.ranking = ranking
        self._whoosh = generation.searcher
        self._first = FirstStage(self._whoosh, ranking)
        self._render = Renderer(self._whoosh)

    def _article_id(self, docnum: int) -> str:
        return self._whoosh.stored_fields(docnum)["id"]

    def _ranked(self, plan: QueryPlan, depth: int | None, facets: bool = False):
        found = self._first.run(plan, depth, facets)
        postings_of = self._first.postings_of(found.postings)
        ranked = rerank_stage(found, plan, self.ranking, postings_of, self._article_id)
        return found, ranked, postings_of

    def search(self, text: str, limit: int = 10, page: int = 1, highlight: bool = True,
               sort: str = "relevance", date_from: str | None = None,
               date_to: str | None = None, facets: bool = False) -> SearchResults:
        if limit < 1 or page < 1:
            raise InvalidArgumentError("limit and page must be at least 1")
        plan = read_query(self._whoosh, self.ranking, text, sort, date_from, date_to)
        if plan.parsed.is_empty and not plan.browse:
            plan.notes.append(NO_WORDS)
            return SearchResults(text, 0, page, limit, [], plan.notes, plan.suggestion,
                                 {name: {} for name in FACETS} if facets else None)
        depth = page * limit if plan.browse else max(self.ranking.rerank_depth, page * limit)
        found, ranked, postings_of = self._ranked(plan, depth, facets)
        terms = (set() if plan.browse else set(plan.words)) if highlight else None
        hits = [self._render.hit(docnum, score, terms, postings_of)
                for docnum, score in ranked[(page - 1) * limit: page * limit]]
        suggestion = plan.suggestion
        if not plan.short and found.total < limit:
            suggestion = suggest(plan.parsed.text, self._whoosh)
        return SearchResults(text, found.total, page, limit, hits, plan.notes, suggestion, found.facets)

    def export(self, text: str, sort: str = "relevance", date_from: str | None = None,
               date_to: str | None = None) -> Export:
        plan = read_query(self._whoosh, self.ranking, text, sort, date_from, date_to)
        if plan.parsed.is_empty and not plan.browse:
            plan.notes.append(NO_WORDS)
            return Export(text, 0, plan.notes, iter(()))
        _, ranked, postings_of = self._ranked(plan, None)
        terms = set() if plan.browse else set(plan.words)
        return Export(text, len(ranked), plan.notes, self._rows(ranked, terms, postings_of))

    def _rows(self, ranked, terms: set[str], postings_of: Callable) -> Iterator[ExportRow]:
        with self.generation.reading():
            for docnum, score in ranked:
                yield self._render.row(docnum, score, terms, postings_of)

    def _docnum(self, article_id: str) -> int | None:
        """The article's number; an id given with characters UTF-8 cannot encode (a command line's
        undecodable bytes) is looked up as stored: with U+FFFD in their place."""
        return self._whoosh.document_number(id=encodable(article_id))

    def similar(self, article_id: str, limit: int = 10) -> list[Hit]:
        docnum = self._docnum(article_id)
        if docnum is None:
            raise ArticleNotFoundError(f"no article with id {article_id!r}")
        results = self._whoosh.more_like(docnum, SIMILAR_FIELD, top=limit, numterms=SIMILAR_TERMS)
        no_postings = self._first.postings_of({})  # (no snippets: nothing is read from it)
        return [self._render.hit(hit.docnum, hit.score, None, no_postings) for hit in results]

    def values(self, fieldname: str, limit: int | None = None) -> list[FieldValue]:
        name = VALUE_ALIASES.get(fieldname.lower(), fieldname.lower())
        if name not in VALUE_FIELDS:
            allowed = ", ".join(f"{n} ({a})" for a, n in VALUE_ALIASES.items())
            raise InvalidArgumentError(f"no field {fieldname!r} to list values of; use one of: {allowed}")
        if limit is not None and limit < 1:
            raise InvalidArgumentError(f"limit must be at least 1, not {limit}")
        results = self._whoosh.search(Every(), limit=1, groupedby={name: sorting.FieldFacet(name)},
                                      maptype=sorting.Count)
        found = [FieldValue(value, count) for value, count in facet_counts(results, (name,))[name].items()]
        return found if limit is None else found[:limit]

    def get(self, article_id: str) -> Article:
        docnum = self._docnum(article_id)
        if docnum is None:
            raise ArticleNotFoundError(f"no article with id {article_id!r}")
        return self._render.article(docnum)
