"""Snippets of an article's body with the matched words marked.

A word is marked when its *stem* matches a query stem, and the inflected form
as written is what gets marked (``milik`` marks ``memiliki``). The index keeps
each body word's characters in its postings, so :func:`snippets_at` takes the
matches from there: it finds the words around them by the tokenizer's
pattern alone, never running the analyzer (stems, spellings, stop words)
over the body, and cuts passages step for step as Whoosh's passage finder
(``ContextFragmenter``) does, over plain tuples rather than an object per
word; Whoosh's scorer and order then choose among them: the passages
Whoosh's own highlighter finds re-analysing the text. This module only turns
Whoosh's fragments into :class:`Snippet` objects, which know nothing about
terminals or HTML; renderers decide how a mark looks. A title is marked by
the same code, whole (:func:`marked_title`): its matches are found by
analysing it (:func:`title_matches`), a few words.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Sequence
from functools import lru_cache

from whoosh import highlight as whoosh_highlight

from ..language.analysis import WORD_PATTERN
from ..results import Snippet

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w")
SNIPPET_CHARS = 220
# Characters of context Whoosh's fragmenter keeps before the first match and after the last.
SURROUND = 60


class _PartsFormatter(whoosh_highlight.Formatter):
    """A Whoosh formatter that returns :class:`Snippet` objects instead of strings."""

    def format_fragment(self, fragment, replace=False):
        parts: list[tuple[str, bool]] = []
        text, index, end = fragment.text, fragment.startchar, fragment.endchar
        # Only spaces and punctuation before or after the passage: show them
        # too, and the passage is the text's beginning or end.
        starts = not _WORD.search(text, 0, index)
        ends = not _WORD.search(text, end)
        index, end = (0 if starts else index), (len(text) if ends else end)

        def add(piece: str, is_match: bool) -> None:
            piece = _SPACE.sub(" ", piece)
            if piece:
                parts.append((piece, is_match))

        for token in sorted(fragment.matches, key=lambda t: (t.startchar, -t.endchar)):
            if token.startchar is None or token.startchar < index:
                continue
            add(text[index:token.startchar], False)
            add(text[token.startchar:token.endchar], True)
            index = token.endchar
        add(text[index:end], False)
        if parts:
            first_text, first_match = parts[0]
            parts[0] = (first_text.lstrip(), first_match)
            last_text, last_match = parts[-1]
            parts[-1] = (last_text.rstrip(), last_match)
        return Snippet(tuple(p for p in parts if p[0]), starts, ends)

    def format(self, fragments, replace=False):
        return [self.format_fragment(fragment) for fragment in fragments]


def leading_snippet(text: str, chars: int = SNIPPET_CHARS) -> Snippet:
    """The opening of a text, cut at a word boundary, with nothing marked."""
    text = _SPACE.sub(" ", text).strip()
    whole = len(text) <= chars
    if not whole:
        text = text[:chars].rsplit(" ", 1)[0] + " \u2026"
    return Snippet(((text, False),) if text else (), True, whole)


def _best(fragments, top: int) -> list[Snippet]:
    best = whoosh_highlight.top_fragments(fragments, top, whoosh_highlight.BasicFragmentScorer(),
                                          whoosh_highlight.FIRST)
    return _PartsFormatter().format(best)


class _Token:
    """A match as Whoosh's fragment scorer and the formatter read it."""

    __slots__ = ("text", "startchar", "endchar", "matched", "boost")

    def __init__(self, text: str, start: int, end: int):
        self.text, self.startchar, self.endchar, self.matched, self.boost = text, start, end, True, 1.0


def _context_fragments(text: str, tokens, maxchars: int, surround: int = SURROUND,
                       charlimit: int = whoosh_highlight.DEFAULT_CHARLIMIT):
    """Whoosh's ``ContextFragmenter.fragment_tokens``, step for step, over ``(start, end, term)`` tuples.

    ``term`` is the matched term, or None for a word of context. The same
    fragments as Whoosh's from the same tokens, without an object per word
    of context (most of what a passage finder reads).
    """
    first = None  # where the fragment being built starts
    firsts: deque[int] = deque()  # starts of the context words within reach before a match
    countdown = -1  # characters of words left before the fragment ends; < 0: not in a fragment
    matches: list[_Token] = []
    end = None
    length = 0  # characters of words in the fragment
    for start, end, term in tokens:
        size = end - start
        if charlimit and end > charlimit:
            break
        if countdown < 0 and term is None:
            firsts.append(start)
            while firsts and end - firsts[0] > surround:
                firsts.popleft()
        elif length + size > maxchars:
            countdown = 0
        elif term is not None:
            countdown = surround
            if first is None:
                if firsts:
                    first = firsts[0]
                else:
                    first = start
                    countdown += surround
            matches.append(_Token(term, start, end))
        if countdown >= 0:
            length += size
            countdown -= size
            if countdown <= 0:
                yield whoosh_highlight.mkfrag(text, matches, startchar=first, endchar=end)
                matches, firsts, first, length = [], deque(), None, 0
    if matches:
        yield whoosh_highlight.mkfrag(text, matches, startchar=first, endchar=end)


