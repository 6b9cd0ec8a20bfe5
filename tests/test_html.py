"""Saved HTML pages: real pages of several outlets, and the traps real pages set."""

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from search.errors import NotAnArticleError
from search.ingest.html import decode_html, parse_html_page

FIXTURES = Path(__file__).parent / "fixtures"
WIB = timezone(timedelta(hours=7))


def page(name: str):
    return parse_html_page((FIXTURES / name).read_bytes(), name)


# file, headline, publication time (WIB), body opening, body ending
REAL_PAGES = [
    ("kompas-1.html", "Polres Lhokseumawe Serahkan Anggota Di Minimi ke Kejaksaan",
     datetime(2015, 11, 4, tzinfo=WIB),  # the page shows no time; the URL gives the day
     "LHOKSEUMAWE, KOMPAS.com – Penyidik Polres Lhokseumawe", "ujar Teuku Rahmatsyah."),
    ("antara-4.html", "Astra Otoparts luncurkan ban motor terbaru Aspira Premio",
     datetime(2016, 2, 23, 15, 6, tzinfo=WIB),
     "Jakarta (ANTARA News) - PT Astra Otoparts Tbk meluncurkan", "jelas Alessandro."),
    ("kapanlagi-1.html", "Brandon Salim Makin Dekat Dengan Sivia Blink di 'HEART BEAT'", None,
     "Kapanlagi.com - Brandon Nicholas Salim, putra sulung", "(kpl/pur/tch)"),
    ("detik-1.html", "Google Umbar Kelemahan Galaxy S6 Edge",
     datetime(2015, 11, 5, 10, 8, 58, tzinfo=WIB),
     "Jakarta - Galaxy S6 Edge, dengan material premium", "(fyk/ash)"),
    ("okezone-1.html", "Sering Depresi Berat, Hati-Hati Diabetes!",
     datetime(2015, 11, 5, 15, 56, tzinfo=WIB),
     "DEPRESI jadi satu momok", "tukasnya."),
    ("tempo-1.html", "Ini 7 Alasan Mengapa Orang Malas Bergerak",
     datetime(2015, 11, 5, 11, 13, tzinfo=WIB),
     "Rektor UNY buka invitasi olahraga antar perguruan tinggi.", "DINI TEJA"),
]


@pytest.mark.parametrize("name, title, date, opening, ending", REAL_PAGES)
def test_real_pages_extract_headline_time_and_body(name, title, date, opening, ending):
    article = page(name)
    assert article.title == title
    assert article.date == date
    assert " ".join(article.body.split()).startswith(opening)
    assert article.body.endswith(ending)


@pytest.mark.parametrize("name", [row[0] for row in REAL_PAGES])
def test_real_pages_leave_furniture_out(name):
    body = page(name).body
    for furniture in ["Baca juga", "Baca Juga", "ADVERTISEMENT", "Editor:", "Penulis", "COPYRIGHT",
                      "Jangan lewatkan", "Ikuti perkembangan", "Doc. uny.ac.id", "Â", "â€"]:
        assert furniture not in body
    assert len(body.split()) >= 100


def test_declared_charset_is_not_trusted_over_valid_utf8():
    # kapanlagi declares iso-8859-1 but its bytes are UTF-8.
    assert b"iso-8859-1" in (FIXTURES / "kapanlagi-1.html").read_bytes().lower()
    assert "\u00e2" not in page("kapanlagi-1.html").body


def test_declared_latin1_page_decodes_as_latin1():
    html = "<html><head><meta charset='iso-8859-1'></head><body><p>Kafé «Ibu»</p></body></html>"
    assert "Kafé «Ibu»" in decode_html(html.encode("latin-1"))


def test_page_with_bad_bytes_still_reads():
    text = "<p>" + " ".join(["Pemerintah kota membangun jembatan baru di pusat kota."] * 12) + "</p>"
    data = b"<html><body>" + text.encode() + b"\xff\xfe\x80 rusak</body></html>"
    assert "jembatan baru" in parse_html_page(data, "x").body


@pytest.mark.parametrize("name", ["kompas-mainpage.html", "detik-2.html"])
def test_front_pages_and_galleries_are_not_articles(name):
    with pytest.raises(NotAnArticleError, match="not an article"):
        page(name)


PARAGRAPH = ("Pemerintah Kota Sawahlunto meresmikan layanan informasi publik yang baru "
             "bagi warga yang membutuhkan data pembangunan daerah. ")
