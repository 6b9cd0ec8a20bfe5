"""How results are ordered: BM25F, field weights, then a re-scoring of the top candidates.

Whoosh scores each article with BM25F over four fields: the title, the body,
the body's lead (its opening words: news is written top-down) and the title's
and body's words as written (so ``pemerintah`` is not just ``perintah``),
weighted by ``Ranking.field_boosts``. The best ``Ranking.rerank_depth`` articles are then
re-scored with what BM25F cannot see, from the postings of the query's own words:

    score = BM25F
            * (words matched / words in the query) ** coordination
              (coordination_short for a query of at most short_query_words words)
            * (1 + adjacency * share of the query's word pairs found side by side)
            * (1 + lead_coverage * share of the query's words in the first lead_positions words)
            * (1 + distinctness * how rare the matched words are among the candidates)
            * (1 + as_typed * share of the query's words held as typed, not only by root)
              (as_typed_one_word for a query of one word)
            * (1 + amounts * share of the query's amounts found written together)

Every weight is a field of :class:`Ranking`, a frozen configuration passed to
the searcher (``open_index(path, ranking=Ranking(adjacency=0))``); nothing
here reads a global. What the factors read of the candidates is gathered
once as arrays (:class:`Evidence`: which words each holds, where in its body)
and every factor is computed for all candidates at once (:func:`rescore`).
Shards held apart each gather the evidence on their own candidates; the
coordinator stacks them (:meth:`Evidence.stacked`) in its merged order.

* Matched words: an article holding all the query's words outranks one
  holding a few of them many times. A short query (``harga cabai``, ``penyebar
  hoaks ditangkap``) is a topic whose every word counts, so it asks for all of
  them more strongly than a headline of ten words, whose article may word one
  or two of them otherwise. (Whoosh's own bonus, ``OrGroup.factory``,
  gives an article different scores for different page sizes, which breaks
  paging; this one is stable.)
* Adjacency: ``Imam Nahrawi`` written as two neighbouring words, not apart.
* Lead coverage: a headline's words sit in the article's first sentence.
* Distinctness: a dozen articles of the same story share its names; the
  query words that only a few of the candidates hold tell them apart. For each
  candidate, the sum of log(1 + candidates / candidates holding the word) over
  the words it holds, divided by the largest such sum.
* As typed: ``perkembangan`` is found in an article that writes
  ``perkembangan`` before one that only shares its root ``kembang``
  (``Kembangan``, a place; ``kembang api``). Read from the exact-form field.
* Amounts: a number with the currency before it and the word after it
  (``rp 50 miliar``, ``9 tahun``, ``22 orang``) is one amount; an article
  writing them together holds that amount, one holding ``50 miliar yuan``
  and ``rp`` elsewhere does not.

Measured on known-item headline queries: benchmarks/README.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from types import MappingProxyType
from typing import TypeVar

import numpy as np
from whoosh.scoring import BM25F

from ..store.schema import POSITIONS_FIELD, TYPED_FIELD
from .scoring import CollectionBM25F


@dataclass(frozen=True)
class Ranking:
    """How results are ordered: the first stage's BM25F and the re-ranking's weights."""

    field_boosts: Mapping[str, float] = field(default_factory=lambda: MappingProxyType(
        {"title": 2.0, "body": 1.0, "lead": 0.5, "exact": 0.5}))
    """Title, body, the body's opening words (lead) and the unstemmed words of both (exact)."""
    k1: float = 1.2
    b: float = 0.75
    coordination: float = 0.5
    short_query_words: int = 4
    """A query of at most this many distinct words is short: a topic typed in a few words."""
    coordination_short: float = 3.0
    """The coordination of a short query, where each word is the topic (``harga cabai``:
    an article without ``cabai`` is not about it), against a headline's many words."""
    adjacency: float = 0.2
    lead_coverage: float = 0.4
    lead_positions: int = 30
    distinctness: float = 1.0
    as_typed: float = 0.5
    as_typed_one_word: float = 3.0
    """With one word there is nothing else to tell the senses of a root apart
    (perkembangan, Kembangan, kembang api): its form as typed decides more."""
    amounts: float = 0.5
    rerank_depth: int = 200
    """Candidates re-scored per query: pages beyond this depth are ranked by BM25F alone."""
    prune: bool = False
    """The first stage scores only what could reach the best it returns (MaxScore,
    ``search.query.scoring``): the same results, bit for bit. Off by default: on the dev
    headlines (26k real, 200k synthetic articles, depth 200) it scores a third fewer postings
    but takes longer than scoring them all in NumPy (``python -m benchmarks.pruning``)."""

    def weighting(self) -> BM25F:
        """Whoosh's BM25F with these parameters (for what Whoosh's own searcher scores).

        One that can take the whole collection's statistics for a query, for a
        shard held apart (``search.query.scoring.CollectionBM25F``).
        """
        return CollectionBM25F(B=self.b, K1=self.k1)


