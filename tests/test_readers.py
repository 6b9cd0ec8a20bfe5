"""Reading seed files: the plain-text page format, JSONL dumps, HTML pages, bad files."""

import gzip
import json
from datetime import datetime, timedelta, timezone

import pytest
from conftest import FIXTURES, PROJECT, SAMPLE_JSONL, SEED_ARTICLE
from conftest import PAGE_TEXT as PAGE

from search.articles import ReadReport
from search.ingest import read_articles
from search.ingest.textpage import parse_text_page


def read(*paths):
    report = ReadReport()
    return list(read_articles(paths, report)), report


def test_seed_article_is_parsed_into_its_parts():
    article = parse_text_page(SEED_ARTICLE.read_text(encoding="utf-8"), "seed")
    assert article.title == "Sawahlunto Menjadi Kota Terakhir Miliki Dinas Kominfo"
    assert article.date == datetime(2021, 3, 17, 17, 36, tzinfo=timezone(timedelta(hours=7)))
    assert article.date.utcoffset() == timedelta(hours=7)
    assert article.category == "Politik"
    assert article.location == "Kota Sawahlunto"
    assert article.author == "Imel"
    assert article.editor == "BiNews"
    assert article.source == "binews.id"
    for furniture in ("Baca juga", "IKLAN GUBERNUR", "Bagikan", "Penulis", "Marhaban ya Ramadhan"):
        assert furniture not in article.body
    # The body keeps its dateline as written; the index does not search it (test_datelines.py).
    assert article.body.startswith("SAWAHLUNTO, binews.id - Kota Sawahlunto tahun 2021 ini")
    assert "memiliki Dinas Komunikasi" in article.body
    assert article.body.rstrip().endswith("pungkas Jasman. (mmc/bi)")
    assert article.body.count("\n\n") == 7  # eight paragraphs kept apart




def test_text_page_format_not_one_file():
    article = parse_text_page(PAGE, "banjir.txt")
    assert article.title == "Banjir Rendam Ratusan Rumah di Bekasi"
    assert article.date.utcoffset() == timedelta(hours=8)
    assert (article.category, article.location) == ("Peristiwa", "Kota Bekasi")
    assert (article.author, article.editor, article.source) == ("Budi", "Sari", "contoh.co.id")
    assert article.body == ("BEKASI, contoh.co.id - Hujan deras sejak Rabu malam membuat ratusan rumah "
                            "terendam banjir.\n\n"
                            "Warga mengungsi ke masjid terdekat sambil menunggu air surut.")


def test_text_page_without_dateline_keeps_its_body():
    article = parse_text_page("Judul Saja\n\nIsi berita yang cukup panjang untuk dibaca orang.\n", "x")
    assert article.title == "Judul Saja"
    assert article.date is None
    assert article.body == "Isi berita yang cukup panjang untuk dibaca orang."


def test_folder_is_walked_and_ids_are_paths_under_it(tmp_path):
    (tmp_path / "2021" / "maret").mkdir(parents=True)
    (tmp_path / "2021" / "maret" / "banjir.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "README.md").write_text("not an article")
    articles, report = read(tmp_path)
    assert [a.id for a in articles] == ["2021/maret/banjir.txt"]
    assert report.skipped == []


def test_jsonl_records_and_their_fields():
    articles, report = read(SAMPLE_JSONL)
    assert len(articles) == 22 and report.skipped == []
    first = articles[0]
    record = json.loads(SAMPLE_JSONL.read_text(encoding="utf-8").splitlines()[0])
    assert first.id == record["id"]
    assert first.title == record["title"]
    assert first.date.isoformat().startswith(record["date"])
    assert "Baca juga" not in first.body  # cross-links dropped from dumps too


# Titles as IndoSum gives them (seeds/indosum.jsonl.gz), and the title kept.
# The last rows are headlines of the shared corpora whose "?" or "#" is the
# headline's own.
TITLES = [
    ("Malaysia pesta gol ke gawang timnas futsal indonesia?ICID=OP",
     "Malaysia pesta gol ke gawang timnas futsal indonesia"),
    ("Resmi carlton cole jatuh ke pelukan ke persib bandung?ICID=HP_HN_1",
     "Resmi carlton cole jatuh ke pelukan ke persib bandung"),
    ("Tanggapan barcelona soal keringanan sanksi embargo transfer real ?ICID=HP_HN_HP_RI_0_3",
     "Tanggapan barcelona soal keringanan sanksi embargo transfer real"),
    ("Bbpom temukan 173 item obat tanpa izin?utm_source=topnews&utm_medium=home&utm_campaign=news",
     "Bbpom temukan 173 item obat tanpa izin"),
    ("Meeting owl 360 degree conference cam?utm_source=welcome page&utm_medium=category box&utm_campaign=gadget",
     "Meeting owl 360 degree conference cam"),
    ("Marcell siahaan terobsesi diving bersama ikan teri?ref=relmedia",
     "Marcell siahaan terobsesi diving bersama ikan teri"),
    ("Keenan pearce diduga lamar kekasihnya karena posting she said yes#JWIhi6g2BuE63JaP.99",
     "Keenan pearce diduga lamar kekasihnya karena posting she said yes"),
    ("Berapa batas maksimal posting klip instagram stories dalam 24 jam#1FVUWI6zEWdZmCoD.99",
     "Berapa batas maksimal posting klip instagram stories dalam 24 jam"),
    ("Nutmeg guzan dan 300 kemenangan kandang chelsea", "Nutmeg guzan dan 300 kemenangan kandang chelsea"),
    ("5 Manfaat Pilates untuk Ibu Hamil, Apa Saja?", "5 Manfaat Pilates untuk Ibu Hamil, Apa Saja?"),
    ("Laman Situs KPK Berubah Jadi Hitam, Ada Tulisan #SaveKPK",
     "Laman Situs KPK Berubah Jadi Hitam, Ada Tulisan #SaveKPK"),
    ("Bahayakan Kondisi Nia Daniaty?Ini Penjelasan Medis", "Bahayakan Kondisi Nia Daniaty?Ini Penjelasan Medis"),
    ("Rilis Lagu Baru, Super Junior D&E Tampil Sangat Maskulin",
     "Rilis Lagu Baru, Super Junior D&E Tampil Sangat Maskulin"),
]


@pytest.mark.parametrize("title, kept", TITLES)
def test_jsonl_titles_lose_url_junk(tmp_path, title, kept):
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps({"id": "a", "title": title, "body": "Isi berita."}) + "\n", encoding="utf-8")
    articles, _ = read(dump)
    assert articles[0].title == kept


