"""Query parsing: syntax that works, and no input string that crashes it."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import search
from search.query.parser import MAX_QUERY_CHARS, parse_query
from search.results import QueryNoteKind
from search.store.schema import build_schema

SCHEMA = build_schema()


def test_words_search_title_and_body_with_their_stems():
    parsed = parse_query("memiliki dinas", SCHEMA)
    assert set(parsed.words()) == {"milik", "dinas"}
    assert {field for field, _ in parsed.query.iter_all_terms()} == {"title", "body", "lead", "exact"}
    assert ("exact", "memiliki") in set(parsed.query.iter_all_terms())


def test_broken_syntax_falls_back_to_words():
    parsed = parse_query('dinas (kominfo AND "sawahlunto', SCHEMA)
    assert {"dinas", "kominfo"} <= set(parsed.words())


def test_unknown_field_is_searched_as_words():
    parsed = parse_query("penerbit:kompas banjir", SCHEMA)
    assert "banjir" in set(parsed.words())
    assert parsed.notes


def test_control_characters_and_long_queries():
    parsed = parse_query("dinas\x00\x07kominfo " + "kata " * 3000, SCHEMA)
    assert "dinas" in set(parsed.words())
    assert any("cut" in note for note in parsed.notes)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_no_string_crashes_the_parser(text):
    parse_query(text, SCHEMA)


QUERY_ALPHABET = st.sampled_from(
    ["abc", " ", "dinas", "kominfo", "(", ")", '"', "-", "+", "*", ":", "?", "~", "^", "[", "]", "{", "}",
     "..", "AND", "OR", "NOT", "DAN", "ATAU", "BUKAN", "TO", "title:", "judul:", "kategori:",
     "tanggal:", "date:", "2021", "2021-03", "Maret", "lokasi:", "sawahlnto"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(QUERY_ALPHABET, max_size=30).map("".join) | st.text(max_size=80))
def test_no_string_crashes_a_search(small_index, text):
    with search.open_index(small_index) as index:
        results = index.search(text, limit=5)
    assert results.total >= len(results.hits)


def test_phrases_only_match_where_positions_are_kept():
    parsed = parse_query('"dinas kominfo" sawahlunto', SCHEMA)
    phrase_fields = {q.fieldname for q in parsed.query.children() if type(q).__name__ == "Phrase"}
    assert phrase_fields == {"title", "body"}
    assert ("lead", "sawahlunto") in set(parsed.query.iter_all_terms())


def test_phrase_search_with_every_field_weighted(small_index):
    with search.open_index(small_index) as index:
        assert index.search('"dinas kominfo"').hits[0].id == "000_b21858542a778c68.txt"


def test_hyphenated_words_are_words_not_exclusions():
    for text in ("anak-anak", "Operator-Pemilik Diburu", "se-Sumbar"):
        parsed = parse_query(text, SCHEMA)
        assert "ANDNOT" not in str(parsed.query) and "NOT" not in str(parsed.query), text
    assert "ANDNOT" in str(parse_query("banjir -jakarta", SCHEMA).query)


def test_an_exclusion_is_named_in_a_note():
    # Pasted prose uses "-" as a dash; the note says which words were left out.
    parsed = parse_query("risiko kalsifikasi vaskularnya -komplikasi umum pada penyakit jantung", SCHEMA)
    assert "ANDNOT" in str(parsed.query)
    assert any("komplikasi" in note for note in parsed.notes)
    assert not parse_query("risiko kalsifikasi vaskular komplikasi", SCHEMA).notes


def test_a_query_of_filters_only_is_told_from_one_of_words():
    for text in ("tanggal:2021-03", 'tanggal:"Maret 2021"', "kategori:politik", "sumber:cnn -banjir", ""):
        assert parse_query(text, SCHEMA).filters_only, text
    for text in ("banjir kategori:politik", "yang", "yang tanggal:2021", "-banjir", "judul:banjir"):
        assert not parse_query(text, SCHEMA).filters_only, text


def test_a_keyword_value_is_matched_by_the_beginnings_of_its_words():
    parsed = parse_query('sumber:CNN kategori:"ekonomi bisnis"', SCHEMA)
    prefixes = {(q.fieldname, q.text) for q in parsed.query.leaves() if type(q).__name__ == "Prefix"}
    assert prefixes == {("source_words", "cnn"), ("category_words", "ekonomi"),
                        ("category_words", "bisnis")}


# Texts of words only (the parser's fast path) beside ones that hold syntax: each must give
# the query Whoosh's own parser gives, with the same notes.
WORDS_AND_SYNTAX = st.sampled_from(
    ["banjir", "Bekasi", " ", "  ", "\t", "yang", "dan", "Dan", "DAN", "AND", "OR", "ATAU", "NOT", "BUKAN",
     "anak-anak", "anak2", "Rp50", "Rp", "50", "miliar", "3.000,5", "U-16", "e-KTP", "Jokowi:", "judul:",
     ":", "a:b", "O'Reilly", "'", "'kutip'", "-", "+", "(", ")", '"', "^2", "*", "[", "]", "{", "}", "~",
     "sembilan", "ketiga", "bikin", "memiliki", "İstanbul", "ß", "#tagar", "/", ",", ".", "tanggal:2021"])


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS_AND_SYNTAX, max_size=25).map("".join))
def test_plain_words_give_the_query_whoosh_parser_gives(text):
    fast = parse_query(text, SCHEMA, search.Ranking().field_boosts)
    slow = _parsed_by_whoosh(text)
    assert (fast.query, fast.notes, fast.filters_only) == (slow.query, slow.notes, slow.filters_only)


HEADLINES = [
    "Timnas U-16 Ikuti Kualifikasi Piala AFC U-16: Ini Harga Tiketnya",
    "Jokowi: Pembangunan Infrastruktur Bukan untuk Gaya-gayaan",
    "Bikin Bangga, 9 Tahun Nikah Rp 50 Miliar dan Rp50 Juta",
    "Pemilik Operator-Pemilik Diburu DAN Ditangkap",
    "Lee's Cafe Buka di Jakarta",
]


def test_headlines_give_the_query_whoosh_parser_gives():
    for text in HEADLINES:
        fast = parse_query(text, SCHEMA, search.Ranking().field_boosts)
        slow = _parsed_by_whoosh(text)
        assert fast.query == slow.query and fast.notes == slow.notes, text
        assert fast.reading == slow.reading, text


def _parsed_by_whoosh(text):
    """``parse_query`` with its path for plain words switched off: every text through Whoosh's parser."""
    from search.query import parser

    fast_path = parser._plain_words_query
    parser._plain_words_query = lambda *args: None
    try:
        return parse_query(text, SCHEMA, search.Ranking().field_boosts)
    finally:
        parser._plain_words_query = fast_path


