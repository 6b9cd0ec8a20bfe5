"""One shard's side of a query: what the coordinator asks of the articles one searcher holds.

A :class:`ShardSearcher` holds one Whoosh searcher: a whole generation (a
local index, its shards read as one by ``search.store.shards``) or one shard
of it (a Ray actor's, ``search.cluster``). It runs the stages of
``search.query.searcher`` on its own articles and answers in plain
dataclasses, so that it can live in another process; the coordinator
(``search.query.coordinator``) puts the answers of all shards together.

Everything here numbers articles by the shard's own article numbers. Each
method is one of the calls of :class:`Shard`, the protocol the coordinator
relies on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from whoosh import classify
from whoosh.query import Or, Phrase, Term

from ..articles import Article, encodable
from ..errors import InvalidArgumentError
from ..language.analysis import CachedAnalysis
from ..language.datelines import find_dateline, masked
from ..results import ExportRow, FieldValue, Hit, QueryNote, QueryNoteKind, QueryWords
from ..store.arrays import articles_with_pair, keyword_column
from ..store.generation import Generation
from ..store.schema import TEXT_FIELDS
from .coverage import SampleWords, period_starts
from .ranking import Evidence, Ranking, gather_evidence, with_ties
from .request import ExportRequest, Interval, Sort, TimelineRequest
from .scoring import CollectionStatistics, scored_with
from .searcher import VALUE_ALIASES, VALUE_FIELDS, FirstStage, QueryPlan, Renderer, read_query
from .spelling import corrections

SIMILAR_FIELD = "body"
SIMILAR_TERMS = 25
"""``similar`` looks for an article's 25 key words of the body (Whoosh's more-like-this, Bo1 weights)."""
WORDS_CACHED = 200_000
"""Distinct words whose analysis a shard keeps for the words of a coverage."""
QUERIES_KEPT = 4
"""Queries whose reading and postings a shard keeps: the coordinator's later calls for one query reuse them."""

Ranked = list[tuple[int, "float | None"]]


@dataclass
class Prepared:
    """What one shard makes of a query's text."""

    text: str
    """The text as parsed (cut to length, control characters blanked): corrections are at its offsets."""
    empty: bool
    browse: bool
    short: bool
    matched: bool
    corrections: list[tuple[int, int, str | None]]
    """``search.query.spelling.corrections`` of the text, by this shard's vocabulary (short queries)."""
    statistics: CollectionStatistics | None
    """The statistics of the query's terms here (None when this shard is the whole collection)."""
    notes: list[QueryNote] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    typed: list[str] = field(default_factory=list)
    reading: QueryWords = field(default_factory=QueryWords)
    """The query's words as typed, its stop words and excluded words (``ParsedQuery.reading``)."""


@dataclass
class ShardAnswer:
    """One shard's first stage: its best articles (its own numbers), total, facets, evidence."""

    total: int
    ranked: Ranked
    dates: list[int] | None = None
    """Each ranked article's date as the date column holds it (date orders of shards held apart only)."""
    evidence: Evidence | None = None
    """What the re-ranking reads of the first ``Ranking.rerank_depth`` ranked articles (relevance order)."""
    facets: dict[str, dict[str, int]] | None = None


class Shard(Protocol):
    """The calls a coordinator makes of each shard (a :class:`ShardSearcher`, here or in an actor)."""

    def article_count(self) -> int: ...
    def prepare(self, query: ExportRequest, correct: bool, apart: bool) -> Prepared: ...
    def answer(self, query: ExportRequest, depth: int | None, facets: bool,
               statistics: CollectionStatistics | None, apart: bool) -> ShardAnswer: ...
    def article_ids(self, docnums: list[int]) -> list[str]: ...
    def hits(self, ranked: Ranked, query: ExportRequest | None, words: list[str] | None,
             forms: bool) -> list[Hit]: ...
    def rows(self, ranked: Ranked, query: ExportRequest, words: list[str]) -> list[ExportRow]: ...
    def corrections(self, text: str) -> list[tuple[int, int, str | None]]: ...
    def key_words(self, article_id: str) -> tuple[dict[str, float], float] | None: ...
    def frequencies(self, words: list[str], apart: bool) -> tuple[dict[str, int], CollectionStatistics]: ...
    def more_like(self, terms: list[tuple[str, float]], article_id: str, limit: int,
                  statistics: CollectionStatistics | None) -> list[tuple[int, float]]: ...
    def values(self, fieldname: str) -> list[FieldValue]: ...
    def get(self, article_id: str) -> Article | None: ...
    def timeline(self, request: TimelineRequest) -> ShardTimeline: ...
    def sample_words(self, docnums: list[int]) -> SampleWords: ...
    def document_frequencies(self, keys: list[tuple[str, ...]]) -> tuple[list[int], int]: ...
    def source_counts(self, query: ExportRequest) -> tuple[dict[str, int], dict[str, int]]: ...


