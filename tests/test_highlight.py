"""Snippets: marks on inflected forms, and article text escaped in HTML."""

from whoosh import highlight as whoosh_highlight

from search.language.analysis import IndonesianAnalyzer
from search.query.snippets import (
    SNIPPET_CHARS,
    SURROUND,
    _PartsFormatter,
    leading_snippet,
    marked_title,
    snippets_at,
)
from search.results import Snippet

ANALYZER = IndonesianAnalyzer()


def _matches(text, terms):
    """The ``(term, start, end)`` the index holds for ``terms`` in ``text``."""
    return [(t.text, t.startchar, t.endchar) for t in ANALYZER(text, chars=True, mode="index")
            if t.text in terms]


def snippets(text, terms, top=2):
    """The snippets the searcher makes of ``text`` for the query stems ``terms``."""
    return snippets_at(text, _matches(text, terms), top=top)


def whoosh_snippets(text, terms, top=2):
    """The passages Whoosh's own highlighter finds, re-analysing ``text``."""
    fragmenter = whoosh_highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=SURROUND)
    found = whoosh_highlight.highlight(text, terms, ANALYZER, fragmenter, _PartsFormatter(), top=top)
    return found or [leading_snippet(text)]


def test_inflected_forms_are_marked_as_written():
    text = "Kota itu memiliki Dinas Kominfo. Kelemahan kita di pendataan."
    found = snippets(text, {"milik", "data"})
    marked = [word for s in found for word in s.marked]
    assert marked == ["memiliki", "pendataan"]


def test_stop_words_are_not_marked_for_their_stems():
    # "tersebut" is a stop word: it was never indexed, so it did not make the
    # article match "menyebut", and must not be marked for it either.
    text = "Hal tersebut disebutkan oleh warga yang menyebut nama itu."
    found = snippets(text, {"sebut"})
    assert [word for s in found for word in s.marked] == ["disebutkan", "menyebut"]


def test_html_escapes_article_markup_and_marks_matches():
    text = 'Awas <script>alert("x")</script> & data <b onclick="evil()">rahasia</b>'
    (snippet,) = snippets(text, {"data"})
    html = snippet.html()
    assert "<script>" not in html and "<b " not in html
    assert "&lt;script&gt;" in html and "&amp;" in html and "&quot;" in html
    assert "<mark>data</mark>" in html
    assert html.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_marked_text_is_escaped_too():
    snippet = Snippet((("a<b", True), (" & ", False)))
    assert snippet.html() == "<mark>a&lt;b</mark> &amp; "


def test_no_match_in_body_gives_the_opening_unmarked():
    text = "Kalimat pertama artikel. " * 30
    (snippet,) = snippets(text, {"tidakada"})
    assert snippet.marked == []
    assert snippet.text.startswith("Kalimat pertama") and snippet.text.endswith("\u2026")
    assert len(snippet.text) < 240


def test_render_for_terminals():
    snippet = Snippet((("kata ", False), ("kunci", True)))
    assert snippet.render(lambda w: f"[{w}]") == "kata [kunci]"
    assert leading_snippet("").parts == ()


def test_a_title_is_marked_whole_with_its_inflected_forms():
    title = "Sawahlunto Menjadi Kota Terakhir Miliki Dinas Kominfo"
    marked = marked_title(title, {"milik", "kominfo"}, ANALYZER)
    assert marked.text == title
    assert marked.marked == ["Miliki", "Kominfo"]
    assert marked.starts_text and marked.ends_text
    unmarked = marked_title("Harga  cabai naik", {"milik"}, ANALYZER)
    assert unmarked.text == "Harga cabai naik" and unmarked.marked == []


def test_a_snippet_says_whether_it_reaches_the_start_or_end_of_its_text():
    filler = "Warga berkumpul di balai desa untuk membahas rencana kegiatan bersama. " * 8
    text = "Kota itu memiliki Dinas Kominfo. " + filler + "Kelemahan kita di pendataan."
    first, last = snippets(text, {"milik", "data"})
    assert first.starts_text and not first.ends_text
    assert last.ends_text and not last.starts_text
    assert last.text.endswith("pendataan.")  # the closing full stop is kept, nothing is cut
    (middle,) = snippets(text, {"balai"}, top=1)
    assert not middle.starts_text and not middle.ends_text
    assert leading_snippet("Kalimat pendek.").ends_text
    cut = leading_snippet("Kalimat pertama artikel. " * 30)
    assert cut.starts_text and not cut.ends_text and cut.text.endswith("\u2026")


# --------------------------------------------------------------------------- from the index's characters

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from search import open_index  # noqa: E402
from search.indexing.indexer import build_index  # noqa: E402

