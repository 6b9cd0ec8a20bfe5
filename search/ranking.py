"""How results are ordered: BM25F, field weights, and a bonus for matching more words.

Whoosh scores each article with BM25F over the title and the body, the title
weighted ``FIELD_BOOSTS["title"]`` times the body. Its own "match more words"
bonus (``OrGroup.factory``) gives an article different scores depending on
how many results are asked for, which breaks paging; so the bonus is applied
here instead, to a fixed-depth list of candidates, where it is stable:

    score = BM25F * (words matched / words in the query) ** COORDINATION

An article holding all the query's words outranks one holding a few of them
many times, and a query whose words do not all occur still finds the best
partial matches.
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import query as whoosh_query
from whoosh.scoring import BM25F

FIELD_BOOSTS = {"title": 2.0, "body": 1.0, "lead": 0.0, "exact": 0.0}
WEIGHTING = BM25F(B=0.75, K1=1.2)
COORDINATION = 1.0
# Query words that sit near each other in the body (within PROXIMITY_SLOP
# positions, stop words not counted) score again, PROXIMITY_BOOST times.
PROXIMITY_BOOST = 0.0
PROXIMITY_SLOP = 3
# Candidates re-scored per query: pages beyond this depth are ranked by BM25F alone.
RERANK_DEPTH = 200


def query_words(query, fields) -> set[str]:
    """The distinct analysed words a query asks for, leaving out excluded (NOT) ones."""
    words: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, whoosh_query.Not):
            return
        if isinstance(node, whoosh_query.Term) and node.fieldname in fields:
            text = node.text
            words.add(text.decode("utf-8") if isinstance(text, bytes) else text)
        elif isinstance(node, whoosh_query.Phrase) and node.fieldname in fields:
            words.update(node.words)
        for child in node.children():
            walk(child)

    walk(query)
    return words


def _plain_words(query, field: str) -> list[str] | None:
    """The words of a plain query (an OR of single words) in ``field``, in order."""
    if isinstance(query, whoosh_query.Term):
        children = [query]
    elif isinstance(query, whoosh_query.Or):
        children = query.children()
    else:
        return None
    words = []
    for child in children:
        if not isinstance(child, whoosh_query.Term):
            return None
        if child.fieldname == field:
            words.append(child.text)
    return words


def with_proximity(query, field: str = "body"):
    """Add a scoring clause for each pair of neighbouring query words found close together."""
    if PROXIMITY_BOOST <= 0:
        return query
    words = _plain_words(query, field)
    if not words or len(words) < 2:
        return query
    pairs = [
        whoosh_query.Phrase(field, [a, b], slop=PROXIMITY_SLOP, boost=PROXIMITY_BOOST)
        for a, b in zip(words, words[1:]) if a != b
    ]
    return whoosh_query.Or([query] + pairs)


@dataclass
class Candidate:
    docnum: int
    bm25: float
    matched: set[str]
    score: float = 0.0


def rerank(candidates: list[Candidate], words: set[str]) -> list[Candidate]:
    """Apply the matched-words bonus and sort, best first (ties by document order)."""
    total = max(len(words), 1)
    for candidate in candidates:
        share = len(candidate.matched & words) / total if words else 1.0
        candidate.score = candidate.bm25 * (share ** COORDINATION)
    return sorted(candidates, key=lambda c: (-c.score, c.docnum))
