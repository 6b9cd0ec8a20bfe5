"""Turning what a user types into a Whoosh query.

Words are searched in the title and the body, the title weighted higher
(``FIELD_BOOSTS``). Words are joined by OR, so a query whose words do not all
occur still finds the best partial matches; ``search.ranking`` puts articles
with more of the words first. Whoosh's syntax works: ``"exact phrase"``,
``AND``/``OR``/``NOT``, ``title:word``.

A query that Whoosh cannot parse falls back to searching its plain words;
``ParsedQuery.notes`` says what happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import qparser
from whoosh.query import NullQuery, Phrase, Query

from .analysis import WORD_PATTERN
from .ranking import FIELD_BOOSTS
from .schema import TEXT_FIELDS

MAX_QUERY_CHARS = 2000


@dataclass
class ParsedQuery:
    text: str
    query: Query
    notes: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return self.query is NullQuery or isinstance(self.query, type(NullQuery))

    def terms(self, fields=TEXT_FIELDS) -> set[str]:
        """The analysed words of the query in the given fields (used for highlighting)."""
        words = set()
        for fieldname, text in self.query.iter_all_terms(phrases=True):
            if fieldname in fields:
                words.add(text.decode("utf-8") if isinstance(text, bytes) else text)
        return words


def _parser(schema, syntax: bool = True) -> qparser.QueryParser:
    fields = [name for name, boost in FIELD_BOOSTS.items() if boost > 0 and name in schema]
    parser = qparser.MultifieldParser(
        fields, schema, fieldboosts=FIELD_BOOSTS,
        group=qparser.OrGroup,
    )
    # Wildcards and fuzzy terms expand over the whole vocabulary; a stray "*"
    # should not turn a query into a crawl of every word.
    parser.remove_plugin_class(qparser.WildcardPlugin)
    if not syntax:
        for plugin in list(parser.plugins):
            if not isinstance(plugin, (qparser.WhitespacePlugin, qparser.MultifieldPlugin)):
                parser.remove_plugin(plugin)
    return parser


def _phrases_where_positions_are(query: Query, schema) -> Query:
    """Drop phrase clauses on fields indexed without positions (lead, exact).

    A phrase must match as a phrase; the title and body clauses still do.
    """

    def rewrite(node):
        if isinstance(node, Phrase) and not schema[node.fieldname].format.supports("positions"):
            return NullQuery
        return node

    return query.accept(rewrite).normalize()


def parse_query(text: str, schema) -> ParsedQuery:
    """Parse ``text`` for the index's ``schema``. Never raises on any input string."""
    notes = []
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notes.append(f"query cut to its first {MAX_QUERY_CHARS} characters")
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    for name in dict.fromkeys(re.findall(r"(?<![\w:])(\w+):(?=\S)", text)):
        if name not in schema:
            notes.append(f"there is no field {name!r}; searched {name}: as words")
    try:
        query = _phrases_where_positions_are(_parser(schema).parse(text), schema)
        # Terms in fields the index does not have match nothing; treat them as words.
        if any(fieldname not in schema for fieldname, _ in query.iter_all_terms()):
            raise ValueError("unknown field")
    except Exception:
        words = " ".join(re.findall(WORD_PATTERN, text))
        query = _parser(schema, syntax=False).parse(words)
        notes.append("query syntax not understood; searched for its words")
    return ParsedQuery(text=text, query=query, notes=notes)
