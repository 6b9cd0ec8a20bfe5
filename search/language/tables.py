"""The word lists the analysis reads, as one immutable object.

The lists themselves live in ``search/language/data`` (see the comments at
their top and ``data/README.md``); changing one changes what an index holds,
so bump ``SCHEMA_VERSION`` in ``search/store/schema.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType


def data_lines(name: str) -> list[str]:
    """The lines of one file of ``data/``, comments and blank lines left out."""
    text = (resources.files("search.language") / "data" / name).read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def load_table(name: str) -> dict[str, str]:
    """One tab-separated table of ``data/`` (word, replacement), comments left out."""
    table = {}
    for line in data_lines(name):
        word, replacement = line.split("\t")
        table[word.strip()] = replacement.strip()
    return table


@dataclass(frozen=True)
class WordTables:
    """The reviewed word lists of ``search/language/data``, read once (:func:`word_tables`)."""

    stop_words: frozenset[str]
    spelling: Mapping[str, str]
    """Informal spellings and colloquial words, and their standard form."""
    stem_exceptions: Mapping[str, str]
    names: frozenset[str]
    """Names that are their own root."""
    numerals: Mapping[str, str]
    """Number words and their digits."""
    variants: Mapping[str, str]
    """Variant spellings of a word or root (``ijin``, ``hoax``) and the standard one (``izin``, ``hoaks``)."""
    root_counts: Mapping[str, int]
    """How often each root occurs as a word of its own in real news."""

    @classmethod
    def load(cls) -> WordTables:
        return cls(
            stop_words=frozenset(word for line in data_lines("stopwords.txt") for word in line.split()),
            spelling=MappingProxyType({**load_table("spelling.tsv"), **load_table("colloquial.tsv")}),
            stem_exceptions=MappingProxyType(load_table("stem_exceptions.tsv")),
            names=frozenset(data_lines("names.txt")),
            numerals=MappingProxyType(load_table("numerals.tsv")),
            variants=MappingProxyType(load_table("variants.tsv")),
            root_counts=MappingProxyType({w: int(n) for w, n in load_table("root_counts.tsv").items()}),
        )


@lru_cache(maxsize=1)
def word_tables() -> WordTables:
    """The package's word tables (data that never changes, so read once per process)."""
    return WordTables.load()