@pytest.mark.parametrize("text, kind, values", [
    ("banjir tanggal:2017-13", QueryNoteKind.FILTER_IGNORED, {"clause": "tanggal:2017-13"}),
    ("warna:merah banjir", QueryNoteKind.NO_SUCH_FIELD, {"field": "warna"}),
    ("banjir -jakarta", QueryNoteKind.LEFT_OUT, {"words": "jakarta"}),
    ("x" * (MAX_QUERY_CHARS + 5), QueryNoteKind.CUT, {"characters": str(MAX_QUERY_CHARS)}),
])
def test_a_note_says_what_was_changed_as_a_kind_with_its_values(text, kind, values):
    notes = parse_query(text, SCHEMA).notes
    assert [note.kind for note in notes] == [kind]
    assert values.items() <= notes[0].values.items()
    assert str(notes[0]) == kind.value.format(**notes[0].values)


def test_a_correction_and_no_words_are_noted_by_kind(small_index):
    with search.open_index(small_index) as index:
        corrected = index.search("kominfp")
        nothing = index.search("yang dan")
    assert [note.kind for note in corrected.notes] == [QueryNoteKind.CORRECTED]
    assert dict(corrected.notes[0].values) == {"typed": "kominfp", "searched": "kominfo"}
    assert corrected.to_dict()["note_details"] == [
        {"kind": "corrected", "text": "nothing matched 'kominfp'; showing results for 'kominfo'",
         "typed": "kominfp", "searched": "kominfo"}]
    assert [note.kind for note in nothing.notes] == [QueryNoteKind.NO_WORDS]


