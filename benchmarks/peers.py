"""The peers a user could pick instead of this engine, on identical documents and queries.

bm25s (BM25, k1=1.2, b=0.75) over three tokenizations:
  words     lowercase word tokens
  snowball  Snowball Indonesian stems (PyStemmer)
  sastrawi  Sastrawi stems (PySastrawi 1.2.1, cached)
"""

from __future__ import annotations

import re
from functools import lru_cache

from benchmarks.common import sastrawi_stem

WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


@lru_cache(maxsize=1)
def _snowball():
    import Stemmer

    return Stemmer.Stemmer("indonesian")


def snowball(text: str) -> list[str]:
    return _snowball().stemWords(words(text))


def sastrawi(text: str) -> list[str]:
    return [sastrawi_stem(w) for w in words(text)]


TOKENIZERS = {"bm25s-words": words, "bm25s-snowball": snowball, "bm25s-sastrawi": sastrawi}


class BM25Peer:
    """A bm25s index over one tokenization."""

    def __init__(self, name: str, ids: list[str], bodies: list[str]):
        import bm25s

        self.name = name
        self.tokenize = TOKENIZERS[name]
        self.ids = ids
        self.retriever = bm25s.BM25(k1=1.2, b=0.75)
        self.retriever.index([self.tokenize(body) for body in bodies], show_progress=False)

    def search(self, query: str, k: int = 100) -> list[tuple[str, float]]:
        tokens = self.tokenize(query)
        if not tokens:
            return []
        docs, scores = self.retriever.retrieve([tokens], k=min(k, len(self.ids)),
                                               show_progress=False, n_threads=1)
        return [(self.ids[d], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
