"""An index split into shards answers as one index: same ids, same scores, same totals and facets."""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import date
from itertools import groupby
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PROJECT, SAMPLE_JSONL
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import search
from search.cli import main
from search.query.coordinator import Coordinator, InProcess
from search.query.ranking import Ranking
from search.query.request import ExportRequest, SearchRequest
from search.query.shard import ShardSearcher
from search.store.disk import current_generation
from search.store.shards import shard_of

# Real words, some inflected (their roots meet in the index), and one word
# given to few articles so that its document frequency differs from shard to shard.
WORDS = ["banjir", "jakarta", "dinas", "memiliki", "milik", "pemerintah", "kota", "warga", "anak-anak",
         "anak", "perkembangan", "teknologi", "sekolah", "jalan", "rumah", "hujan", "pasar", "harga"]
RARE = "kominfo"
QUERIES = ["banjir jakarta", "milik dinas", "kembang teknologi", "anak", RARE, f"{RARE} warga",
           '"dinas kota"', "harga -pasar", "sekolah OR rumah"]


def ranked(index, query, **options):
    results = index.search(query, limit=50, highlight=False, **options)
    if options.get("sort", "relevance") != "relevance":
        # Articles of the same date come in the order of their numbers, which shards change:
        # each run of equal dates as a set.
        return results.total, [(date, frozenset(hit.id for hit in group), None)
                               for date, group in groupby(results.hits, key=lambda hit: hit.date)]
    return results.total, [(hit.id, hit.score) for hit in results.hits]


def assert_same(one, sharded, query, **options):
    (total, hits), (sharded_total, sharded_hits) = ranked(one, query, **options), ranked(sharded, query, **options)
    assert sharded_total == total, query
    if options.get("sort", "relevance") != "relevance":
        assert sharded_hits == hits, query
        return
    assert [i for i, _ in sharded_hits] == [i for i, _ in hits], query
    assert [s or 0.0 for _, s in sharded_hits] == pytest.approx([s or 0.0 for _, s in hits], rel=1e-6), query
    # How the query was read, and the forms of its words in the first page's hits.
    page, sharded_page = one.search(query, forms=True, **options), sharded.search(query, forms=True, **options)
    assert sharded_page.words == page.words, query
    assert [(hit.id, hit.forms) for hit in sharded_page.hits] == [(hit.id, hit.forms) for hit in page.hits], query


