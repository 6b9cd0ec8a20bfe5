"""Re-scoring of the top candidates: each signal moves an article up, all else equal."""

import json
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import search
from search.query.parser import parse_query, query_sequence
from search.query.ranking import Evidence, amounts_of, rerank, rescore
from search.store.generation import Generation


def _candidate(docnum, matched, positions=None, typed=()):
    """An article with the same BM25F score as every other: its number, the query's words it holds,
    where they stand in its body, the words as typed it writes so."""
    return docnum, set(matched), positions or {}, set(typed)


def _reranked(candidates, sequence, typed=()):
    """(docnum, score) of ``candidates`` re-ranked for the query words ``sequence``, best first."""
    evidence = Evidence.of_articles([c[1] for c in candidates], [c[2] for c in candidates],
                                    [c[3] for c in candidates], sequence, typed)
    return rerank(np.array([c[0] for c in candidates]), np.ones(len(candidates)), evidence, sequence,
                  typed=typed)


# Each row: the query's words in order (as analysed, and as typed), then two
# candidates with the same BM25F score; the second differs by one signal only,
# and should win.
SIGNALS = {
    "matched words": (
        ["imam", "nahrawi", "kpk"], [],
        _candidate(0, ["imam", "nahrawi"], {"imam": [40], "nahrawi": [80]}),
        _candidate(1, ["imam", "nahrawi", "kpk"], {"imam": [40], "nahrawi": [80], "kpk": [120]}),
    ),
    "adjacency": (
        ["imam", "nahrawi"], [],
        _candidate(0, ["imam", "nahrawi"], {"imam": [40], "nahrawi": [80]}),
        _candidate(1, ["imam", "nahrawi"], {"imam": [40], "nahrawi": [41]}),
    ),
    "lead coverage": (
        ["imam", "nahrawi"], [],
        _candidate(0, ["imam", "nahrawi"], {"imam": [40, 90], "nahrawi": [80]}),
        _candidate(1, ["imam", "nahrawi"], {"imam": [3, 90], "nahrawi": [80]}),
    ),
    # "perkembangan" written so, not only "Kembangan" (a place) or "kembang api".
    "the word as typed": (
        ["kembang"], ["perkembangan"],
        _candidate(0, ["kembang"], {"kembang": [40]}),
        _candidate(1, ["kembang"], {"kembang": [40]}, typed=["perkembangan"]),
    ),
    # Both write "rp 50" and "50 miliar" side by side; only the second writes
    # "Rp 50 miliar" (the first: "Rp 50 juta ... 50 miliar yuan").
    "an amount written together": (
        ["rp", "50", "miliar"], [],
        _candidate(0, ["rp", "50", "miliar"], {"rp": [39], "50": [40, 100], "miliar": [101]}),
        _candidate(1, ["rp", "50", "miliar"], {"rp": [39], "50": [40, 100], "miliar": [41]}),
    ),
}


@pytest.mark.parametrize("signal", SIGNALS)
def test_each_signal_lifts_an_article(signal):
    sequence, typed, plain, better = SIGNALS[signal]
    ranked = _reranked([plain, better], sequence, typed=typed)
    assert [docnum for docnum, _ in ranked] == [1, 0]
    assert ranked[0][1] > ranked[1][1]


@pytest.mark.parametrize("sequence, amounts", [
    (["modal", "rp", "50", "miliar"], [("rp", "50", "miliar")]),
    (["jual", "3", "bulan", "untung", "rp", "12", "triliun"], [("3", "bulan"), ("rp", "12", "triliun")]),
    (["nikah", "9", "tahun"], [("9", "tahun")]),
    (["piala", "dunia", "2018"], []),  # a number alone is no amount
    (["imam", "nahrawi"], []),
])
def test_amounts_are_numbers_with_their_currency_and_unit(sequence, amounts):
    assert amounts_of(sequence) == amounts


def _two_candidates(words):
    """Evidence of two articles: one holding every query word but the last, one holding them all."""
    partial = {word: [10 * i] for i, word in enumerate(words[:-1])}
    full = {**partial, words[-1]: [10 * len(words)]}
    return Evidence.of_articles([set(partial), set(full)], [partial, full], [set(), set()], words)


@pytest.mark.parametrize("words, winner", [
    # a topic of two or three words: the article without one of them is not about it
    (["harga", "cabai"], 1),
    (["sebar", "hoaks", "tangkap"], 1),
    # a headline of eight words: the article wording one of them otherwise may still be the one
    (["menteri", "resmi", "buka", "pameran", "buku", "jakarta", "senin", "malam"], 0),
])
def test_a_short_query_asks_for_every_word_more_than_a_long_one(words, winner):
    # the article missing a word has 2.5 times the other's BM25F
    ranked = rerank(np.array([0, 1]), np.array([2.5, 1.0]), _two_candidates(words), words)
    assert ranked[0][0] == winner


def test_words_few_candidates_hold_tell_a_story_apart():
    # Four articles of one story all name "nahrawi" and "kpk"; the query's
    # "tahan" is held by one of them only, "periksa" by two.
    sequence = ["nahrawi", "kpk", "tahan", "periksa"]
    story = [_candidate(0, ["nahrawi", "kpk", "periksa"]),
             _candidate(1, ["nahrawi", "kpk", "periksa"]),
             _candidate(2, ["nahrawi", "kpk", "tahan"]),
             _candidate(3, ["nahrawi", "kpk"])]
    ranked = _reranked(story, sequence)
    assert ranked[0][0] == 2


