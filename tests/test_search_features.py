"""The query language, filters, sorting, facets, typos and related articles,
end to end through the library and the command line, on the fixture corpus."""

import json

import pytest
from click.testing import CliRunner

import search
from search.cli import main

SEED_ID = "000_b21858542a778c68.txt"


@pytest.fixture(scope="module")
def index(small_index):
    with search.open_index(small_index) as opened:
        yield opened


def ids(results):
    return [hit.id for hit in results.hits]


def test_exclusion_in_every_spelling(index):
    everything = set(ids(index.search("pemerintah", limit=100)))
    with_kota = set(ids(index.search("pemerintah DAN kota", limit=100)))
    assert SEED_ID in with_kota
    for query in ("pemerintah -kota", "pemerintah NOT kota", "pemerintah BUKAN kota"):
        without = set(ids(index.search(query, limit=100)))
        assert without == everything - with_kota - {h for h in everything if h in with_kota}
        assert SEED_ID not in without


def test_and_or_and_parentheses(index):
    either = index.search("sawahlunto ATAU bandung", limit=100).total
    both = index.search("sawahlunto DAN bandung", limit=100).total
    assert either > both
    assert index.search("(sawahlunto OR bandung) AND kominfo").hits[0].id == SEED_ID


def test_fields_in_both_languages(index):
    for query in ("judul:sawahlunto", "title:sawahlunto", "isi:diskominfo", "body:diskominfo"):
        assert ids(index.search(query)) == [SEED_ID], query
    assert index.search("judul:diskominfo").total == 0  # the word is only in the body


@pytest.mark.parametrize("query", [
    "kategori:politik", "category:POLITIK", "sumber:binews.id", "penulis:imel",
    'lokasi:"kota sawahlunto"', 'location:"Kota Sawahlunto"', "author:Imel kominfo",
])
def test_keyword_fields_ignore_case_and_filter(index, query):
    assert ids(index.search(query, limit=100)) == [SEED_ID]


def test_keyword_field_filters_rather_than_ranks(index):
    results = index.search('kategori:"Tajuk Utama" pemerintah', limit=100)
    assert results.hits and all(hit.category == "tajuk utama" for hit in results.hits)
    assert results.total < index.search("pemerintah", limit=100).total


@pytest.mark.parametrize("value, found", [
    ("2021", True), ("2021-03", True), ("2021-03-17", True), ('"Maret 2021"', True),
    ('"17 Maret 2021"', True), ('"18 Maret 2021"', False), ("2021-03-01..2021-04-15", True),
    ("..2021-03", True), ("..2021-02", False), ("2021-03-18..", False), ("2017", False),
])
def test_date_filter(index, value, found):
    for name in ("tanggal", "date"):
        assert (SEED_ID in ids(index.search(f"kominfo {name}:{value}"))) is found


def test_date_options_equal_the_filter(index):
    by_filter = ids(index.search("pemerintah tanggal:2017-01..2017-12", limit=100))
    by_options = ids(index.search("pemerintah", date_from="2017-01", date_to="2017-12", limit=100))
    assert by_filter == by_options and by_filter
    assert all(hit.date.year == 2017 for hit in index.search("pemerintah", date_from="2017",
                                                            date_to="2017", limit=100).hits)


def test_bad_date_in_query_is_ignored_and_explained(index):
    results = index.search("kominfo tanggal:kemarin")
    assert results.hits[0].id == SEED_ID
    assert "ignored tanggal:kemarin" in results.notes[0]


def test_bad_date_option_is_an_error(index):
    with pytest.raises(search.QueryError, match="not a date"):
        index.search("kominfo", date_from="kemarin")


def test_sort_by_date(index):
    newest = index.search("pemerintah", sort="-date", limit=100).hits
    oldest = index.search("pemerintah", sort="date", limit=100).hits
    dates = [hit.date for hit in newest]
    assert dates == sorted(dates, reverse=True)
    assert [hit.id for hit in oldest] == [hit.id for hit in reversed(newest)]
    with pytest.raises(search.SearchError):
        index.search("pemerintah", sort="title")


def test_pages_with_sorting(index):
    everything = ids(index.search("pemerintah", sort="-date", limit=100))
    paged = ids(index.search("pemerintah", sort="-date", limit=3, page=1)) + \
        ids(index.search("pemerintah", sort="-date", limit=3, page=2))
    assert paged == everything[:6]


def test_facets_count_every_matching_article(index):
    results = index.search("pemerintah", limit=2, facets=True)
    assert set(results.facets) == {"category", "source", "author", "location", "month"}
    for name in ("category", "source", "month"):  # every article has these; not all an author
        assert sum(results.facets[name].values()) == results.total > len(results.hits)
    assert results.facets["month"]["2021-03"] == 1
    assert results.facets["category"]["Politik"] == 1  # as written, not lowercased


