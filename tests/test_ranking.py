"""Re-scoring of the top candidates: each signal moves an article up, all else equal."""

import json

import pytest

import search
from search.query import parse_query
from search.ranking import Candidate, query_sequence, rerank


def _candidate(docnum, matched, positions=None):
    return Candidate(docnum, bm25=1.0, matched=set(matched), positions=positions or {})


# Each row: the query's words in order, then two candidates with the same BM25F
# score; the second differs by one signal only, and should win.
SIGNALS = {
    "matched words": (
        ["imam", "nahrawi", "kpk"],
        _candidate(0, ["imam", "nahrawi"], {"imam": [40], "nahrawi": [80]}),
        _candidate(1, ["imam", "nahrawi", "kpk"], {"imam": [40], "nahrawi": [80], "kpk": [120]}),
    ),
    "adjacency": (
        ["imam", "nahrawi"],
        _candidate(0, ["imam", "nahrawi"], {"imam": [40], "nahrawi": [80]}),
        _candidate(1, ["imam", "nahrawi"], {"imam": [40], "nahrawi": [41]}),
    ),
    "lead coverage": (
        ["imam", "nahrawi"],
        _candidate(0, ["imam", "nahrawi"], {"imam": [40, 90], "nahrawi": [80]}),
        _candidate(1, ["imam", "nahrawi"], {"imam": [3, 90], "nahrawi": [80]}),
    ),
}


@pytest.mark.parametrize("signal", SIGNALS)
def test_each_signal_lifts_an_article(signal):
    sequence, plain, better = SIGNALS[signal]
    ranked = rerank([plain, better], sequence)
    assert [c.docnum for c in ranked] == [1, 0]
    assert ranked[0].score > ranked[1].score


def test_words_few_candidates_hold_tell_a_story_apart():
    # Four articles of one story all name "nahrawi" and "kpk"; the query's
    # "tahan" is held by one of them only, "periksa" by two.
    sequence = ["nahrawi", "kpk", "tahan", "periksa"]
    story = [_candidate(0, ["nahrawi", "kpk", "periksa"]),
             _candidate(1, ["nahrawi", "kpk", "periksa"]),
             _candidate(2, ["nahrawi", "kpk", "tahan"]),
             _candidate(3, ["nahrawi", "kpk"])]
    ranked = rerank(story, sequence)
    assert ranked[0].docnum == 2


def test_ties_keep_document_order():
    same = [_candidate(n, ["a"], {"a": [50]}) for n in (2, 0, 1)]
    assert [c.docnum for c in rerank(same, ["a"])] == [0, 1, 2]


@pytest.mark.parametrize("text, sequence", [
    ("Imam Nahrawi ditahan KPK", ["imam", "nahrawi", "tahan", "kpk"]),
    ('"Imam Nahrawi" KPK', ["imam", "nahrawi", "kpk"]),
    ("Imam NOT Nahrawi KPK", ["imam", "kpk"]),
    ("kpk -nahrawi imam", ["kpk", "imam"]),
])
def test_query_sequence_keeps_typed_order_without_exclusions(small_index, text, sequence):
    with search.open_index(small_index) as index:
        parsed = parse_query(text, index._schema)
    assert query_sequence(parsed.query, ["body"]) == sequence


def test_adjacent_names_rank_first_in_an_index(tmp_path):
    filler = "Warga berkumpul di balai desa untuk membahas rencana kegiatan bersama. " * 4
    records = [
        {"id": "apart", "title": "Rapat warga", "body": f"Joko hadir. {filler} Widodo pulang."},
        {"id": "together", "title": "Rapat warga", "body": f"Hadir Joko Widodo. {filler} Pulang."},
    ]
    seeds = tmp_path / "s"
    seeds.mkdir()
    (seeds / "a.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    search.build_index([seeds], tmp_path / "ix")
    with search.open_index(tmp_path / "ix") as index:
        assert [hit.id for hit in index.search("joko widodo").hits] == ["together", "apart"]


def test_equal_scores_are_ordered_by_article_id_not_by_where_the_build_put_them(tmp_path):
    # The same report published twice scores the same; the order must not
    # depend on which article a build happened to place first.
    body = "Bea Cukai Sorong mengamankan benih tanaman tanpa izin di kantor pos."
    records = [{"id": "second", "title": "Benih", "body": body}, {"id": "first", "title": "Benih", "body": body}]
    seeds = tmp_path / "s"
    seeds.mkdir()
    (seeds / "a.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    search.build_index([seeds], tmp_path / "ix", merge_duplicates=False)
    with search.open_index(tmp_path / "ix") as index:
        hits = index.search("benih tanaman").hits
    assert hits[0].score == hits[1].score
    assert [hit.id for hit in hits] == ["first", "second"]
