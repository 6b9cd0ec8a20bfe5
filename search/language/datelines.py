"""Datelines: where a reporter filed from and who published, at the start of a body.

Nearly every Indonesian news body opens with one: ``Jakarta, CNN Indonesia
--``, ``JAKARTA, KOMPAS.com -``, ``TEMPO.CO, Jakarta -``, ``Jakarta (ANTARA)
-``, ``Merdeka.com-``, ``JAKARTA -``. It says where the story was filed, not
what it is about: a flood in Bima filed from Jakarta is no Jakarta flood. So
the index does not count its words as body or lead text (``search.store.schema``
masks its span, keeping every other character where it was), and its place
and outlet fill an article's ``location`` and ``source`` where it has none.

The outlets are data (``data/outlets.tsv``: each as written, and the source
name it stands for), and so are the capitalised rubrics that are no place
(``data/not_places.txt``); the shapes a dateline takes are :class:`Shape`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from .tables import data_lines

DASH = r"(?:-{1,2}|[\u2013\u2014])"
"""The dash that ends a dateline: ``-``, ``--``, an en or an em dash."""
_WORD = r"[A-Z][\w'\u2019]*\.?"
_PLACE = rf"{_WORD}(?:[ \u00a0]{_WORD}){{0,3}}"
"""A place: one to four capitalised words (``Jakarta``, ``Tangerang Selatan``, ``TERMAS DE RIO HONDO``)."""
_WEB_NAME = r"[A-Za-z][\w-]*(?:\.[A-Za-z]{2,})+"
"""An outlet the table does not list, written as its web address (``contoh.id``)."""
_END = rf"\s*{DASH}\s*"
_SEARCHED_PARAGRAPHS = 3
"""A subtitle or lede may stand before the dateline: it is looked for at the start of this many paragraphs."""
_SEARCHED_CHARACTERS = 600
"""... and within this many characters of the body's start."""
_PLACE_ONLY_WORDS = 2
"""A place without an outlet in ordinary case (``Jakarta -``) is one or two words; in capitals, up to four."""
_HELD_PLACE_LETTERS = 4
"""A place in capitals held against its dash (``INGGRIS-Tottenham``) is a word this long at least."""


class Shape(Enum):
    """The forms a dateline takes."""

    PLACE_OUTLET = "Jakarta, CNN Indonesia --"
    PLACE_AGENCY = "Jakarta (ANTARA) -"
    OUTLET_PLACE = "TEMPO.CO, Jakarta -"
    OUTLET = "Merdeka.com -"
    PLACE = "JAKARTA -"


@dataclass(frozen=True)
class Outlet:
    """One row of ``data/outlets.tsv``: how an outlet is written, and its source name."""

    pattern: re.Pattern[str]
    source: str


@dataclass(frozen=True)
class Dateline:
    """A dateline found in a body: ``body[start:end]`` is it, with its dash and the spaces after."""

    shape: Shape
    place: str
    """Where the reporter filed from, as a location reads (``Jakarta``, ``Los Angeles``); empty if not said."""
    outlet: str
    """The outlet's source name (``CNN Indonesia``), or its name as written if the table lacks it; may be empty."""
    start: int
    end: int


@dataclass(frozen=True)
class DatelineTable:
    """The outlets and the rubrics that are no place, with the patterns made of them."""

    outlets: tuple[Outlet, ...]
    not_places: frozenset[str]
    shapes: tuple[tuple[Shape, re.Pattern[str]], ...]

    def source_of(self, written: str) -> str:
        """The source name of an outlet as a dateline writes it (itself where the table lacks it)."""
        return next((row.source for row in self.outlets if row.pattern.fullmatch(written)), written)


def _outlets() -> tuple[Outlet, ...]:
    rows = []
    for line in data_lines("outlets.tsv"):
        pattern, source = line.split("\t")
        rows.append(Outlet(re.compile(pattern.strip(), re.IGNORECASE), source.strip()))
    return tuple(rows)


