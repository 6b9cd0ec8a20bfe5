"""Turning what a user types into a Whoosh query, and the filters beside it.

The query language (documented in the README and ``search query --help``):

* words, matched by their root in the title, the body, the body's lead and
  the body's words as written (``search.query.ranking`` weighs them);
* ``"exact phrases"``; ``-word`` to exclude, ``+word`` to require;
* ``AND`` / ``OR`` / ``NOT`` and parentheses, also in Indonesian:
  ``DAN`` / ``ATAU`` / ``BUKAN``;
* fields, in Indonesian or English: ``judul:``/``title:``, ``isi:``/``body:``,
  ``kategori:``/``category:``, ``sumber:``/``source:``, ``penulis:``/``author:``,
  ``lokasi:``/``location:``; a keyword value matches without regard to case,
  as the whole value or as words of it, each a word of the field or its
  beginning (``sumber:cnn`` finds "CNN Indonesia");
* dates: ``tanggal:``/``date:`` with ``2021``, ``2021-03``, ``2021-03-17``,
  ``"Maret 2021"``, ``"17 Maret 2021"``, ranges ``2021-03-01..2021-04-15`` and
  open ranges ``..2021-03``; a date is a filter, it does not change scores;
* a query of filters only (no words to rank by) lists what they let through:
  ``ParsedQuery.filters_only``.

How the query's words were read (``ParsedQuery.reading``: the words that
rank, the stop words left out, the excluded words) comes from the same
parse: Whoosh's syntax tree, each word node analysed by its field's chain.

``parse_query`` never raises: what it cannot read as syntax it searches as
plain words, and ``ParsedQuery.notes`` says what was ignored or changed.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from whoosh import qparser
from whoosh.qparser import syntax
from whoosh.query import (
    And,
    AndNot,
    ConstantScoreQuery,
    Not,
    NullQuery,
    Or,
    Phrase,
    Prefix,
    Query,
    Term,
)

from ..language.analysis import WORD_PATTERN
from ..language.dates import ReversedDateRange, intersect, parse_date_range
from ..results import QueryNote, QueryNoteKind, QueryWord, QueryWords
from ..store.schema import KEYWORD_FIELDS, KEYWORD_WORDS, SEARCHED_FIELDS, TEXT_FIELDS, WORD_TOKENS
from ..store.whoosh_private import CheckedAndNotMatcher
from .prefixes import Prefixes, Vocabulary, read_prefixes

MAX_QUERY_CHARS = 2000

# Field names a user may type, beside the schema's own.
FIELD_ALIASES = {
    "title": ["judul"],
    "body": ["isi"],
    "category": ["kategori"],
    "source": ["sumber"],
    "author": ["penulis"],
    "location": ["lokasi"],
}
DATE_FIELD_NAMES = ("tanggal", "date")
_DATE_FILTER = re.compile(rf'(?<![\w:])(?:{"|".join(DATE_FIELD_NAMES)}):("[^"]*"|\S+)', re.IGNORECASE)
_OPERATORS = qparser.OperatorsPlugin(
    And=r"(?<=\s)(?:AND|DAN)(?=\s)",
    Or=r"(?<=\s)(?:OR|ATAU)(?=\s)",
    Not=r"(^|(?<=(\s|[()])))(?:NOT|BUKAN)(?=\s)",
    AndNot=None,
    AndMaybe=None,
    Require=None,
)


@dataclass
class ParsedQuery:
    text: str
    query: Query
    notes: list[QueryNote] = field(default_factory=list)
    # Publication time filter, [start, end); None for an open end.
    date_from: datetime | None = None
    date_to: datetime | None = None
    # Nothing but filters was typed: ``tanggal:2021``, ``kategori:politik``,
    # or no text at all (the caller may hold a date window of its own).
    filters_only: bool = False
    # The query's words as the engine read them (``search.results.QueryWords``).
    reading: QueryWords = field(default_factory=QueryWords)
    # A lone ``*``: every article is listed (``search.query.prefixes``).
    lists_all: bool = False

    @property
    def is_empty(self) -> bool:
        return _is_null(self.query)

    def words(self, fields=TEXT_FIELDS) -> list[str]:
        """The analysed words the query asks for in ``fields``, in the order typed (see :func:`query_sequence`)."""
        return query_sequence(self.query, fields)


def _walk_asked(query: Query, visit: Callable[[Query], None]) -> None:
    """Call ``visit`` on every node the query asks for, in order, skipping excluded (NOT) parts."""
    if isinstance(query, Not):
        return
    if isinstance(query, AndNot):  # a ANDNOT b: only a is asked for
        _walk_asked(query.a, visit)
        return
    visit(query)
    for child in query.children():
        _walk_asked(child, visit)


def _texts(node: Query, fields) -> list[str]:
    if isinstance(node, Term) and node.fieldname in fields:
        text = node.text
        return [text.decode("utf-8") if isinstance(text, bytes) else text]
    if isinstance(node, Phrase) and node.fieldname in fields:
        return list(node.words)
    return []


def query_sequence(query: Query, fields) -> list[str]:
    """The analysed words a query asks for in ``fields``, in the order they were typed (not the excluded ones)."""
    words: list[str] = []
    _walk_asked(query, lambda node: words.extend(_texts(node, fields)))
    return words


class Word(Term):
    """Whoosh's ``Term``, copied shallowly.

    Normalizing a query copies each of its terms (``with_boost``), and
    Whoosh's copy is a ``deepcopy``: a fifth of parsing a headline. A term's
    attributes are plain values (field, text, boost), so a shallow copy is the same.
    """

    def copy(self) -> Word:
        return copy.copy(self)


# The page's names of the text fields a word can be aimed at.
_AIMED_NAMES = {"title": "judul", "body": "isi"}

Token = tuple[str, str, bool]
"""A word of the query as analysed: (as typed, lowercased; its stem; whether it is a stop word)."""


def _tokens(analyzer, text: str) -> list[Token]:
    """Each token the index's chain makes of ``text``, stop words kept (and marked)."""
    return [(text[token.startchar:token.endchar].lower(), token.text, bool(token.stopped))
            for token in analyzer(text, mode="query", chars=True, removestops=False)]


