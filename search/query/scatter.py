"""Answering over shards held apart (in other processes or on other machines): gather, scatter, merge.

On one machine an index of several shards is read as one (``search.store.shards``).
When each shard is held by a process of its own (a Ray actor, ``search.cluster``),
no one process sees every segment, so the engine does what Whoosh did for it:

1. **Gather.** Every shard reads the query (the same parse everywhere: the
   schema and the saved roots are the generation's) and returns the
   statistics of its terms (:class:`~search.query.scoring.CollectionStatistics`),
   whether it matches there, and its spelling suggestion. Their sum is the
   collection's; a correction is made when the query matches nowhere.
2. **Scatter.** Every shard runs the first stage with the collection's
   statistics, so each article gets the score it would get in one index, and
   returns its best ``page × limit`` (at least the re-ranking depth), its
   total and facet counts, and the re-ranking evidence of its best candidates.
3. **Merge.** The coordinator numbers each shard's articles after the shards
   before it (as Whoosh numbers segments), orders the candidates as one index
   would, re-ranks the best ``Ranking.rerank_depth`` with their evidence, and
   asks the shards that hold the page's articles for their hits.

:class:`ShardSearcher` is one shard's side, with plain dataclasses in and out
(so that it can live in an actor); :class:`Coordinator` the other, over any
objects with its methods. A shard that does not answer is left out and named
in the results' ``missing_shards``: the answer then says it is partial.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import reduce
from pathlib import Path

import numpy as np
from whoosh import classify
from whoosh.query import Or, Term

from ..errors import ArticleNotFoundError, InvalidArgumentError, ShardUnavailableError
from ..results import Export, ExportRow, Hit, SearchResults
from ..store.arrays import date_column
from ..store.generation import Generation
from ..store.schema import TEXT_FIELDS
from .ranking import Candidate, Ranking, collect_evidence, rerank
from .scoring import CollectionStatistics, scored_with
from .searcher import FACETS, NO_WORDS, SIMILAR_FIELD, SIMILAR_TERMS, QueryPlan, Searcher, read_query
from .spelling import corrected, corrections


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
    statistics: CollectionStatistics
    notes: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    typed: list[str] = field(default_factory=list)


@dataclass
class ShardAnswer:
    """One shard's first stage: its best articles (its own numbers), total, facets, evidence."""

    total: int
    ranked: list[tuple[int, float | None]]
    dates: list[int] | None = None
    """Each ranked article's date as the date column holds it (date orders only)."""
    candidates: list[Candidate] = field(default_factory=list)
    facets: dict[str, dict[str, int]] | None = None


