"""The NumPy first stage gives Whoosh's own BM25F scores, order and counts."""

from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from whoosh.query import DateRange

import search
from search.query import scoring
from search.query.parser import parse_query
from search.query.ranking import Ranking
from search.query.searcher import date_window
from search.store.generation import Generation

RANKING = Ranking()


def opened(index_dir):
    """The index's live generation, with Whoosh's searcher scoring as the engine does."""
    return Generation.open_current(index_dir, RANKING.weighting())


def scorer_of(generation):
    return scoring.Scorer(generation.searcher, RANKING.k1, RANKING.b)


def _utc(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None)

SEED_ID = "000_b21858542a778c68.txt"

QUERIES = [
    "milik dinas",
    "Sawahlunto Menjadi Kota Terakhir Miliki Dinas Kominfo di Sumatera Barat",
    "Zumi Zola jadi tersangka KPK sita dolar di rumah dinas gubernur Jambi",
    'Ibu Ini Sebut Janinnya "Bayi Iblis" pemerintah',
    "anak-anak sekolah",
    "title:banjir",
    "zzzzunknownword",
]


def whoosh_top(index, query, limit, window=None):
    results = index.searcher.search(query, limit=limit, filter=window, optimize=False)
    return [(hit.docnum, hit.score) for hit in results], len(results)


def assert_same(ours, theirs):
    assert [docnum for docnum, _ in ours] == [docnum for docnum, _ in theirs]
    assert [score for _, score in ours] == pytest.approx([score for _, score in theirs], rel=1e-5)


@pytest.mark.parametrize("text", QUERIES)
def test_scores_order_and_total_match_whoosh(seeds_index, text):
    with opened(seeds_index) as index:
        assert len(index.searcher.leaf_searchers()) > 1  # the segment offsets are exercised
        query = parse_query(text, index.schema).query
        assert scoring.can_score(query)
        scores = scorer_of(index).score(query)
        expected, total = whoosh_top(index, query, 50)
        assert_same(scores.best(50), expected)
        assert scores.total == total


def test_a_date_window_filters_as_in_whoosh(seeds_index):
    with opened(seeds_index) as index:
        parsed = parse_query("pemerintah daerah tanggal:2017-01..2017-06", index.schema)
        window = date_window(parsed, None, None)
        scorer = scorer_of(index)
        scores = scorer.score(parsed.query, scorer.range_mask(window))
        expected, total = whoosh_top(index, parsed.query, 30, window)
        with search.open_index(seeds_index) as engine:
            assert 0 < total < engine.search("pemerintah daerah").total
        assert_same(scores.best(30), expected)
        assert scores.total == total


@pytest.mark.parametrize("dates", [
    "2017", "2017-03", "2017-03-01..2017-03-15", "2016..2017-02", "..2016-10-01", "2016-10-01..", "2017-06-14", "1999",
])
def test_date_windows_read_from_the_column_hold_the_articles_whoosh_finds(seeds_index, dates):
    with opened(seeds_index) as index:
        window = date_window(parse_query(f"x tanggal:{dates}", index.schema), None, None)
        searcher = index.searcher
        ours = scorer_of(index).range_mask(window)
        theirs = scoring.mask(searcher.docs_for_query(window), searcher.doc_count_all())
        assert (ours == theirs).all()
        assert dates == "1999" or ours.any()


def test_removed_articles_are_not_scored(corpus_dir, tmp_path):
    index_dir = tmp_path / "ix"
    search.build_index([corpus_dir], index_dir)
    search.remove_articles([SEED_ID], index_dir)
    with opened(index_dir) as index:
        assert index.searcher.reader().has_deletions()  # deleted in place, not merged away
        query = parse_query("milik dinas kominfo sawahlunto", index.schema).query
        scores = scorer_of(index).score(query)
        expected, total = whoosh_top(index, query, 10)
        assert_same(scores.best(10), expected)
        assert scores.total == total
    with search.open_index(index_dir) as engine:
        assert SEED_ID not in [hit.id for hit in engine.search("milik dinas kominfo sawahlunto").hits]


def test_ties_go_to_the_lower_docnum():
    import numpy as np

    values = np.array([1.0, 2.0, 2.0, 0.0, 2.0, 1.0])
    scores = scoring.Scores(values, values > 0)
    assert scores.best(2) == [(1, 2.0), (2, 2.0)]
    assert scores.best(10) == [(1, 2.0), (2, 2.0), (4, 2.0), (0, 1.0), (5, 1.0)]
    assert scores.total == 5


