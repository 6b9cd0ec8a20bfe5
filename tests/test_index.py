"""Searching an index: ranking, partial matches, inflected forms, pages, errors."""

import json
import shutil

import pytest
from conftest import SAMPLE_JSONL

import search
from search.store import disk as storage
from search.store.schema import SCHEMA_VERSION, STORAGE_VERSION

SEED_ID = "000_b21858542a778c68.txt"


def test_seed_article_ranks_first_over_the_seeds(seeds_index):
    with search.open_index(seeds_index) as index:
        assert index.stats().articles == 3464
        results = index.search("milik dinas kominfo")
    top = results.hits[0]
    assert top.id == SEED_ID
    assert "memiliki" in [word for s in top.snippets for word in s.marked]
    assert any("<mark>memiliki</mark>" in h for h in top.highlights)


@pytest.mark.parametrize("query, form", [
    ("milik dinas", "memiliki"),
    ("kembang teknologi sawahlunto", "perkembangan"),
    ("data kominfo", "pendataan"),
])
def test_inflected_forms_are_found_and_marked(small_index, query, form):
    with search.open_index(small_index) as index:
        hit = index.search(query).hits[0]
    assert hit.id == SEED_ID
    assert form in [word for s in hit.snippets for word in s.marked]


def test_reduplication_is_found_by_its_root(small_index):
    with search.open_index(small_index) as index:
        results = index.search("anak")
    assert results.total >= 1
    assert any(word.lower() == "anak-anak" for hit in results.hits for s in hit.snippets
               for word in s.marked)


def test_partial_matches_rank_below_fuller_matches(small_index, tmp_path):
    with search.open_index(small_index) as index:
        full = index.search("sawahlunto kominfo xyzzyqwerty")
        one = index.search("xyzzyqwerty")
    assert one.total == 0
    assert full.hits[0].id == SEED_ID  # the missing word does not stop the search
    filler = "Warga kota berkumpul membahas rencana pembangunan jalan. " * 3
    with index_of(tmp_path, [
        {"id": "one-word-often", "title": "Kabar kota", "body": f"Sawahlunto. {filler} Sawahlunto, Sawahlunto."},
        {"id": "both-words", "title": "Kabar kota", "body": f"Sawahlunto membuka Dinas Kominfo. {filler}"},
        {"id": "neither", "title": "Kabar kota", "body": filler},
    ]) as index:
        ranked = [hit.id for hit in index.search("sawahlunto kominfo xyzzyqwerty").hits]
    assert ranked == ["both-words", "one-word-often"]


def test_more_matched_words_rank_higher(small_index):
    with search.open_index(small_index) as index:
        hits = index.search("dinas kominfo sawahlunto", limit=50).hits
    scores = {hit.id: hit.score for hit in hits}
    assert hits[0].id == SEED_ID
    assert all(score < scores[SEED_ID] for hid, score in scores.items() if hid != SEED_ID)


