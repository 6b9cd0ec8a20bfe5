"""Typo tolerance: "did you mean", built from the index's own vocabulary.

A query word (outside ``field:value`` clauses) that occurs in no article,
neither as written nor by its root, is replaced by the closest word that
does, as written in the articles (the unstemmed ``exact`` field): one edit
away for words under six letters, two for longer ones, the same first
letter, the most frequent first. So ``sawahlnto`` becomes ``sawahlunto``.
``Index.search`` offers the corrected query, and searches it instead when the
query as typed matches nothing.
"""

from __future__ import annotations

import re

from ..language.analysis import WORD_PATTERN
from ..language.tables import word_tables

VOCABULARY_FIELD = "exact"
MAX_EDITS = 2
MIN_WORD_LENGTH = 4
OPERATORS = {"AND", "OR", "NOT", "DAN", "ATAU", "BUKAN"}
# Parts of a query left as typed: fielded clauses (kategori:politik, tanggal:...),
# whose values are names and dates rather than words of the articles, and words with a
# "*" (banj*: the beginning of the index's own words, search.query.prefixes).
_NOT_WORDS = re.compile(r'\w+:(?:"[^"]*"|\S+)|[^\s()"]*\*[^\s()"]*')


def _correctable(word: str) -> bool:
    lower, tables = word.lower(), word_tables()
    return (len(lower) >= MIN_WORD_LENGTH and word not in OPERATORS
            and lower not in tables.stop_words and lower not in tables.spelling)


def _known(word: str, searcher, analyzer, stemmer) -> bool:
    """Whether the word occurs as written, or its root does (``kembang``, from ``perkembangan``)."""
    forms = [t.text for t in analyzer(word)]
    if not forms or all(searcher.doc_frequency(VOCABULARY_FIELD, f) > 0 for f in forms):
        return True
    roots = [t.text for t in stemmer(word)]
    return bool(roots) and all(searcher.doc_frequency("body", r) + searcher.doc_frequency("title", r) > 0
                               for r in roots)


def corrections(text: str, searcher) -> list[tuple[int, int, str | None]]:
    """(start, end, correction) of each word of ``text`` that could be corrected.

    The correction is None where the index knows the word (as written, or
    its root), the word itself where no known word is close enough.
    """
    if VOCABULARY_FIELD not in searcher.schema:
        return []
    skipped = [m.span() for m in _NOT_WORDS.finditer(text)]
    corrector = searcher.corrector(VOCABULARY_FIELD)
    # The index's own chains: the stemmed one asks the roots the build saved.
    analyzer, stemmer = searcher.schema[VOCABULARY_FIELD].analyzer, searcher.schema["body"].analyzer
    found: list[tuple[int, int, str | None]] = []
    for match in re.finditer(WORD_PATTERN, text):
        word = match.group(0)
        if not _correctable(word) or any(a <= match.start() < b for a, b in skipped):
            continue
        if _known(word, searcher, analyzer, stemmer):
            found.append((match.start(), match.end(), None))
            continue
        edits = MAX_EDITS if len(word) >= 6 else 1
        close = corrector.suggest(word.lower(), limit=1, maxdist=edits, prefix=1)
        found.append((match.start(), match.end(), close[0] if close else word.lower()))
    return found


def corrected(text: str, corrections: list[tuple[int, int, str | None]]) -> str | None:
    """``text`` with ``corrections`` made, or None if none changes a word."""
    pieces, last = [], 0
    for start, end, correction in corrections:
        if correction is not None and correction != text[start:end].lower():
            pieces += [text[last:start], correction]
            last = end
    if not pieces:
        return None
    return "".join(pieces) + text[last:]


def suggest(text: str, searcher) -> str | None:
    """``text`` with each unknown word corrected, or ``None`` if nothing needed correcting."""
    return corrected(text, corrections(text, searcher))