# Analysed words written before an amount ("Rp 50", "Rp50").
CURRENCIES = frozenset({"rp"})


_ROW = 1 << 32  # a (candidate row, body position) pair as one number: row * _ROW + position


@dataclass
class Evidence:
    """What the re-scoring reads of its candidates (rows), as arrays.

    ``matched[row, i]``: the candidate holds ``words[i]`` in a text field;
    ``hits[word]``: (row, position) of each of the word's places in the
    candidates' bodies; ``typed[row, i]``: the candidate writes
    ``typed_words[i]`` as typed.
    """

    words: list[str]
    matched: np.ndarray
    hits: dict[str, tuple[np.ndarray, np.ndarray]]
    typed_words: list[str]
    typed: np.ndarray

    @classmethod
    def of_articles(cls, matched: list[set[str]], positions: list[dict[str, list[int]]],
                    typed: list[set[str]], words: Iterable[str], typed_words: Iterable[str] = ()) -> Evidence:
        """The evidence on articles described one by one (rows in order): the query's words each
        holds, where each stands in its body, the words as typed it writes so."""
        words, typed_words = sorted(set(words)), sorted(set(typed_words))
        size = len(matched)
        held = np.array([[word in one for word in words] for one in matched], dtype=bool)
        held_typed = np.array([[word in one for word in typed_words] for one in typed], dtype=bool)
        hits = {}
        for word in words:
            rows = [(row, found) for row, one in enumerate(positions) if (found := one.get(word))]
            if rows:
                hits[word] = (np.repeat([row for row, _ in rows], [len(found) for _, found in rows]),
                              np.array([p for _, found in rows for p in found], dtype=np.int64))
        return cls(words, held.reshape(size, len(words)), hits, typed_words,
                   held_typed.reshape(size, len(typed_words)))

    @classmethod
    def stacked(cls, parts: list[Evidence]) -> Evidence:
        """The rows of ``parts`` one after another (the evidence of shards held apart, for one query)."""
        first = parts[0]
        offsets = np.cumsum([0] + [len(part.matched) for part in parts])
        hits = {}
        for word in first.words:
            held = [(part.hits[word][0] + offset, part.hits[word][1])
                    for part, offset in zip(parts, offsets.tolist(), strict=False) if word in part.hits]
            if held:
                hits[word] = (np.concatenate([rows for rows, _ in held]),
                              np.concatenate([positions for _, positions in held]))
        return cls(first.words, np.concatenate([part.matched for part in parts]), hits, first.typed_words,
                   np.concatenate([part.typed for part in parts]))

    def take(self, rows: np.ndarray) -> Evidence:
        """The evidence on ``rows`` only, in that order (row i of the result is ``rows[i]`` here)."""
        rows = np.asarray(rows, dtype=np.int64)
        renumber = np.full(len(self.matched), -1, dtype=np.int64)
        renumber[rows] = np.arange(len(rows))
        hits = {}
        for word, (held, positions) in self.hits.items():
            kept = renumber[held] >= 0
            if kept.any():
                hits[word] = (renumber[held[kept]], positions[kept])
        return Evidence(self.words, self.matched[rows], hits, self.typed_words, self.typed[rows])