class ShardSearcher(Searcher):
    """One shard of a generation: a :class:`Searcher` that also answers the coordinator's questions."""

    def __init__(self, generation: Generation, ranking: Ranking):
        super().__init__(generation, ranking)
        self._dates: np.ndarray | None = None
        self._plans: dict[tuple, QueryPlan] = {}  # the last few queries read: answer() follows prepare()

    @classmethod
    def open(cls, index_dir: str | Path, folder: str | Path, shard: int, ranking: Ranking) -> ShardSearcher:
        """Shard ``shard`` of the generation ``folder`` of the index at ``index_dir``."""
        return cls(Generation.open(Path(index_dir), Path(folder), ranking.weighting(), shard=shard), ranking)

    def close(self) -> None:
        self.generation.close()

    def _plan(self, text: str, sort: str, date_from: str | None, date_to: str | None) -> QueryPlan:
        key = (text, sort, date_from, date_to)
        if key not in self._plans:
            if len(self._plans) >= 8:
                self._plans.pop(next(iter(self._plans)))
            self._plans[key] = read_query(self._whoosh, self.ranking, text, sort, date_from, date_to, correct=False)
        plan = self._plans[key]
        return replace(plan, notes=list(plan.notes))

    def prepare(self, text: str, sort: str = "relevance", date_from: str | None = None,
                date_to: str | None = None, correct: bool = True) -> Prepared:
        plan = self._plan(text, sort, date_from, date_to)
        terms = [(name, value) for name, value in plan.parsed.query.iter_all_terms()]
        found = corrections(plan.parsed.text, self._whoosh) if correct and plan.short else []
        unknown = any(correction is not None for _, _, correction in found)
        matched = bool(not unknown or plan.parsed.is_empty
                       or not self._whoosh.search(plan.parsed.query, limit=1, filter=plan.window,
                                                  optimize=False).is_empty())
        return Prepared(plan.parsed.text, plan.parsed.is_empty, plan.browse, plan.short, matched, found,
                        CollectionStatistics.of(self._whoosh, terms), plan.notes, plan.words, plan.typed)

    def answer(self, text: str, sort: str, date_from: str | None, date_to: str | None, depth: int | None,
               facets: bool, statistics: CollectionStatistics) -> ShardAnswer:
        plan = self._plan(text, sort, date_from, date_to)
        found = self._first.run(plan, depth, facets, statistics)
        ranked = list(found.ranked)
        answer = ShardAnswer(found.total, ranked, facets=found.facets)
        if plan.sort != "relevance" or plan.browse:
            if self._dates is None:
                self._dates = date_column(self._whoosh, "date")
            answer.dates = [int(self._dates[docnum]) for docnum, _ in ranked]
            return answer
        top = [Candidate(docnum, score or 0.0) for docnum, score in ranked[:self.ranking.rerank_depth]]
        collect_evidence(top, set(plan.words), TEXT_FIELDS, self._first.postings_of(found.postings),
                         set(plan.typed))
        answer.candidates = top
        return answer

    def article_ids(self, docnums: list[int]) -> list[str]:
        """The ids of these articles (what breaks ties in the re-ranking; asked only for ties)."""
        return [self._article_id(docnum) for docnum in docnums]

    def hits(self, ranked: list[tuple[int, float | None]], words: list[str] | None) -> list[Hit]:
        """The hits of these articles (this shard's numbers), marked for ``words`` (None: no snippets)."""
        terms = set(words) if words is not None else None
        postings_of = self._first.postings_of({})
        return [self._render.hit(docnum, score, terms, postings_of) for docnum, score in ranked]

    def corrections(self, text: str) -> list[tuple[int, int, str | None]]:
        return corrections(text, self._whoosh)

    def rows(self, ranked: list[tuple[int, float | None]], words: list[str]) -> list[ExportRow]:
        """The export rows of these articles (this shard's numbers), their snippets marked for ``words``."""
        postings_of = self._first.postings_of({})
        return [self._render.row(docnum, score, set(words), postings_of) for docnum, score in ranked]

    def key_words(self, article_id: str) -> tuple[dict[str, float], float] | None:
        """Each word of the article's body with its weight there, and their total (None: not in this shard)."""
        docnum = self._whoosh.document_number(id=article_id)
        if docnum is None:
            return None
        expander = classify.Expander(self._whoosh.reader(), SIMILAR_FIELD)
        expander.add_document(docnum)
        return dict(expander.topN_weight), expander.top_total

    def frequencies(self, words: list[str]) -> tuple[dict[str, int], CollectionStatistics]:
        """How often each of ``words`` this shard knows occurs here, and the shard's statistics of them."""
        reader = self._whoosh.reader()
        to_bytes = self._whoosh.schema[SIMILAR_FIELD].to_bytes
        known = {word: reader.frequency(SIMILAR_FIELD, to_bytes(word)) for word in words
                 if (SIMILAR_FIELD, to_bytes(word)) in reader}
        return known, CollectionStatistics.of(self._whoosh, [(SIMILAR_FIELD, word) for word in known])

    def more_like(self, terms: list[tuple[str, float]], article_id: str, limit: int,
                  statistics: CollectionStatistics) -> list[tuple[int, float]]:
        """This shard's best ``limit`` for the key words ``terms``, scored in the whole collection; not the article."""
        docnum = self._whoosh.document_number(id=article_id)
        query = Or([Term(SIMILAR_FIELD, word, boost=weight) for word, weight in terms])
        with scored_with(self._whoosh, statistics):
            results = self._whoosh.search(query, limit=limit, mask={docnum} if docnum is not None else None)
            return [(hit.docnum, hit.score) for hit in results]


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
    merged: dict[str, dict[str, int]] = {}
    for name in FACETS:
        counts: Counter[str] = Counter()
        for answer in answers:
            counts.update((answer.facets or {}).get(name, {}))
        merged[name] = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    return merged