def test_ties_keep_document_order():
    same = [_candidate(n, ["a"], {"a": [50]}) for n in (2, 0, 1)]
    assert [docnum for docnum, _ in _reranked(same, ["a"])] == [0, 1, 2]


@pytest.mark.parametrize("text, sequence", [
    ("Imam Nahrawi ditahan KPK", ["imam", "nahrawi", "tahan", "kpk"]),
    ('"Imam Nahrawi" KPK', ["imam", "nahrawi", "kpk"]),
    ("Imam NOT Nahrawi KPK", ["imam", "kpk"]),
    ("kpk -nahrawi imam", ["kpk", "imam"]),
])
def test_query_sequence_keeps_typed_order_without_exclusions(small_index, text, sequence):
    with Generation.open_current(small_index) as generation:
        parsed = parse_query(text, generation.schema)
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


# Queries seen on the seeds, and what an article must write to rank above the
# ones that do not: the word as typed (not only its root, as "Jalan Raya
# Kembangan" or "kembang api" share it), the amount written together.
WRITTEN_AS_TYPED = [
    ("perkembangan", r"\bperkembangan\b", 10),
    ("Rp 50 miliar", r"\bRp ?50 miliar\b", 2),
]


@pytest.mark.parametrize("text, written, top", WRITTEN_AS_TYPED)
def test_articles_writing_the_query_as_typed_rank_first_on_the_seeds(seeds_index, text, written, top):
    with search.open_index(seeds_index) as index:
        hits = index.search(text, limit=top, highlight=False).hits
        holds = [bool(re.search(written, f"{a.title}\n{a.body}", re.IGNORECASE))
                 for a in (index.get(hit.id) for hit in hits)]
    assert all(holds), list(zip([hit.title for hit in hits], holds, strict=True))


def test_a_title_written_as_typed_counts_as_the_word_as_typed(tmp_path):
    # The one article that writes "perkembangan" does so in its title only;
    # the other has the root twice, as a place name.
    records = [
        {"id": "typed", "title": "Perkembangan ekonomi desa", "body": "Ekonomi desa itu berkembang pesat tahun ini."},
        {"id": "root", "title": "Banjir di Kembangan", "body": "Air merendam Jalan Raya Kembangan sejak pagi."},
    ]
    seeds = tmp_path / "s"
    seeds.mkdir()
    (seeds / "a.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    search.build_index([seeds], tmp_path / "ix")
    with search.open_index(tmp_path / "ix") as index:
        assert [hit.id for hit in index.search("perkembangan").hits] == ["typed", "root"]


def test_each_open_index_ranks_by_its_own_configuration(small_index):
    import dataclasses

    default = search.Ranking()
    with pytest.raises(dataclasses.FrozenInstanceError):
        default.k1 = 2.0  # type: ignore[misc]
    body_only = dataclasses.replace(default, field_boosts={"body": 1.0}, rerank_depth=1)
    text = "sawahlunto kominfo"
    with search.open_index(small_index) as engine, \
            search.open_index(small_index, ranking=body_only) as plain:
        ours, theirs = engine.search(text, limit=5), plain.search(text, limit=5)
        assert engine.ranking == default and plain.ranking == body_only
        assert ours.hits[0].id == theirs.hits[0].id == "000_b21858542a778c68.txt"
        assert ours.hits[0].score != theirs.hits[0].score
        # A field the user names is searched whatever the weights of the plain words.
        assert engine.search("judul:sawahlunto").total == plain.search("judul:sawahlunto").total > 0


ARTICLES = st.lists(st.tuples(st.sets(st.sampled_from("abcd")),
                              st.dictionaries(st.sampled_from("abcd"), st.lists(st.integers(0, 60), min_size=1,
                                                                                max_size=3)),
                              st.sets(st.sampled_from("xy"))), min_size=1, max_size=8)


@given(shards=st.lists(ARTICLES, min_size=1, max_size=3), seed=st.randoms())
def test_evidence_stacked_from_shards_and_reordered_is_the_evidence_of_the_articles_in_that_order(shards, seed):
    """What the coordinator does with shards' evidence (stack, then take its merged order) gives the
    evidence it would have gathered of the same articles in that order, and so the same scores."""
    def evidence(articles):
        return Evidence.of_articles([a[0] for a in articles], [a[1] for a in articles], [a[2] for a in articles],
                                    "abcd", "xy")
    everyone = [article for shard in shards for article in shard]
    order = list(range(len(everyone)))
    seed.shuffle(order)
    taken = Evidence.stacked([evidence(shard) for shard in shards]).take(np.array(order))
    direct = evidence([everyone[row] for row in order])
    bm25 = np.linspace(2.0, 1.0, len(order))
    assert rescore(bm25, taken, list("abcd"), typed="xy").tolist() == \
        rescore(bm25, direct, list("abcd"), typed="xy").tolist()
    assert (taken.matched == direct.matched).all() and (taken.typed == direct.typed).all()
