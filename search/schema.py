"""The fields of the index, and the version of their layout.

Bump ``SCHEMA_VERSION`` whenever a field or the analysis chain changes in a way
that makes an existing index answer differently: opening an index with another
version asks the user to rebuild it.

Field weights for ranking live in ``search.query`` (``FIELD_BOOSTS``).
"""

from __future__ import annotations

from whoosh.analysis import IDTokenizer, LowercaseFilter
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

from .analysis import IndonesianAnalyzer

SCHEMA_VERSION = 1

# Text fields searched by a plain query.
TEXT_FIELDS = ("title", "body")
# Keyword fields: one value each, matched without regard to case.
KEYWORD_FIELDS = ("category", "source", "location", "author")


def _keyword():
    return ID(stored=True, analyzer=IDTokenizer() | LowercaseFilter())


def build_schema() -> Schema:
    """A new schema object (Whoosh pickles it into the index)."""
    analyzer = IndonesianAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=analyzer, stored=True, phrase=True),
        body=TEXT(analyzer=analyzer, stored=True, phrase=True),
        # UTC without zone for filtering and sorting; ``date_text`` keeps the
        # publication time with its own offset (WIB, WITA, WIT) for display.
        date=DATETIME(sortable=True),
        date_text=STORED(),
        category=_keyword(),
        source=_keyword(),
        location=_keyword(),
        author=_keyword(),
        editor=STORED(),
        url=STORED(),
        summary=STORED(),
        path=STORED(),
    )
