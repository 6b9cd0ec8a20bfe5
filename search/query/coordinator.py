"""The one query path: gather, scatter, merge, re-rank, fetch; over N shards, also when N is 1.

Every index is answered by a :class:`Coordinator` over its shards (as
Elasticsearch's query-then-fetch). A local index is one shard: its whole
generation (``search.store.shards`` reads a generation's shards as one), so
its statistics are exact and nothing is copied. An index served from a Ray
cluster is one shard per actor (``search.cluster``). Only the transport,
how a call reaches a shard, differs.

1. **Gather.** Every shard reads the query (the same parse everywhere: the
   schema and the saved roots are the generation's) and says whether it
   matches there, its spelling corrections and, for shards held apart, the
   statistics of its terms (:class:`~search.query.scoring.CollectionStatistics`),
   whose sum is the collection's. A correction is made when the query
   matches nowhere. How the words were read (``QueryWords``: the same on
   every shard) goes into the results as it is.
2. **Scatter.** Every shard runs the first stage with the collection's
   statistics, so each article gets the score it would get in one index, and
   returns its best ``page × limit`` (at least the re-ranking depth), its
   total and facet counts, and the re-ranking evidence of its best candidates.
3. **Merge and re-rank.** Each shard's articles are numbered after the
   shards before it (as Whoosh numbers segments); the candidates are ordered
   as one index would order them and the best ``Ranking.rerank_depth``
   re-scored with their evidence (``search.query.ranking``).
4. **Fetch.** The shards holding the page's articles make their hits.

A shard that does not answer is left out and named in the results'
``missing_shards``: the answer then says it is partial.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import reduce
from typing import Protocol

import numpy as np
from whoosh import classify

from ..articles import Article, encodable
from ..errors import ArticleNotFoundError, InvalidArgumentError, ShardUnavailableError
from ..language.dates import parse_date_range
from ..results import (
    Coverage,
    Export,
    ExportRow,
    FieldValue,
    Hit,
    QueryNote,
    QueryNoteKind,
    QueryWords,
    SearchResults,
    SignificantWord,
    SourceShare,
    Timeline,
    TimelineLine,
)
from ..store.shards import shard_of
from .coverage import SampleWords, log_likelihood, periods
from .ranking import Evidence, Ranking, ranked_order, rerank, with_ties
from .request import CoverageRequest, ExportRequest, SearchRequest, Sort, TimelineRequest
from .searcher import FACETS, SUGGEST_MAX_WORDS
from .shard import SIMILAR_TERMS, PeriodCounts, Prepared, Ranked, Shard, ShardAnswer, value_field
from .spelling import corrected

Call = tuple[int, str, tuple]
"""(shard number, method of :class:`~search.query.shard.Shard`, its arguments)."""


class ShardUnavailable:
    """Stands for the answer of a shard that did not answer in time (a transport returns it)."""

    def __init__(self, shard: int, reason: str):
        self.shard, self.reason = shard, reason


class Transport(Protocol):
    """How the coordinator's calls reach the shards: ``call`` makes them all at once and returns each
    result in order, or a :class:`ShardUnavailable` for a shard that did not answer."""

    @property
    def count(self) -> int: ...
    @property
    def rows_per_call(self) -> int:
        """Export rows asked of a shard at once: one where a call costs nothing, more over a network."""
    def call(self, calls: list[Call]) -> list: ...


class InProcess:
    """Shards in this process, called one after the other."""

    rows_per_call = 1

    def __init__(self, shards: Sequence[Shard]):
        self.shards = list(shards)

    @property
    def count(self) -> int:
        return len(self.shards)

    def call(self, calls: list[Call]) -> list:
        return [getattr(self.shards[n], method)(*args) for n, method, args in calls]


def key_terms(weights: dict[str, float], total: float, frequencies: dict[str, int], doc_count: int,
              number: int) -> list[tuple[str, float]]:
    """The ``number`` key words of an article, as Whoosh's ``Expander.expanded_terms`` picks them (Bo1, not
    normalised) in one index: from its word weights and the whole collection's word frequencies."""
    model = classify.Bo1Model(doc_count, 0)
    scored = [(model.score(weight, frequencies[word], total), word) for word, weight in weights.items()
              if word in frequencies]
    norm = max([0.0] + [score for score, _ in scored]) or 1.0
    ranked = sorted(((score / norm, word) for score, word in scored), key=lambda pair: (-pair[0], pair[1]))
    return [(word, score) for score, word in ranked[:number]]