def index_of(tmp_path, records):
    """An index of these written articles (JSON records), opened."""
    seeds = tmp_path / "s"
    seeds.mkdir()
    (seeds / "a.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    search.build_index([seeds], tmp_path / "ix")
    return search.open_index(tmp_path / "ix")


def test_title_weighs_more_than_body(tmp_path):
    filler = "Warga berkumpul di balai desa untuk membahas rencana kegiatan bersama. " * 5
    records = [
        {"id": "in-body", "title": "Rapat warga desa", "body": filler + "Harga cabai naik."},
        {"id": "in-title", "title": "Harga cabai naik", "body": filler + "Warga mengeluh."},
    ]
    with index_of(tmp_path, records) as index:
        assert index.search("cabai").hits[0].id == "in-title"


def test_digits_and_number_words_find_each_other(tmp_path):
    # Headlines write "9 Tahun", bodies "sembilan tahun".
    records = [
        {"id": "words", "title": "Pasangan bercerai", "body": "Mereka menikah sembilan tahun lalu di Bogor."},
        {"id": "digits", "title": "Gedung baru", "body": "Pembangunan gedung itu selesai dalam 3 tahun."},
    ]
    with index_of(tmp_path, records) as index:
        hits = index.search("9 tahun nikah").hits
        assert hits[0].id == "words"
        assert "sembilan" in [word for s in hits[0].snippets for word in s.marked]
        assert [hit.id for hit in index.search("tiga").hits] == ["digits"]
        assert index.search("9").total == 1


def test_rupiah_amounts_match_with_or_without_a_space(tmp_path):
    records = [
        {"id": "joined", "title": "Desa wisata", "body": "Desa itu meraup pendapatan Rp50 miliar setahun."},
        {"id": "spaced", "title": "Anggaran jalan", "body": "Pemkot menyiapkan Rp 7.500 juta untuk jalan."},
    ]
    with index_of(tmp_path, records) as index:
        assert [hit.id for hit in index.search('"Rp 50 miliar"').hits] == ["joined"]
        assert [hit.id for hit in index.search("Rp7.500").hits][0] == "spaced"


def test_pages_and_total(small_index):
    with search.open_index(small_index) as index:
        everything = index.search("pemerintah kota dinas", limit=100)
        page1 = index.search("pemerintah kota dinas", limit=3, page=1)
        page2 = index.search("pemerintah kota dinas", limit=3, page=2)
    assert page1.total == page2.total == everything.total > 3
    assert [h.id for h in page1.hits + page2.hits] == [h.id for h in everything.hits[:6]]


def test_query_of_only_stop_words_explains_itself(small_index):
    with search.open_index(small_index) as index:
        results = index.search("yang dan di")
    assert results.total == 0 and "stop words" in results.notes[0]


# Four articles with the keyword values a user meets: several words, a
# domain, mixed case; and two months with more than one article.
BROWSE_RECORDS = [
    {"id": "cnn-old", "title": "Harga cabai naik", "body": "Harga cabai naik di pasar induk.",
     "date": "2021-02-10T10:00:00+07:00", "source": "CNN Indonesia", "category": "Ekonomi Bisnis",
     "author": "Rina"},
    {"id": "cnn-new", "title": "Banjir di Bekasi", "body": "Banjir merendam ratusan rumah warga.",
     "date": "2021-03-20T08:00:00+07:00", "source": "CNN Indonesia", "category": "Peristiwa",
     "author": "Rina"},
    {"id": "binews", "title": "Kominfo Sawahlunto", "body": "Dinas kominfo akhirnya dibentuk.",
     "date": "2021-03-05T17:36:00+07:00", "source": "binews.id", "category": "Politik"},
    {"id": "kompas", "title": "Ekonomi tumbuh", "body": "Ekonomi tumbuh lima persen tahun ini.",
     "date": "2017-03-01T09:00:00+07:00", "source": "Kompas.com", "category": "Ekonomi"},
]


@pytest.fixture(scope="module")
def browse_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browse")
    index_of(folder, BROWSE_RECORDS).close()
    return folder / "ix"


@pytest.fixture
def browse_index(browse_dir):
    with search.open_index(browse_dir) as index:
        yield index


@pytest.mark.parametrize("query, options, expected", [
    ('tanggal:"Maret 2021"', {}, ["cnn-new", "binews"]),
    ("tanggal:2021-03", {}, ["cnn-new", "binews"]),
    ("date:2021", {}, ["cnn-new", "binews", "cnn-old"]),
    ("", {"date_from": "2021-02", "date_to": "2021-03"}, ["cnn-new", "binews", "cnn-old"]),
    ("", {"date_from": "2017"}, ["cnn-new", "binews", "cnn-old", "kompas"]),
    ("kategori:ekonomi", {}, ["cnn-old", "kompas"]),
    ("sumber:cnn tanggal:2021-03", {}, ["cnn-new"]),
    ("sumber:cnn -banjir", {}, ["cnn-old"]),
])
def test_a_query_of_filters_only_lists_every_match_newest_first(browse_index, query, options, expected):
    results = browse_index.search(query, **options)
    assert [hit.id for hit in results.hits] == expected
    assert results.total == len(expected)
    assert all(hit.score is None for hit in results.hits)
    assert all(hit.snippets for hit in results.hits)  # the article's opening


def test_a_query_of_filters_only_pages_sorts_and_counts(browse_index):
    page = browse_index.search("tanggal:2021", limit=2, page=2)
    assert page.total == 3 and [hit.id for hit in page.hits] == ["cnn-old"]
    oldest = browse_index.search("tanggal:2021", sort="date")
    assert [hit.id for hit in oldest.hits] == ["cnn-old", "binews", "cnn-new"]
    counted = browse_index.search("tanggal:2021", limit=1, facets=True)
    assert counted.facets["source"] == {"CNN Indonesia": 2, "binews.id": 1}
    assert counted.facets["month"] == {"2021-03": 2, "2021-02": 1}
    # Words that are all stop words are not a query of filters, even beside one.
    for text, options in (("yang dan", {}), ("yang tanggal:2021", {}), ("di", {"date_from": "2021"}),
                          ("", {})):
        results = browse_index.search(text, **options)
        assert results.total == 0 and "stop words" in results.notes[0], text


FORGIVING_FILTERS = [
    ("sumber:cnn", {"cnn-old", "cnn-new"}),
    ("sumber:CNN", {"cnn-old", "cnn-new"}),
    ("sumber:indo", {"cnn-old", "cnn-new"}),
    ('sumber:"cnn indonesia"', {"cnn-old", "cnn-new"}),
    ('source:"CNN Indonesia"', {"cnn-old", "cnn-new"}),
    ("sumber:cnn-indonesia", {"cnn-old", "cnn-new"}),
    ("sumber:binews", {"binews"}),
    ("sumber:binews.id", {"binews"}),
    ("sumber:kompas", {"kompas"}),
    ("kategori:ekonomi", {"cnn-old", "kompas"}),
    ("kategori:EKO", {"cnn-old", "kompas"}),
    ("kategori:bisnis", {"cnn-old"}),
    ('kategori:"ekonomi bisnis"', {"cnn-old"}),
    ("penulis:rin", {"cnn-old", "cnn-new"}),
    ("sumber:nn", set()),
    ('sumber:"indonesia cnn x"', set()),
    ("harga sumber:cnn", {"cnn-old"}),
    ("ekonomi -sumber:cnn", {"kompas"}),
]


def test_keyword_filters_match_a_word_of_the_value_or_its_beginning(browse_index):
    # Quoted whole values keep working beside the forgiving forms.
    found = {query: {hit.id for hit in browse_index.search(query, limit=10).hits}
             for query, _ in FORGIVING_FILTERS}
    assert found == dict(FORGIVING_FILTERS)


def test_keyword_filters_leave_ranking_to_the_words(browse_index):
    filtered = browse_index.search("ekonomi harga kategori:ekonomi")
    plain = browse_index.search("ekonomi harga")
    assert [hit.id for hit in filtered.hits] == [hit.id for hit in plain.hits]
    assert all(hit.score is not None for hit in filtered.hits)


def test_facets_keep_keyword_values_as_written(browse_index):
    facets = browse_index.search("sumber:cnn", facets=True).facets
    assert facets["source"] == {"CNN Indonesia": 2}
    assert facets["category"] == {"Ekonomi Bisnis": 1, "Peristiwa": 1}


def test_values_of_a_keyword_field_most_common_first(browse_index):
    assert browse_index.values("source") == [
        search.FieldValue("CNN Indonesia", 2), search.FieldValue("Kompas.com", 1),
        search.FieldValue("binews.id", 1),
    ]
    assert browse_index.values("sumber", limit=1) == [search.FieldValue("CNN Indonesia", 2)]
    assert [v.to_dict() for v in browse_index.values("bulan")] == [
        {"value": "2021-03", "count": 2}, {"value": "2017-03", "count": 1},
        {"value": "2021-02", "count": 1},
    ]
    assert browse_index.values("PENULIS") == [search.FieldValue("Rina", 2)]  # the others have none
    assert [v.value for v in browse_index.values("kategori")] == [
        "Ekonomi", "Ekonomi Bisnis", "Peristiwa", "Politik"]
    assert browse_index.values("location") == []


def test_values_of_an_unknown_field_or_a_bad_limit(browse_index):
    with pytest.raises(search.InvalidArgumentError) as raised:
        browse_index.values("judul")
    message = str(raised.value)
    assert "\n" not in message and "'judul'" in message
    assert all(name in message for name in ("category", "source", "author", "location", "month",
                                             "kategori", "bulan"))
    with pytest.raises(search.InvalidArgumentError):
        browse_index.values("source", limit=0)


def test_values_do_not_count_removed_articles(tmp_path):
    index_of(tmp_path, BROWSE_RECORDS).close()
    search.remove_articles(["cnn-new", "kompas"], tmp_path / "ix")
    with search.open_index(tmp_path / "ix") as index:
        assert index.values("source") == [search.FieldValue("CNN Indonesia", 1),
                                          search.FieldValue("binews.id", 1)]
        assert index.search("tanggal:2021-03").total == 1


def test_phrase_query(small_index):
    with search.open_index(small_index) as index:
        assert index.search('"dinas kominfo"').hits[0].id == SEED_ID
        assert index.search('"kominfo dinas sawahlunto"').total == 0


def test_get_returns_the_stored_article(small_index):
    with search.open_index(small_index) as index:
        article = index.get(SEED_ID)
        assert article.author == "Imel" and article.date.utcoffset().total_seconds() == 7 * 3600
        with pytest.raises(search.ArticleNotFoundError):
            index.get("missing")


def _cli_output(*args) -> str:
    from click.testing import CliRunner

    from search.cli import main

    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 1 and "Traceback" not in result.output
    return result.output


# The library says what is wrong and where; the command line adds the command that fixes it.
def test_missing_index(tmp_path):
    with pytest.raises(search.IndexNotFoundError, match="no index at") as raised:
        search.open_index(tmp_path / "none")
    assert raised.value.path == tmp_path / "none" and "search index" not in str(raised.value)
    assert "search index PATHS" in _cli_output("query", "banjir", "--index", str(tmp_path / "none"))


def test_index_of_another_schema_version_asks_for_a_rebuild(corpus_dir, tmp_path):
    ix = tmp_path / "ix"
    search.build_index([corpus_dir], ix)
    meta_file = storage.current_generation(ix) / storage.META
    meta = json.loads(meta_file.read_text())
    meta["schema_version"] = 0
    meta.pop(storage.META_CHECKSUM)  # as a version from before checksums wrote it
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(search.IndexOutdatedError, match="rebuilt") as raised:
        search.open_index(ix)
    assert raised.value.path == ix and "search index" not in str(raised.value)
    assert "search index --rebuild" in _cli_output("query", "banjir", "--index", str(ix))


def _with_storage_version(ix, version: int | None) -> None:
    """Rewrite the live generation's meta as if a version writing ``version`` had published it
    (None: a version from before storage versions, and checksums)."""
    meta_file = storage.current_generation(ix) / storage.META
    meta = {**json.loads(meta_file.read_text()), "storage_version": version}
    meta.pop(storage.META_CHECKSUM)
    if version is None:
        del meta["storage_version"]
    meta_file.write_text(json.dumps(meta))


def test_an_index_written_by_a_newer_version_is_refused_and_left_as_it_is(corpus_dir, tmp_path):
    ix = tmp_path / "ix"
    search.build_index([corpus_dir], ix)
    with search.open_index(ix) as index:
        assert index.meta["storage_version"] == STORAGE_VERSION
    _with_storage_version(ix, STORAGE_VERSION + 1)
    live = storage.current_generation(ix)
    with pytest.raises(search.IndexTooNewError, match="newer version") as raised:
        search.open_index(ix)
    assert raised.value.path == ix and not isinstance(raised.value, search.IndexOutdatedError)
    with pytest.raises(search.IndexTooNewError):  # not taken for an old schema and rebuilt
        search.build_index([corpus_dir], ix)
    output = _cli_output("query", "banjir", "--index", str(ix))
    assert "newer version" in output and "--restore" not in output and "--rebuild" not in output
    assert storage.current_generation(ix) == live


def test_an_index_from_before_storage_versions_still_reads(corpus_dir, tmp_path):
    ix = tmp_path / "ix"
    search.build_index([corpus_dir], ix)
    _with_storage_version(ix, None)
    with search.open_index(ix) as index:
        assert index.search("banjir").total > 0


def test_an_index_of_another_schema_version_is_upgraded_from_its_stored_articles(tmp_path):
    sources = tmp_path / "sources"
    shutil.copytree(SAMPLE_JSONL.parent, sources, ignore=shutil.ignore_patterns("*.html", "README.md"))
    ix = tmp_path / "ix"
    search.build_index([sources], ix)
    with search.open_index(ix) as index:
        before = {hit.id: index.get(hit.id) for hit in index.search("", limit=100, sort="-date").hits}
    meta_file = storage.current_generation(ix) / storage.META
    meta = {**json.loads(meta_file.read_text()), "schema_version": 0}
    meta.pop(storage.META_CHECKSUM)  # as a version from before checksums wrote it
    meta_file.write_text(json.dumps(meta))
    shutil.rmtree(sources)  # no source is needed
    report = search.build_index(None, ix)
    assert (report.mode, report.rebuilt, report.articles, report.kept) == ("update", 23, 23, 0)
    with search.open_index(ix) as index:
        after = {hit.id: index.get(hit.id) for hit in index.search("", limit=100, sort="-date").hits}
        assert index.meta["schema_version"] == SCHEMA_VERSION and index.search("sawahlunto").total == 1
    assert after == before


def test_damaged_index_is_reported_with_the_fix(corpus_dir, tmp_path):
    ix = tmp_path / "ix"
    search.build_index([corpus_dir], ix)
    for toc in storage.current_generation(ix).glob("_MAIN_*.toc"):
        toc.write_bytes(toc.read_bytes()[:40])
    with pytest.raises(search.IndexCorruptError, match="damaged") as raised:
        search.open_index(ix)
    assert raised.value.path == ix and "search index" not in str(raised.value)
    assert "search index --restore" in _cli_output("query", "banjir", "--index", str(ix))


@pytest.mark.parametrize("data", [{"sources": None, "files": {}}, {"sources": 3, "files": {}}, {"files": []},
                                  {"sources": [], "files": {"/a.txt": {"size": "x"}}}, [], None])
def test_a_damaged_manifest_is_reported_never_read_as_an_empty_archive(tmp_path, data):
    from search.store.manifest import Manifest

    folder = tmp_path / "gen-1"
    folder.mkdir()
    (folder / storage.MANIFEST).write_text(json.dumps(data))
    with pytest.raises(search.IndexCorruptError, match="files.json"):
        Manifest.read(folder)


def test_an_open_index_refreshes_to_a_new_generation(corpus_dir, tmp_path):
    ix = tmp_path / "ix"
    search.build_index([corpus_dir], ix)
    with search.open_index(ix) as index:
        assert index.refresh() is False
        extra = tmp_path / "extra.jsonl"
        extra.write_text('{"id": "baru", "body": "Warga Kampung Lumbrik menanam padi."}\n')
        search.add_articles([extra], ix)
        assert index.search("lumbrik").total == 0  # still the generation it opened
        assert index.refresh() is True
        assert index.search("lumbrik").hits[0].id == "baru"


def test_an_open_index_keeps_its_generation_until_closed(corpus_dir, tmp_path):
    ix = tmp_path / "ix"
    search.build_index([corpus_dir], ix)

    def update(number):
        extra = tmp_path / f"extra{number}.jsonl"
        extra.write_text(json.dumps({"id": f"x{number}", "body": f"Berita tambahan nomor {number}."}) + "\n")
        search.add_articles([extra], ix)

    with search.open_index(ix) as index:
        opened = index.generation
        for number in range(2):  # two updates: the opened generation is no longer needed by new readers
            update(number)
        assert opened.exists()
        hit = index.search("milik dinas kominfo", sort="-date").hits[0]
        assert hit.id == "000_b21858542a778c68.txt" and hit.snippets
        assert index.get(hit.id).title
        assert index.refresh() is True and index.article_count == 25
    update(2)  # once closed, the next update deletes it
    assert not opened.exists()


def test_opening_retries_when_the_generation_it_was_pointed_at_vanishes(corpus_dir, tmp_path, monkeypatch):
    ix = tmp_path / "ix"
    search.build_index([corpus_dir], ix)
    live = storage.current_generation(ix)
    gone = ix / "gen-19990101T000000-dead"
    gone.mkdir()  # named by the pointer, then deleted by a writer: no meta, no segments
    answers = iter([gone])
    real = storage.current_generation
    monkeypatch.setattr(storage, "current_generation", lambda d: next(answers, None) or real(d))
    with search.open_index(ix) as index:
        assert index.generation == live


@pytest.mark.parametrize("text", [
    "pemerintah kota dinas",
    "Sawahlunto Menjadi Kota Terakhir Miliki Dinas Kominfo di Sumatera Barat",
    "Zumi Zola jadi tersangka KPK sita dolar di rumah dinas gubernur Jambi",
])
def test_total_counts_every_article_holding_a_word(seeds_index, text):
    # The total is every article holding any of the query's terms. (Whoosh's
    # collector, left to restructure its matchers, stopped counting some
    # articles that could not reach the top: 9,054 of 9,058 for one headline
    # over 26,336 articles.)
    from search.query.parser import parse_query
    from search.store.generation import Generation

    with Generation.open_current(seeds_index) as generation:
        parsed = parse_query(text, generation.schema, search.Ranking().field_boosts)
        reader = generation.searcher.reader()
        holding = set()
        for field, word in parsed.query.iter_all_terms():
            if (field, word) in reader:
                holding.update(reader.postings(field, word).all_ids())
    with search.open_index(seeds_index) as index:
        assert index.search(text).total == len(holding)


def test_an_open_index_takes_roots_from_its_own_table_not_sastrawi(small_index, monkeypatch):
    # A one-off query loads neither Sastrawi nor the whole table: each word the
    # query and its highlights need is looked up in the generation's stems.sqlite.
    from search.language import stemming

    with search.open_index(small_index) as index:
        asked = []
        monkeypatch.setattr(stemming, "root_of", lambda word, tables: asked.append(word) or word)
        results = index.search("memiliki dinas")
        assert results.hits and "<mark>" in results.hits[0].highlights[0]
        assert asked == []


def test_the_title_is_marked_by_the_same_analysis_as_the_body(tmp_path):
    records = [{"id": "a", "title": "Pemkot <Bekasi> Memiliki Data Banjir",
                "body": "Warga mendata rumah yang terendam banjir di Bekasi."}]
    with index_of(tmp_path, records) as index:
        hit = index.search("milik banjir").hits[0]
        assert hit.title_snippet.marked == ["Memiliki", "Banjir"]
        assert hit.to_dict()["title_highlight"] == (
            "Pemkot &lt;Bekasi&gt; <mark>Memiliki</mark> Data <mark>Banjir</mark>")
        assert index.search("milik", highlight=False).hits[0].to_dict()["title_highlight"] == (
            "Pemkot &lt;Bekasi&gt; Memiliki Data Banjir")


def test_export_walks_every_matching_article_in_ranked_order(small_index):
    with search.open_index(small_index) as index:
        page = index.search("pemerintah", limit=100)
        export = index.export("pemerintah")
        assert export.total == page.total > 5
        rows = list(export)
        assert [row.id for row in rows] == [hit.id for hit in page.hits]
        assert [row.score for row in rows] == [hit.score for hit in page.hits]
        first = rows[0].to_dict()
        assert list(first) == list(search.index.EXPORT_FIELDS)
        assert first["snippet"] == page.hits[0].snippets[0].text and "<" not in first["snippet"]
        by_date = list(index.export("pemerintah", sort="-date", date_from="2017"))
        dates = [row.date for row in by_date]
        assert dates == sorted(dates, reverse=True) and all(d.year >= 2017 for d in dates)
        assert all(row.score is None for row in by_date)
        nothing = index.export("yang")
        assert nothing.total == 0 and list(nothing) == [] and nothing.notes


def test_export_makes_each_row_only_when_it_is_reached(small_index, monkeypatch):
    made = []
    import search.query.searcher

    real = search.query.searcher.snippets_at  # what makes a row's snippet, from the index's characters

    def counting(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(search.query.searcher, "snippets_at", counting)
    with search.open_index(small_index) as index:
        export = index.export("pemerintah")
        assert made == []
        next(export)
        assert len(made) == 1
        assert 1 + sum(1 for _ in export) == export.total


def test_paging_past_the_rerank_depth_shows_each_article_once_in_export_order(seeds_index):
    # Pages beyond Ranking.rerank_depth follow by BM25F alone, the same order
    # on every page (re-ranking a pool that grew with the page number showed
    # some articles twice and others never).
    ranking = search.Ranking(rerank_depth=30)
    text = "Pemerintah daerah membangun jalan dan jembatan baru di kota"
    with search.open_index(seeds_index, ranking=ranking) as index:
        paged = [hit.id for page in range(1, 9) for hit in index.search(text, page=page, highlight=False).hits]
        exported = [row.id for row in index.export(text)][:80]
    assert len(set(paged)) == len(paged) == 80
    assert paged == exported
