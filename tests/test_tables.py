"""Spreadsheet exports and data sets (search.ingest.tables, search.ingest.columns): CSV, TSV, JSON arrays, Parquet.

Every table is written here, in tmp_path, from the project's own IndoSum
sample (tests/fixtures/indosum-sample.jsonl), the way its maker would write it.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from datetime import datetime
from pathlib import Path

import pytest

import search
from search.articles import MAX_ARTICLE_BYTES, ReadReport
from search.cli import main
from search.ingest import Format, ReadOptions, estimate_count, read_articles, reader_for
from search.ingest.columns import BY_HEADER, ColumnMap, Field, assign
from search.ingest.tables import PARQUET_EXTRA, sniff_delimiter
from tests.conftest import SAMPLE_JSONL

RECORDS = [json.loads(line) for line in SAMPLE_JSONL.read_text(encoding="utf-8").splitlines() if line.strip()]
EXCEL_HEADER = ["No", "Judul", "Isi Berita", "Tanggal Terbit", "Tautan", "Kategori"]


def excel_rows(records: list[dict]) -> list[list[str]]:
    """The records as Excel in an Indonesian locale exports them: a row count, no id, a paragraph break in the body."""
    return [[str(number), r["title"], r["body"].replace(". ", ".\n\n", 1), r["date"], r["url"], r["category"]]
            for number, r in enumerate(records, start=1)]


def write_csv(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",",
              encoding: str = "utf-8") -> Path:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read(*paths: Path, columns: ColumnMap = BY_HEADER):
    report = ReadReport()
    return list(read_articles(paths, report, ReadOptions(columns))), report


def reasons(report: ReadReport) -> dict[str, str]:
    return {skipped.path: skipped.reason for skipped in report.skipped}


# --------------------------------------------------------------------------- formats and headers

@pytest.mark.parametrize(("name", "kind"), [
    ("berita.csv", Format.CSV), ("BERITA.CSV", Format.CSV), ("berita.csv.gz", Format.CSV),
    ("berita.tsv", Format.TSV), ("berita.tsv.gz", Format.TSV), ("berita.json", Format.JSON),
    ("berita.jsonl", Format.JSONL), ("berita.jsonl.gz", Format.JSONL), ("berita.parquet", Format.PARQUET),
    ("berita.gz", None), ("berita.xlsx", None),
])
def test_a_table_is_known_by_its_name(name, kind):
    assert reader_for(Path(name)) is kind


@pytest.mark.parametrize(("header", "expected"), [
    (EXCEL_HEADER, {1: Field.TITLE, 2: Field.BODY, 3: Field.DATE, 4: Field.URL, 5: Field.CATEGORY}),
    (["id", "title", "text", "published_at", "link", "category", "source", "author"],
     {0: Field.ID, 1: Field.TITLE, 2: Field.BODY, 3: Field.DATE, 4: Field.URL, 5: Field.CATEGORY,
      6: Field.SOURCE, 7: Field.AUTHOR}),
    ([" HEADLINE ", "Article", "Published", "Media", "Reporter"],
     {0: Field.TITLE, 1: Field.BODY, 2: Field.DATE, 3: Field.SOURCE, 4: Field.AUTHOR}),
    (["nomor", "judul", "isi", "tanggal", "rubrik", "sumber", "penulis", "Published At"],
     {1: Field.TITLE, 2: Field.BODY, 3: Field.DATE, 4: Field.CATEGORY, 5: Field.SOURCE, 6: Field.AUTHOR}),
    (["ID", "Konten", "content"], {0: Field.ID, 1: Field.BODY}),  # the first column naming a field gives it
    (["Headline", "Story"], {0: Field.TITLE}),
])
def test_header_names_in_indonesian_and_english(header, expected):
    assert assign(header) == expected


def test_chosen_columns_come_first():
    columns = ColumnMap.parse("title=Headline, body = Story ,date=Waktu")
    assert assign(["Judul", "Headline", "Story", "waktu"], columns) == {
        1: Field.TITLE, 2: Field.BODY, 3: Field.DATE}


@pytest.mark.parametrize("text", ["title", "judul=Headline", "body=", "=Story", "title=Headline,story"])
def test_a_bad_column_choice_is_named(text):
    with pytest.raises(search.InvalidArgumentError, match="FIELD=COLUMN"):
        ColumnMap.parse(text)


@pytest.mark.parametrize(("sample", "default", "expected"), [
    ("Judul;Isi Berita;Tanggal\n\"a, b\";\"c, d, e\";x\n", ",", ";"),
    ("title,body,date\n\"a; b\",\"c; d; e\",x\n", ",", ","),
    ("title\tbody\n\"a, b\"\tc\n", ",", "\t"),
    ("body\nsatu, dua, tiga\n", "\t", "\t"),
    ("body\nsatu\n", ",", ","),
    ("judul;isi,berita;tanggal\n", ",", ";"),
    ("", ",", ","),
])
def test_the_separator_is_sniffed(sample, default, expected):
    assert sniff_delimiter(sample, default) == expected


# --------------------------------------------------------------------------- CSV and TSV

def test_an_indonesian_excel_export_reads_with_no_options(tmp_path):
    path = write_csv(tmp_path / "ekspor.csv", EXCEL_HEADER, excel_rows(RECORDS[:5]), ";", "utf-8-sig")
    articles, report = read(path)
    assert report.skipped == []
    assert [a.id for a in articles] == [f"ekspor.csv#{row}" for row in range(2, 7)]
    first, record = articles[0], RECORDS[0]
    assert first.title.lower() == record["title"].lower()
    assert first.url == record["url"] and first.category == record["category"]
    assert first.date is not None and first.date.isoformat().startswith(record["date"][:10])
    assert "\n" in first.body  # the quoted newline is kept
    assert first.origin == "ekspor.csv:2"


@pytest.mark.parametrize(("name", "delimiter", "encoding"), [
    ("berita.tsv", "\t", "utf-8"),
    ("berita.tsv.gz", "\t", "utf-8-sig"),
    ("berita.csv.gz", ",", "utf-8"),
    ("berita.csv", ";", "utf-8"),
])
def test_english_headers_any_separator_compressed_or_not(tmp_path, name, delimiter, encoding):
    header = ["id", "Title", "Text", "Published_At", "Link", "Category", "Source"]
    rows = [[r["id"], r["title"], r["body"], r["date"], r["url"], r["category"], r["source"]] for r in RECORDS[:4]]
    articles, report = read(write_csv(tmp_path / name, header, rows, delimiter, encoding))
    assert report.skipped == []
    assert [a.id for a in articles] == [r["id"] for r in RECORDS[:4]]  # the record's own id
    assert [a.source for a in articles] == [r["source"] for r in RECORDS[:4]]


def test_a_bad_row_is_skipped_with_its_row_number_and_its_neighbours_kept(tmp_path):
    rows = excel_rows(RECORDS[:4])
    rows[1][2] = "   "  # row 3: no body
    rows[2][3] = "bukan tanggal"  # row 4: a bad date is no reason to skip
    articles, report = read(write_csv(tmp_path / "ekspor.csv", EXCEL_HEADER, rows, ";"))
    assert reasons(report) == {"ekspor.csv:3": "bad record: record has no text body"}
    assert [a.id for a in articles] == ["ekspor.csv#2", "ekspor.csv#4", "ekspor.csv#5"]
    assert articles[1].date is None


def test_a_table_with_no_body_column_is_one_clear_skip(tmp_path):
    path = write_csv(tmp_path / "berita.csv", ["Headline", "Story"], [["Judul", "Isi"]])
    articles, report = read(path)
    assert articles == []
    (reason,) = reasons(report).values()
    assert "'Headline', 'Story'" in reason and "--columns body=" in reason


def test_a_field_of_any_size_and_the_article_limit(tmp_path):
    big = " ".join(["kata"] * 60_000)  # 300 kB: over the csv module's own field limit
    rows = [["satu", big], ["dua", "x" * (MAX_ARTICLE_BYTES + 1)], ["tiga", "Isi berita ketiga."]]
    articles, report = read(write_csv(tmp_path / "besar.csv", ["judul", "isi"], rows))
    assert [a.title for a in articles] == ["satu", "tiga"] and len(articles[0].body) > 200_000
    assert list(reasons(report)) == ["besar.csv:3"] and "too large" in reasons(report)["besar.csv:3"]


def test_undecodable_bytes_and_empty_rows_do_not_stop_a_table(tmp_path):
    path = tmp_path / "berita.csv"
    path.write_bytes(b"judul,isi\r\nSatu,Isi \xff pertama\r\n,\r\n\r\nDua,Isi kedua\r\n")
    articles, report = read(path)
    assert report.skipped == [] and [a.id for a in articles] == ["berita.csv#2", "berita.csv#5"]
    assert "\ufffd" in articles[0].body


def test_columns_through_the_command_line(runner, tmp_path):
    rows = [[r["title"], r["body"], r["date"]] for r in RECORDS[:3]]
    path = write_csv(tmp_path / "feed.csv", ["Headline", "Story", "When"], rows)
    ix = str(tmp_path / "ix")
    result = runner.invoke(main, ["index", str(path), "--index", ix,
                                  "--columns", "title=Headline,body=Story,date=When"])
    assert result.exit_code == 0, result.output
    with search.open_index(ix) as index:
        article = index.get("feed.csv#2")
        assert article.title.lower() == RECORDS[0]["title"].lower() and article.date is not None
    more = write_csv(tmp_path / "more.csv", ["Headline", "Story"], [["Tambahan", "Isi berita tambahan."]])
    result = runner.invoke(main, ["add", str(more), "--index", ix, "--columns", "body=Story,title=Headline"])
    assert result.exit_code == 0, result.output
    with search.open_index(ix) as index:
        assert index.get("more.csv#2").title == "Tambahan"


def test_an_update_reads_a_changed_table_with_the_columns_it_was_indexed_with(runner, tmp_path):
    path = write_csv(tmp_path / "feed.csv", ["Headline", "Story"], [["Banjir", "Isi berita banjir pertama."]])
    ix = str(tmp_path / "ix")
    first = runner.invoke(main, ["index", str(path), "--index", ix, "--columns", "title=Headline,body=Story"])
    assert first.exit_code == 0, first.output
    write_csv(path, ["Headline", "Story"], [["Banjir", "Isi berita banjir yang diperbarui."],
                                           ["Gempa", "Isi berita gempa baru."]])
    result = runner.invoke(main, ["index", "--index", ix])  # every source, no --columns given
    assert result.exit_code == 0, result.output
    with search.open_index(ix) as index:
        assert index.get("feed.csv#2").body == "Isi berita banjir yang diperbarui."
        assert index.get("feed.csv#3").title == "Gempa"


@pytest.mark.parametrize("option", ["title", "judul=Headline", "body="])
def test_a_bad_columns_option_is_a_usage_error(runner, tmp_path, option):
    result = runner.invoke(main, ["index", str(tmp_path), "--index", str(tmp_path / "ix"), "--columns", option])
    assert result.exit_code == 2 and "--columns" in result.output and "Traceback" not in result.output


def test_a_table_without_a_body_column_through_the_command_line(runner, tmp_path):
    good = write_csv(tmp_path / "baik.csv", EXCEL_HEADER, excel_rows(RECORDS[:2]), ";", "utf-8-sig")
    write_csv(tmp_path / "feed.csv", ["Headline", "Story"], [["Judul", "Isi"]])
    result = runner.invoke(main, ["index", str(tmp_path), "--index", str(tmp_path.parent / "ix-nobody")])
    assert result.exit_code == 3 and "Traceback" not in result.output
    assert "feed.csv: no column holds the article text" in result.output and "--columns" in result.output
    assert good.exists()


def test_an_edited_table_is_read_again_and_an_unchanged_one_not(tmp_path):
    folder = tmp_path / "seeds"
    folder.mkdir()
    path = write_csv(folder / "ekspor.csv", EXCEL_HEADER, excel_rows(RECORDS[:4]), ";", "utf-8-sig")
    ix = tmp_path / "ix"
    first = search.build_index([folder], ix)
    assert first.added == 4
    again = search.build_index([folder], ix)
    assert (again.unchanged_files, again.added, again.replaced) == (1, 0, 0)
    rows = excel_rows(RECORDS[:4])
    rows[1][1] = "Judul yang diperbaiki"
    write_csv(path, EXCEL_HEADER, rows, ";", "utf-8-sig")
    edited = search.build_index([folder], ix)
    assert edited.changed_files == 1 and edited.added == 0 and edited.articles == 4
    with search.open_index(ix) as index:
        assert index.get("ekspor.csv#3").title == "Judul yang diperbaiki"


def test_rows_are_counted_for_the_progress_bar(tmp_path):
    write_csv(tmp_path / "a.csv", ["judul", "isi"], [["a", "b"], ["c", "d"], ["e", "f"]])
    (tmp_path / "b.json").write_text(json.dumps(RECORDS[:4]), encoding="utf-8")
    assert estimate_count([tmp_path]) == 7


# --------------------------------------------------------------------------- JSON arrays

def test_a_json_array_is_read_as_json_lines_are(tmp_path):
    records = [*RECORDS[:3], {"title": "tanpa isi"}, "bukan objek", {"body": "Isi tanpa id."}]
    path = tmp_path / "data.json"
    path.write_text(json.dumps(records, indent=2, ensure_ascii=False), encoding="utf-8")
    articles, report = read(path)
    assert [a.id for a in articles] == [r["id"] for r in RECORDS[:3]] + ["data.json#6"]
    assert reasons(report) == {"data.json:4": "bad record: record has no text body",
                               "data.json:5": "bad record: record is not a JSON object"}


@pytest.mark.parametrize(("text", "kept", "where", "reason"), [
    ('{"body": "satu"}', 0, "data.json", "not a JSON array of records"),
    ('[{"body": "satu"}, {"body": "dua"', 1, "data.json:2", "unreadable after record 1"),
    ('[{"body": "satu"}, nonsense]', 1, "data.json:2", "unreadable after record 1"),
    ('[]', 0, None, None),
    ('  [ {"body": "satu"} ,{"body": "dua", "id": 12345678901234567890} ]  ', 2, None, None),
])
def test_a_damaged_json_array_keeps_what_came_before(tmp_path, text, kept, where, reason):
    path = tmp_path / "data.json"
    path.write_text(text, encoding="utf-8")
    articles, report = read(path)
    assert len(articles) == kept
    if reason is None:
        assert report.skipped == []
    else:
        assert reason in reasons(report)[where]


def test_a_long_json_array_is_read_in_pieces(tmp_path):
    records = [{"id": f"r{n}", "body": f"Isi berita nomor {n}. " * 50, "n": n * 1.5} for n in range(400)]
    path = tmp_path / "data.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    articles, report = read(path)
    assert report.skipped == [] and [a.id for a in articles] == [r["id"] for r in records]


# --------------------------------------------------------------------------- Parquet

def write_parquet(path: Path, columns: dict[str, list], row_group_size: int = 3) -> Path:
    pyarrow = pytest.importorskip("pyarrow")
    parquet = pytest.importorskip("pyarrow.parquet")
    parquet.write_table(pyarrow.table(columns), path, row_group_size=row_group_size)
    return path


def test_a_parquet_data_set(tmp_path):
    records = RECORDS[:7]
    path = write_parquet(tmp_path / "data.parquet", {
        "article_id": list(range(100, 107)),
        "Judul": [r["title"] for r in records],
        "Isi Berita": [r["body"] if n != 3 else None for n, r in enumerate(records)],
        "published": [datetime.fromisoformat(r["date"]) for r in records],
        "Kategori": [r["category"] for r in records],
    })
    articles, report = read(path, columns=ColumnMap.parse("id=article_id"))
    assert reasons(report) == {"data.parquet:4": "bad record: record has no text body"}
    assert [a.id for a in articles] == ["100", "101", "102", "104", "105", "106"]
    assert articles[0].date is not None and articles[0].date.date().isoformat() == records[0]["date"][:10]
    assert articles[0].category == records[0]["category"]
    assert estimate_count([path]) == 7


def test_a_parquet_file_with_no_body_column(tmp_path):
    path = write_parquet(tmp_path / "data.parquet", {"Headline": ["a"], "Story": ["b"]})
    articles, report = read(path)
    assert articles == [] and "'Headline', 'Story'" in reasons(report)["data.parquet"]
    articles, report = read(path, columns=ColumnMap.parse("body=Story"))
    assert [a.id for a in articles] == ["data.parquet#1"] and report.skipped == []


def test_parquet_without_pyarrow_says_how_to_install_it(tmp_path, monkeypatch):
    path = tmp_path / "data.parquet"
    path.write_bytes(b"PAR1 not really PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    articles, report = read(path)
    assert articles == [] and reasons(report) == {"data.parquet": PARQUET_EXTRA}
    assert "pip install -e '.[parquet]'" in PARQUET_EXTRA


def test_a_damaged_parquet_file_is_one_skip(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "data.parquet"
    path.write_bytes(b"PAR1 not really PAR1")
    articles, report = read(path)
    assert articles == [] and reasons(report)["data.parquet"].startswith("cannot read")
