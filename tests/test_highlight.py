"""Snippets: marks on inflected forms, and article text escaped in HTML."""

from search.analysis import IndonesianAnalyzer
from search.highlight import Snippet, leading_snippet, snippets

ANALYZER = IndonesianAnalyzer()


def test_inflected_forms_are_marked_as_written():
    text = "Kota itu memiliki Dinas Kominfo. Kelemahan kita di pendataan."
    found = snippets(text, {"milik", "data"}, ANALYZER)
    marked = [word for s in found for word in s.marked]
    assert marked == ["memiliki", "pendataan"]


def test_stop_words_are_not_marked_for_their_stems():
    # "tersebut" is a stop word: it was never indexed, so it did not make the
    # article match "menyebut", and must not be marked for it either.
    text = "Hal tersebut disebutkan oleh warga yang menyebut nama itu."
    found = snippets(text, {"sebut"}, ANALYZER)
    assert [word for s in found for word in s.marked] == ["disebutkan", "menyebut"]


def test_html_escapes_article_markup_and_marks_matches():
    text = 'Awas <script>alert("x")</script> & data <b onclick="evil()">rahasia</b>'
    (snippet,) = snippets(text, {"data"}, ANALYZER)
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
    (snippet,) = snippets(text, {"tidakada"}, ANALYZER)
    assert snippet.marked == []
    assert snippet.text.startswith("Kalimat pertama") and snippet.text.endswith("\u2026")
    assert len(snippet.text) < 240


def test_render_for_terminals():
    snippet = Snippet((("kata ", False), ("kunci", True)))
    assert snippet.render(lambda w: f"[{w}]") == "kata [kunci]"
    assert leading_snippet("").parts == ()