SYNTHETIC = f"""<html><head>
<title>Layanan informasi baru diresmikan - Berita Contoh</title>
<meta property="og:site_name" content="Berita Contoh">
<script type="application/ld+json">
{{"@context": "https://schema.org", "@graph": [
  {{"@type": "WebSite", "name": "Berita Contoh"}},
  {{"@type": "NewsArticle", "headline": "Layanan informasi baru diresmikan",
    "datePublished": "2021-03-17T17:36:00+07:00", "author": [{{"@type": "Person", "name": "Imel"}}],
    "articleSection": "Politik", "url": "https://contoh.id/berita/1"}}]}}
</script></head><body>
<nav><a href="/">Beranda</a> <a href="/politik">Politik</a></nav>
<div class="share-buttons">Bagikan: Facebook Twitter</div>
<article><div class="detail-text">
<p>SAWAHLUNTO, contoh.id - {PARAGRAPH * 3}</p>
<p>Baca juga: <a href="/lain">Berita lain yang tidak terkait</a></p>
<figure><img src="a.jpg"><figcaption>Wali kota meresmikan layanan. Foto: Dok. Humas</figcaption></figure>
<p>{PARAGRAPH * 2}</p>
<div class="ads">ADVERTISEMENT</div>
<p>SCROLL TO CONTINUE WITH CONTENT</p>
<p>{PARAGRAPH}</p>
<p><a href="/1">Berita terkait satu</a> <a href="/2">Berita terkait dua</a></p>
</div>
<div class="related-posts"><h3>Berita Terkait</h3>
<ul><li><a href="/3">Judul lain yang panjang sekali</a></li></ul></div>
<div class="comment-box">Tulis komentar Anda di sini</div>
</article>
<footer>Copyright 2021 Berita Contoh</footer>
</body></html>"""


def test_declared_json_ld_metadata_is_used():
    article = parse_html_page(SYNTHETIC.encode(), "x")
    assert article.title == "Layanan informasi baru diresmikan"
    assert article.date == datetime(2021, 3, 17, 17, 36, tzinfo=WIB)
    assert (article.author, article.category, article.url, article.source) == (
        "Imel", "Politik", "https://contoh.id/berita/1", "Berita Contoh")


def test_body_keeps_paragraphs_and_drops_furniture():
    body = parse_html_page(SYNTHETIC.encode(), "x").body
    assert body.startswith("SAWAHLUNTO, contoh.id - Pemerintah Kota Sawahlunto")
    assert body.count("Pemerintah Kota Sawahlunto") == 6
    assert "Wali kota meresmikan layanan." in body
    for furniture in ["Beranda", "Bagikan", "Baca juga", "Berita lain", "Dok. Humas", "ADVERTISEMENT",
                      "SCROLL TO CONTINUE", "Berita terkait", "Judul lain", "komentar", "Copyright"]:
        assert furniture not in body


def test_declared_article_body_is_used_when_markup_hides_the_text():
    paragraphs = "\n".join([PARAGRAPH] * 6)
    declared = json.dumps({"@type": "NewsArticle", "headline": "Judul", "articleBody": paragraphs})
    html = (f'<html><head><script type="application/ld+json">{declared}</script></head>'
            '<body><div id="app"></div></body></html>')
    article = parse_html_page(html.encode(), "x")
    assert article.body.count("Pemerintah Kota Sawahlunto") == 6


@pytest.mark.parametrize("title, expected", [
    ("Samsul Arif Tak Beban Lawan Arema - Kompas.com", "Samsul Arif Tak Beban Lawan Arema"),
    ("KapanLagi.com: Bikin Gaduh Kota, Rumah Penyanyi Digrebek", "Bikin Gaduh Kota, Rumah Penyanyi Digrebek"),
    ("Marcella Zalianty Promo Pariwisata | Republika Online", "Marcella Zalianty Promo Pariwisata"),
    ("Tri Indonesia: Broadband Dorong Ekosistem Digital", "Tri Indonesia: Broadband Dorong Ekosistem Digital"),
])
def test_site_name_is_cut_from_page_titles(title, expected):
    site = {"kompas": "Kompas.com", "kapanlagi": "KapanLagi.com", "republika": "Republika Online"}
    name = next((v for k, v in site.items() if k in title.lower()), "Liputan6.com")
    html = (f'<html><head><meta property="og:title" content="{title}">'
            f'<meta property="og:site_name" content="{name}"></head>'
            f'<body><p>{PARAGRAPH * 6}</p><p>Selasa, 23 Februari 2016 | 16:52 WIB</p></body></html>')
    assert parse_html_page(html.encode(), "x").title == expected
