"""``banj*``: a word's beginning, standing for the index's words that begin so.

Why a module of its own: Whoosh's wildcard plugin is off (a stray ``*``
would crawl the whole vocabulary and score nothing sensibly), yet a user who
types ``banj*`` means "banjir, banjarmasin, banjar ...". Before the query is
parsed, each word with a ``*`` is read here:

* ``banj*`` (at least :data:`MIN_LETTERS` letters, ``*`` at the end) becomes
  the index's most frequent words that begin so, one per root, at most
  :data:`MAX_WORDS` of them, ORed in brackets (``(banjir OR banjarmasin)``):
  from then on they are ordinary words, stemmed, ranked, marked and explained
  like any other, and aimed or excluded as the ``*`` word was
  (``judul:banj*``, ``-banj*``);
* a beginning too short (``a*``), a ``*`` elsewhere in a word (``*a``,
  ``ba*k``) and a ``*`` beside other words are searched without the ``*``,
  with a note that says what ``*`` does;
* a lone ``*`` lists every article, newest first (a query of no filters);
  beside other words it is ignored, with a note.

``*`` inside quotes and in a keyword field's value (``sumber:cnn*``, already
matched by its beginning) is left to the parser, which ignores it. Spelling
correction never rewrites a word with a ``*`` (``search.query.spelling``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..results import QueryNote, QueryNoteKind
from ..store.schema import KEYWORD_FIELDS

MIN_LETTERS = 3
MAX_WORDS = 20

Vocabulary = Callable[[str], Iterable[str]]
"""The index's words (as written, lowercased) that begin with a text, the most frequent first."""

Stemmer = Callable[[str], list[str]]
"""A word's roots as the index's text fields read it; none for a stop word."""

# A run of characters without spaces, brackets or quotes that holds a "*".
_STARRED = re.compile(r'[^\s()"]*\*[^\s()"]*')
_QUOTED = re.compile(r'"[^"]*"')
_PARTS = re.compile(r"(?P<sign>[-+]?)(?P<field>\w+:)?(?P<rest>.*)", re.DOTALL)
_PREFIX = re.compile(r"(?P<word>\w[\w'-]*)\*+")
_KEYWORD_NAMES = {*KEYWORD_FIELDS, "kategori", "sumber", "penulis", "lokasi"}


@dataclass
class Prefixes:
    """A query's text with its ``*`` words read: the text to parse, the notes, the words each ``*`` became."""

    text: str
    notes: list[QueryNote] = field(default_factory=list)
    standing_for: dict[str, str] = field(default_factory=dict)
    """Each word a ``*`` word became (lowercased) -> the ``*`` word as typed (``banjir`` -> ``banj*``)."""
    lists_all: bool = False
    """The query was a lone ``*``: every article, newest first."""


def read_prefixes(text: str, vocabulary: Vocabulary | None, stems: Stemmer) -> Prefixes:
    """``text`` with each word holding a ``*`` replaced as the module says."""
    if "*" not in text:
        return Prefixes(text)
    answer = Prefixes(text)
    quoted = [match.span() for match in _QUOTED.finditer(text)]
    pieces, last = [], 0
    for match in _STARRED.finditer(text):
        if any(start <= match.start() < end for start, end in quoted):
            continue
        pieces += [text[last:match.start()], _replacement(match.group(0), vocabulary, stems, answer)]
        last = match.end()
    answer.text = "".join(pieces) + text[last:]
    if not answer.text.strip() and re.fullmatch(r"[\s*]*", text):
        answer.notes = [QueryNote(QueryNoteKind.EVERYTHING)]
        answer.lists_all = True
    return answer


def _replacement(starred: str, vocabulary: Vocabulary | None, stems: Stemmer, answer: Prefixes) -> str:
    """What one ``*`` word is searched as (notes and words it stands for added to ``answer``)."""
    parts = _PARTS.fullmatch(starred)
    assert parts is not None  # the pattern matches any text
    sign, field_name, rest = parts["sign"], parts["field"] or "", parts["rest"]
    if field_name[:-1].lower() in _KEYWORD_NAMES:  # a keyword value is matched by its beginning already
        return sign + field_name + rest.replace("*", "")
    plain = " ".join(re.findall(r"[^*]+", rest)).strip()
    if not plain:
        if QueryNoteKind.STAR_IGNORED not in {note.kind for note in answer.notes}:
            answer.notes.append(QueryNote(QueryNoteKind.STAR_IGNORED))
        return " "
    prefix = _PREFIX.fullmatch(rest)
    if prefix is None:
        answer.notes.append(QueryNote(QueryNoteKind.WILDCARD_MISPLACED, clause=starred, word=plain))
        return sign + field_name + plain
    word = prefix["word"].lower()
    if len(word) < MIN_LETTERS:
        answer.notes.append(QueryNote(QueryNoteKind.PREFIX_TOO_SHORT, clause=starred,
                                      letters=str(MIN_LETTERS), word=word))
        return sign + field_name + word
    words = _expansion(word, vocabulary, stems, starred, answer)
    for form in words:
        answer.standing_for.setdefault(form, starred)
    if not words:
        return " "
    return sign + field_name + (words[0] if len(words) == 1 else "(" + " OR ".join(words) + ")")


def _expansion(prefix: str, vocabulary: Vocabulary | None, stems: Stemmer, starred: str,
               answer: Prefixes) -> list[str]:
    """The most frequent words beginning with ``prefix``, one per root, at most ``MAX_WORDS``."""
    chosen: list[str] = []
    seen: set[str] = set()
    cut = False
    for form in vocabulary(prefix) if vocabulary is not None else [prefix]:
        roots = stems(form)
        if not roots or not re.fullmatch(r"\w[\w'-]*", form) or roots[0] in seen:
            continue
        if len(chosen) == MAX_WORDS:
            cut = True
            break
        seen.add(roots[0])
        chosen.append(form)
    if not chosen:
        answer.notes.append(QueryNote(QueryNoteKind.PREFIX_NOTHING, prefix=starred))
    elif cut:
        answer.notes.append(QueryNote(QueryNoteKind.PREFIX_CUT, clause=starred, count=str(MAX_WORDS),
                                      words=", ".join(chosen)))
    return chosen

