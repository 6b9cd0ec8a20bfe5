"""The fields of the index, the one mapping between an :class:`Article` and them, and their version.

Bump ``SCHEMA_VERSION`` whenever a field or the analysis chain changes in a way
that makes an existing index answer differently: opening an index with another
version asks the user to rebuild it.

A body's dateline (``Jakarta, CNN Indonesia --``: ``search.language.datelines``)
is stored with the body but not analysed as its words, its lead's or its
words as written: the analysed text has the dateline blanked out, each other
character in its place, so the characters the postings record point into the
stored body. Its place and outlet fill ``location`` and ``source`` where the
article has none.

:func:`to_document` is what the indexer writes for an article and
:func:`to_article` reads it back from the stored fields; nothing else knows
how an article is laid out in the index. ``to_document`` raises
:class:`~search.errors.UnwritableRecordError` for an article the index cannot
hold, before anything is written (Whoosh would fail at commit, taking the
whole batch with it); the readers' ``sanitize`` repairs what it can first.
``to_article`` repairs what an older version wrote (a lone surrogate in a
body), so that no view of a stored article fails. Field weights for ranking live in
``search.query.ranking`` (``Ranking.field_boosts``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, NoReturn

from whoosh.analysis import IDTokenizer, LowercaseFilter, RegexTokenizer
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

from ..articles import STRING_FIELDS, YEARS, Article, can_encode, encodable, string_fields
from ..errors import UnwritableRecordError
from ..language.analysis import ExactAnalyzer, IndonesianAnalyzer
from ..language.datelines import Dateline, find_dateline, masked
from ..language.dates import WIB
from .codec import packed

SCHEMA_VERSION = 16
STORAGE_VERSION = 2
"""The newest layout of the index's files this version writes: 2 since the stored articles are zstd
(``search.store.stored``), 1 before (an index that records none). Unlike the schema's, a new storage
version asks for no rebuild, since this version reads every layout before its own; an index written
with a newer one is refused instead of misread."""


def too_new(meta: dict) -> bool:
    """Whether an index's meta says a newer version wrote files this version cannot read."""
    storage = meta.get("storage_version", 1)
    return not isinstance(storage, int) or storage > STORAGE_VERSION


def readable(meta: dict) -> bool:
    """Whether this version reads an index of ``meta`` as it is: its schema, and files no newer than its own."""
    return meta.get("schema_version") == SCHEMA_VERSION and not too_new(meta)

# Text fields a plain query is about (highlighting, matched-word counts).
TEXT_FIELDS = ("title", "body")
# Every field a plain word is searched in: the text fields, the body's lead
# and the words as written (weighed by ``search.query.ranking.Ranking``).
SEARCHED_FIELDS = ("title", "body", "lead", "exact")
# The field whose word positions the re-ranking reads.
POSITIONS_FIELD = "body"
# The field of the words as written (unstemmed).
TYPED_FIELD = "exact"
# The opening words of the body: news is written top-down, and the lead
# paragraph holds the words a headline uses.
LEAD_WORDS = 60
# Keyword fields: one value each, matched without regard to case.
KEYWORD_FIELDS = ("category", "source", "location", "author")
# Each keyword field's words, lowercased, in a field of their own ("CNN
# Indonesia" is "cnn" and "indonesia", "binews.id" is "binews" and "id"), so
# that a filter can match a word of the value or its beginning.
KEYWORD_WORDS = {name: f"{name}_words" for name in KEYWORD_FIELDS}
# Fields whose text is other fields' texts joined by a line break (as
# :func:`to_document` writes them), so that a build can reuse their words.
JOINED_FIELDS = {TYPED_FIELD: ("title", "body")}
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
    schema = Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=analyzer, stored=True, phrase=True),
        # Each word's characters too, so that snippets need not analyse the body again.
        body=TEXT(analyzer=analyzer, stored=True, phrase=True, chars=True),
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
        # What makes two articles the same (see ``search.indexing.duplicates``).
        url_key=ID(),
        text_key=ID(),
        summary=STORED(),
        path=STORED(),
        # When a web archive captured the page (ISO 8601 with its offset), for display.
        captured=STORED(),
    )
    # Word positions packed for NumPy (search.store.codec) instead of pickled.
    for name in schema.names():
        schema[name].format = packed(schema[name].format)
    return schema


# Stored as given, shown as given.
_PLAIN_STORED = ("editor", "url", "summary", "path")


