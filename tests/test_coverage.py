"""Attention over time and the words of a coverage: counts that add up, periods without gaps, words that fit."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.util.times import datetime_to_long

import search
from search.language.tables import word_tables
from search.query.coordinator import Coordinator, InProcess
from search.query.coverage import log_likelihood, period_starts, periods
from search.query.ranking import Ranking
from search.query.request import CoverageRequest, Interval, TimelineRequest
from search.query.shard import ShardSearcher
from search.store.disk import current_generation

WIB = timezone(timedelta(hours=7))


def column(*moments: datetime) -> np.ndarray:
    """Dates as the date column holds them (UTC, microseconds since year 1)."""
    return np.array([datetime_to_long(m.astimezone(timezone.utc)) for m in moments], dtype=np.int64)


# (moment, interval, the first day of its period): periods are read in WIB, weeks start on Monday.
PERIODS = [
    (datetime(2021, 3, 31, 23, 30, tzinfo=WIB), Interval.MONTH, date(2021, 3, 1)),
    (datetime(2021, 3, 31, 20, 0, tzinfo=timezone.utc), Interval.MONTH, date(2021, 4, 1)),  # 03:00 WIB
    (datetime(2021, 3, 31, 16, 59, tzinfo=timezone.utc), Interval.DAY, date(2021, 3, 31)),
    (datetime(2021, 3, 31, 17, 0, tzinfo=timezone.utc), Interval.DAY, date(2021, 4, 1)),
    (datetime(2021, 3, 3, 12, 0, tzinfo=WIB), Interval.WEEK, date(2021, 3, 1)),  # a Wednesday
    (datetime(2021, 3, 1, 0, 5, tzinfo=WIB), Interval.WEEK, date(2021, 3, 1)),  # a Monday
    (datetime(2021, 2, 28, 23, 55, tzinfo=WIB), Interval.WEEK, date(2021, 2, 22)),  # a Sunday
    (datetime(2020, 12, 31, 18, 0, tzinfo=timezone.utc), Interval.YEAR, date(2021, 1, 1)),
]


@pytest.mark.parametrize(("moment", "interval", "start"), PERIODS)
def test_an_article_falls_in_its_period_as_a_reader_in_jakarta_counts_it(moment, interval, start):
    assert period_starts(column(moment), interval) == {start: 1}


moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2025, 12, 31),
                       timezones=st.just(timezone.utc))


@settings(deadline=None)
@given(st.lists(moments, min_size=1, max_size=40), st.sampled_from(list(Interval)))
def test_every_article_is_counted_once_and_every_period_between_is_listed(dates, interval):
    counted = period_starts(column(*dates), interval)
    assert sum(counted.values()) == len(dates)
    listed = periods(min(counted), max(counted), interval)
    assert {p.start for p in listed} >= set(counted)
    for before, after in zip(listed, listed[1:], strict=False):
        assert after.start == before.end + timedelta(days=1)


@given(st.integers(1, 500), st.integers(1, 5000), st.integers(0, 500), st.integers(0, 5000))
def test_a_word_scores_only_when_the_sample_uses_it_more_than_the_rest(inside, sample, elsewhere, rest):
    inside, elsewhere = min(inside, sample), min(elsewhere, rest)
    score = log_likelihood(np.array([inside]), sample, np.array([elsewhere]), max(rest, 1))[0]
    assert score >= 0
    if inside / sample <= elsewhere / max(rest, 1):
        assert score == 0


def test_a_word_more_articles_share_scores_higher():
    scores = log_likelihood(np.array([5, 20, 40]), 100, np.array([50, 50, 50]), 10_000)
    assert list(scores) == sorted(scores)


TIMELINE_QUERIES = ["banjir", "gempa", "kebakaran hutan", "sumber:kompas", "banjir -jakarta", '"hujan deras"']


def test_each_line_adds_up_to_what_a_search_finds_and_shares_are_of_the_archive(seeds_index):
    with search.open_index(seeds_index) as index:
        timeline = index.timeline(TIMELINE_QUERIES, interval="month")
        assert sum(timeline.archive) == index.search("", date_from="1900", limit=1).total
        for line in timeline.lines:
            assert line.total == index.search(line.query, limit=1).total, line.query
            for count, whole, share in zip(line.counts, timeline.archive, line.shares, strict=True):
                assert count <= whole
                assert share == pytest.approx(count / whole if whole else 0.0)
        starts = [p.start for p in timeline.periods]
        assert starts == sorted(starts) and len(set(starts)) == len(starts)
        assert 0 in timeline.archive  # months without articles are there, as 0


def test_a_period_counts_what_its_link_finds(seeds_index):
    with search.open_index(seeds_index) as index:
        timeline = index.timeline(["banjir"], interval="week", date_from="2017-01", date_to="2017-06")
        first = timeline.periods[0]  # the week of 1 January 2017 began on Monday 26 December: cut to the dates
        assert (first.label, first.start, first.end) == ("2016-W52", date(2017, 1, 1), date(2017, 1, 1))
        assert timeline.periods[-1].end == date(2017, 6, 30)
        for period, count in zip(timeline.periods, timeline.lines[0].counts, strict=True):
            found = index.search("banjir", date_from=period.date_from, date_to=period.date_to, limit=1)
            assert found.total == count, period


def test_filters_apply_to_every_line_and_to_the_archive(seeds_index):
    with search.open_index(seeds_index) as index:
        kompas = index.timeline(["banjir", "gempa"], filters="sumber:kompas", interval="year")
        assert sum(kompas.archive) == index.search("sumber:kompas", limit=1).total
        assert kompas.lines[0].total == index.search("banjir sumber:kompas", limit=1).total
        with pytest.raises(search.InvalidArgumentError, match="filters only"):
            index.timeline(["banjir"], filters="gempa")


@pytest.mark.parametrize(("options", "message"), [
    ({"interval": "decade"}, "interval must be one of"),
    ({"date_from": "2017-13"}, "2017-13"),
])
def test_a_timeline_asked_wrongly_says_why(seeds_index, options, message):
    with search.open_index(seeds_index) as index, pytest.raises(search.SearchError, match=message):
        index.timeline(["banjir"], **options)


def test_a_timeline_takes_one_to_ten_queries():
    with pytest.raises(search.InvalidArgumentError):
        TimelineRequest(())
    with pytest.raises(search.InvalidArgumentError):
        TimelineRequest(tuple(f"kata{i}" for i in range(11)))
    assert TimelineRequest("banjir").queries == ("banjir",)


FLOOD_WORDS = {"hujan", "genangan", "sungai", "luapan", "terendam", "surut", "deras", "bencana", "air", "bpbd",
               "mengungsi", "pengungsi", "tanggul", "kali", "evakuasi", "terdampak"}


def test_the_words_of_floods_are_flood_words_with_no_stop_word_nor_the_query(seeds_index):
    with search.open_index(seeds_index) as index:
        coverage = index.coverage("banjir")
    assert coverage.total == coverage.sample > 20
    written = [word.text.lower() for word in coverage.words]
    assert len(written) == 20
    assert len(FLOOD_WORDS & set(written)) >= 6, written
    assert {"hujan", "sungai"} <= set(written)
    stops = word_tables().stop_words
    assert not [word for word in coverage.words if not word.phrase and word.stems[0] in stops]
    assert "banjir" not in written
    assert [w.score for w in coverage.words] == sorted((w.score for w in coverage.words), reverse=True)
    assert any(word.phrase for word in coverage.words)
    for word in coverage.words:
        assert word.articles <= word.archive


def test_a_word_of_a_coverage_added_to_the_query_finds_articles(seeds_index):
    with search.open_index(seeds_index) as index:
        coverage = index.coverage("banjir", limit=5)
        for word in coverage.words:
            assert index.search(f"banjir {word.query_text}", limit=1).total >= word.articles


def test_outlets_are_shares_of_their_own_articles(seeds_index):
    with search.open_index(seeds_index) as index:
        coverage = index.coverage("banjir")
        volumes = {value.value: value.count for value in index.values("source")}
        facets = index.search("banjir", facets=True).facets["source"]
    assert {share.source: share.matched for share in coverage.sources} == facets
    for share in coverage.sources:
        assert share.articles == volumes[share.source]
    assert [s.share for s in coverage.sources] == sorted((s.share for s in coverage.sources), reverse=True)


def test_a_query_of_stop_words_has_no_words_and_says_so(seeds_index):
    with search.open_index(seeds_index) as index:
        coverage = index.coverage("yang dan")
        timeline = index.timeline(["yang dan"])
    assert coverage.words == [] and coverage.total == 0 and coverage.notes
    assert timeline.lines[0].total == 0 and timeline.lines[0].notes


def test_shards_held_apart_give_the_timeline_and_words_of_one_index(seeds_index, seeds_in_4_shards):
    folder = current_generation(seeds_in_4_shards)
    shards = [ShardSearcher.open(seeds_in_4_shards, folder, number, Ranking()) for number in range(4)]
    apart = Coordinator(InProcess(shards), Ranking())
    request = TimelineRequest(tuple(TIMELINE_QUERIES), interval=Interval.MONTH)
    try:
        with search.open_index(seeds_index) as one:
            assert apart.timeline(request) == one.timeline(request)
            mine, theirs = one.coverage("banjir"), apart.coverage(CoverageRequest("banjir"))
            assert [w.stems for w in theirs.words] == [w.stems for w in mine.words]
            assert theirs.sources == mine.sources
    finally:
        for shard in shards:
            shard.close()


def test_an_index_updated_in_several_segments_counts_every_article_once(tmp_path, corpus_dir):
    index_dir = tmp_path / "ix"
    search.build_index([corpus_dir], index_dir)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "a.jsonl").write_text('{"id": "baru", "title": "Banjir baru", "body": "Banjir melanda kota lagi.", '
                                   '"source": "uji", "date": "2021-05-01"}', encoding="utf-8")
    search.add_articles([extra], index_dir)
    with search.open_index(index_dir) as index:
        gone = index.search("banjir", limit=1).hits[0].id
    search.remove_articles([gone], index_dir)
    with search.open_index(index_dir) as index:
        coverage = index.coverage("banjir")
        facets = index.search("banjir", facets=True).facets["source"]
        timeline = index.timeline(["banjir"], interval="year")
        assert {s.source: s.matched for s in coverage.sources} == facets
        assert timeline.lines[0].total == index.search("banjir").total
        assert gone not in {hit.id for hit in index.search("banjir", limit=50).hits}


PIECES = ["banjir", "jakarta", "gempa", "-jakarta", "OR", "DAN", "BUKAN", '"hujan deras"', "judul:banjir",
          "kategori:news", "sumber:suara", "tanggal:2017", "tanggal:2018-13", "banj*", "*", "a*", "yang", "(", ")",
          "isi:sungai", "milik", "kebakaran", "+hutan", "tanggal:2021..2017"]


@settings(deadline=None, max_examples=60)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=5))
def test_any_query_counts_on_the_timeline_what_a_search_finds(seeds_index, pieces):
    text = " ".join(pieces)
    with search.open_index(seeds_index) as index:
        try:
            expected = index.search(text, limit=1, highlight=False).total
        except search.QueryError:
            with pytest.raises(search.QueryError):
                index.timeline([text], interval="year")
            return
        line = index.timeline([text], interval="year").lines[0]
        assert line.total == expected, text
        coverage = index.coverage(text, limit=5, sample=20)
        assert coverage.total in (expected, 0) and len(coverage.words) <= 5


def test_a_line_that_matches_nothing_suggests_a_correction_and_counts_what_was_typed(seeds_index):
    with search.open_index(seeds_index) as index:
        typo, right = index.timeline(["banjr", "banjir"], interval="year").lines
    assert typo.total == 0 and typo.suggestion == "banjir"
    assert right.total > 0 and right.suggestion is None