@dataclass
class _Reading:
    """A query as the shards read it (``Coordinator._read``)."""

    searched: str
    """The text searched: as typed, or its correction when that matched nowhere."""
    first: Prepared | None
    """The lowest answering shard's reading (every shard reads the text the same way); None: none answered."""
    notes: list[str]
    suggestion: str | None
    prepared: dict[int, Prepared]
    missing: set[int]


@dataclass
class _Ranked:
    """A query's first stage on every shard, merged (``Coordinator._rank``)."""

    answers: dict[int, ShardAnswer]
    where: dict[int, tuple[int, int]]
    """Article number as one index numbers it -> (shard, the shard's own number)."""
    ranked: list[tuple[int, float | None]]
    missing: set[int]


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


class Coordinator:
    """``search`` over shards held apart, with the answers of one index.

    ``shards`` are :class:`ShardSearcher` objects, or stand-ins whose calls
    ``call([(shard_number, method, args), ...])`` makes, all at once (remote
    calls to Ray actors, with a timeout), returning each call's result or a
    :class:`ShardUnavailable`, which leaves that shard out of the answer.
    """

    def __init__(self, shards: Sequence, ranking: Ranking,
                 call: Callable[[list[tuple[int, str, tuple]]], list] | None = None):
        self.shards = list(shards)
        self.ranking = ranking
        self._call = call or self._call_each

    def _call_each(self, calls: list[tuple[int, str, tuple]]) -> list:
        return [getattr(self.shards[n], method)(*args) for n, method, args in calls]

    def _scatter(self, numbers, method: str, *args, each: dict | None = None) -> dict:
        """Each shard's answer by number (``each[n]``: that shard's own first argument); absent if it did not answer."""
        numbers = list(numbers)
        calls = [(n, method, ((each[n],) if each is not None else ()) + args) for n in numbers]
        results = self._call(calls)
        return {n: r for n, r in zip(numbers, results, strict=True) if not isinstance(r, ShardUnavailable)}

    def _read(self, text: str, sort: str, date_from: str | None, date_to: str | None) -> _Reading:
        """Gather: every shard reads the query; corrected when it matches nowhere; the collection's statistics."""
        everyone = list(range(len(self.shards)))
        prepared = self._scatter(everyone, "prepare", text, sort, date_from, date_to, True)
        missing = set(everyone) - set(prepared)
        if not prepared:
            return _Reading(text, None, [], None, {}, missing)
        first = prepared[min(prepared)]
        notes = list(first.notes)
        suggestion = _suggestion(first.text, [prepared[n].corrections for n in sorted(prepared)])
        searched = text
        if suggestion is not None and (first.empty or not any(p.matched for p in prepared.values())):
            corrected = self._scatter(sorted(prepared), "prepare", suggestion, sort, date_from, date_to, False)
            if corrected and not corrected[min(corrected)].empty:
                notes.append(f"nothing matched {text!r}; showing results for {suggestion!r}")
                searched, prepared = suggestion, corrected
                missing |= set(everyone) - set(prepared)
                first = prepared[min(prepared)]
        if first.empty and not first.browse:
            notes.append(NO_WORDS)
        return _Reading(searched, first, notes, suggestion, prepared, missing)

    def _rank(self, reading: _Reading, sort: str, date_from: str | None, date_to: str | None,
              depth: int | None, facets: bool) -> _Ranked:
        """Scatter and merge: each shard's first stage with the collection's statistics, in one index's order."""
        first = reading.first
        assert first is not None
        numbers = sorted(reading.prepared)
        statistics = reduce(lambda a, b: a + b, (reading.prepared[n].statistics for n in numbers))
        offsets = _offsets({n: reading.prepared[n].statistics.doc_count_all for n in numbers})
        answers = self._scatter(numbers, "answer", reading.searched, sort, date_from, date_to, depth, facets,
                                statistics)
        where = {offsets[n] + docnum: (n, docnum) for n in answers for docnum, _ in answers[n].ranked}
        return _Ranked(answers, where, self._merged(answers, offsets, sort, first, depth),
                       reading.missing | (set(numbers) - set(answers)))

    def _gathered(self, where: dict[int, tuple[int, int]], ranked: list[tuple[int, float | None]], method: str,
                  *args) -> tuple[list, set[int]]:
        """``method`` of the shards holding the ``ranked`` articles (hits, rows), in ranked order; and who failed."""
        by_shard: dict[int, list[tuple[int, float | None]]] = {}
        for number, score in ranked:
            shard, docnum = where[number]
            by_shard.setdefault(shard, []).append((docnum, score))
        answered = self._scatter(sorted(by_shard), method, *args, each=by_shard) if by_shard else {}
        each = {n: iter(items) for n, items in answered.items()}
        return ([next(each[where[number][0]]) for number, _ in ranked if where[number][0] in each],
                set(by_shard) - set(answered))

    def search(self, text: str, limit: int = 10, page: int = 1, highlight: bool = True,
               sort: str = "relevance", date_from: str | None = None,
               date_to: str | None = None, facets: bool = False) -> SearchResults:
        if limit < 1 or page < 1:
            raise InvalidArgumentError("limit and page must be at least 1")
        reading = self._read(text, sort, date_from, date_to)
        first = reading.first
        if first is None or (first.empty and not first.browse):
            return self._nothing(text, page, limit, reading.notes, reading.suggestion, facets, reading.missing)
        depth = page * limit if first.browse else max(self.ranking.rerank_depth, page * limit)
        stage = self._rank(reading, sort, date_from, date_to, depth, facets)
        words = first.words if highlight and not first.browse else ([] if highlight else None)
        hits, failed = self._gathered(stage.where, stage.ranked[(page - 1) * limit: page * limit], "hits", words)
        missing = stage.missing | failed
        numbers = sorted(stage.answers)
        total = sum(stage.answers[n].total for n in numbers)
        notes, suggestion = reading.notes, reading.suggestion
        if not first.short and total < limit:
            found = self._scatter(numbers, "corrections", first.text)
            suggestion = _suggestion(first.text, [found[n] for n in sorted(found)])
        if missing:
            notes.append(f"shards {', '.join(map(str, sorted(missing)))} did not answer: these results "
                         "leave out their articles")
        return SearchResults(text, total, page, limit, hits, notes, suggestion,
                             _merged_facets([stage.answers[n] for n in numbers]) if facets and numbers else None,
                             missing_shards=sorted(missing))

    def export(self, text: str, sort: str = "relevance", date_from: str | None = None,
               date_to: str | None = None, rows_per_call: int = 200) -> Export:
        """As ``Searcher.export``: every matching article, in the order of one index, ``rows_per_call`` at a time.

        An export is whole or fails: a shard that does not answer raises
        :class:`~search.errors.ShardUnavailableError`, before the first row or at the row it holds.
        """
        reading = self._read(text, sort, date_from, date_to)
        _complete(reading.missing, "this export")
        first = reading.first
        assert first is not None
        if first.empty and not first.browse:
            return Export(text, 0, reading.notes, iter(()))
        stage = self._rank(reading, sort, date_from, date_to, None, False)
        _complete(stage.missing, "this export")
        total = sum(answer.total for answer in stage.answers.values())
        words = [] if first.browse else first.words
        return Export(text, total, reading.notes, self._rows(stage, words, rows_per_call))

    def _rows(self, stage: _Ranked, words: list[str], rows_per_call: int):
        for start in range(0, len(stage.ranked), rows_per_call):
            rows, failed = self._gathered(stage.where, stage.ranked[start:start + rows_per_call], "rows", words)
            _complete(failed, "this export")
            yield from rows

    def similar(self, article_id: str, owner: int, limit: int = 10) -> list[Hit]:
        """As ``Searcher.similar``, for the article held by shard ``owner``: its key words weighed in the
        whole collection, every shard searched for them with its statistics, merged as one index."""
        if limit < 1:
            raise InvalidArgumentError(f"limit must be at least 1, not {limit}")
        found = self._scatter([owner], "key_words", article_id)
        if owner not in found:
            raise ShardUnavailableError(f"shard {owner}, which holds {article_id!r}, did not answer")
        if found[owner] is None:
            raise ArticleNotFoundError(f"no article with id {article_id!r}")
        weights, total = found[owner]
        everyone = list(range(len(self.shards)))
        known = self._scatter(everyone, "frequencies", sorted(weights))
        _complete(set(everyone) - set(known), "a list of similar articles")
        frequencies: Counter[str] = Counter()
        for counts, _ in known.values():
            frequencies.update(counts)
        statistics = reduce(lambda a, b: a + b, (known[n][1] for n in everyone))
        terms = key_terms(weights, total, dict(frequencies), statistics.doc_count_all, SIMILAR_TERMS)
        answers = self._scatter(everyone, "more_like", terms, article_id, limit, statistics)
        _complete(set(everyone) - set(answers), "a list of similar articles")
        offsets = _offsets({n: known[n][1].doc_count_all for n in everyone})
        where = {offsets[n] + docnum: (n, docnum) for n in everyone for docnum, _ in answers[n]}
        ranked = sorted(((offsets[n] + docnum, score) for n in everyone for docnum, score in answers[n]),
                        key=lambda pair: (-pair[1], pair[0]))[:limit]
        hits, failed = self._gathered(where, ranked, "hits", None)
        _complete(failed, "a list of similar articles")
        return hits

    def _merged(self, answers: dict[int, ShardAnswer], offsets: dict[int, int], sort: str,
                first: Prepared, depth: int | None) -> list[tuple[int, float | None]]:
        """Every shard's best as one ranked list of (article number as one index numbers it, score)."""
        if sort != "relevance" or first.browse:
            newest_first = sort == "-date" or (first.browse and sort != "date")
            rows = [(answer.dates[i] if answer.dates else 0, offsets[n] + docnum, score)
                    for n, answer in answers.items() for i, (docnum, score) in enumerate(answer.ranked)]
            # Whoosh reverses the whole order for newest first: equal dates, the later article first.
            rows.sort(key=lambda row: (-row[0], -row[1]) if newest_first else (row[0], row[1]))
            return [(number, score) for _, number, score in rows[:depth]]
        merged = sorted(((offsets[n] + docnum, score) for n, answer in answers.items()
                         for docnum, score in answer.ranked), key=lambda pair: (-(pair[1] or 0.0), pair[0]))
        merged = merged[:depth]
        candidates = {offsets[n] + c.docnum: replace(c, docnum=offsets[n] + c.docnum)
                      for n, answer in answers.items() for c in answer.candidates}
        top = [candidates[number] for number, _ in merged[:self.ranking.rerank_depth]]
        top = rerank(top, first.words, self.ranking, tie_key=self._article_id(offsets), typed=first.typed)
        return [(c.docnum, c.score) for c in top] + merged[self.ranking.rerank_depth:]

    def _article_id(self, offsets: dict[int, int]) -> Callable[[int], str]:
        """``tie_key`` for the re-ranking: an article's id, asked of its shard (only articles of equal score)."""
        starts = sorted((start, n) for n, start in offsets.items())

        def article_id(number: int) -> str:
            start, shard = max((s, n) for s, n in starts if s <= number)
            found = self._scatter([shard], "article_ids", [number - start])
            if shard not in found:
                return ""
            return found[shard][0]

        return article_id

    def _nothing(self, text, page, limit, notes, suggestion, facets, missing) -> SearchResults:
        return SearchResults(text, 0, page, limit, [], notes, suggestion,
                             {name: {} for name in FACETS} if facets else None, missing_shards=sorted(missing))


class ShardUnavailable:
    """Stands for the answer of a shard that did not answer in time (``Coordinator``'s ``call`` returns it)."""

    def __init__(self, shard: int, reason: str):
        self.shard, self.reason = shard, reason
