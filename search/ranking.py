"""How results are ordered: BM25F, field weights, then a re-scoring of the top candidates.

Whoosh scores each article with BM25F over four fields: the title, the body,
the body's lead (its opening words: news is written top-down) and the body's
words as written (so ``pemerintah`` is not just ``perintah``), weighted by
``FIELD_BOOSTS``. The best ``RERANK_DEPTH`` articles are then re-scored with
what BM25F cannot see, from the postings of the query's own words:

    score = BM25F
            * (words matched / words in the query) ** COORDINATION
            * (1 + ADJACENCY * share of the query's word pairs found side by side)
            * (1 + LEAD_COVERAGE * share of the query's words in the first LEAD_POSITIONS words)
            * (1 + DISTINCTNESS * how rare the matched words are among the candidates)

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

Measured on known-item headline queries: benchmarks/README.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import groupby

import numpy as np

from whoosh import query as whoosh_query
from whoosh.scoring import BM25F

# Title, body, the body's opening words (lead) and its unstemmed words (exact).
FIELD_BOOSTS = {"title": 2.0, "body": 1.0, "lead": 0.5, "exact": 0.5}
WEIGHTING = BM25F(B=0.75, K1=1.2)
COORDINATION = 0.5
ADJACENCY = 0.2
LEAD_COVERAGE = 0.4
LEAD_POSITIONS = 30
DISTINCTNESS = 1.0
# The field whose word positions the re-scoring reads.
POSITIONS_FIELD = "body"
# Candidates re-scored per query: pages beyond this depth are ranked by BM25F alone.
RERANK_DEPTH = 200


def _walk_asked(query, visit) -> None:
    """Call ``visit`` on every node the query asks for, in order, skipping excluded (NOT) parts."""
    if isinstance(query, whoosh_query.Not):
        return
    if isinstance(query, whoosh_query.AndNot):  # a ANDNOT b: only a is asked for
        _walk_asked(query.a, visit)
        return
    visit(query)
    for child in query.children():
        _walk_asked(child, visit)


def _texts(node, fields) -> list[str]:
    if isinstance(node, whoosh_query.Term) and node.fieldname in fields:
        text = node.text
        return [text.decode("utf-8") if isinstance(text, bytes) else text]
    if isinstance(node, whoosh_query.Phrase) and node.fieldname in fields:
        return list(node.words)
    return []


def query_words(query, fields) -> set[str]:
    """The distinct analysed words a query asks for, leaving out excluded (NOT) ones."""
    return set(query_sequence(query, fields))


def query_sequence(query, fields) -> list[str]:
    """The analysed words a query asks for in ``fields``, in the order they were typed."""
    words: list[str] = []
    _walk_asked(query, lambda node: words.extend(_texts(node, fields)))
    return words


@dataclass
class Candidate:
    docnum: int
    bm25: float
    # The query's words this article holds (in any text field), and where
    # each stands in its POSITIONS_FIELD.
    matched: set[str] = field(default_factory=set)
    positions: dict[str, list[int]] = field(default_factory=dict)
    score: float = 0.0


def collect_evidence(candidates: list[Candidate], words: set[str], fields, postings_of) -> None:
    """Fill in each candidate's matched words and their positions.

    ``postings_of(field, word)`` gives a word's postings in a field (a
    :class:`search.scoring.TermPostings`, with positions for
    ``POSITIONS_FIELD``), or None where no article holds it. The first stage
    has already read most of them.
    """
    if not candidates:
        return
    docnums = np.array([c.docnum for c in candidates], dtype=np.int64)
    for fieldname in fields:
        for word in words:
            postings = postings_of(fieldname, word)
            if postings is None:
                continue
            where = np.searchsorted(postings.docnums, docnums)
            holds = postings.docnums[np.minimum(where, len(postings.docnums) - 1)] == docnums
            for index in np.flatnonzero(holds):
                candidate = candidates[index]
                candidate.matched.add(word)
                if fieldname == POSITIONS_FIELD and postings.values is not None:
                    candidate.positions[word] = postings.positions(int(where[index]))


def _adjacent_share(positions: dict[str, list[int]], pairs: list[tuple[str, str]]) -> float:
    if not pairs:
        return 0.0
    found = 0
    for first, second in pairs:
        if first in positions and second in positions:
            after = set(positions[second])
            found += any(p + 1 in after for p in positions[first])
    return found / len(pairs)


def rerank(candidates: list[Candidate], sequence: list[str],
           tie_key: Callable[[int], str] | None = None) -> list[Candidate]:
    """Re-score candidates (given best BM25F first) for the query words ``sequence``; best first.

    Equal scores (the same text published twice) are ordered by
    ``tie_key(docnum)`` where given, so that the order does not depend on
    where a build happened to place each article.
    """
    words = set(sequence)
    total = max(len(words), 1)
    pairs = [(a, b) for a, b in zip(sequence, sequence[1:]) if a != b]
    pool = candidates[:RERANK_DEPTH]
    holding = {word: sum(word in c.matched for c in pool) for word in words}
    rarity = {word: math.log(1 + len(pool) / count) for word, count in holding.items() if count}
    distinct = [sum(rarity.get(word, 0.0) for word in c.matched & words) for c in candidates]
    most_distinct = max(distinct, default=0.0) or 1.0
    for candidate, distinctness in zip(candidates, distinct):
        share = len(candidate.matched & words) / total if words else 1.0
        in_lead = sum(any(p < LEAD_POSITIONS for p in candidate.positions.get(word, ())) for word in words)
        candidate.score = (candidate.bm25 * share ** COORDINATION
                           * (1 + ADJACENCY * _adjacent_share(candidate.positions, pairs))
                           * (1 + LEAD_COVERAGE * in_lead / total)
                           * (1 + DISTINCTNESS * distinctness / most_distinct))
    ranked = sorted(candidates, key=lambda c: (-c.score, c.docnum))
    return ranked if tie_key is None else _break_ties(ranked, tie_key)


def _break_ties(ranked: list[Candidate], tie_key: Callable[[int], str]) -> list[Candidate]:
    """Order each run of equal scores in ``ranked`` by ``tie_key(docnum)``."""
    result: list[Candidate] = []
    for _, run in groupby(ranked, key=lambda c: c.score):
        run = list(run)
        result.extend(sorted(run, key=lambda c: tie_key(c.docnum)) if len(run) > 1 else run)
    return result