class _Reading:
    """Gathers a :class:`QueryWords` from the analysed words of a query, in the order typed."""

    def __init__(self) -> None:
        self.words = QueryWords()
        self._seen: set[tuple[str, str]] = set()

    def add(self, tokens: list[Token], aimed: str = "", excluded: bool = False) -> None:
        for text, stem, stopped in tokens:
            if excluded or stopped:
                listed = self.words.excluded if excluded else self.words.stop_words
                if text not in listed:
                    listed.append(text)
            elif (stem, aimed) not in self._seen:
                self._seen.add((stem, aimed))
                self.words.words.append(QueryWord(text, stem, aimed))


def _read_tree(tree: syntax.SyntaxNode, schema, multi: list[str]) -> QueryWords:
    """The words of Whoosh's syntax tree of a query: each text node of a text field, in the order typed.

    The multifield plugin copies an unfielded word into one node per field of
    ``multi`` (same characters); a word in one text field only was aimed there.
    """
    nodes: dict[tuple[int, int], tuple[syntax.TextNode, list[str], bool]] = {}

    def visit(node, excluded: bool) -> None:
        if isinstance(node, syntax.AndNotGroup):  # a -b: b is excluded
            visit(node[0], excluded)
            visit(node[1], True)
        elif isinstance(node, syntax.GroupNode):
            for child in node:
                visit(child, excluded or isinstance(node, syntax.NotGroup))
        elif isinstance(node, syntax.TextNode) and node.fieldname in TEXT_FIELDS:
            nodes.setdefault((node.startchar, node.endchar), (node, [], excluded))[1].append(node.fieldname)

    visit(tree, False)
    texts = [name for name in multi if name in TEXT_FIELDS]
    reading = _Reading()
    for _, (node, fields, excluded) in sorted(nodes.items(), key=lambda item: item[0]):
        aimed = _AIMED_NAMES[fields[0]] if len(fields) == 1 and (len(texts) > 1 or fields != texts) else ""
        reading.add(_tokens(schema[fields[0]].analyzer, node.text), aimed, excluded)
    return reading.words