# Words with affixes, reduplications, hyphenated names, amounts and punctuation.
PIECES = ["memiliki", "Dinas", "milik", "anak-anak", "anak", "se-Sumbar", "Rp50", "Rp 50 juta",
          "pendataan", "data", "yang", "dan", "di", "Kota", "kota", "Covid-19", "berbeda-beda",
          "tidak", "valid.", "(Kominfo),", "\"kata\"", "Jum'at", "1.500", "—", "\n\n", "perkembangan",
          "teknologi", "kembang", "<b>", "&", "Bandung"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=120), st.sets(
    st.sampled_from(["milik", "dinas", "anak", "data", "kota", "sumbar", "50", "kembang", "teknologi", "covid"]),
    min_size=1, max_size=4), st.integers(1, 3))
def test_snippets_from_the_indexed_characters_are_the_snippets_from_the_text(pieces, terms, top):
    text = " ".join(pieces)
    # The analyzer indexes a hyphenated word that is no reduplication as its
    # parts (covid, 19); the words around a match are found by the pattern
    # alone and keep such a word whole, so where one that did not match is
    # near a match, the passage may start or end a word apart. Here they match.
    terms = terms | {"covid", "sumbar"}
    assert snippets_at(text, _matches(text, terms), top=top) == whoosh_snippets(text, terms, top=top)


def test_a_match_is_marked_as_written_from_its_characters():
    text = "Kota itu memiliki Dinas Kominfo. Kelemahan kita di pendataan."
    found = snippets_at(text, [("milik", 9, 17), ("data", 51, 60)])
    assert [word for s in found for word in s.marked] == ["memiliki", "pendataan"]
    assert snippets_at(text, []) == [leading_snippet(text)]


def test_hits_are_highlighted_from_the_index(tmp_path):
    (tmp_path / "a.jsonl").write_text(
        '{"id": "a", "title": "Rapat", "body": "Kota itu memiliki Dinas Kominfo. Anak-anak <b>bermain</b> & '
        'belajar.", "date": "2021-03-17"}\n'
        '{"id": "b", "title": "Dinas baru", "body": "Tidak ada kata yang dicari di sini.", "date": "2021-03-18"}\n')
    build_index([tmp_path / "a.jsonl"], tmp_path / "ix")
    with open_index(tmp_path / "ix") as index:
        (hit,) = index.search("milik dinas anak", limit=1).hits
        assert hit.id == "a"
        assert [w for s in hit.snippets for w in s.marked] == ["memiliki", "Dinas", "Anak-anak"]
        html = hit.snippets[0].html()
        assert "&lt;b&gt;bermain&lt;/b&gt; &amp;" in html and "<mark>memiliki</mark>" in html
        # Matched on its title only: the opening of the body, unmarked.
        title_only = next(h for h in index.search("dinas baru").hits if h.id == "b")
        assert title_only.snippets[0].marked == [] and title_only.snippets[0].starts_text
        # An AND query goes through Whoosh's searcher; its marks come from the index too.
        (both,) = index.search("memiliki DAN kominfo").hits
        assert both.snippets[0].marked == ["memiliki", "Kominfo"]
        rows = list(index.export("anak"))
        assert rows[0].snippet.startswith("Kota itu memiliki")


@st.composite
def _token_runs(draw):
    """Words with gaps of 1-5, some of them matches: ``(start, end, term or None)``.

    Words of 60 and 120 characters end Whoosh's countdown of 60 at exactly 0 (a
    case it treats apart), and one of 230 is longer than a fragment.
    """
    tokens, at = [], 0
    for _ in range(draw(st.integers(0, 150))):
        at += draw(st.integers(1, 5))
        size = draw(st.one_of(st.integers(1, 30), st.sampled_from([59, 60, 61, 120, 230])))
        term = draw(st.sampled_from([None, None, None, None, "a", "b"]))
        tokens.append((at, at + size, term))
        at += size
    return tokens


@settings(max_examples=400, deadline=None)
@given(_token_runs(), st.integers(20, 300), st.sampled_from([0, 500, 1500]))
def test_the_passage_finder_makes_whoosh_context_fragmenter_fragments(tokens, maxchars, charlimit):
    from whoosh.analysis import Token
    from whoosh.highlight import ContextFragmenter

    from search.query.snippets import SURROUND, _context_fragments

    text = "x" * (tokens[-1][1] + 10 if tokens else 10)
    whoosh_tokens = [Token(text=term or "", startchar=start, endchar=end, matched=term is not None, boost=1.0)
                     for start, end, term in tokens]
    expected = ContextFragmenter(maxchars, SURROUND, charlimit).fragment_tokens(text, whoosh_tokens)
    found = _context_fragments(text, tokens, maxchars, SURROUND, charlimit)

    def shape(fragments):
        return [(f.startchar, f.endchar, [(m.text, m.startchar, m.endchar) for m in f.matches]) for f in fragments]

    assert shape(found) == shape(expected)