def write_corpus(folder: Path, articles: list[tuple[str, str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "batch.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for number, (title, body, date) in enumerate(articles):
            out.write(json.dumps({"id": f"a{number}", "title": title, "body": body, "date": date}) + "\n")
    return path


ARTICLE = st.tuples(
    st.lists(st.sampled_from(WORDS), min_size=2, max_size=5).map(lambda w: " ".join(w).capitalize()),
    st.lists(st.sampled_from(WORDS + [RARE]), min_size=8, max_size=40).map(" ".join),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2021, 12, 31)).map(lambda d: d.isoformat()),
)


# Each example builds two indexes (about 2 s); shrinking a failure would take many more.
@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(articles=st.lists(ARTICLE, min_size=3, max_size=12), shards=st.integers(1, 4),
       removed=st.sets(st.integers(0, 11), max_size=3))
def test_any_corpus_in_shards_ranks_as_one_index(tmp_path, articles, shards, removed):
    work = tmp_path / uuid.uuid4().hex
    corpus = write_corpus(work / "corpus", articles)
    # Every copy kept, so that removing an id removes the same article from both.
    search.build_index([corpus], work / "one", merge_duplicates=False)
    search.build_index([corpus], work / "sharded", shards=shards, merge_duplicates=False)
    gone = [f"a{n}" for n in removed if n < len(articles)]
    for index_dir in (work / "one", work / "sharded"):
        if gone:
            assert search.remove_articles(gone, index_dir).removed == len(gone)
    with search.open_index(work / "one") as one, search.open_index(work / "sharded") as sharded:
        assert sharded.stats().articles == one.stats().articles
        assert len(sharded.stats().shards) == shards
        apart = held_apart(work / "sharded", shards)
        try:
            for query in QUERIES:
                assert_same(one, sharded, query)
                assert_same(one, apart, query)
            for options in WINDOWS_AND_ORDERS:
                assert_same(one, sharded, "banjir warga", **options)
                assert_same(one, apart, "banjir warga", **options)
            assert apart.search("pemerintah", facets=True).facets == one.search("pemerintah", facets=True).facets
            for query, options in [("banjir warga", {}), (RARE, {}), ("banjir", {"sort": "date"})]:
                assert_same_export(one, sharded, query, **options)
                assert_same_export(one, apart, query, **options)
            for article_id in [f"a{n}" for n in range(min(len(articles), 4)) if f"a{n}" not in gone]:
                assert_same_similar(one, sharded, article_id)
                assert_same_similar(one, apart, article_id)
        finally:
            apart.close()
    shutil.rmtree(work)


def assert_same_export(one, sharded, query, **options):
    mine, theirs = one.export(query, **options), sharded.export(query, **options)
    assert (theirs.total, theirs.notes) == (mine.total, mine.notes), query
    rows, sharded_rows = list(mine), list(theirs)
    if options.get("sort", "relevance") != "relevance":
        assert sorted(rows, key=lambda r: r.id) == sorted(sharded_rows, key=lambda r: r.id), query
        assert [r.date for r in sharded_rows] == [r.date for r in rows], query
        return
    assert [r.id for r in sharded_rows] == [r.id for r in rows], query
    assert [r.snippet for r in sharded_rows] == [r.snippet for r in rows], query
    assert [r.score for r in sharded_rows] == pytest.approx([r.score for r in rows], rel=1e-6), query


def assert_same_similar(one, sharded, article_id):
    mine, theirs = one.similar(article_id, limit=5), sharded.similar(article_id, limit=5)
    assert [h.id for h in theirs] == [h.id for h in mine], article_id
    assert [h.score for h in theirs] == pytest.approx([h.score for h in mine], rel=1e-6), article_id


WINDOWS_AND_ORDERS = [{"date_from": "2021-01", "date_to": "2021-06"}, {"sort": "-date"}, {"sort": "date"},
                      {"sort": "-date", "date_from": "2020-06"}]


class held_apart:  # noqa: N801 - used as a function
    """The shards of an index each opened on its own, answered through a Coordinator (as Ray actors do)."""

    def __init__(self, index_dir: Path, count: int):
        folder = current_generation(index_dir)
        self.shards = [ShardSearcher.open(index_dir, folder, number, Ranking()) for number in range(count)]
        self.coordinator = Coordinator(InProcess(self.shards), Ranking())

    def search(self, text, **options):
        return self.coordinator.search(SearchRequest(text, **options))

    def export(self, text, **options):
        return self.coordinator.export(ExportRequest(text, **options), rows_per_call=3)

    def similar(self, article_id, limit=10):
        return self.coordinator.similar(article_id, limit)

    def close(self):
        for shard in self.shards:
            shard.close()


@pytest.fixture(scope="module")
def seeds_in_shards(tmp_path_factory, seeds_index, seeds_in_4_shards):
    """The seeds as one index, in 4 shards (the session's) and in 8."""
    built = {1: seeds_index, 4: seeds_in_4_shards, 8: tmp_path_factory.mktemp("shards") / "seeds-8"}
    search.build_index([PROJECT / "seeds"], built[8], shards=8)
    return built


def test_seed_headlines_find_the_same_top_10_in_1_4_and_8_shards(seeds_in_shards):
    with search.open_index(seeds_in_shards[1]) as one:
        titles = [hit.title for hit in one.search("tanggal:2017", limit=200, highlight=False).hits]
        assert len(titles) == 200
        expected = {title: ranked(one, title) for title in titles}
        facets = one.search("pemerintah", facets=True).facets
    for count in (4, 8):
        with search.open_index(seeds_in_shards[count]) as sharded:
            assert [s.articles for s in sharded.stats().shards] != [0] * count
            assert sum(s.articles for s in sharded.stats().shards) == sharded.stats().articles
            for title in titles:
                total, hits = ranked(sharded, title)
                assert total == expected[title][0], title
                assert [i for i, _ in hits[:10]] == [i for i, _ in expected[title][1][:10]], title
                assert [s for _, s in hits[:10]] == pytest.approx([s for _, s in expected[title][1][:10]],
                                                                  rel=1e-6), title
            assert sharded.search("pemerintah", facets=True).facets == facets


def test_an_update_lands_in_the_shard_its_id_names(tmp_path, corpus_dir):
    index_dir = tmp_path / "ix"
    search.build_index([corpus_dir], index_dir, shards=3)
    with search.open_index(index_dir) as index:
        before = [s.articles for s in index.stats().shards]
    extra = tmp_path / "extra"
    write_corpus(extra, [("Banjir kominfo", "banjir kominfo jakarta warga " * 5, "2021-02-03")])
    report = search.build_index([extra], index_dir)
    assert report.added == 1
    with search.open_index(index_dir) as index:
        after = [s.articles for s in index.stats().shards]
        hit = index.search("banjir kominfo").hits[0]
    expected = list(before)
    expected[shard_of(hit.id, 3)] += 1
    assert after == expected
    search.remove_articles([hit.id], index_dir)
    with search.open_index(index_dir) as index:
        assert [s.articles for s in index.stats().shards] == before


def test_stats_give_the_whole_build_time_of_shards(tmp_path, corpus_dir):
    # The shards of a full build are written at its end: the time must include them.
    report = search.build_index([corpus_dir], tmp_path / "ix", shards=3)
    with search.open_index(tmp_path / "ix") as index:
        recorded = index.stats().build_seconds
    assert 0.5 * report.seconds <= recorded <= report.seconds + 0.01  # recorded to 0.01 s


def test_another_shard_count_reads_every_source_again(tmp_path, corpus_dir):
    index_dir = tmp_path / "ix"
    search.build_index([corpus_dir], index_dir)
    report = search.build_index(index_dir=index_dir, shards=2)
    assert report.mode == "rebuild" and report.indexed == 23
    with search.open_index(index_dir) as index:
        assert len(index.stats().shards) == 2
    # Without --shards the index keeps its count.
    search.build_index([SAMPLE_JSONL], index_dir, rebuild=True)
    with search.open_index(index_dir) as index:
        assert len(index.stats().shards) == 2


def test_cli_builds_shards_and_shows_them(tmp_path, corpus_dir):
    runner = CliRunner()
    index_dir = tmp_path / "ix"
    built = runner.invoke(main, ["index", str(corpus_dir), "--index", str(index_dir), "--shards", "4"])
    assert built.exit_code == 0, built.output
    stats = runner.invoke(main, ["stats", "--index", str(index_dir)])
    assert stats.output.count("shard ") == 4
    data = json.loads(runner.invoke(main, ["stats", "--index", str(index_dir), "--json"]).output)
    assert sum(shard["articles"] for shard in data["shards"]) == data["articles"] == 23
    query = runner.invoke(main, ["query", "milik dinas", "--index", str(index_dir), "--json"])
    assert query.exit_code == 0 and json.loads(query.output)["total"] > 0
    bad = runner.invoke(main, ["index", str(corpus_dir), "--index", str(index_dir), "--shards", "0"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    with search.open_index(index_dir) as index:
        assert index.stats().articles == 23  # nothing lost


def test_library_rejects_a_bad_shard_count(tmp_path, corpus_dir):
    with pytest.raises(search.InvalidArgumentError, match="shards must be"):
        search.build_index([corpus_dir], tmp_path / "ix", shards=0)
    assert not (tmp_path / "ix").exists()


def test_similar_articles_of_equal_score_are_in_id_order_in_any_layout(tmp_path):
    body = "Banjir merendam rumah warga di Bekasi setelah hujan deras semalam, kata petugas BPBD setempat."
    copies = [("Banjir Bekasi", body, "2021-01-0" + str(day)) for day in range(1, 8)]
    corpus = write_corpus(tmp_path / "corpus", [("Banjir Bekasi", body + " Warga mengungsi.", "2021-01-09"),
                                                *copies])
    orders = []
    for shards in (1, 3):
        search.build_index([corpus], tmp_path / f"index-{shards}", shards=shards, merge_duplicates=False)
        with search.open_index(tmp_path / f"index-{shards}") as index:
            hits = index.similar("a0", limit=4)
            orders.append([hit.id for hit in hits])
            assert len({hit.score for hit in hits}) == 1
    assert orders[0] == orders[1] == ["a1", "a2", "a3", "a4"]