def _parser(schema, field_boosts: Mapping[str, float], syntax: bool = True) -> qparser.QueryParser:
    fields = [name for name, boost in field_boosts.items() if boost > 0 and name in schema]
    parser = qparser.MultifieldParser(
        fields, schema, fieldboosts=dict(field_boosts), group=qparser.OrGroup, termclass=Word,
    )
    # Wildcards and fuzzy terms expand over the whole vocabulary; a stray "*"
    # should not turn a query into a crawl of every word.
    parser.remove_plugin_class(qparser.WildcardPlugin)
    parser.remove_plugin_class(qparser.FuzzyTermPlugin)
    if syntax:
        parser.replace_plugin(_OPERATORS)
        # Only a sign that starts a word counts: "Operator-Pemilik" and
        # "anak-anak" are words, not exclusions.
        parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+(?=\S)",
                                                  minusexpr=r"(?<![^\s(])-(?=\S)"))
        parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    else:
        for plugin in list(parser.plugins):
            if not isinstance(plugin, (qparser.WhitespacePlugin, qparser.MultifieldPlugin)):
                parser.remove_plugin(plugin)
    return parser


def _phrases_where_positions_are(query: Query, schema) -> Query:
    """Quoted text in a field indexed without positions.

    In a keyword field (``lokasi:"Kota Sawahlunto"``) it is the whole value. In
    the lead and exact fields the phrase clause is dropped: a phrase must match
    as a phrase, and the title and body clauses still do.
    """

    def rewrite(node):
        if isinstance(node, Phrase) and not schema[node.fieldname].format.supports("positions"):
            if node.fieldname in KEYWORD_FIELDS:
                return Term(node.fieldname, " ".join(node.words))
            return NullQuery
        return node

    return query.accept(rewrite)


def _keyword_values_forgive(query: Query, schema) -> Query:
    """``sumber:cnn`` matches every value with a word that starts with "cnn".

    Each word of the value typed must begin a word of the field's value, so
    ``sumber:cnn``, ``sumber:cnn-indo`` and ``sumber:"cnn indonesia"`` find
    "CNN Indonesia", and ``sumber:binews`` finds "binews.id". The whole value
    as typed matches too, its words being words of the value. The clause is a
    filter: every article it lets through gets the same score from it.
    """

    def rewrite(node):
        if (isinstance(node, Term) and node.fieldname in KEYWORD_WORDS
                and KEYWORD_WORDS[node.fieldname] in schema):
            words = re.findall(WORD_TOKENS, node.text.lower())
            if words:
                prefixes = [Prefix(KEYWORD_WORDS[node.fieldname], word) for word in words]
                return ConstantScoreQuery(And(prefixes).normalize())
        return node

    return query.accept(rewrite)


def _asks_for_words(query: Query) -> bool:
    """Whether the query holds a word or phrase to rank by (not only excluded ones)."""
    return bool(query_sequence(query, SEARCHED_FIELDS))


def _exclusions_apply_to_all(query: Query) -> Query:
    """``a b NOT c`` means a or b, and not c (not "a or b or anything but c")."""

    def rewrite(node):
        if isinstance(node, Or):
            excluded = [child.query for child in node.subqueries if isinstance(child, Not)]
            if excluded:
                kept = [child for child in node.subqueries if not isinstance(child, Not)]
                if not kept:
                    return NullQuery
                return AndNot(Or(kept).normalize(), Or(excluded).normalize())
        return node

    return query.accept(rewrite)


def _excluded_words(query: Query) -> list[str]:
    """The words (as analysed, in the body) that ``query`` excludes, in order."""
    excluded: list[str] = []

    def visit(node) -> None:
        if isinstance(node, (Not, AndNot)):
            part = node.query if isinstance(node, Not) else node.b
            for leaf in part.leaves():
                if isinstance(leaf, Term) and leaf.fieldname == "body":
                    excluded.append(leaf.text)
                elif isinstance(leaf, Phrase) and leaf.fieldname == "body":
                    excluded.append('"' + " ".join(leaf.words) + '"')
        for child in node.children():
            visit(child)

    visit(query)
    return list(dict.fromkeys(excluded))


def _fields_are_required(query: Query) -> Query:
    """A clause the user aimed at a field (``kategori:politik``, ``judul:banjir``) must match.

    A plain word searches title and body together; a clause that does not is
    one the user pointed at a field, and it filters rather than just scores.
    """
    if not isinstance(query, Or):
        return query
    fielded: list[Query] = []
    loose: list[Query] = []
    for child in query.subqueries:
        fields = {name for name, _ in child.iter_all_terms()}
        (fielded if fields and not set(TEXT_FIELDS) <= fields else loose).append(child)
    if not fielded:
        return query
    if loose:
        return And(fielded + [Or(loose).normalize()])
    return And(fielded)