def check_writable(article: Article, keys: Iterable[tuple[str, str]] = ()) -> None:
    """Raise :class:`UnwritableRecordError` if the index cannot hold ``article`` (and its duplicate ``keys``)."""
    try:
        ("".join(string_fields(article)) + "".join(value for _, value in keys)).encode("utf-8")
    except (TypeError, UnicodeEncodeError):
        _text_problem(article, keys)
    date = article.date
    if date is not None and not isinstance(date, datetime):
        raise UnwritableRecordError(f"the record's date is not a date and time ({type(date).__name__})")
    if date is not None and date.year not in YEARS:
        raise UnwritableRecordError(f"the record's date {date.date().isoformat()} is outside the years "
                                    f"{YEARS[0]}-{YEARS[-1]}")
    if article.captured is not None and not isinstance(article.captured, datetime):
        raise UnwritableRecordError(f"the record's capture time is not a date and time "
                                    f"({type(article.captured).__name__})")


def _text_problem(article: Article, keys: Iterable[tuple[str, str]]) -> NoReturn:
    """Raise the :class:`UnwritableRecordError` that says which text field the index cannot hold."""
    for name, value in (*((name, getattr(article, name)) for name in STRING_FIELDS), *keys):
        if not isinstance(value, str):
            raise UnwritableRecordError(f"the record's {name} is not text ({type(value).__name__})")
        if not can_encode(value):
            raise UnwritableRecordError(f"the record's {name} holds characters UTF-8 cannot encode")
    raise UnwritableRecordError("the record's text cannot be written")


def _utc(date: datetime) -> datetime:
    """``date`` in UTC without a zone, for the ``date`` field; a date without a zone is in WIB."""
    aware = date if date.utcoffset() is not None else date.replace(tzinfo=WIB)
    return aware.astimezone(timezone.utc).replace(tzinfo=None)


def to_document(article: Article, keys: Iterable[tuple[str, str]] = ()) -> dict:
    """The Whoosh document for one article; ``keys`` are its duplicate keys (``search.indexing.duplicates``).

    Raises :class:`UnwritableRecordError` if the index cannot hold it (:func:`check_writable`).
    """
    keys = tuple(keys)
    check_writable(article, keys)
    dateline = find_dateline(article.body)
    body = masked(article.body, dateline)  # the text analysed: the dateline blanked out
    doc: dict[str, object] = {
        "id": article.id,
        "title": article.title,
        "body": body,
        "lead": lead_of(body),
        # The words as written, the title's too: a query word as typed is found in either.
        TYPED_FIELD: "\n".join(text for text in (article.title, body) if text),
        "date_text": article.date.isoformat() if article.date else "",
        "captured": article.captured.isoformat() if article.captured else "",
        **{name: getattr(article, name) for name in _PLAIN_STORED},
        **dict(keys),
    }
    if dateline is not None:
        doc["_stored_body"] = article.body  # (Whoosh's name for what is stored of a field analysed otherwise)
    if article.date:
        doc["month"] = article.date.strftime("%Y-%m")
        doc["date"] = _utc(article.date)
    for name, value in keywords(article, dateline).items():
        if value:
            doc[name] = value
            doc[KEYWORD_WORDS[name]] = value
    return doc


def keywords(article: Article, dateline: Dateline | None) -> dict[str, str]:
    """The article's :data:`KEYWORD_FIELDS`, its ``location`` and ``source`` taken from its dateline where empty."""
    values = {name: getattr(article, name) for name in KEYWORD_FIELDS}
    if dateline is not None:
        values["location"] = values["location"] or dateline.place
        values["source"] = values["source"] or dateline.outlet
    return values


def stored_date(text: str | None) -> datetime | None:
    """The publication time kept in ``date_text``, with its own offset; None if there is none."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def to_article(stored: Mapping) -> Article:
    """The article whose stored fields are ``stored`` (what :func:`to_document` wrote).

    A character UTF-8 cannot encode, which an older version could store, reads as U+FFFD.
    """
    texts: dict[str, Any] = {name: encodable(stored.get(name, ""))
                             for name in ("title", "body", *KEYWORD_FIELDS, *_PLAIN_STORED)}
    return Article(id=encodable(stored["id"]), date=stored_date(stored.get("date_text")),
                   captured=stored_date(stored.get("captured")), **texts)