def test_typo_is_corrected_from_the_index_vocabulary(index):
    results = index.search("sawahlnto")
    assert results.suggestion == "sawahlunto"
    assert results.hits[0].id == SEED_ID
    assert index.search("sawahlunto").suggestion is None
    assert index.search("kominfo sawahlnto tanggal:2021").suggestion == "kominfo sawahlunto tanggal:2021"


def test_similar_articles_exclude_the_article(index):
    hits = index.similar(SEED_ID, limit=5)
    assert hits and SEED_ID not in [hit.id for hit in hits]
    with pytest.raises(search.ArticleNotFoundError):
        index.similar("missing")


def test_cli_query_options_and_json(small_index):
    runner = CliRunner()
    result = runner.invoke(main, ["query", "sawahlnto", "--facets", "--json", "--sort", "-date",
                                  "--from", "2021", "--index", str(small_index)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["suggestion"] == "sawahlunto"
    assert data["facets"]["category"] == {"Politik": 1}
    assert data["hits"][0]["id"] == SEED_ID
    plain = runner.invoke(main, ["query", "kominfo", "--json", "--index", str(small_index)])
    assert json.loads(plain.output)["suggestion"] is None
    assert "facets" not in json.loads(plain.output)


def test_cli_text_output_shows_suggestion_and_facets(small_index):
    result = CliRunner().invoke(main, ["query", "sawahlnto", "--facets", "--index", str(small_index)])
    assert "Did you mean: sawahlunto?" in result.output
    assert "category: Politik (1)" in result.output


def test_cli_similar(small_index):
    runner = CliRunner()
    result = runner.invoke(main, ["similar", SEED_ID, "--limit", "3", "--json", "--index", str(small_index)])
    data = json.loads(result.output)
    assert 0 < len(data["hits"]) <= 3 and SEED_ID not in [h["id"] for h in data["hits"]]
    result = runner.invoke(main, ["similar", "nope", "--index", str(small_index)])
    assert result.exit_code == 1 and result.output == "Error: no article with id 'nope'\n"


def test_cli_bad_date_option(small_index):
    result = CliRunner().invoke(main, ["query", "x", "--to", "besok", "--index", str(small_index)])
    assert result.exit_code == 1 and result.output.startswith("Error: not a date")


def test_query_language_on_the_seeds(seeds_index):
    with search.open_index(seeds_index) as seeds:
        results = seeds.search('"dinas kominfo" tanggal:2021 kategori:politik', facets=True)
        assert ids(results) == [SEED_ID]
        sport = seeds.search("kategori:olahraga sumber:\"goal indonesia\" messi", limit=5)
        assert sport.total > 0 and all(h.source == "goal indonesia" for h in sport.hits)
        assert seeds.search("presidn jokowi").suggestion == "presiden jokowi"


def test_a_root_that_only_occurs_inflected_is_not_a_typo(index):
    results = index.search("kembang teknologi")
    assert results.suggestion is None
    assert "perkembangan" in [w for hit in results.hits for s in hit.snippets for w in s.marked]


def test_a_query_that_matches_as_typed_is_searched_as_typed(index):
    results = index.search("kominfo sawahlnto")
    assert results.suggestion == "kominfo sawahlunto"
    assert not any("showing results" in note for note in results.notes)
    assert results.hits[0].id == SEED_ID


def test_cli_features_on_the_seeds(seeds_index):
    runner = CliRunner()
    result = runner.invoke(main, ["query", "banjir", "--sort", "-date", "--facets", "--json",
                                  "--limit", "5", "--page", "2", "--index", str(seeds_index)])
    data = json.loads(result.output)
    dates = [hit["date"] for hit in data["hits"]]
    assert len(dates) == 5 and dates == sorted(dates, reverse=True)
    assert sum(data["facets"]["source"].values()) == data["total"] > 10
    result = runner.invoke(main, ["query", "banjir", "--from", "2017-01", "--to", "2017-01",
                                  "--json", "--index", str(seeds_index)])
    assert all(hit["date"].startswith("2017-01") for hit in json.loads(result.output)["hits"])
    result = runner.invoke(main, ["similar", SEED_ID, "--json", "--index", str(seeds_index)])
    assert len(json.loads(result.output)["hits"]) == 10


def test_date_sorted_hits_have_no_relevance_score(index):
    assert all(hit.score is None for hit in index.search("pemerintah", sort="date").hits)
    assert all(hit.score > 0 for hit in index.search("pemerintah").hits)


def test_a_real_headline_with_a_hyphen_and_an_exclusion(seeds_index):
    # Found by the quality benchmark: a hyphenated word parsed as an exclusion,
    # and Whoosh's optimised AndNot matcher failing on the result.
    with search.open_index(seeds_index) as seeds:
        headline = "Polres Kampar dan TNI Sikat Tambang Ilegal Galian C, Operator-Pemilik Diburu"
        assert seeds.search(headline).total > 100
        excluded = seeds.search(headline.replace("Operator-Pemilik", "Operator -Pemilik"), limit=200)
        assert excluded.total > 0
        assert not any("milik" in [w.lower() for s in h.snippets for w in s.marked] for h in excluded.hits)


@pytest.mark.parametrize("query", ["harga -pasar", "harga NOT pasar", "harga kota -pasar"])
def test_an_excluded_word_in_an_earlier_article_still_excludes(tmp_path, query):
    # Whoosh's own matcher let the first article with both words through when
    # the excluded word alone came in an article before it.
    corpus = tmp_path / "batch.jsonl"
    corpus.write_text("\n".join(json.dumps({"id": i, "title": t, "body": b}) for i, t, b in [
        ("a0", "Pasar pagi", "pasar pagi ramai pembeli"),
        ("a1", "Harga di pasar", "harga cabai di pasar naik"),
        ("a2", "Harga beras", "harga beras kota turun"),
    ]) + "\n", encoding="utf-8")
    search.build_index([corpus], tmp_path / "ix")
    with search.open_index(tmp_path / "ix") as opened:
        assert ids(opened.search(query)) == ["a2"]


def words_read(results):
    return ([(w.text, w.stem, w.field) for w in results.words.words], results.words.stop_words,
            results.words.excluded)


@pytest.mark.parametrize("query, words, stop_words, excluded", [
    ("milik dinas", [("milik", "milik", ""), ("dinas", "dinas", "")], [], []),
    ("yang memiliki dinas", [("memiliki", "milik", ""), ("dinas", "dinas", "")], ["yang"], []),
    ("judul:sawahlunto kominfo", [("sawahlunto", "sawahlunto", "judul"), ("kominfo", "kominfo", "")], [], []),
    ("isi:diskominfo", [("diskominfo", "diskominfo", "isi")], [], []),
    ("kominfo -jakarta BUKAN bekasi", [("kominfo", "kominfo", "")], [], ["jakarta", "bekasi"]),
    ('yang memiliki "dinas kominfo" -jakarta BUKAN bekasi kategori:politik judul:banjir',
     [("memiliki", "milik", ""), ("dinas", "dinas", ""), ("kominfo", "kominfo", ""), ("banjir", "banjir", "judul")],
     ["yang"], ["jakarta", "bekasi"]),
    ("kominfo tanggal:2017 sumber:binews.id", [("kominfo", "kominfo", "")], [], []),
    ("kominfp", [("kominfo", "kominfo", "")], [], []),  # the words of the query searched: corrected
    ("yang", [], ["yang"], []),
])
def test_results_say_how_the_query_was_read(index, query, words, stop_words, excluded):
    results = index.search(query)
    assert words_read(results) == (words, stop_words, excluded)
    assert results.to_dict()["words"] == results.words.to_dict()
    assert index.query_words(query if query != "kominfp" else "kominfo") == results.words


@pytest.mark.parametrize("query, stem, title, body", [
    ("milik", "milik", {"miliki": 1}, {"memiliki": 1}),  # the root, written inflected
    ("memiliki dinas", "dinas", {"dinas": 1}, {"dinas": 5}),
    ("judul:sawahlunto", "sawahlunto", {"sawahlunto": 1}, {"sawahlunto": 5}),
    ("isi:diskominfo", "diskominfo", {}, {"diskominfo": 2}),
])
def test_a_hit_says_which_forms_it_wrote_each_word_in(index, query, stem, title, body):
    hit = next(hit for hit in index.search(query, forms=True).hits if hit.id == SEED_ID)
    assert hit.forms[stem] == search.WordForms(title, body)
    assert hit.to_dict()["forms"][stem] == {"title": title, "body": body}
    # The forms are the words marked (the snippets show a body's first passages only).
    assert set(title) <= {text.lower() for text in hit.title_snippet.marked}
    assert {text.lower() for snippet in hit.snippets for text in snippet.marked} & set(body) or not body


def test_forms_come_when_asked_with_highlights(index):
    for options in ({"highlight": False, "forms": True}, {}):
        hit = index.search("milik dinas", **options).hits[0]
        assert hit.forms == {} and hit.to_dict()["forms"] == {}, options
    assert index.search("milik dinas", forms=True).hits[0].forms


# A word's standard spelling (KBBI) and a variant news also writes: searching
# either finds the articles writing the other, marked as they write it.
VARIANT_SPELLINGS = [("hoaks", "hoax"), ("izin", "ijin"), ("risiko", "resiko")]


@pytest.mark.parametrize("typed, written", VARIANT_SPELLINGS)
def test_a_word_finds_its_variant_spelling_marked_as_written(seeds_index, typed, written):
    with search.open_index(seeds_index) as index:
        hits = index.search(typed, limit=100).hits
        marked = {word.lower() for hit in hits for snippet in hit.snippets for word in snippet.marked}
        assert written in marked
        assert index.search(written, limit=100).total == index.search(typed, limit=100).total