def _known_fields(schema) -> set[str]:
    names = set(schema.names()) | set(DATE_FIELD_NAMES)
    for aliases in FIELD_ALIASES.values():
        names.update(aliases)
    return names


def _stemmer(schema) -> Callable[[str], list[str]]:
    """A word's roots as the index's body reads it (none for a stop word)."""
    analyzer = schema["body"].analyzer if "body" in schema else None
    if analyzer is None:
        return lambda word: [word]
    return lambda word: [stem for _, stem, stopped in _tokens(analyzer, word) if not stopped]


def _mark_prefixes(reading: QueryWords, prefixes: Prefixes) -> QueryWords:
    """The reading with each word a ``*`` word stood for marked with it (``QueryWord.prefix``)."""
    if not prefixes.standing_for:
        return reading
    reading.words = [replace(word, prefix=prefixes.standing_for.get(word.text, "")) for word in reading.words]
    return reading


def parse_query(text: str, schema, field_boosts: Mapping[str, float] | None = None,
                vocabulary: Vocabulary | None = None) -> ParsedQuery:
    """Parse ``text`` for the index's ``schema``. Never raises on any input string.

    A plain word is searched in each field of ``field_boosts`` with a
    weight above 0, weighted so (``Ranking.field_boosts``); by default in
    every field of ``SEARCHED_FIELDS`` alike. ``vocabulary``: the index's
    words that begin with a text, for ``banj*`` (``search.query.prefixes``);
    without it a ``*`` word is searched as its beginning.
    """

    if field_boosts is None:
        field_boosts = dict.fromkeys(SEARCHED_FIELDS, 1.0)
    notes: list[QueryNote] = []
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notes.append(QueryNote(QueryNoteKind.CUT, characters=str(MAX_QUERY_CHARS)))
    text = "".join(ch if ch.isprintable() else " " for ch in text)

    date_from = date_to = None
    for match in _DATE_FILTER.finditer(text):
        try:
            date_from, date_to = intersect((date_from, date_to), parse_date_range(match.group(1)))
        except ReversedDateRange as error:
            date_from, date_to = intersect((date_from, date_to), (error.start, error.end))
        except ValueError as error:
            notes.append(QueryNote(QueryNoteKind.FILTER_IGNORED, clause=match.group(0), reason=str(error)))
    prefixes = read_prefixes(_DATE_FILTER.sub(" ", text), vocabulary, _stemmer(schema))
    notes += prefixes.notes
    words_text = prefixes.text
    dates: dict[str, datetime | None] = {"date_from": date_from, "date_to": date_to}

    found = _plain_words_query(words_text, schema, field_boosts)
    if found is not None:
        plain, reading = found
        return ParsedQuery(text=text, query=plain, notes=notes, **dates, lists_all=prefixes.lists_all,
                           filters_only=not re.search(WORD_PATTERN, words_text) if _is_null(plain)
                           else not _asks_for_words(plain), reading=_mark_prefixes(reading, prefixes))
    multi = [name for name, boost in field_boosts.items() if boost > 0 and name in schema]
    known = _known_fields(schema)
    for name in dict.fromkeys(re.findall(r"(?<![\w:])(\w+):(?=\S)", words_text)):
        if name not in known:
            notes.append(QueryNote(QueryNoteKind.NO_SUCH_FIELD, field=name))
    try:
        # Rewrite the tree as parsed, one group per word, before Whoosh flattens it.
        parser = _parser(schema, field_boosts)
        tree = parser.process(words_text)
        query = tree.query(parser) or NullQuery
        query = _phrases_where_positions_are(query, schema)
        query = _exclusions_apply_to_all(query)
        query = _fields_are_required(query).normalize()
        query = _keyword_values_forgive(query, schema)
        query = _exclusions_checked(query)
        # Terms in fields the index does not have match nothing; treat them as words.
        if any(fieldname not in schema for fieldname, _ in query.iter_all_terms()):
            raise ValueError("unknown field")
        reading = _read_tree(tree, schema, multi)
    except Exception:  # noqa: BLE001 - never raises: what is not syntax is searched as words
        words = " ".join(re.findall(WORD_PATTERN, words_text))
        parser = _parser(schema, field_boosts, syntax=False)
        tree = parser.process(words)
        query = tree.query(parser) or NullQuery
        query = query.normalize()
        reading = _read_tree(tree, schema, multi)
        notes.append(QueryNote(QueryNoteKind.SYNTAX_NOT_UNDERSTOOD))
    excluded = _excluded_words(query)
    if excluded:
        # Pasted prose uses "-" as a dash too ("vaskularnya -komplikasi umum").
        notes.append(QueryNote(QueryNoteKind.LEFT_OUT, words=", ".join(excluded)))
    filters_only = (not re.search(WORD_PATTERN, words_text) if _is_null(query)
                    else not _asks_for_words(query))
    return ParsedQuery(text=text, query=query, notes=notes, **dates, lists_all=prefixes.lists_all,
                       filters_only=filters_only,
                       reading=_mark_prefixes(reading, prefixes))


