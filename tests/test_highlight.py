"""Snippets: marks on inflected forms, and article text escaped in HTML."""

from search.language.analysis import IndonesianAnalyzer
from search.query.snippets import Snippet, leading_snippet, marked_title, snippets

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
    first, last = snippets(text, {"milik", "data"}, ANALYZER)
    assert first.starts_text and not first.ends_text
    assert last.ends_text and not last.starts_text
    assert last.text.endswith("pendataan.")  # the closing full stop is kept, nothing is cut
    (middle,) = snippets(text, {"balai"}, ANALYZER, top=1)
    assert not middle.starts_text and not middle.ends_text
    assert leading_snippet("Kalimat pendek.").ends_text
    cut = leading_snippet("Kalimat pertama artikel. " * 30)
    assert cut.starts_text and not cut.ends_text and cut.text.endswith("\u2026")