def gather_evidence(docnums, words: Iterable[str], fields, postings_of, typed: Iterable[str] = ()) -> Evidence:
    """The evidence on the articles ``docnums`` (rows, in that order) for the query's ``words``.

    ``postings_of(field, word)`` gives a word's postings in a field (a
    :class:`search.query.scoring.TermPostings`, with positions for
    ``POSITIONS_FIELD``), or None where no article holds it. The first stage
    has already read most of them. ``typed`` are the query's words as typed,
    looked up in ``TYPED_FIELD``.
    """
    docnums = np.asarray(docnums, dtype=np.int64)
    words, typed_words = sorted(set(words)), sorted(set(typed))
    matched = np.zeros((len(docnums), len(words)), dtype=bool)
    held_typed = np.zeros((len(docnums), len(typed_words)), dtype=bool)
    hits = {}
    if len(docnums):
        # Rows by docnum: each word's body postings are then read in order, and all their
        # positions decoded together at the end (``TermPostings.decode_laid``).
        by_docnum = np.argsort(docnums, kind="stable")
        ascending = docnums[by_docnum]
        held_in_body: list[tuple[str, np.ndarray, np.ndarray]] = []
        parts: list[np.ndarray] = []
        lengths: list[np.ndarray] = []
        decode_laid = None
        for i, word in enumerate(words):
            for fieldname in fields:
                postings = postings_of(fieldname, word)
                if postings is None:
                    continue
                where, holds = _held_by(postings, ascending)
                matched[by_docnum, i] |= holds
                if fieldname == POSITIONS_FIELD and postings.values is not None and holds.any():
                    if postings.decode_laid is not None:
                        data, sizes = postings.values.bytes_of(where[holds])
                        decode_laid = postings.decode_laid
                        parts.append(data)
                        lengths.append(sizes)
                        held_in_body.append((word, by_docnum[holds], sizes))
                    else:  # positions of another format: decoded one by one
                        found = postings.positions_of(where[holds].tolist())
                        hits[word] = (np.repeat(by_docnum[holds], [len(one) for one in found]),
                                      np.array([p for one in found for p in one], dtype=np.int64))
        if held_in_body and decode_laid is not None:
            counts, positions = decode_laid(np.concatenate(parts), np.concatenate(lengths))
            ends = np.cumsum(counts)
            at = 0
            for word, rows, sizes in held_in_body:
                start = int(ends[at - 1]) if at else 0
                at += len(sizes)
                hits[word] = (np.repeat(rows, counts[at - len(sizes):at]), positions[start:int(ends[at - 1])])
        for i, word in enumerate(typed_words):
            postings = postings_of(TYPED_FIELD, word)
            if postings is not None:
                held_typed[:, i] = _held_by(postings, docnums)[1]
    return Evidence(words, matched, hits, typed_words, held_typed)


