"""The stages of answering a query over one Whoosh searcher.

::

    read_query      request -> QueryPlan     parse, filters (dates)
    FirstStage      plan -> Candidates       BM25F over the index (NumPy, or Whoosh's searcher)
    Renderer        docnum -> Hit            stored fields and snippets

A shard (``search.query.shard.ShardSearcher``) runs them on its articles;
the coordinator (``search.query.coordinator``) corrects the query, merges
the shards' candidates and re-ranks them (``search.query.ranking``). Each
stage takes what it needs (a Whoosh searcher, a
:class:`~search.query.ranking.Ranking`) as arguments; none reads a global.
The first stage is the only one that touches postings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property
from itertools import islice

import numpy as np
from whoosh import sorting
from whoosh.query import DateRange, Every, Query

from ..articles import Article
from ..errors import QueryError
from ..language.analysis import WORD_PATTERN
from ..language.dates import intersect, parse_date_range
from ..results import ExportRow, Hit, QueryNote, QueryNoteKind, WordForms
from ..store.schema import KEYWORD_FIELDS, POSITIONS_FIELD, TEXT_FIELDS, TYPED_FIELD, to_article
from ..store.whoosh_private import keep_matchers_as_built, sum_unions_in_arrays, tokenizer_pattern
from . import scoring
from .parser import FIELD_ALIASES, ParsedQuery, parse_query
from .ranking import Ranking
from .request import ExportRequest, Sort
from .snippets import Snippet, snippets_at, title_matches, title_snippet

FACETS = ("category", "source", "author", "location", "month")
# Fields whose values ``ShardSearcher.values`` lists, and their Indonesian names.
VALUE_FIELDS = (*KEYWORD_FIELDS, "month")
VALUE_ALIASES = {
    **{alias: name for name, aliases in FIELD_ALIASES.items() if name in VALUE_FIELDS
       for alias in aliases},
    "bulan": "month",
}
SUGGEST_MAX_WORDS = 4
PREFIX_SCAN = 100_000


# --------------------------------------------------------------------------- stage 1: read the query

@dataclass
class QueryPlan:
    """A query as the later stages need it: parsed, its date window, what to tell the user."""

    text: str
    parsed: ParsedQuery
    window: DateRange | None
    notes: list[QueryNote]
    sort: Sort
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


def _window_ends(parsed: ParsedQuery, date_from: str | None,
                 date_to: str | None) -> tuple[datetime | None, datetime | None]:
    """The [start, end) of the query's ``tanggal:`` and the ``date_from``/``date_to`` options together."""
    start, end = parsed.date_from, parsed.date_to
    try:
        if date_from:
            start, end = intersect((start, end), (parse_date_range(date_from)[0], None))
        if date_to:
            start, end = intersect((start, end), (None, parse_date_range(date_to)[1]))
    except ValueError as error:
        raise QueryError(str(error)) from None
    return start, end


def date_window(parsed: ParsedQuery, date_from: str | None, date_to: str | None) -> DateRange | None:
    """The filter for the query's ``tanggal:`` and the ``date_from``/``date_to`` options."""
    start, end = _window_ends(parsed, date_from, date_to)
    if start is None and end is None:
        return None
    return DateRange("date", _utc(start), _utc(end), endexcl=True)


def vocabulary(searcher, scanned: int = PREFIX_SCAN) -> Callable[[str], list[str]]:
    """The words of the index as written (``TYPED_FIELD``) that begin with a text, the most frequent
    first: what ``banj*`` stands for. At most ``scanned`` words are looked at, in the index's order."""
    reader = searcher.reader()

    def words(prefix: str) -> list[str]:
        if TYPED_FIELD not in searcher.schema:
            return []
        found = [(info.doc_frequency(), text) for text, info in islice(reader.iter_prefix(TYPED_FIELD, prefix),
                                                                         scanned)]
        found.sort(key=lambda pair: (-pair[0], pair[1]))
        return [text.decode("utf-8") if isinstance(text, bytes) else text for _, text in found]
    return words