def test_no_seed_title_keeps_url_junk():
    articles, _ = read(PROJECT / "seeds" / "indosum.jsonl.gz")
    assert len(articles) == 3463
    junk = [a.title for a in articles if "?ICID=" in a.title or "utm_source=" in a.title or ".99" in a.title]
    assert junk == []


def test_bad_jsonl_lines_are_skipped_with_line_numbers(tmp_path):
    dump = tmp_path / "dump.jsonl.gz"
    lines = [
        json.dumps({"id": "a", "body": "Isi pertama."}),
        '{"id": "b", "body": "tidak selesai',
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "d", "title": "Tanpa isi"}),
        json.dumps({"id": "e", "body": 42}),
        json.dumps({"body": "Tanpa id."}),
    ]
    with gzip.open(dump, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    articles, report = read(dump)
    assert [a.id for a in articles] == ["a", "dump.jsonl.gz#6"]
    assert [s.path for s in report.skipped] == [
        "dump.jsonl.gz:2", "dump.jsonl.gz:3", "dump.jsonl.gz:4", "dump.jsonl.gz:5"]
    assert all(s.reason for s in report.skipped)


def test_truncated_gzip_keeps_the_records_before_the_break(tmp_path):
    good = "".join(json.dumps({"id": str(i), "body": f"Isi {i}. " * 50}) + "\n" for i in range(200))
    data = gzip.compress(good.encode())
    dump = tmp_path / "cut.jsonl.gz"
    dump.write_bytes(data[: len(data) // 2])
    articles, report = read(dump)
    assert 0 < len(articles) < 200
    assert len(report.skipped) == 1 and "unreadable" in report.skipped[0].reason


def test_unreadable_files_are_reported_and_the_rest_read(tmp_path):
    (tmp_path / "good.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "latin1.txt").write_bytes("Judul\n\nIsi berita caf\xe9 yang panjang.".encode("latin-1"))
    (tmp_path / "notes.docx").write_bytes(b"PK")
    articles, report = read(tmp_path)
    assert sorted(a.id for a in articles) == ["good.txt", "latin1.txt"]
    reasons = {s.path: s.reason for s in report.skipped}
    assert reasons["empty.txt"] == "empty page"
    assert "binary" in reasons["binary.txt"]
    assert reasons["notes.docx"] == "unknown file type"


def test_missing_path_is_reported(tmp_path):
    articles, report = read(tmp_path / "nope")
    assert articles == [] and "no such file" in report.skipped[0].reason


def test_html_page_headline_and_article_text():
    articles, report = read(FIXTURES / "kompas-1.html")
    assert report.skipped == []
    article = articles[0]
    assert article.title.startswith("Polres Lhokseumawe Serahkan Anggota Di Minimi ke Kejaksaan")
    assert article.body.startswith("LHOKSEUMAWE, KOMPAS.com")
    assert "Kompasiana.com" not in article.body  # the navigation is not the article
    assert article.url.startswith("http://regional.kompas.com/read/2015/11/04/")


def test_html_page_without_article_text_is_skipped(tmp_path):
    page = tmp_path / "front.html"
    page.write_text("<html><body><nav><a href='/'>Home</a></nav><p>Berita terkini</p></body></html>")
    articles, report = read(page)
    assert articles == [] and "not an article" in report.skipped[0].reason


# No input makes a reader fail other than by IngestError (reported and skipped).
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from search.errors import IngestError  # noqa: E402
from search.ingest.html import parse_html_page  # noqa: E402

PAGE_PIECES = st.sampled_from([
    "Judul\n", "\n", "Rabu, 17 Maret 2021, 17:36 WIB | Politik | Kota", " | ", "IKLAN X\n",
    "JAKARTA, contoh.com - ", "Baca juga: x\n", "Penulis: A\n", "Editor:", "Bagikan:",
    "Isi berita yang panjang.", "-", "\x00", "\u200b", "Ω",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(PAGE_PIECES, max_size=40).map("".join) | st.text(max_size=300))
def test_text_page_reader_never_crashes(text):
    try:
        article = parse_text_page(text, "x")
    except IngestError:
        return
    assert article.body


HTML_PIECES = st.sampled_from([
    "<html>", "<body>", "<div>", "</div>", "<p>", "</p>", "<br>", "<article>", "<script>x</script>",
    '<meta property="og:title" content="T">', '<time datetime="2021-03-17">', "<!--", "-->",
    "Kalimat berita yang cukup panjang untuk dibaca. " * 3, "&amp;", "&#xffffff;", "<<", ">",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(HTML_PIECES, max_size=60).map("".join) | st.binary(max_size=400).map(
    lambda b: b.decode("latin-1")))
def test_html_reader_never_crashes(text):
    try:
        parse_html_page(text.encode("utf-8", "surrogatepass"), "x")
    except IngestError:
        pass
