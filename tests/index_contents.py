"""Everything a search reads from a Whoosh index, keyed by article id: for tests that compare two indexes.

Shared by tests/test_segments.py (segments written as arrays against Whoosh's
own writer) and tests/test_merge.py (segments merged as arrays against the
segments before).
"""

from __future__ import annotations


def index_contents(ix, columns: tuple[str, ...], totals: bool = True) -> dict:
    """Terms (statistics and postings), field lengths, stored fields, the article count, the ``columns``'
    values and (with ``totals``) each field's total length, keyed by article id rather than document number.

    A term of deleted articles only is left out (it is gone after a merge);
    each term's postings must name each article once, in document order.
    """
    with ix.reader() as reader:
        ids = {docnum: stored["id"] for docnum, stored in reader.iter_docs()}
        terms = {}
        for field, text in reader.all_terms():
            info = reader.term_info(field, text)
            matcher = reader.postings(field, text)
            postings, docnums = {}, []
            while matcher.is_active():
                postings[ids[matcher.id()]] = (matcher.weight(), matcher.value())
                docnums.append(matcher.id())
                matcher.next()
            assert docnums == sorted(set(docnums)), (field, text)
            if postings:
                terms[field, text] = (info.doc_frequency(), round(info.weight(), 3), info.min_length(),
                                      info.max_length(), info.max_weight(), postings)
        names = set(reader.indexed_field_names())
        found = {
            "terms": terms,
            "lengths": {(name, ids[docnum]): reader.doc_field_length(docnum, name) or 0
                        for name in names for docnum in ids},
            "stored": {ids[docnum]: fields for docnum, fields in reader.iter_docs()},
            "count": reader.doc_count(),
        }
        if totals:
            found["totals"] = {name: reader.field_length(name) for name in names}
    with ix.searcher() as searcher:  # each segment's columns, read directly (Whoosh's multi-segment reader is not)
        values_of: dict = {name: {} for name in columns}
        for leaf, offset in searcher.leaf_searchers():
            sub = leaf.reader()
            for name, values in values_of.items():
                column = sub.column_reader(name, translate=False) if sub.has_column(name) else None
                for docnum in range(sub.doc_count_all()):
                    if offset + docnum in ids:
                        value = column[docnum] if column is not None else None
                        values[ids[offset + docnum]] = None if value in (b"", 2**64 - 1) else value
    found["columns"] = values_of
    return found