def _shapes(outlets: tuple[Outlet, ...]) -> tuple[tuple[Shape, re.Pattern[str]], ...]:
    names = "|".join(f"(?:{row.pattern.pattern})" for row in outlets)
    outlet = rf"(?P<outlet>(?:(?i:{names})|{_WEB_NAME})(?![\w.]))"
    place = rf"(?P<place>{_PLACE})"
    forms = {
        Shape.PLACE_AGENCY: rf"{place}(?:,\s*{_PLACE})?,?\s*\({outlet}\){_END}",
        Shape.PLACE_OUTLET: rf"{place},\s*{outlet}{_END}",
        Shape.OUTLET_PLACE: rf"{outlet}(?:,\s*|\s+){place}{_END}",
        Shape.OUTLET: rf"{outlet}{_END}",
        Shape.PLACE: rf"{place}(?P<before>\s*){DASH}(?P<after>\s*)(?=[^\W\d_]|[\"\u201c]|$)",
    }
    return tuple((shape, re.compile(form)) for shape, form in forms.items())


@lru_cache(maxsize=1)
def dateline_table() -> DatelineTable:
    """The package's dateline table, read once."""
    outlets = _outlets()
    not_places = frozenset(line.lower() for line in data_lines("not_places.txt"))
    return DatelineTable(outlets, not_places, _shapes(outlets))


def _place(written: str) -> str:
    """A place as a location reads: ``LOS ANGELES`` is ``Los Angeles``; ``Jakarta`` stays."""
    written = " ".join(written.split())
    return written.title() if written.isupper() else written


def _is_place(written: str, before: str, after: str, table: DatelineTable) -> bool:
    """Whether a place without an outlet (``JAKARTA -``) is one, not a rubric, a name or a sentence's start.

    In capitals it may be held against its dash only if it is one word of
    four letters or more (``INGGRIS-``, not ``GO-JEK`` or ``PS TIRA-Persikabo``);
    in ordinary case it is one or two words with a space after the dash
    (``Jakarta- Komedian``, not the route ``Jakarta-Ciwidey``).
    """
    words = written.split()
    if " ".join(words).lower().rstrip(".") in table.not_places:
        return False
    if written.isupper():
        return bool(before or after) or (len(words) == 1 and len(written) >= _HELD_PLACE_LETTERS)
    return bool(after) and len(words) <= _PLACE_ONLY_WORDS


def _match_at(body: str, start: int, table: DatelineTable, with_outlet_only: bool) -> Dateline | None:
    """The dateline that starts at ``body[start]``, if one does."""
    for shape, pattern in table.shapes:
        if with_outlet_only and shape is Shape.PLACE:
            continue
        match = pattern.match(body, start)
        if match is None:
            continue
        found = match.groupdict()
        place, outlet = found.get("place") or "", found.get("outlet") or ""
        if shape is Shape.PLACE and not _is_place(place, found["before"], found["after"], table):
            continue
        return Dateline(shape, _place(place), table.source_of(outlet) if outlet else "", start, match.end())
    return None


def _paragraph_starts(body: str) -> list[int]:
    """Where the first paragraphs of ``body`` start (after their leading white space)."""
    starts: list[int] = []
    at = 0
    while at < len(body) and len(starts) < _SEARCHED_PARAGRAPHS and at <= _SEARCHED_CHARACTERS:
        stripped = len(body) - len(body[at:].lstrip())
        if stripped >= len(body):
            break
        starts.append(stripped)
        following = body.find("\n", stripped)
        if following < 0:
            break
        at = following
    return starts


def find_dateline(body: str, table: DatelineTable | None = None) -> Dateline | None:
    """The dateline of ``body``: at its start, or (one naming its outlet) at the start of a following
    paragraph near it, after a subtitle; None if it has none."""
    table = table or dateline_table()
    for number, start in enumerate(_paragraph_starts(body)):
        found = _match_at(body, start, table, with_outlet_only=number > 0)
        if found is not None:
            return found
    return None


def masked(body: str, dateline: Dateline | None) -> str:
    """``body`` with its dateline blanked out by spaces: the text the index analyses.

    Every other character keeps its place, so the word offsets the index
    records point into the stored body as written.
    """
    if dateline is None:
        return body
    return body[:dateline.start] + " " * (dateline.end - dateline.start) + body[dateline.end:]