def _reversed(start: datetime | None, end: datetime | None) -> QueryNote | None:
    """A note when the date window [start, end) is empty because its ends are reversed
    (``from=2021&to=2017``, ``tanggal:2021 tanggal:2017``, ``tanggal:2021..2017``)."""
    if start is None or end is None or start < end:
        return None
    last = end - timedelta(microseconds=1)  # the end is excluded
    return QueryNote(QueryNoteKind.DATES_REVERSED, start=f"{start:%Y-%m-%d}", end=f"{last:%Y-%m-%d}")


def read_query(searcher, ranking: Ranking, request: ExportRequest) -> QueryPlan:
    """Parse the request's text with its date options (corrections are the coordinator's)."""
    parsed = parse_query(request.text, searcher.schema, ranking.field_boosts, vocabulary(searcher))
    window = date_window(parsed, request.date_from, request.date_to)
    browse = parsed.filters_only and (not parsed.is_empty or window is not None or parsed.lists_all)
    notes = list(parsed.notes)
    reversed_note = _reversed(*_window_ends(parsed, request.date_from, request.date_to))
    if reversed_note is not None:
        notes.append(reversed_note)
    return QueryPlan(request.text, parsed, window, notes, request.sort, browse)


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


class FirstStage:
    """BM25F over one generation: in NumPy for words and phrases joined by OR, else Whoosh's searcher.

    Keeps the NumPy scorer (every article's field lengths and dates as
    arrays) for the life of the generation.
    """

    def __init__(self, searcher, ranking: Ranking, statistics: scoring.Statistics | None = None):
        self._searcher = searcher
        self._scorer = scoring.Scorer(searcher, ranking.k1, ranking.b, statistics)
        self._prune = ranking.prune

    def run(self, plan: QueryPlan, depth: int | None, facets: bool = False,
            statistics: scoring.Statistics | None = None) -> Candidates:
        """The best ``depth`` matches of ``plan`` (all with None) in its sort order, and the total.

        ``statistics``: the whole collection's, when this is one shard of it
        held apart (``search.query.coordinator``); else the generation's own.
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
        if plan.sort == Sort.RELEVANCE and not facets and scoring.can_score(query):
            allowed = None if plan.window is None else self._scorer.range_mask(plan.window)
            scores = self._scorer.score(query, allowed, statistics, depth if self._prune else None)
            return Candidates(scores.best(scores.total if depth is None else depth), scores.total,
                              None, scores.postings)
        options: dict = {"limit": depth, "filter": plan.window, "optimize": False, **_facet_options(facets)}
        if plan.sort != Sort.RELEVANCE:
            options.update(sortedby="date", reverse=plan.sort == Sort.NEWEST)
        results = self._with_cheap_matchers(query, options)
        score = plan.sort == Sort.RELEVANCE
        return Candidates([(hit.docnum, hit.score if score else None) for hit in results], len(results),
                          facet_counts(results) if facets else None)

    def matching(self, plan: QueryPlan) -> np.ndarray:
        """Which articles ``plan`` matches, as a mask, without scoring or ordering any (a count's
        work): a word query's document numbers joined, else Whoosh's matchers walked for their ids."""
        query = plan.parsed.query
        if plan.parsed.is_empty and not plan.browse:
            return np.zeros(self._searcher.doc_count_all(), dtype=bool)
        if plan.parsed.is_empty:
            found = self._scorer.live()
        elif scoring.can_score(query):
            found = self._scorer.matches(query)
        else:
            found = scoring.mask(self._searcher.docs_for_query(query), self._searcher.doc_count_all())
            found &= self._scorer.live()
        if plan.window is not None:
            found &= self._scorer.range_mask(plan.window)
        return found

    def matching_everything(self) -> np.ndarray:
        """Every article not deleted, as a mask."""
        return self._scorer.live()

    def dates(self) -> np.ndarray:
        """Every article's date as the date column holds it (the field's default where it has none)."""
        return self._scorer.dates("date")

    def _by_date(self, plan: QueryPlan, limit: int | None, facets: bool):
        """The articles a query of filters only lets through, newest first unless sorted by ``date``."""
        options: dict = {"limit": limit, "filter": plan.window, "optimize": False,
                         "sortedby": "date", "reverse": plan.sort != Sort.OLDEST, **_facet_options(facets)}
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
            sum_unions_in_arrays(query)
        collector = self._searcher.collector(**options)
        keep_matchers_as_built(collector)
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


# --------------------------------------------------------------------------- stage 3: render

class Renderer:
    """Hits and export rows from stored fields, with the query's words marked in their inflected forms.

    A body's marks come from the characters its postings keep (every index
    of this schema keeps them), so the body is not analysed again; a title,
    a few words, is analysed again to mark it. The same marks say which forms
    the article wrote each query word in (``Hit.forms``).
    """

    def __init__(self, searcher):
        self._searcher = searcher
        self._title = searcher.schema["title"].analyzer
        # The words around a match are found by the body tokenizer's own pattern.
        self._word_pattern = tokenizer_pattern(searcher.schema["body"].analyzer) or WORD_PATTERN

    def article(self, docnum: int) -> Article:
        return to_article(self._searcher.stored_fields(docnum))

    def _body_matches(self, docnum: int, terms: set[str], postings_of: Callable) -> list[tuple[str, int, int]]:
        """Each occurrence of ``terms`` in the article's body, as ``(term, start, end)``, from the postings."""
        matches: list[tuple[str, int, int]] = []
        for term in terms:
            postings = postings_of(POSITIONS_FIELD, term)
            found = postings.characters(docnum) if postings is not None else None
            matches.extend((term, start, end) for _, start, end in found or ())
        return matches

    def _snippets(self, docnum: int, body: str, terms: set[str], postings_of: Callable) -> list[Snippet]:
        return snippets_at(body, self._body_matches(docnum, terms, postings_of), word_pattern=self._word_pattern)

    def hit(self, docnum: int, score: float | None, terms: set[str] | None, postings_of: Callable,
            forms: bool = False) -> Hit:
        """``terms``: the analysed words to mark, or None for no snippets at all; ``forms``: say
        which forms the article wrote them in, too.

        ``postings_of(field, word)`` gives the postings the body's marks come
        from (``FirstStage.postings_of``).
        """
        article = self.article(docnum)
        hit = Hit(id=article.id, title=article.title, score=score, date=article.date, source=article.source,
                  category=article.category, url=article.url)
        if terms is not None:
            body = self._body_matches(docnum, terms, postings_of)
            title = title_matches(article.title, terms, self._title)
            hit.snippets = snippets_at(article.body, body, word_pattern=self._word_pattern)
            hit.title_snippet = title_snippet(article.title, title)
            if forms:
                counted = [(term, start, end) for term, start, end, stop in title if not stop]
                hit.forms = word_forms(article.title, counted, article.body, body)
        return hit

    def row(self, docnum: int, score: float | None, terms: set[str], postings_of: Callable) -> ExportRow:
        article = self.article(docnum)
        first = self._snippets(docnum, article.body, terms, postings_of)
        return ExportRow(id=article.id, title=article.title, date=article.date, source=article.source,
                         category=article.category, url=article.url, score=score,
                         snippet=first[0].text if first else "")


def _counted(text: str, matches: Sequence[tuple[str, int, int]]) -> dict[str, dict[str, int]]:
    """Each term of ``matches`` -> the forms ``text`` writes it in (lowercased) -> how often, most often first."""
    counts: dict[str, dict[str, int]] = {}
    for term, start, end in matches:
        forms = counts.setdefault(term, {})
        form = text[start:end].lower()
        forms[form] = forms.get(form, 0) + 1
    return {term: dict(sorted(forms.items(), key=lambda item: (-item[1], item[0])))
            for term, forms in counts.items()}


def word_forms(title: str, title_found: Sequence[tuple[str, int, int]], body: str,
               body_found: Sequence[tuple[str, int, int]]) -> dict[str, WordForms]:
    """Each query word the article has (its stem) -> the forms it wrote it in, from the marks' characters."""
    in_title, in_body = _counted(title, title_found), _counted(body, body_found)
    return {term: WordForms(in_title.get(term, {}), in_body.get(term, {}))
            for term in sorted(in_title.keys() | in_body.keys())}
