"""Every place the engine reaches into Whoosh's private or undocumented state, and why.

Whoosh 3's public API leaves a few things out that the engine needs: a
bound to rescore, a matcher strategy to choose, a collector's habit to turn
off, a bug in one matcher to mend, the pattern an analyzer's tokenizer
uses, and a segment's field totals (which a merge sets). Each is one small
function or class here, commented with the Whoosh attribute it touches, so
that an upgrade of Whoosh has one module to check
(``python -m benchmarks.whoosh_suite`` runs Whoosh's own tests). Nothing
else in the engine touches an underscored or undocumented Whoosh attribute.
"""

from __future__ import annotations

from collections import defaultdict

from whoosh import matching
from whoosh.query import Or, Query


def rebound(scorer, best_weight: float, shortest: int) -> None:
    """Set a BM25F scorer's skipping bound again, after its idf or average length changed.

    Whoosh computes ``_maxquality`` (the best score any posting of the term can
    reach, what its matchers skip by) once, with the scorer's own statistics;
    a shard scored with the whole collection's must recompute it with them.
    """
    scorer._maxquality = scorer._score(best_weight, shortest)  # private: BM25FScorer's bound and formula


def sum_unions_in_arrays(query: Query) -> None:
    """Have every OR of ``query`` add up its children's scores in an array, part by part.

    Above 5,000 articles Whoosh walks an OR as a binary tree of unions, one
    document at a time; ``Or.matcher_type`` (undocumented) chooses the array
    matcher Whoosh itself uses for small indexes. Half the query time, the
    same results (benchmarks/README.md, "Figures behind the code's comments").
    """
    if isinstance(query, Or):
        query.matcher_type = Or.ARRAY_MATCHER  # undocumented: Or's matcher strategy
    for child in query.children():
        sum_unions_in_arrays(child)


def keep_matchers_as_built(collector) -> None:
    """Stop ``collector`` (and the collectors it wraps) from rebuilding the matcher tree.

    Whoosh's collector rebuilds the tree every ``replace`` (10) matches, asking
    each term matcher for its best possible score, to turn unions into cheaper
    intersections; for a top 200 that seldom pays. ``replace`` and ``child``
    are undocumented attributes of Whoosh's collectors.
    """
    inner = collector
    while inner is not None:
        if hasattr(inner, "replace"):
            inner.replace = 0  # undocumented: how often the collector rebuilds the matchers
        inner = getattr(inner, "child", None)  # undocumented: the collector a wrapping collector wraps


def tokenizer_pattern(analyzer) -> str | None:
    """The regular expression of ``analyzer``'s tokenizer (its first part), or None if it has none.

    A composed analyzer keeps its parts in ``items`` and a RegexTokenizer its
    compiled pattern in ``expression``, neither documented.
    """
    tokenizer = getattr(analyzer, "items", [None])[0]  # undocumented: a CompositeAnalyzer's parts
    expression = getattr(tokenizer, "expression", None)  # undocumented: a RegexTokenizer's pattern
    return expression.pattern if expression is not None else None


class CheckedAndNotMatcher(matching.AndNotMatcher):
    """Whoosh's ``AndNotMatcher``, with its first match checked against the excluded side.

    Whoosh checks the first match only when both sides start on the same
    article; when the excluded side starts on an earlier one (``harga
    -pasar`` with "pasar" alone in an earlier article), the first article
    with both words was let through. ``_find_first`` and ``_find_next`` are
    the matcher's private steps.
    """

    def _find_first(self):
        if self.a.is_active() and self.b.is_active():
            self._find_next()


def field_totals(segment) -> dict[str, int]:
    """Each field's total length over a segment's articles (deleted ones too), as the segment records it.

    ``W3Segment._fieldlengths`` (private) is what a reader's ``field_length``
    reads; the per-document writer sets it when it closes.
    """
    return dict(getattr(segment, "_fieldlengths", None) or {})  # private: the segment's field totals


def set_field_totals(segment, totals: dict[str, int]) -> None:
    """Record each field's total length on a segment (``W3Segment._fieldlengths``, private).

    A merged segment's totals are its sources' exact totals, not the sum of
    each article's length as its length byte approximates it, which is what
    its per-document writer would record (``search.store.merge``).
    """
    segment._fieldlengths = defaultdict(int, totals)  # private: the segment's field totals
