"""Web archives (WARC, ARC, WACZ): which records are pages, what is skipped and counted, damage, ids.

Every archive is written here with warcio's own writer from the saved pages
of ``tests/fixtures``.
"""

import io
import json
import sys
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import FIXTURES
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import search
from search.articles import Article, ReadReport
from search.cli import main
from search.ingest import estimate_count, read_articles
from search.ingest.warc import SkipReason, read_warc

CAPTURED = "2020-05-06T07:08:09Z"
UNDATED = ("<html><head><title>Banjir Rendam Ratusan Rumah Warga</title></head><body><article>"
           + "<p>" + "Hujan deras sejak pagi membuat sungai meluap dan air masuk ke rumah warga. " * 12 + "</p>"
           + "</article></body></html>").encode()


ENGLISH = ("<html lang=\"id\"><head><title>Floods hit the capital</title></head><body><article>"
           + "<p>" + "The floods that hit the capital on Monday forced thousands of residents to leave their "
           "homes, and the city government said the water would not recede before the weekend. " * 8 + "</p>"
           + "</article></body></html>").encode()
"""An English article whose page says it is Indonesian (``lang`` attributes lie)."""


@dataclass(frozen=True)
class Rec:
    """One record to write: its type, URL, HTTP status and content type, and the page it holds."""

    kind: str
    url: str = ""
    page: str = ""
    status: str = "200 OK"
    content_type: str = "text/html; charset=utf-8"
    truncated: bool = False

    def payload(self) -> bytes:
        if self.page == "undated":
            return UNDATED
        if self.page == "english":
            return ENGLISH
        return (FIXTURES / self.page).read_bytes() if self.page else b"%PDF-1.4 ..."


def write_warc(path: Path, records: list[Rec]) -> list[int]:
    """Write ``records`` as a WARC (gzipped per record if the name ends in .gz); the offset of each."""
    offsets = []
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=path.name.endswith(".gz"))
        for rec in records:
            offsets.append(handle.tell())
            writer.write_record(make_record(writer, rec))
    return offsets


def make_record(writer: WARCWriter, rec: Rec):
    headers = {"WARC-Date": CAPTURED}
    if rec.truncated:
        headers["WARC-Truncated"] = "length"
    if rec.kind == "warcinfo":
        return writer.create_warcinfo_record("crawl.warc.gz", {"software": "test"})
    if rec.kind == "revisit":
        return writer.create_revisit_record(rec.url, "sha1:AAAA", rec.url, CAPTURED)
    if rec.kind in ("request", "metadata"):
        return writer.create_warc_record(rec.url, rec.kind, payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"),
                                         warc_content_type="application/http; msgtype=request",
                                         warc_headers_dict=headers)
    http = StatusAndHeaders(rec.status, [("Content-Type", rec.content_type)], protocol="HTTP/1.1")
    return writer.create_warc_record(rec.url, "response", payload=io.BytesIO(rec.payload()),
                                     http_headers=http, warc_headers_dict=headers)


KOMPAS = "https://regional.kompas.com/read/2015/11/04/polres"
DETIK = "http://inet.detik.com/read/2015/11/05/google"
UNDATED_URL = "https://news.example.id/banjir"

CRAWL = [
    Rec("warcinfo"),
    Rec("request", KOMPAS),
    Rec("response", KOMPAS, "kompas-1.html"),
    Rec("metadata", KOMPAS),
    Rec("response", DETIK, "detik-1.html"),
    Rec("response", "https://www.tempo.co/missing", "tempo-1.html", status="404 Not Found"),
    Rec("response", "https://kompas.com/old", "kompas-1.html", status="301 Moved Permanently"),
    Rec("response", "https://kompas.com/laporan.pdf", content_type="application/pdf"),
    Rec("response", "https://kompas.com/robots.txt", "kompas-1.html", content_type="text/plain"),
    Rec("response", "https://www.kompas.com/", "kompas-mainpage.html"),
    Rec("revisit", KOMPAS),
    Rec("response", DETIK, "detik-1.html"),  # a second capture
    Rec("response", "https://okezone.com/cut", "okezone-1.html", truncated=True),
    Rec("response", UNDATED_URL, "undated"),
]


def read(*paths):
    report = ReadReport()
    return list(read_articles(paths, report)), report