@pytest.mark.parametrize("text, fast", [
    ("banjir bekasi", True),
    ('"rumah dinas" gubernur', True),
    ("title:banjir", True),
    ("banjir AND bekasi", False),
    ("banjir -bekasi", False),
    ("banjir NOT bekasi", False),
    ("banjir OR bekasi", True),
])
def test_which_queries_take_the_numpy_path(small_index, text, fast):
    with opened(small_index) as index:
        assert scoring.can_score(parse_query(text, index.schema).query) is fast


WORDS = st.sampled_from([
    "dinas", "kominfo", "memiliki", "kota", "pemerintah", "anak-anak", "banjir", "presiden", "jokowi",
    "tidak", "yg", "rumah", "sawahlunto", "zzzz", '"rumah dinas"', '"kota sawahlunto"', "title:dinas",
    "judul:banjir", "OR", "tanggal:2017", "2021", "1.500",
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(WORDS, min_size=1, max_size=8).map(" ".join))
def test_any_word_query_scores_as_in_whoosh(seeds_index, text):
    with opened(seeds_index) as index:
        parsed = parse_query(text, index.schema)
        if parsed.is_empty or not scoring.can_score(parsed.query):
            return
        window = date_window(parsed, None, None)
        scorer = scorer_of(index)
        scores = scorer.score(parsed.query, None if window is None else scorer.range_mask(window))
        expected, total = whoosh_top(index, parsed.query, 20, window)
        assert scores.total == total
        ours = scores.best(20)
        # Equal scores may be ordered differently at the cut-off; the scores must agree.
        assert [score for _, score in ours] == pytest.approx([score for _, score in expected], rel=1e-5)


@pytest.mark.parametrize("startexcl, endexcl", [(False, False), (True, False), (False, True), (True, True)])
def test_date_window_ends_are_included_or_excluded_as_asked(seeds_index, startexcl, endexcl):
    with opened(seeds_index) as index:
        searcher = index.searcher
        stamp = _utc(datetime.fromisoformat(searcher.stored_fields(0)["date_text"]))
        window = DateRange("date", stamp, stamp, startexcl=startexcl, endexcl=endexcl)
        ours = scorer_of(index).range_mask(window)
        theirs = scoring.mask(searcher.docs_for_query(window), searcher.doc_count_all())
        assert (ours == theirs).all()
        assert ours[0] == (not startexcl and not endexcl)


# --------------------------------------------------------------------------- pruning (MaxScore) changes nothing

def _random_index(docs, parts: int, deleted: list[int], merge: bool, title_boost: float):
    """A Whoosh index of the engine's codec over ``docs`` ((title, body) word lists), in ``parts``
    commits (segments), with ``deleted`` docnums deleted."""
    from whoosh import fields
    from whoosh.filedb.filestore import RamStorage

    from search.store.codec import ArrayCodec, packed

    schema = fields.Schema(title=fields.TEXT(field_boost=title_boost), body=fields.TEXT(phrase=True))
    for name in schema.names():
        schema[name].format = packed(schema[name].format)
    ix = RamStorage().create_index(schema)
    size = max(1, -(-len(docs) // parts))
    for start in range(0, len(docs), size):
        writer = ix.writer(codec=ArrayCodec())
        for title, body in docs[start:start + size]:
            writer.add_document(title=" ".join(title), body=" ".join(body))
        writer.commit(merge=merge)
    if deleted:
        writer = ix.writer(codec=ArrayCodec())
        for docnum in deleted:
            if docnum < len(docs):
                writer.delete_document(docnum)
        writer.commit(merge=False)
    return ix


# Words drawn with skewed frequencies: w0 is in most articles, w29 in few.
_WORD = st.integers(0, 29).map(lambda i: f"w{i * i // 29}")
_DOCS = st.lists(st.tuples(st.lists(_WORD, max_size=6), st.lists(_WORD, max_size=40)), min_size=20, max_size=150)
_BOOSTS = st.sampled_from([0.5, 1.0, 1.0, 2.0, 3.7])
_TERMS = st.lists(st.tuples(st.sampled_from(["title", "body"]), _WORD, _BOOSTS), min_size=1, max_size=20)


@st.composite
def _pruning_cases(draw):
    docs = draw(_DOCS)
    parts = draw(st.integers(1, 3))
    deleted = draw(st.lists(st.integers(0, len(docs) - 1), max_size=len(docs) // 3, unique=True))
    terms = draw(_TERMS)
    phrase = draw(st.one_of(st.none(), st.tuples(_WORD, _WORD)))
    k = draw(st.one_of(st.integers(1, 5), st.integers(1, 30)))
    allowed = draw(st.one_of(st.none(), st.lists(st.booleans(), min_size=len(docs), max_size=len(docs))))
    outside = draw(st.one_of(st.none(), st.integers(0, 500)))  # articles of other shards, for statistics
    return (docs, parts, deleted, draw(st.booleans()), draw(st.sampled_from([1.0, 1.5])), terms, phrase,
            draw(_BOOSTS), k, allowed, outside)


def _query(terms, phrase, boost):
    from whoosh.query import Or, Phrase, Term

    leaves = [Term(field, word, boost=term_boost) for field, word, term_boost in terms]
    if phrase is not None:
        leaves.insert(len(leaves) // 2, Phrase("body", list(phrase)))
    half = len(leaves) // 2
    # An OR inside an OR, with a boost, as the parser makes them.
    return Or([*leaves[:half], Or(leaves[half:], boost=boost)]) if half else Or(leaves, boost=boost)


@settings(max_examples=300, deadline=None)
@given(_pruning_cases())
def test_the_pruned_best_k_are_the_exhaustive_best_k_bit_for_bit(case):
    import numpy as np

    docs, parts, deleted, merge, title_boost, terms, phrase, boost, k, allowed, outside = case
    ix = _random_index(docs, parts, deleted, merge, title_boost)
    with ix.searcher(weighting=RANKING.weighting()) as searcher:
        scorer = scoring.Scorer(searcher, RANKING.k1, RANKING.b)
        query = _query(terms, phrase, boost)
        statistics = None
        if outside is not None:  # a shard scored with a bigger collection's statistics
            statistics = scoring.CollectionStatistics.of(searcher, list(query.iter_all_terms())) + \
                scoring.CollectionStatistics(outside, {"title": outside * 2, "body": outside * 15},
                                             {("body", "w0"): outside // 2})
        mask = None if allowed is None else np.array(allowed, dtype=bool)
        whole = scorer.score(query, mask, statistics)
        pruned = scorer.score(query, mask, statistics, top=k)
        event("pruned" if pruned.candidates is not None else "every word scored in full")
        assert pruned.best(k) == whole.best(k)  # docnums and floats, ==
        assert pruned.total == whole.total
        assert pruned.scored <= whole.scored + sum(len(p.docnums) for p in whole.postings.values() if p is not None)


def test_pruning_scores_fewer_postings_for_the_same_best(seeds_index):
    text = "Sawahlunto Menjadi Kota Terakhir Miliki Dinas Kominfo di Sumatera Barat"
    with opened(seeds_index) as index:
        query = parse_query(text, index.schema, RANKING.field_boosts).query
        scorer = scorer_of(index)
        whole = scorer.score(query)
        pruned = scorer.score(query, top=10)
        assert pruned.best(10) == whole.best(10)
        assert pruned.total == whole.total
        assert pruned.candidates is not None and pruned.scored < whole.scored
        assert set(pruned.postings) == set(whole.postings)  # every word's postings, for the re-ranking
        with pytest.raises(ValueError):
            pruned.best(11)


@pytest.mark.parametrize("options", [{}, {"page": 3}, {"limit": 50}, {"date_from": "2017", "date_to": "2018"},
                                     {"sort": "-date"}, {"facets": True}])
def test_results_with_pruning_are_the_results_without(seeds_index, options):
    texts = QUERIES + ["pemerintah daerah", '"rumah dinas" gubernur jambi', "banjir -bekasi",
                       "presiden jokowi tidak hadir di sidang kabinet paripurna"]
    with search.open_index(seeds_index, ranking=Ranking(prune=False)) as whole, \
            search.open_index(seeds_index, ranking=Ranking(prune=True)) as pruned:
        for text in texts:
            ours, theirs = pruned.search(text, **options), whole.search(text, **options)
            assert [(hit.id, hit.score) for hit in ours.hits] == [(hit.id, hit.score) for hit in theirs.hits]
            assert [hit.snippets for hit in ours.hits] == [hit.snippets for hit in theirs.hits]
            assert ours.total == theirs.total
            assert ours.facets == theirs.facets
