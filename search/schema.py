"""The fields of the index, and the version of their layout.

Bump ``SCHEMA_VERSION`` whenever a field or the analysis chain changes in a way
that makes an existing index answer differently: opening an index with another
version asks the user to rebuild it.

Field weights for ranking live in ``search.ranking`` (``FIELD_BOOSTS``).
"""

from __future__ import annotations

from whoosh.analysis import IDTokenizer, LowercaseFilter, RegexTokenizer
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

from .analysis import ExactAnalyzer, IndonesianAnalyzer

SCHEMA_VERSION = 11

# Text fields a plain query is about (highlighting, matched-word counts).
TEXT_FIELDS = ("title", "body")
# The opening words of the body: news is written top-down, and the lead
# paragraph holds the words a headline uses.
LEAD_WORDS = 60
# Keyword fields: one value each, matched without regard to case.
KEYWORD_FIELDS = ("category", "source", "location", "author")
# Each keyword field's words, lowercased, in a field of their own ("CNN
# Indonesia" is "cnn" and "indonesia", "binews.id" is "binews" and "id"), so
# that a filter can match a word of the value or its beginning.
KEYWORD_WORDS = {name: f"{name}_words" for name in KEYWORD_FIELDS}
WORD_TOKENS = r"\w+"


def _keyword():
    # Sortable: the column keeps the value as written, for facet counts.
    return ID(stored=True, sortable=True, analyzer=IDTokenizer() | LowercaseFilter())


def _keyword_words():
    return TEXT(analyzer=RegexTokenizer(WORD_TOKENS) | LowercaseFilter(), phrase=False)


def lead_of(body: str, words: int = LEAD_WORDS) -> str:
    """The opening ``words`` words of a body."""
    return " ".join(body.split()[:words])


def build_schema() -> Schema:
    """A new schema object (Whoosh pickles it into the index)."""
    analyzer = IndonesianAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=analyzer, stored=True, phrase=True),
        body=TEXT(analyzer=analyzer, stored=True, phrase=True),
        # The first LEAD_WORDS words of the body, as a field of their own.
        lead=TEXT(analyzer=analyzer, phrase=False),
        # The title's and body's words as written, unstemmed: "pemerintah" is not "perintah".
        exact=TEXT(analyzer=ExactAnalyzer(), phrase=False),
        # UTC without zone for filtering and sorting; ``date_text`` keeps the
        # publication time with its own offset (WIB, WITA, WIT) for display.
        date=DATETIME(sortable=True),
        date_text=STORED(),
        # "2021-03", the month of publication in its own zone, for facets.
        month=ID(sortable=True),
        category=_keyword(),
        source=_keyword(),
        location=_keyword(),
        author=_keyword(),
        **{words: _keyword_words() for words in KEYWORD_WORDS.values()},
        editor=STORED(),
        url=STORED(),
        # What makes two articles the same (see ``search.duplicates``).
        url_key=ID(),
        text_key=ID(),
        summary=STORED(),
        path=STORED(),
    )