def _tokens_around(text: str, matches: list[tuple[str, int, int]], word_pattern: str) -> list[tuple]:
    """The matches, and the text's other words near them, in text order, as ``(start, end, term or None)``.

    Whoosh's fragmenter only looks at words within its context of a match
    (``SURROUND`` characters of words before and after), so the words
    between distant matches are left out. A hyphenated word that did not
    match stays whole here (the analyzer splits one that is no reduplication,
    ``Covid-19``, into its parts): near a match, a passage may then start or
    end a word apart from the one re-analysing would give.
    """
    pattern = _word_pattern(word_pattern)
    before, after = SURROUND + 40, 2 * SURROUND + 40
    windows: list[list[int]] = []
    for _, start, end in matches:
        low = text.rfind(" ", 0, max(0, start - before)) + 1
        if windows and low <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], end + after)
        else:
            windows.append([low, end + after])
    tokens: list[tuple] = []
    add = tokens.append
    at = 0
    covered = -1  # where the last match given out ends
    count = len(matches)
    for low, high in windows:
        next_match = matches[at][1] if at < count else len(text)  # where the next match starts
        for word in pattern.finditer(text, low, min(high, len(text))):
            start, end = word.span()
            if next_match >= end:  # no match in this word: the common case, kept cheap
                if start >= covered:
                    add((start, end, None))
                continue
            inside = []
            while at < count and matches[at][1] < end:
                term, match_start, match_end = matches[at]
                at += 1
                if match_start >= covered:
                    inside.append((match_start, match_end, term))
                    covered = match_end
            next_match = matches[at][1] if at < count else len(text)
            if not inside:
                if start >= covered:
                    add((start, end, None))
                continue
            # A hyphenated word the analyzer indexed as its parts (se-Sumbar):
            # the parts that did not match are words of their own.
            parts = [(start + offset, start + offset + len(part), None)
                     for offset, part in _hyphen_parts(word.group())
                     if not any(m_start < start + offset + len(part) and start + offset < m_end
                                for m_start, m_end, _ in inside)]
            tokens.extend(sorted(inside + [p for p in parts if p[0] >= start], key=lambda t: t[0]))
    for term, match_start, match_end in matches[at:]:
        if match_start >= covered:
            add((match_start, match_end, term))
            covered = match_end
    return tokens


def _hyphen_parts(word: str):
    offset = 0
    for part in word.split("-"):
        if part:
            yield offset, part
        offset += len(part) + 1


@lru_cache(maxsize=8)
def _word_pattern(word_pattern: str) -> re.Pattern:
    return re.compile(word_pattern, re.UNICODE)


def snippets_at(text: str, matches: Sequence[tuple[str, int, int]], top: int = 2, chars: int = SNIPPET_CHARS,
                word_pattern: str = WORD_PATTERN) -> list[Snippet]:
    """Up to ``top`` passages of ``text`` around the matches the index holds: ``(term, start, end)`` in ``text``.

    The passages are in text order. With no match (the article matched on its
    title), the opening of the text is returned, unmarked.

    ``word_pattern`` is the tokenizer's, for the words around the matches.
    Where two matches start at the same character the longer is kept.
    """
    ordered = sorted(matches, key=lambda m: (m[1], -m[2]))
    found = _best(_context_fragments(text, _tokens_around(text, ordered, word_pattern), chars), top) \
        if ordered else []
    return found or [leading_snippet(text, chars)]


def title_matches(title: str, terms: Iterable[str], analyzer) -> list[tuple[str, int, int, bool]]:
    """The analysed ``terms`` in ``title``, as ``(term, start, end, stop word)``: the title analysed by
    ``analyzer``. A stop word whose root is a term is marked, as Whoosh's highlighter marks it (``dapat``
    for ``mendapat``), though it is no match of its own."""
    terms = frozenset(terms)
    if not terms or not title:
        return []
    return [(token.text, token.startchar, token.endchar, bool(token.stopped))
            for token in analyzer(title, chars=True, mode="query", removestops=False)
            if token.text in terms]


def title_snippet(title: str, matches: Sequence[tuple[str, int, int, bool]]) -> Snippet:
    """The whole ``title`` with ``matches`` (:func:`title_matches`) marked, as Whoosh's highlighter marks
    a whole text (``WholeFragmenter``)."""
    if matches:
        fragment = whoosh_highlight.Fragment(title, [_Token(term, start, end) for term, start, end, _ in matches])
        return _PartsFormatter().format_fragment(fragment)
    title = _SPACE.sub(" ", title).strip()
    return Snippet(((title, False),) if title else (), True, True)


def marked_title(title: str, terms: Iterable[str], analyzer) -> Snippet:
    """The whole ``title`` with the analysed ``terms`` marked, each as written in the title."""
    return title_snippet(title, title_matches(title, terms, analyzer))