def _suggestion(text: str, each: list[list[tuple[int, int, str | None]]]) -> str | None:
    """The did-you-mean of ``text`` over all shards: a word is corrected only if no shard knows it,
    to the correction most shards chose (the first shard's among equals)."""
    by_word: dict[tuple[int, int], list[str | None]] = {}
    for found in each:
        for start, end, correction in found:
            by_word.setdefault((start, end), []).append(correction)
    combined: list[tuple[int, int, str | None]] = []
    for (start, end), choices in sorted(by_word.items()):
        if any(choice is None for choice in choices):
            combined.append((start, end, None))
            continue
        counts = Counter(choices)
        best = max(counts.values())
        combined.append((start, end, next(c for c in choices if counts[c] == best)))
    return corrected(text, combined)


def _merged_facets(answers: Sequence[ShardAnswer]) -> dict[str, dict[str, int]] | None:
    if answers[0].facets is None:
        return None
    if len(answers) == 1:
        return answers[0].facets
    merged: dict[str, dict[str, int]] = {}
    for name in FACETS:
        counts: Counter[str] = Counter()
        for answer in answers:
            counts.update((answer.facets or {}).get(name, {}))
        merged[name] = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    return merged


class _Places:
    """Where an article number as one index numbers it lives: (shard, the shard's own number).

    Each shard's articles are numbered after the shards before it, so a
    number falls in one shard's range (``offsets``: each shard's first).
    """

    def __init__(self, offsets: dict[int, int]):
        self._starts = sorted((start, n) for n, start in offsets.items())

    def __getitem__(self, number: int) -> tuple[int, int]:
        if len(self._starts) == 1:
            return self._starts[0][1], number - self._starts[0][0]
        start, shard = self._starts[bisect_right(self._starts, (number, math.inf)) - 1]
        return shard, number - start


def _by_id_when_tied(ranked: Ranked, limit: int, article_id: Callable[[int], str]) -> Ranked:
    """The best ``limit`` of ``ranked`` (best first), equal scores in article id order, as one index has them."""
    ranked = with_ties(ranked, limit)
    numbers = np.array([number for number, _ in ranked], dtype=np.int64)
    scores = np.array([score for _, score in ranked], dtype=np.float64)
    return [ranked[row] for row in ranked_order(numbers, scores, article_id)][:limit]


def _offsets(sizes: dict[int, int]) -> dict[int, int]:
    """Each shard's first article number as one index numbers them: after the shards before it (as Whoosh
    numbers segments). ``sizes``: each shard's article count, deleted ones included."""
    offsets, base = {}, 0
    for n in sorted(sizes):
        offsets[n] = base
        base += sizes[n]
    return offsets


def _complete(missing: set[int], what: str) -> None:
    """Raise unless every shard answered: ``what`` cannot be given in part."""
    if missing:
        names = ", ".join(map(str, sorted(missing)))
        raise ShardUnavailableError(f"shard{'s' if len(missing) > 1 else ''} {names} did not answer, and {what} "
                                    "cannot leave out their articles")


@dataclass
class _Reading:
    """A query as the shards read it (``Coordinator._read``)."""

    query: ExportRequest
    """What is searched: as asked, or with its text corrected when that matched nowhere."""
    first: Prepared | None
    """The lowest answering shard's reading (every shard reads the text the same way); None: none answered."""
    notes: list[QueryNote]
    suggestion: str | None
    prepared: dict[int, Prepared]
    missing: set[int]


@dataclass
class _Ranked:
    """A query's first stage on every shard, merged and re-ranked (``Coordinator._rank``)."""

    answers: dict[int, ShardAnswer]
    where: _Places
    ranked: Ranked
    missing: set[int]

    @property
    def total(self) -> int:
        return sum(answer.total for answer in self.answers.values())


