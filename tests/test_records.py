"""The index is the archive of record: a bad record never costs the others, and nothing stored breaks a view.

A record's text that UTF-8 cannot encode (a JSON escape of a lone surrogate,
``"\\ud800"``) becomes U+FFFD as it is read, in every field, the id too; a
date outside 1900-2100 is dropped; each change is a note naming the record.
``to_document`` refuses what the index still cannot hold with a reason,
before anything is written. An index an older version wrote may hold lone
surrogates in its stored text: every view of it shows U+FFFD instead of
failing. A batch of queries that is not UTF-8 is refused before any runs.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from conftest import SAMPLE_JSONL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.filedb.filestore import RamStorage

import search
import search.indexing.session
import search.ingest.jsonl
import search.store.schema
from search.articles import STRING_FIELDS, Article, NoteKind, ReadReport, sanitize, summarize
from search.cli import main
from search.errors import UnwritableRecordError
from search.ingest import pool, read_articles, read_file
from search.store.codec import ArrayCodec
from search.store.generation import Generation
from search.store.schema import JOINED_FIELDS, build_schema, to_article, to_document
from search.store.segments import SegmentBuilder

R = "\ufffd"
WIB = timezone(timedelta(hours=7))


def read(*paths):
    report = ReadReport()
    return list(read_articles(paths, report)), report


# -- read time: each record repaired on its own, and noted ------------------------------------

# (the record's JSON text, the field to look at, its value once read, the kinds of note)
RECORDS = [
    (r'{"id": "bad\ud800", "body": "Isi berita."}', "id", f"bad{R}", [NoteKind.CHARACTERS_REPLACED]),
    (r'{"id": "t", "title": "Ju\udc80dul", "body": "Isi."}', "title", f"Ju{R}dul", [NoteKind.CHARACTERS_REPLACED]),
    (r'{"id": "b", "body": "Isi \ud83d tanpa pasangan \udc00."}', "body", f"Isi {R} tanpa pasangan {R}.",
     [NoteKind.CHARACTERS_REPLACED]),
    (r'{"id": "k", "category": "\ud800", "source": "x\udfff", "body": "Isi."}', "source", f"x{R}",
     [NoteKind.CHARACTERS_REPLACED]),
    (r'{"id": "u", "url": "https://contoh.id/\ud800", "summary": "\udbff", "body": "Isi."}', "url",
     f"https://contoh.id/{R}", [NoteKind.CHARACTERS_REPLACED]),
    # A pair is one character: JSON joins it, nothing to repair.
    (r'{"id": "p", "body": "Senyum \ud83d\ude00"}', "body", "Senyum \U0001f600", []),
    # Whoosh, pickle and JSON carry NUL and control characters: kept as written.
    (r'{"id": "c", "body": "Isi \u0000 dan \u001b[31m merah"}', "body", "Isi \x00 dan \x1b[31m merah", []),
    (r'{"id": "d", "date": "0001-01-01", "body": "Isi."}', "date", None, [NoteKind.DATE_DROPPED]),
    (r'{"id": "d", "date": "9999-12-31T23:59:59+07:00", "body": "Isi."}', "date", None, [NoteKind.DATE_DROPPED]),
    (r'{"id": "d", "date": "1899-12-31T23:59:59+00:00", "body": "Isi."}', "date", None, [NoteKind.DATE_DROPPED]),
    (r'{"id": "d", "date": "1900-01-01T00:00:00+07:00", "body": "Isi."}', "date",
     datetime(1900, 1, 1, tzinfo=WIB), []),
    (r'{"id": "d", "date": "2100-12-31T23:59:59-12:00", "body": "Isi."}', "date",
     datetime(2100, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-12))), []),
    (r'{"id": "db", "date": "0001-01-01", "title": "\ud800", "body": "Isi."}', "title", R,
     [NoteKind.CHARACTERS_REPLACED, NoteKind.DATE_DROPPED]),
]


@pytest.mark.parametrize(("record", "name", "expected", "kinds"), RECORDS)
def test_a_record_is_repaired_as_it_is_read_and_noted(tmp_path, record, name, expected, kinds):
    (tmp_path / "records.jsonl").write_text(f'{{"id": "before", "body": "Isi."}}\n{record}\n', encoding="utf-8")
    (before, article), report = read(tmp_path / "records.jsonl")
    assert getattr(article, name) == expected
    assert [note.kind for note in article.notes] == kinds
    assert all(note.where == "records.jsonl:2" for note in article.notes)
    assert article.origin == "records.jsonl:2" and before.origin == "records.jsonl:1"
    assert report.notes == article.notes and not report.skipped and not before.notes
    to_document(article)  # the index can hold it


def test_notes_say_what_changed_and_where(tmp_path):
    (tmp_path / "records.jsonl").write_text("\n".join([
        r'{"id": "a\ud800", "body": "Isi \udc00 dan \udc01."}',
        r'{"id": "b", "date": "0001-01-01", "body": "Isi."}',
        r'{"id": "c", "title": "\ud800", "body": "Isi."}',
    ]), encoding="utf-8")
    _, report = read(tmp_path / "records.jsonl")
    assert [str(note) for note in report.notes] == [
        "records.jsonl:1: 3 characters UTF-8 cannot encode replaced by U+FFFD (in id, body)",
        "records.jsonl:2: date 0001-01-01 is outside the years 1900-2100; indexed without a date",
        "records.jsonl:3: 1 character UTF-8 cannot encode replaced by U+FFFD (in title)",
    ]
    assert summarize(report.notes) == [
        "2 records had characters UTF-8 cannot encode replaced by U+FFFD",
        "1 record had a date outside the years 1900-2100, dropped",
    ]


def test_a_file_name_that_is_not_utf8_makes_a_readable_id(tmp_path, seed_page=None):
    name = os.fsdecode(b"berita-\xff.txt")  # the undecodable byte is a lone surrogate in the name
    try:
        (tmp_path / name).write_text("Judul\n\nHujan deras membuat sungai meluap di kota.\n", encoding="utf-8")
    except (OSError, UnicodeError):
        pytest.skip("this file system does not take a name that is not UTF-8")
    (article,), report = read(tmp_path)
    assert article.id == article.path == f"berita-{R}.txt"
    assert [note.kind for note in report.notes] == [NoteKind.CHARACTERS_REPLACED]
    to_document(article)


def test_pages_parsed_in_workers_are_repaired_and_noted_as_read_here(tmp_path):
    text = " ".join(["Hujan deras membuat sungai meluap dan merendam rumah warga."] * 8)
    names = [f"{n:03d}.html" for n in range(pool.MIN_POOL_PAGES + 2)] + [os.fsdecode(b"berita-\xff.html")]
    try:
        for n, name in enumerate(names):
            (tmp_path / name).write_text(f"<html><body><h1>Judul {n}</h1><article><p>{text}</p></article>"
                                         "</body></html>", encoding="utf-8")
    except (OSError, UnicodeError):
        pytest.skip("this file system does not take a name that is not UTF-8")
    paths = sorted(tmp_path.iterdir())

    def seen(items):
        return [(a.id, a.path, a.origin, a.notes, a.body) if isinstance(a, Article) else a for a in items]

    with pool.PageReader(paths, workers=2) as reader:
        parallel = [seen(reader.read(path, path.name)) for path in paths]
    assert parallel == [seen(read_file(path, path.name)) for path in paths]
    assert parallel[-1][0][:2] == (f"berita-{R}.html", f"berita-{R}.html")
    assert [note.kind for note in parallel[-1][0][3]] == [NoteKind.CHARACTERS_REPLACED]


# -- to_document: any article is written, or refused with a reason ----------------------------

# (what is wrong with the article, the reason given)
UNWRITABLE = [
    (Article(id="x\ud800", body="Isi."), "the record's id holds characters UTF-8 cannot encode"),
    (Article(id="x", body="Isi \udfff."), "the record's body holds characters UTF-8 cannot encode"),
    (Article(id="x", body="Isi.", date=datetime(1, 1, 1, tzinfo=WIB)),
     "the record's date 0001-01-01 is outside the years 1900-2100"),
    (Article(id="x", body="Isi.", date=datetime(9999, 12, 31, 23, tzinfo=timezone(-timedelta(hours=12)))),
     "the record's date 9999-12-31 is outside the years 1900-2100"),
    (Article(id="x", body=12), "the record's body is not text (int)"),  # type: ignore[arg-type]
    (Article(id="x", body="Isi.", date="2021-03-17"), "the record's date is not a date and time (str)"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("article", "reason"), UNWRITABLE)
def test_an_article_the_index_cannot_hold_is_refused_with_a_reason(article, reason):
    with pytest.raises(UnwritableRecordError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        to_document(article)


def test_duplicate_keys_the_index_cannot_hold_are_refused():
    with pytest.raises(UnwritableRecordError, match="the record's url_key holds characters"):
        to_document(Article(id="x", body="Isi."), [("url_key", "contoh.id/\ud800")])


WORDS = ["banjir", "Jakarta", "memiliki", "anak-anak", "Rp50", "yang", "İstanbul", "Covid-19", "5.000"]
# Words, separators, characters UTF-8 cannot encode, control characters, noncharacters, any character.
_pieces = st.one_of(
    st.sampled_from(WORDS), st.sampled_from([" ", "\n", "\t", ", "]),
    st.integers(0xD800, 0xDFFF).map(chr), st.sampled_from(["\x00", "\x1b", "\ufffe", "\uffff", "\U0001f600"]),
    st.characters(),
)
_text = st.lists(_pieces, max_size=30).map("".join)
_zones = st.one_of(
    st.none(), st.just(timezone.utc),
    st.builds(timezone, st.timedeltas(min_value=-timedelta(hours=23, minutes=59),
                                      max_value=timedelta(hours=23, minutes=59))),
    st.timezones(),
)
_dates = st.none() | st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=_zones)
articles = st.builds(
    Article, id=_text, body=st.lists(st.sampled_from(WORDS), min_size=1).map(" ".join) | _text, title=_text,
    date=_dates, category=_text, source=_text, location=_text, author=_text, editor=_text, url=_text,
    summary=_text, path=_text,
)


def _write_and_read_back(document: dict) -> list[dict]:
    """``document`` written by Whoosh's writer and by a full build's segment writer; the articles read back.

    As dicts: a date is then its text, with its offset (datetimes in a zone's repeated hour never equal
    another zone's).
    """
    whoosh = RamStorage().create_index(build_schema())
    with whoosh.writer(codec=ArrayCodec()) as writer:
        writer.add_document(**document)
    built = RamStorage().create_index(build_schema())
    builder = SegmentBuilder(built.storage, built.indexname, built.schema, ArrayCodec(), 8, JOINED_FIELDS)
    builder.add_document(document)
    segments = builder.finish()
    with built.writer(codec=ArrayCodec()) as writer:
        writer.mergetype = lambda _, existing: list(existing) + segments
    found = []
    for ix in (whoosh, built):
        with ix.searcher() as searcher:
            assert searcher.document_number(id=document["id"]) == 0
            found.append(to_article(searcher.stored_fields(0)).to_dict())
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles)
def test_any_article_is_written_or_refused_with_a_reason(article):
    try:
        document = to_document(article)
    except UnwritableRecordError:
        assert sanitize(article, "x").notes  # what it refuses, a reader repairs
        return
    assert _write_and_read_back(document) == [article.to_dict()] * 2


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles)
def test_any_article_sanitised_is_written_and_read_back_as_it_was_repaired(article):
    repaired = sanitize(article, "records.jsonl:7")
    assert all(note.where == "records.jsonl:7" for note in repaired.notes)
    assert all(R not in getattr(repaired, name) or R in getattr(article, name) or repaired.notes
               for name in STRING_FIELDS)
    assert _write_and_read_back(to_document(repaired)) == [repaired.to_dict()] * 2


# -- through the command line: the good records beside a bad one are indexed ------------------

def _bad_records(path):
    good = SAMPLE_JSONL.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([
        good[0],
        r'{"id": "bad\ud800", "body": "Banjir merendam rumah warga di tepi sungai."}',
        r'{"id": "kuno", "date": "0001-01-01", "body": "Arsip kuno tanpa tanggal yang benar."}',
        r'{"id": "isi", "title": "Judul \udc80", "body": "Kebakaran \ud800 melanda pasar zebrakuda."}',
        good[1],
    ]) + "\n", encoding="utf-8")


@pytest.mark.parametrize("command", ["index", "add"])
def test_a_bad_record_does_not_cost_its_batch(tmp_path, command):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    if command == "add":  # an index to add to
        (seeds / "first.jsonl").write_text(SAMPLE_JSONL.read_text(encoding="utf-8").splitlines()[2] + "\n",
                                           encoding="utf-8")
        assert CliRunner().invoke(main, ["index", str(seeds), "--index", str(tmp_path / "ix")]).exit_code == 0
    _bad_records(seeds / "records.jsonl")
    result = CliRunner().invoke(main, [command, str(seeds / "records.jsonl"), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0, result.output
    # Each repair is named with its file and line, and counted.
    assert "note records.jsonl:3: date 0001-01-01 is outside the years 1900-2100; indexed without a date" \
        in result.output
    assert "repaired: 2 records had characters UTF-8 cannot encode replaced by U+FFFD" in result.output
    with search.open_index(tmp_path / "ix") as index:
        assert index.stats().articles == 5 + (command == "add")
        assert index.get(f"bad{R}").body.startswith("Banjir")
        assert index.get("kuno").date is None
        assert index.get("isi").body == f"Kebakaran {R} melanda pasar zebrakuda."
    # Asked for as written, or with the undecodable byte a command line turns into a lone surrogate
    for asked in (f"bad{R}", "bad\udcff"):
        shown = CliRunner().invoke(main, ["show", asked, "--json", "--index", str(tmp_path / "ix")])
        assert shown.exit_code == 0 and json.loads(shown.stdout)["id"] == f"bad{R}"


# -- an index an older version wrote: stored text UTF-8 cannot encode -------------------------

LEGACY = [
    {"id": "lama", "title": "Zebrakuda lama \ud800", "summary": "Ringkasan \udc00",
     "body": "Zebrakuda \ud800 terlihat di kebun binatang kota. Zebrakuda itu makan rumput.", "editor": "Sari\udfff"},
    {"id": "lama-2", "title": "Zebrakuda kedua",
     "body": "Zebrakuda \udc80 kedua terlihat di kebun binatang kota. Zebrakuda itu makan rumput."},
]


@pytest.fixture(scope="module")
def legacy_index(tmp_path_factory):
    """An index whose stored title, body, summary and editor hold lone surrogates, as older versions wrote them."""
    root = tmp_path_factory.mktemp("legacy")
    (root / "seeds").mkdir()
    (root / "seeds" / "lama.jsonl").write_text(
        SAMPLE_JSONL.read_text(encoding="utf-8") + "\n".join(json.dumps(record) for record in LEGACY) + "\n",
        encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:  # the version before: nothing repaired, nothing refused
        patch.setattr(search.ingest.jsonl, "sanitize", lambda article, where: article)
        patch.setattr(search.store.schema, "check_writable", lambda article, keys=(): None)
        search.build_index([root / "seeds"], root / "ix")
    with Generation.open_current(root / "ix") as generation:  # (to_article repairs it: look at what is stored)
        whoosh = generation.searcher
        assert "\ud800" in whoosh.stored_fields(whoosh.document_number(id="lama"))["body"]
    return root / "ix"


@pytest.mark.parametrize("args", [
    ["show", "lama"], ["show", "lama", "--json"], ["query", "zebrakuda"], ["query", "zebrakuda", "--json"],
    ["query", "zebrakuda", "--format", "csv"], ["query", "zebrakuda", "--format", "jsonl"],
    ["query", "zebrakuda", "--format", "jsonl", "--all"], ["query", "zebrakuda", "--format", "csv", "--all"],
    ["similar", "lama-2", "--json"], ["similar", "lama-2"],
])
def test_stored_text_utf8_cannot_encode_is_shown_as_a_replacement(legacy_index, args):
    result = CliRunner().invoke(main, [*args, "--index", str(legacy_index)])
    assert result.exit_code == 0, result.output
    assert R in result.stdout
    if "--json" in args:
        assert R in json.dumps(json.loads(result.stdout), ensure_ascii=False)


def test_the_web_shows_stored_text_utf8_cannot_encode_as_a_replacement(legacy_index):
    pytest.importorskip("starlette", reason="the web extra is not installed: pip install -e '.[web]'")
    from starlette.testclient import TestClient

    from search.web import create_app

    with TestClient(create_app(legacy_index)) as client:
        for url, params in [("/api/search", {"q": "zebrakuda"}), ("/api/articles/lama", {}),
                            ("/articles/lama", {}), ("/articles/lama-2", {}), ("/", {"q": "zebrakuda"}),
                            ("/api/similar/lama-2", {}), ("/export", {"q": "zebrakuda", "format": "csv"}),
                            ("/export", {"q": "zebrakuda", "format": "jsonl"})]:
            response = client.get(url, params=params)
            assert response.status_code == 200, (url, response.text[:300])
            assert R in response.text, url
        assert client.get("/api/articles/lama").json()["body"].startswith(f"Zebrakuda {R} terlihat")


# -- search run: a batch of queries that is not UTF-8 ------------------------------------------

# (the file's bytes, the one line said, or None when it runs)
QUERY_FILES = [
    (b"qid\tquery\n1\tbanjir\n2\tkota \xff x\n", "q.tsv line 3 is not UTF-8 (byte 0xff at column 8); save it as UTF-8"),
    (b"1\tcaf\xe9 baru\n", "q.tsv line 1 is not UTF-8 (byte 0xe9 at column 6); save it as UTF-8"),
    (b"1\tbanjir\n2\tjalan \xc3", "q.tsv line 2 is not UTF-8 (byte 0xc3 at column 9); save it as UTF-8"),
    (b"1\t\xc3\xa9t\xc3\xa9 \x80\n", "q.tsv line 1 is not UTF-8 (byte 0x80 at column 7); save it as UTF-8"),
    (b"\xef\xbb\xbfqid\tquery\n1\tbanjir\r\n", None),  # a byte-order mark, as spreadsheets save UTF-8
]


@pytest.mark.parametrize(("data", "said"), QUERY_FILES)
def test_a_batch_of_queries_that_is_not_utf8_runs_none_of_them(small_index, tmp_path, monkeypatch, data, said):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "q.tsv").write_bytes(data)
    result = CliRunner().invoke(main, ["run", "q.tsv", "--index", str(small_index)])
    if said is None:
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[0].startswith("1 Q0 ") and not result.stderr
        return
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: {said}\n"