# -- "*": a word's beginning ---------------------------------------------------

K = QueryNoteKind
WILDCARDS = [
    # query, the notes it gets (their kinds, in order), stems it searches, stems it must not search
    ("banj*", [], {"banjir", "banjarmasin", "banjar"}, {"bank", "banj"}),
    ("Banj*", [], {"banjir", "banjarmasin"}, {"bank"}),
    ("judul:banj*", [], {"banjir"}, {"bank"}),
    ("banj* DAN jakarta", [], {"banjir", "jakarta"}, {"bank"}),
    ("sumber:cnn*", [], set(), set()),                     # a keyword value: matched by its beginning already
    ("ber*", [K.PREFIX_CUT], {"berita"}, set()),           # thousands of words: the 20 most frequent roots
    ("a*", [K.PREFIX_TOO_SHORT], set(), set()),
    ("ba*", [K.PREFIX_TOO_SHORT], set(), {"banjir"}),
    ("*a", [K.WILDCARD_MISPLACED], set(), set()),
    ("*jir", [K.WILDCARD_MISPLACED], {"jir"}, {"banjir"}),
    ("ba*jir", [K.WILDCARD_MISPLACED], set(), set()),
    ("*", [K.EVERYTHING], set(), set()),
    ("banjir *", [K.STAR_IGNORED], {"banjir"}, set()),
    ("zzqxw*", [K.PREFIX_NOTHING, K.NO_WORDS], set(), set()),
]


@pytest.mark.parametrize("text, kinds, searched, not_searched", WILDCARDS)
def test_a_star_ends_a_words_beginning(seeds_index, text, kinds, searched, not_searched):
    with search.open_index(seeds_index) as index:
        results = index.search(text, limit=5)
    assert [note.kind for note in results.notes] == kinds
    assert results.suggestion is None  # a "*" word is never corrected
    stems = {word.stem for word in results.words.words}
    assert searched <= stems and not stems & not_searched, stems


def test_a_prefix_matches_marks_and_explains_its_words(seeds_index):
    with search.open_index(seeds_index) as index:
        results = index.search("banj*", limit=10, forms=True)
        whole = index.search("banjir", limit=1)
    assert results.total > whole.total  # banjir, and banjarmasin, banjar ...
    for hit in results.hits:
        marked = [word.lower() for snippet in hit.snippets for word in snippet.marked]
        marked += [word.lower() for word in (hit.title_snippet.marked if hit.title_snippet else [])]
        assert marked and all(word.startswith("banj") for word in marked), (hit.title, marked)
    assert all(word.prefix == "banj*" for word in results.words.words)
    assert len(results.words.words) <= 20
    assert results.to_dict()["words"]["words"][0]["prefix"] == "banj*"


def test_a_lone_star_lists_every_article_newest_first(seeds_index):
    with search.open_index(seeds_index) as index:
        results = index.search("*", limit=5)
        count = index.article_count
    assert results.total == count and all(hit.score is None for hit in results.hits)
    dates = [hit.date for hit in results.hits]
    assert dates == sorted(dates, reverse=True)


# -- dates that exclude each other -----------------------------------------------

@pytest.mark.parametrize("text, options", [
    ("banjir", {"date_from": "2021", "date_to": "2017"}),
    ("", {"date_from": "2021-03", "date_to": "2021-02"}),
    ("banjir tanggal:2021 tanggal:2017", {}),
    ("banjir tanggal:2021..2017", {}),
    ("banjir tanggal:2021", {"date_to": "2017"}),
])
def test_reversed_dates_say_why_nothing_matched(small_index, text, options):
    with search.open_index(small_index) as index:
        results = index.search(text, **options)
    assert results.total == 0
    assert [note.kind for note in results.notes] == [QueryNoteKind.DATES_REVERSED]
    assert "reversed" in results.notes[0]


def test_reversed_dates_on_the_command_line(small_index, runner):
    from search.cli import main

    result = runner.invoke(main, ["query", "banjir", "--from", "2021", "--to", "2017", "--index", str(small_index)])
    assert result.exit_code == 0
    assert "the dates are reversed: no article is from 2021-01-01 and up to 2017-12-31" in result.output