# What makes text more than words to Whoosh's parser as configured in ``_parser``:
# quotes, fields (a word and a colon before a space, "Jokowi: ...", is a word), groups, ranges,
# boosts, ``*:*``, a sign starting a word, an operator.
_SYNTAX = re.compile(r"""["()^\[\]{}*]|(?<!\S)(?!\w+:(?:\s|$))\S*:|(?:^|(?<=\W))'|(?<![^\s(])[-+](?=\S)"""
                     r"|(?:^|(?<=\s))(?:AND|DAN|OR|ATAU|NOT|BUKAN)(?=\s|$)")
_WHITESPACE = re.compile(r"\s+")


def _plain_words_query(text: str, schema, field_boosts: Mapping[str, float]) -> tuple[Query, QueryWords] | None:
    """The query Whoosh's parser makes of ``text`` when it holds only words, and how its words were
    read (None when it holds syntax).

    Most of what users type is words, and Whoosh's parser, its
    normalization and the rewrites after it take a few milliseconds for a
    headline. Words need none of it: each word is analysed once per
    analyzer, each token becomes a term of each field (weighted by the
    field's boost), and the terms are joined by one OR, in order and without
    repeats, as Whoosh's normalization leaves them. The same query as the
    parser's (tested on real headlines and generated text). The text fields'
    analyzer runs with stop words kept and marked, so that the same tokens
    give the terms and the reading.
    """
    if _SYNTAX.search(text):
        return None
    fields = [(name, schema[name].analyzer, boost) for name, boost in field_boosts.items()
              if boost > 0 and name in schema]
    analyzers: list = []  # the distinct analyzers: title, body and lead share one
    for _, analyzer, _ in fields:
        if analyzer not in analyzers:
            analyzers.append(analyzer)
    words_analyzer = next((analyzer for name, analyzer, _ in fields if name in TEXT_FIELDS), None)
    reading = _Reading()
    terms: dict[tuple[str, str, float], None] = {}
    for chunk in _WHITESPACE.split(text):
        if not chunk:
            continue
        tokens = []
        for analyzer in analyzers:
            if analyzer is words_analyzer:
                read = _tokens(analyzer, chunk)
                reading.add(read)
                tokens.append([stem for _, stem, stopped in read if not stopped])
            else:
                tokens.append([token.text for token in analyzer(chunk, mode="query", removestops=True)])
        for name, analyzer, boost in fields:
            for token in tokens[analyzers.index(analyzer)]:
                terms[name, token, boost] = None
    words = [Word(name, token, boost=boost) for name, token, boost in terms]
    if not words:
        return NullQuery, reading.words
    return (words[0] if len(words) == 1 else Or(words)), reading.words


class CheckedAndNot(AndNot):
    """``a ANDNOT b`` matched by ``search.store.whoosh_private.CheckedAndNotMatcher``."""

    def matcher(self, searcher, context=None):
        return CheckedAndNotMatcher(self.a.matcher(searcher, context),
                                     self.b.matcher(searcher, searcher.boolean_context()))


def _exclusions_checked(query: Query) -> Query:
    def rewrite(node):
        if type(node) is AndNot:
            checked = CheckedAndNot(node.a, node.b)
            checked.boost = node.boost
            return checked
        return node

    return query.accept(rewrite)


def _is_null(query: Query) -> bool:
    return query is NullQuery or isinstance(query, type(NullQuery))
