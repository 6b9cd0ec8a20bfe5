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

from ..results import Hit, SearchResults
from ..store.arrays import date_column
from ..store.generation import Generation
from ..store.schema import TEXT_FIELDS
from .ranking import Candidate, Ranking, collect_evidence, rerank
from .scoring import CollectionStatistics
from .searcher import FACETS, NO_WORDS, QueryPlan, Searcher, read_query
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

    def search(self, text: str, limit: int = 10, page: int = 1, highlight: bool = True,
               sort: str = "relevance", date_from: str | None = None,
               date_to: str | None = None, facets: bool = False) -> SearchResults:
        from ..errors import InvalidArgumentError

        if limit < 1 or page < 1:
            raise InvalidArgumentError("limit and page must be at least 1")
        everyone = list(range(len(self.shards)))
        prepared = self._scatter(everyone, "prepare", text, sort, date_from, date_to, True)
        missing = set(everyone) - set(prepared)
        if not prepared:
            return self._nothing(text, page, limit, [], None, facets, sorted(missing))
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
            return self._nothing(text, page, limit, notes, suggestion, facets, sorted(missing))
        numbers = sorted(prepared)
        statistics = reduce(lambda a, b: a + b, (prepared[n].statistics for n in numbers))
        # Article numbers as one index numbers them: each shard's after the shards before it.
        offsets, base = {}, 0
        for n in numbers:
            offsets[n] = base
            base += prepared[n].statistics.doc_count_all
        depth = page * limit if first.browse else max(self.ranking.rerank_depth, page * limit)
        answers = self._scatter(numbers, "answer", searched, sort, date_from, date_to, depth, facets, statistics)
        missing |= set(numbers) - set(answers)
        numbers = sorted(answers)
        where = {offsets[n] + docnum: (n, docnum) for n in numbers for docnum, _ in answers[n].ranked}
        ranked = self._merged(answers, offsets, sort, first, depth)
        words = first.words if highlight and not first.browse else ([] if highlight else None)
        pages = ranked[(page - 1) * limit: page * limit]
        by_shard: dict[int, list[tuple[int, float | None]]] = {}
        for number, score in pages:
            shard, docnum = where[number]
            by_shard.setdefault(shard, []).append((docnum, score))
        rendered = self._scatter(sorted(by_shard), "hits", words, each=by_shard) if by_shard else {}
        missing |= set(by_shard) - set(rendered)
        hits_of = {n: iter(hits) for n, hits in rendered.items()}
        hits = [next(hits_of[where[number][0]]) for number, _ in pages if where[number][0] in hits_of]
        total = sum(answers[n].total for n in numbers)
        if not first.short and total < limit:
            found = self._scatter(numbers, "corrections", first.text)
            suggestion = _suggestion(first.text, [found[n] for n in sorted(found)])
        if missing:
            notes.append(f"shards {', '.join(map(str, sorted(missing)))} did not answer: these results "
                         "leave out their articles")
        return SearchResults(text, total, page, limit, hits, notes, suggestion,
                             _merged_facets([answers[n] for n in numbers]) if facets and numbers else None,
                             missing_shards=sorted(missing))

    def _merged(self, answers: dict[int, ShardAnswer], offsets: dict[int, int], sort: str,
                first: Prepared, depth: int) -> list[tuple[int, float | None]]:
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
                             {name: {} for name in FACETS} if facets else None, missing_shards=missing)


class ShardUnavailable:
    """Stands for the answer of a shard that did not answer in time (``Coordinator``'s ``call`` returns it)."""

    def __init__(self, shard: int, reason: str):
        self.shard, self.reason = shard, reason