@dataclass
class PeriodCounts:
    """Articles per period (by the period's first day), and those without a date."""

    counts: dict = field(default_factory=dict)
    undated: int = 0


@dataclass
class ShardTimeline:
    """One shard's timeline: the archive's counts (what the filters let through), each query's, its notes."""

    archive: PeriodCounts
    lines: list[PeriodCounts]
    notes: list[list[QueryNote]]


@dataclass
class _Query:
    """A query this shard has read, and the postings its stages have read for it."""

    plan: QueryPlan
    postings: dict = field(default_factory=dict)


class ShardSearcher:
    """The articles of one Whoosh searcher (a generation, or one shard of it), answering a coordinator."""

    def __init__(self, generation: Generation, ranking: Ranking):
        self.generation = generation
        self.ranking = ranking
        self._whoosh = generation.searcher
        self._first = FirstStage(self._whoosh, ranking)
        self._render = Renderer(self._whoosh)
        self._keywords: dict[str, tuple[np.ndarray, list[str]]] = {}  # each article's value of a field, as a code
        self._analysis: CachedAnalysis | bool | None = None  # for the words of a coverage
        self._queries: dict[ExportRequest, _Query] = {}  # the last few read: answer() and hits() follow prepare()

    @classmethod
    def open(cls, index_dir: str | Path, folder: str | Path, shard: int, ranking: Ranking) -> ShardSearcher:
        """Shard ``shard`` of the generation ``folder`` of the index at ``index_dir``."""
        return cls(Generation.open(Path(index_dir), Path(folder), ranking.weighting(), shard=shard), ranking)

    def close(self) -> None:
        self.generation.close()

    def article_count(self) -> int:
        return self.generation.article_count

    def _query(self, query: ExportRequest) -> _Query:
        if query not in self._queries:
            while len(self._queries) >= QUERIES_KEPT:
                self._queries.pop(next(iter(self._queries)))
            self._queries[query] = _Query(read_query(self._whoosh, self.ranking, query))
        return self._queries[query]

    def prepare(self, query: ExportRequest, correct: bool, apart: bool) -> Prepared:
        """Read the query: its words (and how they were read), notes, this shard's corrections and
        (``apart``) statistics."""
        plan = self._query(query).plan
        found = corrections(plan.parsed.text, self._whoosh) if correct and plan.short else []
        unknown = any(correction is not None for _, _, correction in found)
        matched = bool(not unknown or plan.parsed.is_empty
                       or not self._whoosh.search(plan.parsed.query, limit=1, filter=plan.window,
                                                  optimize=False).is_empty())
        terms = list(plan.parsed.query.iter_all_terms())
        statistics = CollectionStatistics.of(self._whoosh, terms) if apart else None
        return Prepared(plan.parsed.text, plan.parsed.is_empty, plan.browse, plan.short, matched, found,
                        statistics, list(plan.notes), plan.words, plan.typed, plan.parsed.reading)

    def answer(self, query: ExportRequest, depth: int | None, facets: bool,
               statistics: CollectionStatistics | None, apart: bool) -> ShardAnswer:
        """The first stage with the collection's ``statistics`` (None: this shard's own), and the
        re-ranking's evidence on its best ``Ranking.rerank_depth``; with ``apart``, dates to merge by."""
        state = self._query(query)
        plan = state.plan
        found = self._first.run(plan, depth, facets, statistics)
        state.postings = found.postings
        ranked = list(found.ranked)
        answer = ShardAnswer(found.total, ranked, facets=found.facets)
        if plan.sort != Sort.RELEVANCE or plan.browse:
            if apart:
                dates = self._first.dates()
                answer.dates = [int(dates[docnum]) for docnum, _ in ranked]
            return answer
        top = np.array([docnum for docnum, _ in ranked[:self.ranking.rerank_depth]], dtype=np.int64)
        answer.evidence = gather_evidence(top, plan.words, TEXT_FIELDS, self._first.postings_of(state.postings),
                                          plan.typed)
        return answer

    def _postings_of(self, query: ExportRequest | None):
        """The postings reader for marking ``query``'s words: what its first stage read, kept."""
        state = self._queries.get(query) if query is not None else None
        return self._first.postings_of(state.postings if state is not None else {})

    def article_ids(self, docnums: list[int]) -> list[str]:
        """The ids of these articles (what breaks ties in the re-ranking; asked only for ties)."""
        return [self._whoosh.stored_fields(docnum)["id"] for docnum in docnums]

    def hits(self, ranked: Ranked, query: ExportRequest | None, words: list[str] | None,
             forms: bool = False) -> list[Hit]:
        """The hits of these articles, marked for ``words`` (None: no snippets) of ``query``, with the
        forms of those words (``forms``)."""
        terms = set(words) if words is not None else None
        postings_of = self._postings_of(query)
        return [self._render.hit(docnum, score, terms, postings_of, forms) for docnum, score in ranked]

    def rows(self, ranked: Ranked, query: ExportRequest, words: list[str]) -> list[ExportRow]:
        """The export rows of these articles, their snippets marked for ``words`` of ``query``."""
        postings_of = self._postings_of(query)
        return [self._render.row(docnum, score, set(words), postings_of) for docnum, score in ranked]

    def corrections(self, text: str) -> list[tuple[int, int, str | None]]:
        return corrections(text, self._whoosh)

    def _docnum(self, article_id: str) -> int | None:
        """The article's number; an id given with characters UTF-8 cannot encode (a command line's
        undecodable bytes) is looked up as stored: with U+FFFD in their place."""
        return self._whoosh.document_number(id=encodable(article_id))

    def key_words(self, article_id: str) -> tuple[dict[str, float], float] | None:
        """Each word of the article's body with its weight there, and their total (None: not in this shard)."""
        docnum = self._docnum(article_id)
        if docnum is None:
            return None
        expander = classify.Expander(self._whoosh.reader(), SIMILAR_FIELD)
        expander.add_document(docnum)
        return dict(expander.topN_weight), expander.top_total

    def frequencies(self, words: list[str], apart: bool) -> tuple[dict[str, int], CollectionStatistics]:
        """How often each of ``words`` this shard knows occurs here, and the shard's statistics (the
        article count alone unless ``apart``)."""
        reader = self._whoosh.reader()
        to_bytes = self._whoosh.schema[SIMILAR_FIELD].to_bytes
        known = {word: reader.frequency(SIMILAR_FIELD, to_bytes(word)) for word in words
                 if (SIMILAR_FIELD, to_bytes(word)) in reader}
        if not apart:
            return known, CollectionStatistics(self._whoosh.doc_count_all())
        return known, CollectionStatistics.of(self._whoosh, [(SIMILAR_FIELD, word) for word in known])

    def more_like(self, terms: list[tuple[str, float]], article_id: str, limit: int,
                  statistics: CollectionStatistics | None) -> list[tuple[int, float]]:
        """This shard's best ``limit`` for the key words ``terms``, and any more of the last one's score,
        scored with the collection's ``statistics`` (None: this shard's own); not the article itself."""
        docnum = self._docnum(article_id)
        query = Or([Term(SIMILAR_FIELD, word, boost=weight) for word, weight in terms])
        mask = {docnum} if docnum is not None else None
        wanted = limit
        with scored_with(self._whoosh, statistics):
            while True:  # the articles tied with the last one too: the coordinator orders ties by id
                found = [(hit.docnum, hit.score) for hit in self._whoosh.search(query, limit=wanted + 1, mask=mask)]
                if len(found) <= wanted or found[wanted][1] != found[limit - 1][1]:
                    return with_ties(found[:wanted], limit)
                wanted *= 2

    def values(self, fieldname: str) -> list[FieldValue]:
        """Every value of a keyword field here, with its article count, most common first."""
        counts = self._counted_values(value_field(fieldname), self._first.matching_everything())
        return [FieldValue(value, count)
                for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]

    def _counted_values(self, fieldname: str, articles: np.ndarray) -> dict[str, int]:
        """How many of ``articles`` (a mask) hold each value of a keyword field: counted on the field's
        column (read once per generation), without a search."""
        if fieldname not in self._keywords:
            names = keyword_column(self._whoosh, fieldname)
            index = {name: code for code, name in enumerate(sorted(set(names)))}
            self._keywords[fieldname] = (np.array([index[name] for name in names], dtype=np.int64), sorted(index))
        codes, values = self._keywords[fieldname]
        counts = np.bincount(codes[articles], minlength=len(values))
        return {value: int(count) for value, count in zip(values, counts, strict=True) if count and value}

    def get(self, article_id: str) -> Article | None:
        """The stored article with this id, or None if this shard does not hold it."""
        docnum = self._docnum(article_id)
        return None if docnum is None else self._render.article(docnum)


    # ------------------------------------------------------------------ coverage: counts, never scores

    def _counted(self, matched: np.ndarray, interval: Interval) -> PeriodCounts:
        dates = self._first.dates()
        dated = dates != self._whoosh.schema["date"].default  # the column's value for "no date"
        return PeriodCounts(period_starts(dates[matched & dated], interval), int((matched & ~dated).sum()))

    def timeline(self, request: TimelineRequest) -> ShardTimeline:
        """Each query's articles per period, within what the request's filters let through; no scoring."""
        archive = read_query(self._whoosh, self.ranking, request.archive())
        if request.filters.strip() and not archive.browse:
            raise InvalidArgumentError(f"a timeline's filters are filters only (sumber:, kategori:, tanggal: ...), "
                                       f"not words: {request.filters!r}")
        base = self._first.matching(archive) if archive.browse else self._first.matching_everything()
        lines, notes = [], []
        for text in request.queries:
            plan = read_query(self._whoosh, self.ranking, request.line(text))
            lines.append(self._counted(self._first.matching(plan) & base, request.interval))
            notes.append(list(plan.notes) + ([QueryNote(QueryNoteKind.NO_WORDS)] if plan.parsed.is_empty
                                             and not plan.browse else []))
        return ShardTimeline(self._counted(base, request.interval), lines, notes)

    def sample_words(self, docnums: list[int]) -> SampleWords:
        """The words and adjacent pairs of words of these articles' bodies, analysed as the index analysed them
        (their datelines left out)."""
        sample = SampleWords()
        for docnum in docnums:
            stored = self._whoosh.stored_fields(docnum).get(SIMILAR_FIELD) or ""
            body = masked(stored, find_dateline(stored))  # as the index analysed it: no dateline
            sample.add(body, self._tokens(body))
        return sample

    def _tokens(self, body: str) -> list[tuple[str, int, int]]:
        """The body's analysed words in order, as ``(stem, start, end)``: through the analysis cache the
        build uses (each distinct word analysed once), or the field's own analyzer if it is another chain."""
        analyzer = self._whoosh.schema[SIMILAR_FIELD].analyzer
        if self._analysis is None:
            try:
                self._analysis = CachedAnalysis(analyzer, max_cached=WORDS_CACHED)
            except ValueError:
                self._analysis = False
        if not isinstance(self._analysis, CachedAnalysis):
            return [(token.text, token.startchar, token.endchar)
                    for token in analyzer(body, positions=True, chars=True, mode="index")]
        stems, _, _ = self._analysis.words(body)
        found = sorted((flat[i + 1], flat[i + 2], stem) for stem, flat in stems.items()
                       for i in range(0, len(flat), 3))
        return [(stem, start, end) for start, end, stem in found]

    def source_counts(self, query: ExportRequest) -> tuple[dict[str, int], dict[str, int]]:
        """How many of the query's articles each source holds here, and how many articles it holds here."""
        matched = self._first.matching(self._query(query).plan)
        return (self._counted_values("source", matched),
                self._counted_values("source", self._first.matching_everything()))

    def document_frequencies(self, keys: list[tuple[str, ...]]) -> tuple[list[int], int]:
        """How many articles here hold each word (a stem) or adjacent pair of words of the body, and how
        many articles this shard holds."""
        counts = []
        for key in keys:
            if len(key) == 1:
                counts.append(self._whoosh.doc_frequency(SIMILAR_FIELD, key[0]))
            else:
                found = articles_with_pair(self._whoosh, SIMILAR_FIELD, key[0], key[1])
                counts.append(found if found is not None else
                              sum(1 for _ in Phrase(SIMILAR_FIELD, list(key)).docs(self._whoosh)))
        return counts, self._whoosh.doc_count_all()  # (as the frequencies, deleted articles included)


def value_field(fieldname: str) -> str:
    """The field whose values ``values`` lists, by its name or Indonesian name (``kategori``)."""
    name = VALUE_ALIASES.get(fieldname.lower(), fieldname.lower())
    if name not in VALUE_FIELDS:
        allowed = ", ".join(f"{n} ({a})" for a, n in VALUE_ALIASES.items())
        raise InvalidArgumentError(f"no field {fieldname!r} to list values of; use one of: {allowed}")
    return name