@pytest.fixture
def crawl(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    return path, write_warc(path, CRAWL)


def test_each_html_200_response_is_an_article_with_its_url(crawl):
    articles, _ = read(crawl[0])
    assert [a.url for a in articles] == [KOMPAS, DETIK, UNDATED_URL]
    assert [a.path for a in articles] == [f"crawl.warc.gz@{crawl[1][i]}" for i in (2, 4, 13)]
    assert articles[0].title.startswith("Polres Lhokseumawe")


@pytest.mark.parametrize("url, date", [
    (DETIK, "2015-11-05T10:08:58+07:00"),  # the page's own date
    (UNDATED_URL, "2020-05-06T07:08:09+00:00"),  # none: the capture time
])
def test_date_is_the_pages_else_the_capture_time(crawl, url, date):
    articles, _ = read(crawl[0])
    assert next(a for a in articles if a.url == url).date.isoformat() == date


def test_the_capture_time_is_kept_and_shown(tmp_path, crawl):
    articles, _ = read(crawl[0])
    assert {a.captured.isoformat() for a in articles} == {"2020-05-06T07:08:09+00:00"}
    search.build_index([crawl[0]], tmp_path / "ix")
    with search.open_index(tmp_path / "ix") as index:
        stored = index.get(articles[0].id)
    assert stored.captured == articles[0].captured and stored.to_dict()["captured"] == "2020-05-06T07:08:09+00:00"


@pytest.mark.parametrize("reason, count, first", [
    (SkipReason.NOT_A_RESPONSE, 3, 0),  # warcinfo, request, metadata
    (SkipReason.NOT_OK, 1, 5),
    (SkipReason.REDIRECT, 1, 6),
    (SkipReason.NOT_HTML, 1, 7),
    (SkipReason.ROBOTS, 1, 8),
    (SkipReason.NOT_AN_ARTICLE, 1, 9),
    (SkipReason.REPEAT, 2, 10),  # a revisit and a second capture
    (SkipReason.CUT_SHORT, 1, 12),
])
def test_what_is_not_a_page_is_one_line_per_reason_with_its_count(crawl, reason, count, first):
    _, report = read(crawl[0])
    lines = [s for s in report.skipped if reason.value in s.reason]
    assert len(lines) == 1
    assert lines[0].path == f"crawl.warc.gz@{crawl[1][first]}"
    assert (f"{count} records" in lines[0].reason) == (count > 1)


def test_skips_are_a_few_lines_and_never_a_traceback(crawl):
    _, report = read(crawl[0])
    assert len(report.skipped) == 8
    assert all("Traceback" not in str(s) for s in report.skipped)


@pytest.mark.parametrize("keep, urls", [
    (False, [KOMPAS, UNDATED_URL]),
    (True, [KOMPAS, DETIK, UNDATED_URL]),
])
def test_pages_not_in_indonesian_are_skipped_unless_kept(crawl, keep, urls):
    def not_detik(text: str) -> bool:
        return "Galaxy" not in text

    items = list(read_warc(crawl[0], "crawl.warc.gz", identify=not_detik, keep_other_languages=keep))
    assert [i.url for i in items if not hasattr(i, "reason")] == urls
    rejected = [i for i in items if hasattr(i, "reason") and SkipReason.NOT_INDONESIAN.value in i.reason]
    assert rejected == ([] if keep else [rejected[0]])
    if not keep:
        assert rejected[0].path == f"crawl.warc.gz@{crawl[1][4]}"


PAGES = [Rec("response", f"https://kompas.com/{i}", page)
         for i, page in enumerate(["kompas-1.html", "detik-1.html", "okezone-1.html", "antara-4.html"])]


@pytest.mark.parametrize("name", ["cut.warc.gz", "cut.warc"])
@pytest.mark.parametrize("into", [10, 300, 2000])
def test_an_archive_cut_short_keeps_what_came_before_and_names_the_offset(tmp_path, name, into):
    path = tmp_path / name
    offsets = write_warc(path, PAGES)
    path.write_bytes(path.read_bytes()[:offsets[2] + into])
    articles, report = read(path)
    assert [a.url for a in articles] == [PAGES[0].url, PAGES[1].url]
    damage = [s for s in report.skipped if "damaged" in s.reason]
    assert len(damage) == 1 and len(report.skipped) == 1
    assert damage[0].path == f"{name}@{offsets[2]}"
    assert f"byte {offsets[2]}" in damage[0].reason


def test_corrupt_gzip_keeps_the_records_before_it(tmp_path, capfd):
    path = tmp_path / "bad.warc.gz"
    offsets = write_warc(path, PAGES)
    data = bytearray(path.read_bytes())
    data[offsets[2] + 200:offsets[2] + 600] = b"X" * 400
    path.write_bytes(bytes(data))
    articles, report = read(path)
    assert [a.url for a in articles] == [PAGES[0].url, PAGES[1].url]
    assert [s.path for s in report.skipped] == [f"bad.warc.gz@{offsets[2]}"]
    assert "Error -3" not in capfd.readouterr().err


def write_wacz(path: Path, tmp_path: Path, warcs: dict[str, list[Rec]]) -> None:
    with zipfile.ZipFile(path, "w") as package:
        for name, records in warcs.items():
            write_warc(tmp_path / name, records)
            package.write(tmp_path / name, f"archive/{name}")
            (tmp_path / name).unlink()
        package.writestr("datapackage.json", json.dumps({"profile": "data-package"}))


def test_a_wacz_is_indexed_with_stable_ids(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    wacz = source / "koleksi.wacz"
    write_wacz(wacz, tmp_path, {"data-0.warc.gz": PAGES[:2], "data-1.warc.gz": PAGES[1:]})
    ids = [item.id for item in read_warc(wacz, "koleksi.wacz") if isinstance(item, Article)]
    assert len(ids) == 4  # the second file's capture of PAGES[1] is the same article
    for build in ("ix", "ix2"):
        report = search.build_index([source], tmp_path / build)
        assert report.added == 4
        with search.open_index(tmp_path / build) as index:
            article = index.get(ids[0])
            assert article.url == PAGES[0].url
            assert article.path == "koleksi.wacz/archive/data-0.warc.gz@0"
            assert [index.get(i).url for i in ids] == [p.url for p in PAGES]


def test_an_archive_added_again_unchanged_is_not_read_again(tmp_path, crawl):
    search.build_index([crawl[0].parent], tmp_path / "ix")
    report = search.build_index([crawl[0].parent], tmp_path / "ix")
    assert report.unchanged_files == 1 and report.added == 0


def test_the_same_capture_in_two_archives_is_one_article(tmp_path):
    for name in ("a.warc.gz", "b.warc"):
        write_warc(tmp_path / name, PAGES[:1])
    articles, _ = read(tmp_path / "a.warc.gz", tmp_path / "b.warc")
    assert articles[0].id == articles[1].id == f"{PAGES[0].url}#{articles[0].id.split('#')[1]}"


def test_without_warcio_an_archive_is_one_clear_skip(crawl, monkeypatch):
    monkeypatch.setitem(sys.modules, "warcio", None)
    articles, report = read(crawl[0])
    assert articles == []
    assert [str(s) for s in report.skipped] == [
        "crawl.warc.gz: a web archive; reading one needs warcio: pip install -e '.[warc]'"]


@pytest.mark.parametrize("content, reason", [
    (b"", "damaged"),
    (b"this is not an archive at all\n" * 10, "damaged"),
])
def test_a_file_that_is_no_archive_is_one_skip(tmp_path, content, reason):
    path = tmp_path / "junk.warc"
    path.write_bytes(content)
    articles, report = read(path)
    assert articles == []
    assert len(report.skipped) <= 1 and all(reason in s.reason for s in report.skipped)


def test_a_wacz_that_is_no_zip_is_one_skip(tmp_path):
    path = tmp_path / "broken.wacz"
    path.write_bytes(b"PK not really")
    articles, report = read(path)
    assert articles == [] and [s.path for s in report.skipped] == ["broken.wacz"]


@pytest.mark.parametrize("size, count", [(10, 1), (50_000 * 7 + 3, 7)])
def test_estimate_count_is_size_over_50_kb(tmp_path, size, count):
    path = tmp_path / "x.warc.gz"
    path.write_bytes(b"\0" * size)
    assert estimate_count([path]) == count


def test_dates_are_aware(crawl):
    articles, _ = read(crawl[0])
    assert all(a.date.tzinfo is not None for a in articles)
    assert articles[-1].date == datetime(2020, 5, 6, 7, 8, 9, tzinfo=timezone.utc)


def test_pages_parsed_in_workers_are_those_parsed_here(tmp_path, monkeypatch):
    from search.ingest.pool import PageReader

    monkeypatch.setattr("search.ingest.pool.MIN_POOL_PAGES", 0)
    path = tmp_path / "many.warc.gz"
    write_warc(path, [Rec("response", f"https://kompas.com/{i}", page) for i in range(40)
                      for page in ["kompas-1.html", "kompas-mainpage.html"]])
    here = list(read_warc(path, "many.warc.gz"))
    with PageReader([path], workers=2) as reader:
        assert reader._pool is not None
        there = list(reader.read(path, "many.warc.gz"))
    assert there == here and len(here) == 41


@pytest.mark.parametrize("options, indexed, exit_code", [
    ([], ["https://news.example.id/banjir"], 3),
    (["--every-language"], ["https://news.example.id/banjir", "https://news.example.com/floods"], 0),
])
def test_the_command_line_skips_pages_not_in_indonesian_unless_every_language(tmp_path, runner, options, indexed,
                                                                              exit_code):
    archive = tmp_path / "mixed.warc.gz"
    write_warc(archive, [Rec("response", UNDATED_URL, "undated"),
                         Rec("response", "https://news.example.com/floods", "english")])
    result = runner.invoke(main, ["index", str(archive), "--index", str(tmp_path / "ix"), *options])
    assert result.exit_code == exit_code, result.output
    assert ("not in Indonesian" in result.output) is (exit_code == 3), result.output
    with search.open_index(tmp_path / "ix") as index:
        assert sorted(hit.url for hit in index.search("", date_from="1900", limit=10).hits) == sorted(indexed)
