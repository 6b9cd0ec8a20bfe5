"""How results are ordered: BM25F, field weights, then a re-scoring of the top candidates.

Whoosh scores each article with BM25F over four fields: the title, the body,
the body's lead (its opening words: news is written top-down) and the title's
and body's words as written (so ``pemerintah`` is not just ``perintah``),
weighted by ``Ranking.field_boosts``. The best ``Ranking.rerank_depth`` articles are then
re-scored with what BM25F cannot see, from the postings of the query's own words:

    score = BM25F
            * (words matched / words in the query) ** coordination
            * (1 + adjacency * share of the query's word pairs found side by side)
            * (1 + lead_coverage * share of the query's words in the first lead_positions words)
            * (1 + distinctness * how rare the matched words are among the candidates)
            * (1 + as_typed * share of the query's words held as typed, not only by root)
              (as_typed_one_word for a query of one word)
            * (1 + amounts * share of the query's amounts found written together)

Every weight is a field of :class:`Ranking`, a frozen configuration passed to
the searcher (``open_index(path, ranking=Ranking(adjacency=0))``); nothing
here reads a global.

* Matched words: an article holding all the query's words outranks one
  holding a few of them many times. (Whoosh's own bonus, ``OrGroup.factory``,
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
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import groupby, pairwise
from types import MappingProxyType

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

    def weighting(self) -> BM25F:
        """Whoosh's BM25F with these parameters (for what Whoosh's own searcher scores).

        One that can take the whole collection's statistics for a query, for a
        shard held apart (``search.query.scoring.CollectionBM25F``).
        """
        return CollectionBM25F(B=self.b, K1=self.k1)


# Analysed words written before an amount ("Rp 50", "Rp50").
CURRENCIES = frozenset({"rp"})


@dataclass
class Candidate:
    docnum: int
    bm25: float
    # The query's words this article holds (in any text field), and where
    # each stands in the body (POSITIONS_FIELD).
    matched: set[str] = field(default_factory=set)
    positions: dict[str, list[int]] = field(default_factory=dict)
    # The query's words as typed (unstemmed) that this article writes so.
    typed: set[str] = field(default_factory=set)
    score: float = 0.0


def collect_evidence(candidates: list[Candidate], words: set[str], fields, postings_of,
                     typed: Iterable[str] = ()) -> None:
    """Fill in each candidate's matched words and their positions, and the ``typed`` words it writes so.

    ``postings_of(field, word)`` gives a word's postings in a field (a
    :class:`search.query.scoring.TermPostings`, with positions for
    ``POSITIONS_FIELD``), or None where no article holds it. The first stage
    has already read most of them. ``typed`` are the query's words as typed,
    looked up in ``TYPED_FIELD``.
    """
    if not candidates:
        return
    docnums = np.array([c.docnum for c in candidates], dtype=np.int64)
    for word in words:
        held = np.zeros(len(candidates), dtype=bool)
        for fieldname in fields:
            postings = postings_of(fieldname, word)
            if postings is None:
                continue
            where, holds = _held_by(postings, docnums)
            held |= holds
            if fieldname == POSITIONS_FIELD and postings.values is not None:
                indices = np.flatnonzero(holds)
                for index, positions in zip(indices.tolist(), postings.positions_of(where[indices].tolist()),
                                            strict=True):
                    candidates[index].positions[word] = positions
        for index in np.flatnonzero(held).tolist():
            candidates[index].matched.add(word)
    for word in typed:
        postings = postings_of(TYPED_FIELD, word)
        if postings is not None:
            for index in np.flatnonzero(_held_by(postings, docnums)[1]).tolist():
                candidates[index].typed.add(word)


def _held_by(postings, docnums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of ``docnums`` would stand in ``postings``, and whether it is there."""
    where = np.searchsorted(postings.docnums, docnums)
    return where, postings.docnums[np.minimum(where, len(postings.docnums) - 1)] == docnums


def _adjacent_share(positions: dict[str, list[int]], pairs: list[tuple[str, str]]) -> float:
    if not pairs:
        return 0.0
    found = 0
    for first, second in pairs:
        before, after = positions.get(first), positions.get(second)
        if before and after:
            if len(after) == 1:
                found += after[0] - 1 in before
            else:
                following = set(after)
                found += any(p + 1 in following for p in before)
    return found / len(pairs)


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


def _written_together_share(positions: dict[str, list[int]], spans: list[tuple[str, ...]]) -> float:
    """The share of ``spans`` whose words stand one after another somewhere in the body."""
    if not spans:
        return 0.0
    found = 0
    for span in spans:
        if all(word in positions for word in span):
            later = [set(positions[word]) for word in span[1:]]
            found += any(all(p + k in after for k, after in enumerate(later, start=1))
                         for p in positions[span[0]])
    return found / len(spans)


def rerank(candidates: list[Candidate], sequence: list[str], ranking: Ranking = Ranking(),
           tie_key: Callable[[int], str] | None = None, typed: Iterable[str] = ()) -> list[Candidate]:
    """Re-score candidates (given best BM25F first) for the query words ``sequence``; best first.

    ``typed`` are the query's words as typed (see ``Candidate.typed``).
    Equal scores (the same text published twice) are ordered by
    ``tie_key(docnum)`` where given, so that the order does not depend on
    where a build happened to place each article.
    """
    words = set(sequence)
    total = max(len(words), 1)
    typed_words = set(typed)
    as_typed = ranking.as_typed_one_word if len(typed_words) == 1 else ranking.as_typed
    pairs = [(a, b) for a, b in pairwise(sequence) if a != b]
    amounts = amounts_of(sequence)
    pool = candidates[:ranking.rerank_depth]
    held = [c.matched & words for c in candidates]
    holding = Counter(word for matched in held[:len(pool)] for word in matched)
    rarity = {word: math.log(1 + len(pool) / count) for word, count in holding.items()}
    distinct = [sum(rarity.get(word, 0.0) for word in matched) for matched in held]
    most_distinct = max(distinct, default=0.0) or 1.0
    lead = ranking.lead_positions
    for candidate, matched, distinctness in zip(candidates, held, distinct, strict=True):
        share = len(matched) / total if words else 1.0
        in_lead = sum(1 for word, found in candidate.positions.items()
                      if found and word in words and min(found) < lead)
        candidate.score = (candidate.bm25 * share ** ranking.coordination
                           * (1 + ranking.adjacency * _adjacent_share(candidate.positions, pairs))
                           * (1 + ranking.lead_coverage * in_lead / total)
                           * (1 + ranking.distinctness * distinctness / most_distinct)
                           * (1 + as_typed * (len(candidate.typed & typed_words) / len(typed_words)
                                              if typed_words else 0.0))
                           * (1 + ranking.amounts * _written_together_share(candidate.positions, amounts)))
    ranked = sorted(candidates, key=lambda c: (-c.score, c.docnum))
    return ranked if tie_key is None else _break_ties(ranked, tie_key)


def _break_ties(ranked: list[Candidate], tie_key: Callable[[int], str]) -> list[Candidate]:
    """Order each run of equal scores in ``ranked`` by ``tie_key(docnum)``."""
    result: list[Candidate] = []
    for _, run in groupby(ranked, key=lambda c: c.score):
        tied = list(run)
        result.extend(sorted(tied, key=lambda c: tie_key(c.docnum)) if len(tied) > 1 else tied)
    return result