def _held_by(postings, docnums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of ``docnums`` would stand in ``postings``, and whether it is there."""
    where = np.searchsorted(postings.docnums, docnums)
    return where, postings.docnums[np.minimum(where, len(postings.docnums) - 1)] == docnums


class _Places:
    """Each word's places in the candidates' bodies as sorted numbers (row * _ROW + position), made once."""

    def __init__(self, evidence: Evidence, size: int):
        self._hits = evidence.hits
        self._keys: dict[str, np.ndarray] = {}
        self.size = size

    def __contains__(self, word: str) -> bool:
        return word in self._hits

    def __getitem__(self, word: str) -> np.ndarray:
        if word not in self._keys:
            rows, positions = self._hits[word]
            self._keys[word] = np.sort(rows.astype(np.int64) * _ROW + positions)
        return self._keys[word]

    def rows(self, keys: np.ndarray) -> np.ndarray:
        """A 0/1 count per row: whether any of ``keys`` is in it."""
        return (np.bincount(keys // _ROW, minlength=self.size) > 0).astype(np.int64)


def _among(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Which of ``values`` are in the sorted ``keys``."""
    where = np.minimum(np.searchsorted(keys, values), len(keys) - 1)
    return keys[where] == values


def _adjacent_counts(places: _Places, pairs: list[tuple[str, str]]) -> np.ndarray:
    """For each row, how many of the word ``pairs`` stand side by side somewhere in its body."""
    found = np.zeros(places.size, dtype=np.int64)
    for first, second in pairs:
        if first in places and second in places:
            after = places[second]
            found += places.rows(after[_among(after - 1, places[first])])
    return found


def _together_counts(places: _Places, spans: list[tuple[str, ...]]) -> np.ndarray:
    """For each row, how many of ``spans`` have their words one after another somewhere in its body."""
    found = np.zeros(places.size, dtype=np.int64)
    for span in spans:
        if all(word in places for word in span):
            starts = places[span[0]]
            for offset, word in enumerate(span[1:], start=1):
                starts = starts[_among(starts + offset, places[word])]
            found += places.rows(starts)
    return found


def _is_number(word: str) -> bool:
    return any(ch.isdigit() for ch in word)


def amounts_of(sequence: list[str]) -> list[tuple[str, ...]]:
    """The amounts in the query words ``sequence``: each number with a currency before it and the next word.

    ``["modal", "rp", "50", "miliar"]`` holds ``("rp", "50", "miliar")``; a
    number alone is no amount. A word repeated in a row (once per field the
    query searches) counts once.
    """
    sequence = [word for i, word in enumerate(sequence) if i == 0 or word != sequence[i - 1]]
    amounts = []
    for i, word in enumerate(sequence):
        if not _is_number(word):
            continue
        start = i - 1 if i > 0 and sequence[i - 1] in CURRENCIES else i
        span = tuple(sequence[start: i + 2])
        if len(span) > 1:
            amounts.append(span)
    return amounts


def rescore(bm25: np.ndarray, evidence: Evidence, sequence: list[str], ranking: Ranking = Ranking(),
            typed: Iterable[str] = ()) -> np.ndarray:
    """The re-scored score of each row of ``evidence`` (given best BM25F first) for the query words ``sequence``.

    The formula of the module's docstring, for all candidates at once; each
    factor is computed in the same order of operations as for one.
    """
    size = len(bm25)
    words = set(sequence)
    total = max(len(words), 1)
    typed_words = set(typed)
    as_typed = ranking.as_typed_one_word if len(typed_words) == 1 else ranking.as_typed
    pairs = [(a, b) for a, b in pairwise(sequence) if a != b]
    amounts = amounts_of(sequence)
    columns = [i for i, word in enumerate(evidence.words) if word in words]
    held = evidence.matched[:, columns]
    pool = min(ranking.rerank_depth, size)
    holding = held[:pool].sum(axis=0)
    rarity = np.array([math.log(1 + pool / count) if count else 0.0 for count in holding.tolist()])
    distinct = (held * rarity).sum(axis=1) if columns else np.zeros(size)
    most_distinct = float(distinct.max(initial=0.0)) or 1.0
    counts = held.sum(axis=1)
    # (matched / total) ** coordination as Python computes it, for each count there is
    coordination = ranking.coordination_short if total <= ranking.short_query_words else ranking.coordination
    powers = {int(n): (n / total if words else 1.0) ** coordination for n in np.unique(counts)}
    share = np.array([powers[int(n)] for n in counts.tolist()], dtype=np.float64) if size else np.zeros(0)
    places = _Places(evidence, size)
    in_lead = np.zeros(size, dtype=np.int64)
    for word in words:
        if word in evidence.hits:
            rows, positions = evidence.hits[word]
            in_lead += np.bincount(rows[positions < ranking.lead_positions], minlength=size) > 0
    adjacent = _adjacent_counts(places, pairs) / len(pairs) if pairs else np.zeros(size)
    together = _together_counts(places, amounts) / len(amounts) if amounts else np.zeros(size)
    typed_columns = [i for i, word in enumerate(evidence.typed_words) if word in typed_words]
    typed_share = (evidence.typed[:, typed_columns].sum(axis=1) / len(typed_words) if typed_words
                   else np.zeros(size))
    return (bm25 * share
            * (1 + ranking.adjacency * adjacent)
            * (1 + ranking.lead_coverage * in_lead / total)
            * (1 + ranking.distinctness * distinct / most_distinct)
            * (1 + as_typed * typed_share)
            * (1 + ranking.amounts * together))


def ranked_order(docnums: np.ndarray, scores: np.ndarray, tie_key: Callable[[int], str] | None = None) -> list[int]:
    """Rows by score, best first; equal scores by ``tie_key(docnum)`` where given, else by docnum."""
    order = np.lexsort((docnums, -scores))
    if tie_key is None or len(order) < 2:
        return order.tolist()
    ordered = scores[order]
    tied = np.flatnonzero(ordered[1:] == ordered[:-1])
    if not len(tied):
        return order.tolist()
    result = order.tolist()
    for start, stop in _runs(tied):  # each run of equal scores, [start, stop]
        run = result[start:stop + 1]
        result[start:stop + 1] = sorted(run, key=lambda row: tie_key(int(docnums[row])))
    return result


Score = TypeVar("Score", float, float | None)


def with_ties(ranked: list[tuple[int, Score]], limit: int) -> list[tuple[int, Score]]:
    """The first ``limit`` of ``ranked`` (best first) and any after them of the last one's score."""
    if len(ranked) <= limit:
        return ranked
    last = ranked[limit - 1][1]
    return ranked[:limit] + [pair for pair in ranked[limit:] if pair[1] == last]


def _runs(tied: np.ndarray) -> list[tuple[int, int]]:
    """[first, last] places of each run of equal scores, from the places equal to the next one."""
    runs: list[tuple[int, int]] = []
    for place in tied.tolist():
        if runs and runs[-1][1] == place:
            runs[-1] = (runs[-1][0], place + 1)
        else:
            runs.append((place, place + 1))
    return runs


def rerank(docnums: np.ndarray, bm25: np.ndarray, evidence: Evidence, sequence: list[str],
           ranking: Ranking = Ranking(), typed: Iterable[str] = (),
           tie_key: Callable[[int], str] | None = None) -> list[tuple[int, float]]:
    """Re-score articles ``docnums`` (given best BM25F first, with their ``evidence`` in that order)
    for the query words ``sequence``: (docnum, score), best first.

    ``typed`` are the query's words as typed. Equal scores (the same text
    published twice) are ordered by ``tie_key(docnum)`` where given, so that
    the order does not depend on where a build happened to place each article.
    """
    docnums = np.asarray(docnums, dtype=np.int64)
    scores = rescore(np.asarray(bm25, dtype=np.float64), evidence, sequence, ranking, typed)
    return [(int(docnums[row]), float(scores[row])) for row in ranked_order(docnums, scores, tie_key)]