class Coordinator:
    """``search``, ``export``, ``similar``, ``values``, ``get``, ``timeline`` and ``coverage`` over the
    shards a transport reaches, with the answers of one index."""

    def __init__(self, transport: Transport, ranking: Ranking):
        self.transport = transport
        self.ranking = ranking

    @property
    def _apart(self) -> bool:
        """The collection is held in more than one shard: statistics and orders are merged."""
        return self.transport.count > 1

    def _scatter(self, numbers, method: str, *args, each: dict | None = None) -> dict:
        """Each shard's answer by number (``each[n]``: that shard's own first argument); absent if it did not answer."""
        numbers = list(numbers)
        calls = [(n, method, ((each[n],) if each is not None else ()) + args) for n in numbers]
        results = self.transport.call(calls)
        return {n: r for n, r in zip(numbers, results, strict=True) if not isinstance(r, ShardUnavailable)}

    # ------------------------------------------------------------------ gather

    def _read(self, request: ExportRequest) -> _Reading:
        """Gather: every shard reads the query; corrected when it matches nowhere."""
        everyone = list(range(self.transport.count))
        query = request.matching()
        prepared = self._scatter(everyone, "prepare", query, True, self._apart)
        missing = set(everyone) - set(prepared)
        if not prepared:
            return _Reading(query, None, [], None, {}, missing)
        first = prepared[min(prepared)]
        notes = list(first.notes)
        suggestion = _suggestion(first.text, [prepared[n].corrections for n in sorted(prepared)])
        if suggestion is not None and (first.empty or not any(p.matched for p in prepared.values())):
            fixed = replace(query, text=suggestion)
            again = self._scatter(sorted(prepared), "prepare", fixed, False, self._apart)
            if again and not again[min(again)].empty:
                notes.append(QueryNote(QueryNoteKind.CORRECTED, typed=request.text, searched=suggestion))
                query, prepared = fixed, again
                missing |= set(everyone) - set(prepared)
                first = prepared[min(prepared)]
        if first.empty and not first.browse:
            notes.append(QueryNote(QueryNoteKind.NO_WORDS))
        return _Reading(query, first, notes, suggestion, prepared, missing)

    # ------------------------------------------------------------------ scatter, merge, re-rank

    def _rank(self, reading: _Reading, depth: int | None, facets: bool) -> _Ranked:
        """Each shard's first stage with the collection's statistics, merged in one index's order, re-ranked."""
        first = reading.first
        assert first is not None
        numbers = sorted(reading.prepared)
        parts = [part for n in numbers if (part := reading.prepared[n].statistics) is not None]
        statistics = reduce(lambda a, b: a + b, parts) if self._apart and parts else None
        answers = self._scatter(numbers, "answer", reading.query, depth, facets, statistics, self._apart)
        offsets = (_offsets({n: part.doc_count_all for n, part in zip(numbers, parts, strict=True)})
                   if self._apart else {n: 0 for n in numbers})
        where = _Places(offsets)
        ranked = self._merged(answers, offsets, reading.query.sort, first.browse, depth)
        if reading.query.sort == Sort.RELEVANCE and not first.browse and answers:
            ranked = self._reranked(answers, offsets, ranked, first, where)
        return _Ranked(answers, where, ranked, reading.missing | (set(numbers) - set(answers)))

    def _merged(self, answers: dict[int, ShardAnswer], offsets: dict[int, int], sort: Sort, browse: bool,
                depth: int | None) -> Ranked:
        """Every shard's best as one list of (article number as one index numbers it, score), in the
        first stage's order; one shard's order is its own."""
        if len(answers) == 1:
            (n, answer), = answers.items()
            return list(answer.ranked) if not offsets[n] else [(offsets[n] + docnum, score)
                                                               for docnum, score in answer.ranked]
        if sort != Sort.RELEVANCE or browse:
            newest_first = sort == Sort.NEWEST or (browse and sort != Sort.OLDEST)
            rows = [(answer.dates[i] if answer.dates else 0, offsets[n] + docnum, score)
                    for n, answer in answers.items() for i, (docnum, score) in enumerate(answer.ranked)]
            # Whoosh reverses the whole order for newest first: equal dates, the later article first.
            rows.sort(key=lambda row: (-row[0], -row[1]) if newest_first else (row[0], row[1]))
            return [(number, score) for _, number, score in rows[:depth]]
        merged = sorted(((offsets[n] + docnum, score) for n, answer in answers.items()
                         for docnum, score in answer.ranked), key=lambda pair: (-(pair[1] or 0.0), pair[0]))
        return merged[:depth]

    def _reranked(self, answers: dict[int, ShardAnswer], offsets: dict[int, int], ranked: Ranked,
                  first: Prepared, where: _Places) -> Ranked:
        """``ranked`` with its first ``Ranking.rerank_depth`` re-scored with the shards' evidence."""
        top = ranked[:self.ranking.rerank_depth]
        numbers = sorted(answers)
        parts = [answer.evidence for n in numbers if (answer := answers[n]).evidence is not None]
        if len(parts) < len(numbers):
            return ranked
        evidence = parts[0]
        if len(parts) > 1:
            # Each candidate's row in the shards' evidence stacked: a shard's rows follow the shards' before it.
            row: dict[int, int] = {}
            for n, part in zip(numbers, parts, strict=True):
                start = len(row)
                for i, (docnum, _) in enumerate(answers[n].ranked[:len(part.matched)]):
                    row[offsets[n] + docnum] = start + i
            evidence = Evidence.stacked(parts).take(np.array([row[number] for number, _ in top], dtype=np.int64))
        docnums = np.array([number for number, _ in top], dtype=np.int64)
        bm25 = np.array([score or 0.0 for _, score in top], dtype=np.float64)
        reranked: Ranked = list(rerank(docnums, bm25, evidence, first.words, self.ranking, first.typed,
                                       tie_key=self._article_id(where)))
        return reranked + ranked[self.ranking.rerank_depth:]

    def _article_id(self, where: _Places) -> Callable[[int], str]:
        """``tie_key`` for the re-ranking: an article's id, asked of its shard (only articles of equal score)."""
        def article_id(number: int) -> str:
            shard, docnum = where[number]
            found = self._scatter([shard], "article_ids", [docnum])
            return found[shard][0] if shard in found else ""

        return article_id

    # ------------------------------------------------------------------ fetch

    def _gathered(self, where: _Places, ranked: Ranked, method: str,
                  *args) -> tuple[list, set[int]]:
        """``method`` of the shards holding the ``ranked`` articles (hits, rows), in ranked order; and who failed."""
        by_shard: dict[int, Ranked] = {}
        for number, score in ranked:
            shard, docnum = where[number]
            by_shard.setdefault(shard, []).append((docnum, score))
        answered = self._scatter(sorted(by_shard), method, *args, each=by_shard) if by_shard else {}
        each = {n: iter(items) for n, items in answered.items()}
        return ([next(each[where[number][0]]) for number, _ in ranked if where[number][0] in each],
                set(by_shard) - set(answered))

    # ------------------------------------------------------------------ the operations

    def search(self, request: SearchRequest) -> SearchResults:
        """A page of hits for ``request``, as one index would rank them."""
        reading = self._read(request)
        first = reading.first
        if first is None or (first.empty and not first.browse):
            return SearchResults(request.text, 0, request.page, request.limit, [], reading.notes,
                                 reading.suggestion, {name: {} for name in FACETS} if request.facets else None,
                                 missing_shards=sorted(reading.missing),
                                 words=first.reading if first is not None else QueryWords())
        page, limit = request.page, request.limit
        depth = page * limit if first.browse else max(self.ranking.rerank_depth, page * limit)
        stage = self._rank(reading, depth, request.facets)
        words = (first.words if not first.browse else []) if request.highlight else None
        hits, failed = self._gathered(stage.where, stage.ranked[(page - 1) * limit: page * limit], "hits",
                                      reading.query, words, request.forms)
        missing = stage.missing | failed
        suggestion = reading.suggestion
        if not first.short and stage.total < limit:
            suggestion = self._suggested(first.text, sorted(stage.answers))
        notes = reading.notes
        if missing:
            notes.append(QueryNote(QueryNoteKind.SHARDS_MISSING, shards=", ".join(map(str, sorted(missing)))))
        facets = _merged_facets([stage.answers[n] for n in sorted(stage.answers)]) \
            if request.facets and stage.answers else None
        return SearchResults(request.text, stage.total, page, limit, hits, notes, suggestion, facets,
                             missing_shards=sorted(missing), words=first.reading)

    def words(self, text: str) -> QueryWords:
        """How the shards read the words of ``text`` (as ``SearchResults.words``), without searching."""
        read = self._scatter(range(self.transport.count), "prepare", ExportRequest(text), False, False)
        if not read:
            raise ShardUnavailableError("no shard answered")
        return read[min(read)].reading

    def export(self, request: ExportRequest, rows_per_call: int | None = None) -> Export:
        """Every matching article in the order of one index, its rows fetched ``rows_per_call`` at a time
        (the transport's own number by default), each batch only when the iteration reaches it.

        An export is whole or fails: a shard that does not answer raises
        :class:`~search.errors.ShardUnavailableError`, before the first row or at the row it holds.
        """
        reading = self._read(request)
        _complete(reading.missing, "this export")
        first = reading.first
        assert first is not None
        if first.empty and not first.browse:
            return Export(request.text, 0, reading.notes, iter(()))
        stage = self._rank(reading, None, False)
        _complete(stage.missing, "this export")
        words = [] if first.browse else first.words
        batch = rows_per_call or self.transport.rows_per_call
        return Export(request.text, stage.total, reading.notes, self._rows(stage, reading.query, words, batch))

    def _rows(self, stage: _Ranked, query: ExportRequest, words: list[str], rows_per_call: int) -> Iterator[ExportRow]:
        for start in range(0, len(stage.ranked), rows_per_call):
            rows, failed = self._gathered(stage.where, stage.ranked[start:start + rows_per_call], "rows",
                                          query, words)
            _complete(failed, "this export")
            yield from rows

    def _owned(self, article_id: str, method: str, *args):
        """``method`` of the shard the article's id names; its answer of None means no such article."""
        owner = shard_of(encodable(article_id), self.transport.count)
        found = self._scatter([owner], method, article_id, *args)
        if owner not in found:
            raise ShardUnavailableError(f"shard {owner}, which holds {article_id!r}, did not answer")
        if found[owner] is None:
            raise ArticleNotFoundError(f"no article with id {article_id!r}")
        return found[owner]

    def similar(self, article_id: str, limit: int = 10) -> list[Hit]:
        """The articles most like ``article_id`` (not it): its key words weighed in the whole collection,
        every shard searched for them with the collection's statistics, merged as one index."""
        if limit < 1:
            raise InvalidArgumentError(f"limit must be at least 1, not {limit}")
        terms, sizes, statistics = self._key_terms(article_id)
        everyone = list(range(self.transport.count))
        answers = self._scatter(everyone, "more_like", terms, article_id, limit, statistics)
        _complete(set(everyone) - set(answers), "a list of similar articles")
        offsets = _offsets(sizes)
        where = _Places(offsets)
        ranked = sorted(((offsets[n] + docnum, score) for n in everyone for docnum, score in answers[n]),
                        key=lambda pair: (-pair[1], pair[0]))
        ranked = _by_id_when_tied(ranked, limit, self._article_id(where))
        hits, failed = self._gathered(where, ranked, "hits", None, None, False)
        _complete(failed, "a list of similar articles")
        return hits

    def _key_terms(self, article_id: str):
        """The article's key words weighed with the whole collection's frequencies; each shard's size;
        the collection's statistics of those words (None when one shard is the collection)."""
        weights, total = self._owned(article_id, "key_words")
        everyone = list(range(self.transport.count))
        known = self._scatter(everyone, "frequencies", sorted(weights), self._apart)
        _complete(set(everyone) - set(known), "a list of similar articles")
        frequencies: Counter[str] = Counter()
        for counts, _ in known.values():
            frequencies.update(counts)
        statistics = reduce(lambda a, b: a + b, (known[n][1] for n in everyone))
        terms = key_terms(weights, total, dict(frequencies), statistics.doc_count_all, SIMILAR_TERMS)
        sizes = {n: known[n][1].doc_count_all for n in everyone}
        return terms, sizes, statistics if self._apart else None

    def values(self, fieldname: str, limit: int | None = None) -> list[FieldValue]:
        """The values of a keyword field with their article counts on every shard, most common first."""
        value_field(fieldname)
        if limit is not None and limit < 1:
            raise InvalidArgumentError(f"limit must be at least 1, not {limit}")
        everyone = list(range(self.transport.count))
        found = self._scatter(everyone, "values", fieldname)
        _complete(set(everyone) - set(found), "a list of values")
        if len(found) == 1:
            merged = found[0]
        else:
            counts: Counter[str] = Counter()
            for n in everyone:
                counts.update({value.value: value.count for value in found[n]})
            merged = [FieldValue(value, count)
                      for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
        return merged if limit is None else merged[:limit]

    def get(self, article_id: str) -> Article:
        """The stored article with this id, from the shard its id names."""
        return self._owned(article_id, "get")

    # ------------------------------------------------------------------ coverage

    def timeline(self, request: TimelineRequest) -> Timeline:
        """Each query's articles per period over every shard, as counts and shares of the archive's."""
        everyone = list(range(self.transport.count))
        found = self._scatter(everyone, "timeline", request)
        _complete(set(everyone) - set(found), "a timeline")
        parts = [found[n] for n in everyone]
        archive = _summed([part.archive for part in parts])
        lines = [_summed([part.lines[i] for part in parts]) for i in range(len(request.queries))]
        spans = _span(request, archive)
        listed = periods(*spans, request.interval) if spans else []
        base = [archive.counts.get(period.start, 0) for period in listed]
        made = []
        for i, (text, line) in enumerate(zip(request.queries, lines, strict=True)):
            counts = [line.counts.get(period.start, 0) for period in listed]
            shares = [count / whole if whole else 0.0 for count, whole in zip(counts, base, strict=True)]
            unmatched = not line.counts and not line.undated and len(text.split()) <= SUGGEST_MAX_WORDS
            made.append(TimelineLine(text, counts, shares, line.undated, parts[0].notes[i],
                                     self._suggested(text, everyone) if unmatched else None))
        if listed and spans:  # the first and last periods held only the days inside the dates asked for
            listed[0] = replace(listed[0], start=max(listed[0].start, spans[0]))
            listed[-1] = replace(listed[-1], end=min(listed[-1].end, spans[1]))
        return Timeline(str(request.interval), listed, base, made, request.filters)

    def _suggested(self, text: str, shards) -> str | None:
        """``text`` with the words no one of ``shards`` knows corrected, or None if none needed it."""
        found = self._scatter(shards, "corrections", text)
        return _suggestion(text, [found[n] for n in sorted(found)])

    def coverage(self, request: CoverageRequest) -> Coverage:
        """The words that set the query's best ``sample`` articles apart from the archive, and the
        outlets that carried the query's articles, as shares of their own."""
        reading = self._read(request)
        _complete(reading.missing, "the words of a coverage")
        first = reading.first
        assert first is not None
        if first.empty and not first.browse:
            return Coverage(request.text, 0, 0, [], [], reading.notes)
        stage = self._rank(reading, request.sample, False)
        _complete(stage.missing, "the words of a coverage")
        sample = self._sample(stage, request.sample)
        words = self._significant(sample, set(first.words), request.limit)
        counted = self._scatter(sorted(reading.prepared), "source_counts", reading.query)
        _complete(set(reading.prepared) - set(counted), "the words of a coverage")
        matched: Counter[str] = Counter()
        volumes: Counter[str] = Counter()
        for found, whole in counted.values():
            matched.update(found)
            volumes.update(whole)
        return Coverage(request.text, stage.total, sample.articles, words, _shares(matched, volumes),
                        reading.notes)

    def _sample(self, stage: _Ranked, size: int) -> SampleWords:
        by_shard: dict[int, list[int]] = {}
        for number, _ in stage.ranked[:size]:
            shard, docnum = stage.where[number]
            by_shard.setdefault(shard, []).append(docnum)
        found = self._scatter(sorted(by_shard), "sample_words", each=by_shard)
        _complete(set(by_shard) - set(found), "the words of a coverage")
        return reduce(lambda a, b: a + b, found.values(), SampleWords())

    def _significant(self, sample: SampleWords, query_words: set[str], limit: int) -> list[SignificantWord]:
        """The sample's words and pairs most over-represented against the whole archive.

        A pair's count in the archive is a phrase search, the costly part:
        pairs are weighed in the order of the best score they could have
        (none of them elsewhere), and the rest left once that cannot reach
        the ``limit`` best so far. The answer is that of weighing them all.
        """
        least = 2 if sample.articles < 20 else 3
        keys = sample.candidates(query_words, least, CANDIDATES)
        words, pairs = [key for key in keys if len(key) == 1], [key for key in keys if len(key) > 1]
        scored: list[SignificantWord] = []
        articles, weighed = self._weighed(sample, words, scored)
        if articles is None:
            return []
        bounds = log_likelihood(np.array([sample.held[key] for key in pairs]), sample.articles,
                                np.zeros(len(pairs)), articles - sample.articles)
        pairs = [pairs[i] for i in np.lexsort((np.arange(len(pairs)), -bounds))]
        bounds = np.sort(bounds)[::-1]
        done = 0
        while done < len(pairs) and bounds[done] > 0 and (len(weighed) < limit or bounds[done] > weighed[limit - 1]):
            self._weighed(sample, pairs[done:done + PAIRS_AT_ONCE], scored)
            weighed = sorted((word.score for word in scored), reverse=True)
            done += PAIRS_AT_ONCE
        scored.sort(key=lambda word: (-word.score, word.stems))
        return scored[:limit]

    def _weighed(self, sample: SampleWords, keys: Sequence[tuple[str, ...]],
                 scored: list[SignificantWord]) -> tuple[int | None, list[float]]:
        """Weigh ``keys`` against the archive, adding those over-represented to ``scored``; the archive's
        article count (None if there was nothing to weigh) and every score so far, best first."""
        if not keys:
            return None, []
        everyone = list(range(self.transport.count))
        found = self._scatter(everyone, "document_frequencies", keys)
        _complete(set(everyone) - set(found), "the words of a coverage")
        archive = np.sum([found[n][0] for n in everyone], axis=0)
        articles = sum(found[n][1] for n in everyone)
        inside = np.array([sample.held[key] for key in keys])
        scores = log_likelihood(inside, sample.articles, np.maximum(archive - inside, 0),
                                articles - sample.articles)
        scored.extend(SignificantWord(sample.form(key), key, int(inside[i]), int(archive[i]), float(scores[i]))
                      for i, key in enumerate(keys) if scores[i] > 0)
        return articles, sorted((word.score for word in scored), reverse=True)


CANDIDATES = 300
"""Words (and as many pairs of words) of a sample weighed against the archive: the most held."""
PAIRS_AT_ONCE = 16
"""Pairs of words counted in the archive at a time, until the rest cannot rank."""


def _summed(parts: list) -> PeriodCounts:
    counts: Counter = Counter()
    for part in parts:
        counts.update(part.counts)
    return PeriodCounts(dict(counts), sum(part.undated for part in parts))


def _span(request: TimelineRequest, archive: PeriodCounts) -> tuple[date, date] | None:
    """The first and last day a timeline covers: its date options where given, else its articles'."""
    first = min(archive.counts) if archive.counts else None
    last = max(archive.counts) if archive.counts else None
    start = parse_date_range(request.date_from)[0] if request.date_from else None
    end = parse_date_range(request.date_to)[1] if request.date_to else None
    if start is not None:
        first = start.date()
    if end is not None:
        last = (end - timedelta(days=1)).date()
    if first is None or last is None or first > last:
        return None
    return first, last


def _shares(matched: dict[str, int], volumes: dict[str, int]) -> list[SourceShare]:
    """Each outlet's matching articles over its own, the largest share first."""
    shares = [SourceShare(source, count, volumes.get(source, count)) for source, count in matched.items()]
    return sorted(shares, key=lambda share: (-share.share, -share.matched, share.source))
