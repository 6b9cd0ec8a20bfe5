"""How results are ordered: BM25F, field weights, and a bonus for matching more words.

Whoosh scores each article with BM25F over four fields: the title, the body,
the body's lead (its opening words: news is written top-down) and the body's
words as written (so ``pemerintah`` is not just ``perintah``), weighted by
``FIELD_BOOSTS``. Its own "match more words"
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

# Title, body, the body's opening words (lead) and its unstemmed words (exact).
# Measured on known-item headline queries: benchmarks/README.md.
FIELD_BOOSTS = {"title": 2.0, "body": 1.0, "lead": 0.5, "exact": 0.5}
WEIGHTING = BM25F(B=0.75, K1=1.2)
COORDINATION = 0.5
# Candidates re-scored per query: pages beyond this depth are ranked by BM25F alone.
RERANK_DEPTH = 200


def query_words(query, fields) -> set[str]:
    """The distinct analysed words a query asks for, leaving out excluded (NOT) ones."""
    words: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, whoosh_query.Not):
            return
        if isinstance(node, whoosh_query.AndNot):  # a ANDNOT b: only a is asked for
            walk(node.a)
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


def matched_words(reader, docnums: list[int], words: set[str], fields) -> dict[int, set[str]]:
    """For each document in ``docnums``, which of ``words`` it holds in any of ``fields``.

    Asking Whoosh to record matched terms during the search (``terms=True``)
    costs more than the search itself; checking the few candidates against
    each word's postings afterwards costs a few milliseconds.
    """
    found: dict[int, set[str]] = {docnum: set() for docnum in docnums}
    ordered = sorted(found)
    for field in fields:
        for word in words:
            if (field, word) not in reader:
                continue
            postings = reader.postings(field, word)
            for docnum in ordered:
                if not postings.is_active():
                    break
                if postings.id() < docnum:
                    postings.skip_to(docnum)
                    if not postings.is_active():
                        break
                if postings.id() == docnum:
                    found[docnum].add(word)
    return found


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
