"""Snippets of an article's body with the matched words marked.

Whoosh finds the passages: it re-analyses the stored body with the index's own
analyzer, so a word is marked when its *stem* matches a query stem, and the
inflected form as written is what gets marked (``milik`` marks ``memiliki``).
This module only turns Whoosh's fragments into :class:`Snippet` objects, which
know nothing about terminals or HTML; renderers decide how a mark looks. A
title is marked by the same code, whole (:func:`marked_title`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from whoosh import highlight as whoosh_highlight

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w")
SNIPPET_CHARS = 220


@dataclass(frozen=True)
class Snippet:
    """A passage of text as ``(text, marked)`` parts, in order.

    ``starts_text`` and ``ends_text`` say whether the passage begins at the
    beginning of its text and runs to its end: where it does not, a renderer
    shows that something was cut (an ellipsis).
    """

    parts: tuple[tuple[str, bool], ...]
    starts_text: bool = False
    ends_text: bool = False

    @property
    def text(self) -> str:
        """The passage without marks."""
        return "".join(text for text, _ in self.parts)

    @property
    def marked(self) -> list[str]:
        """The words that matched, as written in the article."""
        return [text for text, is_match in self.parts if is_match]

    def html(self) -> str:
        """HTML: matches in ``<mark>``, every piece of article text escaped."""
        return "".join(
            f"<mark>{html.escape(text)}</mark>" if is_match else html.escape(text)
            for text, is_match in self.parts
        )

    def render(self, mark) -> str:
        """Text with each match passed through ``mark`` (for terminals and the like)."""
        return "".join(mark(text) if is_match else text for text, is_match in self.parts)


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


def snippets(text: str, terms: Iterable[str], analyzer, top: int = 2,
             chars: int = SNIPPET_CHARS) -> list[Snippet]:
    """Up to ``top`` passages of ``text`` where the analysed ``terms`` occur, in text order.

    If none of the terms occurs (the article matched on its title), the
    opening of the text is returned, unmarked.
    """
    terms = frozenset(terms)
    found = []
    if terms:
        found = whoosh_highlight.highlight(
            text,
            terms,
            analyzer,
            whoosh_highlight.ContextFragmenter(maxchars=chars, surround=60),
            _PartsFormatter(),
            top=top,
        )
    return found or [leading_snippet(text, chars)]


def marked_title(title: str, terms: Iterable[str], analyzer) -> Snippet:
    """The whole ``title`` with the analysed ``terms`` marked as in :func:`snippets`."""
    terms = frozenset(terms)
    found = []
    if terms and title:
        found = whoosh_highlight.highlight(
            title, terms, analyzer, whoosh_highlight.WholeFragmenter(charlimit=None),
            _PartsFormatter(), top=1,
        )
    if found:
        return found[0]
    title = _SPACE.sub(" ", title).strip()
    return Snippet(((title, False),) if title else (), True, True)
