"""``search serve``: the API and the pages through Starlette's TestClient, the page in
a real headless Chromium, and a short run of the load test."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import FIXTURES, SAMPLE_JSONL, SEED_ARTICLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import search

pytest.importorskip("starlette", reason="the web extra is not installed: pip install -e '.[web]'")

from starlette.testclient import TestClient  # noqa: E402
from webserver import running_server, window  # noqa: E402
from webserver import wait_for as _wait  # noqa: E402

from search.results import Hit, QueryWord, QueryWords, WordForms  # noqa: E402
from search.web import create_app, present  # noqa: E402

SEED_ID = "000_b21858542a778c68.txt"
XSS_ID = "arsip/2021/uji xss?#1"
XSS_TITLE = 'Awas <script>window.__xss=1</script> <img src=x onerror="window.__xss=2"> zebrakuda'
XSS_RECORD = {
    "id": XSS_ID,
    "title": XSS_TITLE,
    "body": ("Berita uji zebrakuda. <script>window.__xss=3</script> Teks ini memuat "
             '<img src=x onerror="window.__xss=4"> dan <a href="javascript:window.__xss=5">tautan</a>.\n\n'
             "Paragraf kedua tentang zebrakuda yang dimiliki warga."),
    "date": "2021-03-17T17:36:00+07:00",
    "category": "<i>Uji</i>",
    "source": "<b>sumber</b>",
    "url": "javascript:window.__xss=6",
}


def _corpus(folder, extra=()):
    folder.mkdir(parents=True)
    shutil.copy(SEED_ARTICLE, folder)
    shutil.copy(SAMPLE_JSONL, folder)
    (folder / "extra.jsonl").write_text("\n".join(json.dumps(r) for r in [XSS_RECORD, *extra]),
                                        encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def web_index(tmp_path_factory):
    """The fixture corpus, plus an article full of HTML whose id holds a slash, a
    space, '?' and '#'. Treat as read-only."""
    root = tmp_path_factory.mktemp("web")
    search.build_index([_corpus(root / "corpus")], root / "ix")
    return root / "ix"


@pytest.fixture(scope="module")
def client(web_index):
    with TestClient(create_app(web_index)) as test_client:
        yield test_client


# -- the API -------------------------------------------------------------------

def test_api_search_is_the_cli_json(client, web_index):
    response = client.get("/api/search", params={"q": "milik dinas", "limit": 5, "facets": "true"})
    assert response.status_code == 200
    with search.open_index(web_index) as index:
        expected = index.search("milik dinas", limit=5, facets=True).to_dict()
    assert response.json() == expected
    assert response.json()["hits"][0]["id"] == SEED_ID
    assert "<mark>memiliki</mark>" in " ".join(response.json()["hits"][0]["highlights"])
    assert "facets" in response.json()


def test_api_search_options(client):
    data = client.get("/api/search", params={"q": "kata", "limit": 3, "page": 2, "sort": "-date"}).json()
    assert (data["page"], data["limit"], len(data["hits"])) == (2, 3, 3)
    assert all(hit["score"] is None for hit in data["hits"])
    dated = client.get("/api/search", params={"q": "kata", "from": "2017", "to": "2017"}).json()
    assert dated["total"] > 0 and all(hit["date"].startswith("2017") for hit in dated["hits"])
    assert client.get("/api/search", params={"q": "pmerintah"}).json()["suggestion"] == "pemerintah"


def test_api_article_similar_stats(client):
    article = client.get(f"/api/articles/{SEED_ID}").json()
    assert article["id"] == SEED_ID and article["author"] == "Imel"
    assert set(article) == set(search.Article(id="x", body="").to_dict())
    similar = client.get(f"/api/similar/{SEED_ID}", params={"limit": 3}).json()
    assert similar["id"] == SEED_ID and 0 < len(similar["hits"]) <= 3
    assert SEED_ID not in [hit["id"] for hit in similar["hits"]]
    stats = client.get("/api/stats").json()
    assert stats["articles"] == 24 and "body" in stats["fields"]


def test_api_ids_with_slashes_and_reserved_characters(client):
    from urllib.parse import quote

    response = client.get("/api/articles/" + quote(XSS_ID, safe=""))
    assert response.status_code == 200 and response.json()["id"] == XSS_ID
    assert client.get("/api/similar/" + quote(XSS_ID, safe="")).status_code == 200


@pytest.mark.parametrize("url, status, words", [
    ("/api/search", 400, "q is required"),
    ("/api/search?q=x&limit=101", 400, "limit"),
    ("/api/search?q=x&limit=0", 400, "limit"),
    ("/api/search?q=x&limit=ten", 400, "whole number"),
    ("/api/search?q=x&page=0", 400, "page"),
    ("/api/search?q=x&page=100000", 400, "page"),
    ("/api/search?q=x&sort=random", 400, "sort"),
    ("/api/search?q=x&facets=maybe", 400, "facets"),
    ("/api/search?q=x&from=bogus", 400, "not a date"),
    ("/api/search?q=" + "a" * 501, 400, "longer than 500"),
    ("/api/articles/no-such-id", 404, "no-such-id"),
    ("/api/similar/no-such-id", 404, "no-such-id"),
    ("/api/similar/x?limit=1000", 400, "limit"),
    ("/api/nothing-here", 404, "not found"),
])
def test_api_errors_are_json(client, url, status, words):
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["status"] == status and words in response.json()["error"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=80), page_q=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40),
       sort=st.sampled_from(["", "relevance", "-date", "terlama", "x"]), date=st.text(max_size=12))
def test_any_parameters_get_an_answer_not_a_crash(client, q, page_q, sort, date):
    api = client.get("/api/search", params={"q": q, "sort": sort, "from": date})
    assert api.status_code in (200, 400)
    assert ("error" in api.json()) == (api.status_code == 400)
    page = client.get("/", params={"q": page_q, "kategori": page_q, "to": date, "sort": sort})
    assert page.status_code in (200, 400)
    article = client.get("/articles/" + quote(page_q or "x", safe=""), params={"q": q})
    assert article.status_code in (200, 404)


def test_api_is_read_only(client):
    response = client.post("/api/search?q=x")
    assert response.status_code == 405 and response.json()["status"] == 405
    assert client.delete(f"/api/articles/{SEED_ID}").status_code == 405


def test_unexpected_failure_is_no_stack_trace(web_index, monkeypatch):
    def broken(self):
        raise RuntimeError("secret detail /etc/passwd")

    monkeypatch.setattr(search.Index, "stats", broken)
    with TestClient(create_app(web_index), raise_server_exceptions=False) as test_client:
        response = test_client.get("/api/stats")
        page = test_client.get("/?q=x")  # the page still works
    assert response.status_code == 500
    assert response.json() == {"error": "internal error", "status": 500}
    assert "secret" not in response.text and "Traceback" not in response.text
    assert page.status_code == 200


def test_openapi_describes_every_api_route(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    spec = response.json()
    assert spec["openapi"].startswith("3.") and spec["info"]["title"]
    described = set(spec["paths"])
    assert described == {"/api/search", "/api/articles/{id}", "/api/similar/{id}", "/api/stats",
                         "/api/values/{field}", "/api/timeline", "/api/words", "/export", "/feed"}
    search_op = spec["paths"]["/api/search"]["get"]
    assert {p["name"] for p in search_op["parameters"]} == {"q", "limit", "page", "sort", "from", "to", "facets",
                                                                 "forms"}
    assert {"200", "400"} <= set(search_op["responses"])

    def refs(node):
        if isinstance(node, dict):
            yield from ([node["$ref"]] if "$ref" in node else [])
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(spec):  # every reference resolves
        target = spec
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
    # Each path described answers (the ids and field filled in).
    for path in described:
        url = path.replace("{id}", SEED_ID).replace("{field}", "category")
        assert client.get(url, params={"q": "banjir"}).status_code == 200, url
    assert 'href="/api/openapi.json"' in client.get("/").text


def test_api_values_is_the_cli_json(client, web_index):
    with search.open_index(web_index) as index:
        expected = [value.to_dict() for value in index.values("category")]
    assert client.get("/api/values/category").json() == expected
    assert client.get("/api/values/kategori", params={"limit": 2}).json() == expected[:2]
    assert client.get("/api/values/penulis").json() == [{"value": "Imel", "count": 1}]
    bad = client.get("/api/values/body")
    assert bad.status_code == 400 and "no field 'body'" in bad.json()["error"]
    assert client.get("/api/values/category?limit=0").status_code == 400


def test_export(client):
    total = client.get("/api/search?q=kata").json()["total"]
    lines = client.get("/export", params={"q": "kata", "format": "jsonl"}).text.split("\n")[:-1]
    assert len(lines) == total and json.loads(lines[0])["id"]
    response = client.get("/export", params={"q": "kata", "kategori": "tajuk utama", "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert 0 < len(rows) < total and list(rows[0]) == list(search.index.EXPORT_FIELDS)
    assert all(row["category"] == "tajuk utama" for row in rows)
    assert client.get("/export?q=x&format=xml").status_code == 400
    assert 'href="/export?q=kata&amp;format=csv"' in client.get("/?q=kata").text


def test_slow_index_call_is_a_503(web_index, monkeypatch):
    release = threading.Event()
    original = search.Index.stats

    def slow(self):
        release.wait(30)
        return original(self)

    monkeypatch.setattr(search.Index, "stats", slow)
    app = create_app(web_index, timeout=0.5, readers=1)
    with TestClient(app) as test_client:
        try:
            response = test_client.get("/api/stats")  # no answer within the timeout
            busy = test_client.get(f"/api/articles/{SEED_ID}")  # the one index is still busy
        finally:
            release.set()
        assert response.status_code == 503 and response.json()["status"] == 503
        assert "within 0.5 s" in response.json()["error"]
        assert busy.status_code == 503
        assert test_client.get(f"/api/articles/{SEED_ID}").status_code == 200


def test_requests_are_answered_in_parallel(web_index, monkeypatch):
    """Two calls run at once, each with an index of its own: with one shared index
    the second would wait for the first, which waits for the second. (Without the
    cache, which would have the second wait for the first's answer to the same request.)"""
    both = threading.Barrier(2, timeout=20)
    seen = []
    original = search.Index.stats

    def meeting(self):
        seen.append(id(self))
        both.wait()  # returns only when the other call is running too
        return original(self)

    monkeypatch.setattr(search.Index, "stats", meeting)
    with TestClient(create_app(web_index, readers=2, timeout=30, cache_entries=0)) as test_client:
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda _: test_client.get("/api/stats"), range(2)))
    assert [answer.status_code for answer in answers] == [200, 200]
    assert len(set(seen)) == 2  # two indexes, never one shared by two threads


def test_readers_are_the_pools_size(web_index):
    assert create_app(web_index, readers=3).state.index.size == 3
    assert create_app(web_index).state.index.size == 2


def test_export_streams_while_other_requests_are_answered(web_index, monkeypatch):
    """An export being read holds no index the other requests need, and its rows are
    read in the thread pool, not on the event loop: a search is answered while
    the export waits in the middle of its rows."""
    reached, release = threading.Event(), threading.Event()
    original = search.Index.export

    def gated(self, *args, **kwargs):
        found = original(self, *args, **kwargs)
        rows = found._rows

        def paced():
            for number, row in enumerate(rows):
                if number == 3:
                    reached.set()
                    release.wait(30)
                yield row
        found._rows = paced()
        return found

    monkeypatch.setattr(search.Index, "export", gated)
    app = create_app(web_index, readers=1, timeout=5)
    with TestClient(app) as test_client:
        total = test_client.get("/api/search", params={"q": "kata"}).json()["total"]
        with ThreadPoolExecutor(1) as pool:
            download = pool.submit(test_client.get, "/export", params={"q": "kata", "format": "jsonl"})
            try:
                assert reached.wait(30), "the export never started"
                during = test_client.get("/api/search", params={"q": "milik dinas"})
                page = test_client.get("/", params={"q": "banjir"})
            finally:
                release.set()
            exported = download.result(60)
    assert during.status_code == 200 and during.json()["hits"][0]["id"] == SEED_ID
    assert page.status_code == 200
    assert exported.status_code == 200 and len(exported.text.splitlines()) == total


def test_export_errors_come_before_the_stream(client):
    response = client.get("/export", params={"q": "banjir", "from": "bogus"})
    assert response.status_code == 400 and "not a date" in response.json()["error"]
    empty = client.get("/export", params={"q": "zzzqqqxxyy", "format": "csv"})
    assert empty.status_code == 200 and empty.text.splitlines() == [",".join(search.index.EXPORT_FIELDS)]


def test_a_running_server_sees_updates(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(SEED_ARTICLE, corpus)
    search.build_index([corpus], tmp_path / "ix")
    with TestClient(create_app(tmp_path / "ix", refresh_seconds=0.2)) as test_client:
        assert test_client.get("/api/search?q=kudanil").json()["total"] == 0
        new = tmp_path / "new.jsonl"
        new.write_text(json.dumps({"id": "baru", "title": "Kudanil lepas", "body": "Seekor kudanil lepas."}))
        search.add_articles([new], tmp_path / "ix")
        deadline = time.monotonic() + 10
        while test_client.get("/api/search?q=kudanil").json()["total"] != 1:
            assert time.monotonic() < deadline, "the server never saw the added article"
            time.sleep(0.1)
        search.remove_articles(["baru"], tmp_path / "ix")
        while test_client.get("/api/articles/baru").status_code != 404:
            assert time.monotonic() < deadline, "the server never saw the removal"
            time.sleep(0.1)


# -- the pages -----------------------------------------------------------------

def _no_inline_script(html: str) -> bool:
    return all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", html))


def test_landing_page(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "24 artikel" in response.text and "Cara mencari" in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert _no_inline_script(response.text)


def test_results_page(client):
    html = client.get("/", params={"q": "milik dinas"}).text
    assert "<mark>Miliki</mark> <mark>Dinas</mark>" in html  # the title, marked
    assert "<mark>memiliki</mark>" in html  # a snippet
    assert "Rabu, 17 Maret 2021 17:36 WIB" in html
    assert re.search(r"<b>milik</b> →\s*memiliki", html)  # why it matched
    assert 'href="/?q=milik+dinas&amp;kategori=Politik"' in html  # a facet
    assert re.search(r'href="/\?q=milik\+dinas&amp;from=2017&amp;to=2017"', html)  # the histogram
    assert f'href="/articles/{SEED_ID}?q=milik+dinas"' in html
    assert _no_inline_script(html)


def test_author_and_location_facets(client):
    data = client.get("/api/search", params={"q": "milik dinas", "facets": "true"}).json()
    # (the other locations are the places of IndoSum bodies' datelines)
    assert data["facets"]["author"]["Imel"] == 1 and data["facets"]["location"]["Kota Sawahlunto"] == 1
    html = client.get("/", params={"q": "milik dinas"}).text
    assert 'data-facet="author"' in html and 'data-facet="location"' in html
    assert 'href="/?q=milik+dinas&amp;penulis=Imel"' in html
    assert 'href="/?q=milik+dinas&amp;lokasi=Kota+Sawahlunto"' in html
    narrowed = client.get("/", params={"q": "milik dinas", "lokasi": "Kota Sawahlunto"}).text
    assert re.search(r"<strong>1</strong> hasil", narrowed) and SEED_ID in narrowed
    assert "Kota Sawahlunto ✕" in narrowed


def test_results_page_state_in_url(client):
    html = client.get("/", params={"q": "kata", "kategori": "tajuk utama", "sort": "terbaru"}).text
    assert "tajuk utama ✕" in html  # the active filter, removable
    assert 'href="/?q=kata&amp;sort=terbaru"' in html  # the link that removes it
    assert '<option value="terbaru" selected>' in html
    page_two = client.get("/", params={"q": "kata", "page": 2}).text
    assert "menampilkan 11–" in page_two and 'rel="prev" href="/?q=kata"' in page_two
    assert 'id="suggestion"' in client.get("/", params={"q": "pmerintah"}).text
    stop = client.get("/", params={"q": "yang banjir -jakarta"}).text
    assert "tidak dicari: yang" in stop and "memuat jakarta" in stop
    assert "Catatan: tidak ada kolom “foo”" in client.get("/", params={"q": "foo:bar banjir"}).text


def _page_links(html: str) -> list[str]:
    """The links to pages, but the one to the page in the other language."""
    html = re.sub(r'<a id="language"[^>]*>', "", html)
    return [link for link in re.findall(r'href="(/[^"]*)"', html)
            if not link.startswith(("/static/", "/api/", "/export"))]


def test_english_labels_are_kept_in_every_link(client):
    html = client.get("/", params={"q": "kata", "lang": "en"}).text
    assert '<html lang="en">' in html and "Why it matched:" in html and "Mengapa cocok" not in html
    assert re.search(r"<strong>16</strong> results \(\d+\.\d\d seconds\) · showing 1–10", html)
    assert '<option value="relevansi" selected>Relevance</option>' in html and ">Category</h2>" in html
    assert '<input type="hidden" name="lang" value="en">' in html  # a new search keeps it
    links = _page_links(html)
    assert len(links) > 10
    assert all("lang=en" in link for link in links), links
    assert 'id="language" href="/?q=kata" hreflang="id">Bahasa Indonesia</a>' in html
    article = client.get(f"/articles/{SEED_ID}", params={"q": "milik", "lang": "en"}).text
    assert "Wednesday, 17 March 2021 17:36 WIB" in article and "Similar articles" in article
    assert all("lang=en" in link for link in _page_links(article))
    assert "Page or article not found." in client.get("/articles/none", params={"lang": "en"}).text
    landing = client.get("/", params={"lang": "en"}).text
    assert "Search 24 news articles." in landing and "How to search" in landing
    assert 'href="/?lang=en&amp;q=milik"' in landing  # the help's examples too


def test_indonesian_is_the_default(client):
    html = client.get("/", params={"q": "kata"}).text
    assert '<html lang="id">' in html and "Mengapa cocok:" in html
    assert not any("lang=" in link for link in _page_links(html))
    assert 'id="language" href="/?q=kata&amp;lang=en" hreflang="en">English</a>' in html
    assert "Mengapa cocok:" in client.get("/", params={"q": "kata", "lang": "xx"}).text


def test_filter_only_page(client):
    html = client.get("/", params={"kategori": "Politik"}).text
    assert SEED_ID in html
    dated = client.get("/", params={"from": "2021-03", "to": "2021-03"}).text
    assert re.search(r'<strong>2</strong> hasil', dated) and SEED_ID in dated
    for listed in (html, dated):  # listed newest first, and the sort says so
        assert '<option value="terbaru" selected>' in listed
        assert '<option value="relevansi" selected>' not in listed
    oldest = client.get("/", params={"kategori": "Politik", "sort": "terlama"}).text
    assert '<option value="terlama" selected>' in oldest
    ranked = client.get("/", params={"q": "kata"}).text
    assert '<option value="relevansi" selected>' in ranked


def test_page_errors(client):
    response = client.get("/", params={"q": "banjir", "from": "bogus"})
    assert response.status_code == 400 and "not a date" in response.text
    assert client.get("/", params={"q": "x", "page": "abc"}).status_code == 400
    missing = client.get("/articles/no-such-id")
    assert missing.status_code == 404 and "tidak ditemukan" in missing.text
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/%2e%2e/app.py").status_code == 404


def test_article_page(client):
    html = client.get(f"/articles/{SEED_ID}", params={"q": "milik dinas"}).text
    assert "<h1>Sawahlunto Menjadi Kota Terakhir <mark>Miliki</mark> <mark>Dinas</mark> Kominfo</h1>" in html
    assert "<mark>memiliki</mark>" in html and "Artikel serupa" in html
    assert 'href="/?q=milik+dinas"' in html  # back to the results
    assert 'href="/?penulis=Imel"' in html
    plain = client.get(f"/articles/{SEED_ID}").text
    assert "<mark>" not in plain and "Kembali ke hasil" not in plain
    assert "?q=" not in plain and "&amp;q=" not in plain  # similar articles: no empty query
    dated = client.get(f"/articles/{SEED_ID}", params={"from": "2021-03"}).text
    assert 'class="back" href="/?from=2021-03"' in dated  # back to a listing by date too


def test_untrusted_text_is_escaped(client):
    from urllib.parse import quote

    # The link to the other language leads to the same article, whatever its id holds.
    page = client.get("/articles/" + quote(XSS_ID, safe=""), params={"q": "zebrakuda"}).text
    switch = re.search(r'<a id="language" href="([^"]*)"', page).group(1).replace("&amp;", "&")
    english = client.get(switch)
    assert english.status_code == 200 and "Similar articles" in english.text and XSS_ID in english.text

    for html in (client.get("/", params={"q": "zebrakuda"}).text,
                 client.get("/articles/" + quote(XSS_ID, safe=""), params={"q": "zebrakuda"}).text):
        assert "window.__xss" in html  # the text is shown...
        assert "<script>window" not in html and "<img src=x" not in html  # ...never as markup
        assert "&lt;script&gt;" in html
        assert "javascript:" not in html.replace("javascript:window.__xss=5", "")  # no javascript: link
        assert "<i>Uji</i>" not in html and "<b>sumber</b>" not in html
        assert _no_inline_script(html)


# -- the library of the page ---------------------------------------------------

def test_indonesian_dates():
    wib = timezone(timedelta(hours=7))
    assert present.indonesian_date(datetime(2021, 3, 17, 17, 36, tzinfo=wib)) == "Rabu, 17 Maret 2021 17:36 WIB"
    assert present.indonesian_date(datetime(2016, 2, 14, 9, 5, tzinfo=timezone(timedelta(hours=8)))) == \
        "Minggu, 14 Februari 2016 09:05 WITA"
    assert present.indonesian_date(datetime(2017, 8, 1, tzinfo=wib)) == "Selasa, 1 Agustus 2017"
    assert present.indonesian_date(None) == ""


def test_why_matched_reads_the_engines_words_and_forms():
    """Why it matched: the engine's reading of the query (aimed words counted in their field only)
    and the forms each hit wrote them in (the query's reading itself: tests/test_search_features.py)."""
    words = QueryWords([QueryWord("milik", "milik"), QueryWord("banjir", "banjir"), QueryWord("warga", "warga", "isi")])
    hit = Hit("a", "Rumah Dimiliki Warga", 1.0, forms={
        "milik": WordForms({"dimiliki": 1}, {"memiliki": 2, "pemilik": 1}),
        "warga": WordForms({"warga": 1}, {"warga": 1})})
    why = present.why_matched(words, hit)
    assert why[0].forms == [("memiliki", 2), ("dimiliki", 1), ("pemilik", 1)]
    assert not why[1].found
    assert why[2].forms == [("warga", 1)]


def test_histogram_and_pages():
    unit, bars = present.histogram({"2021-01": 2, "2021-03": 5})
    assert unit == "bulan" and [(b.key, b.count) for b in bars] == [("2021-01", 2), ("2021-02", 0), ("2021-03", 5)]
    assert bars[2].label == "Maret 2021"
    unit, bars = present.histogram({"2016-11": 2, "2018-01": 1, "2019-05": 1})
    assert unit == "tahun" and [(b.key, b.count) for b in bars] == [("2016", 2), ("2017", 0), ("2018", 1), ("2019", 1)]
    assert present.page_numbers(1, 1) == [1]
    assert present.page_numbers(6, 20) == [1, None, 4, 5, 6, 7, 8, None, 20]


def test_safe_url_and_filters():
    assert present.safe_url("https://antaranews.com/x") == "https://antaranews.com/x"
    assert present.safe_url("javascript:alert(1)") is None and present.safe_url(" data:x") is None
    assert present.compose_query("banjir", {"kategori": 'tajuk "utama"', "sumber": ""}) == \
        'banjir kategori:"tajuk  utama"'


def test_serve_command(tmp_path, web_index):
    from click.testing import CliRunner

    from search.cli import main

    assert "--port" in CliRunner().invoke(main, ["serve", "--help"]).output
    missing = CliRunner().invoke(main, ["serve", "--index", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "no index" in missing.output
    for name, value in (("SEARCH_SERVE_READERS", "many"), ("SEARCH_SERVE_WORKERS", "-1")):
        bad = subprocess.run([sys.executable, "-m", "search", "serve", "--index", str(web_index)],
                             env={**os.environ, name: value}, capture_output=True, text=True, timeout=120)
        assert bad.returncode == 2 and name in bad.stderr and "Traceback" not in bad.stderr, bad.stderr
        assert "Serving" not in bad.stderr  # told before it starts
    assert not (tmp_path / "none").exists()


def test_worker_processes_answer_and_stop_with_the_server(web_index):
    """SEARCH_SERVE_WORKERS=2: two processes answer on one port, and stopping the
    server by its process id stops them too."""
    from benchmarks.server import free_port, stop_process

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "search", "serve", "--index", str(web_index), "--port", str(port)],
        env={**os.environ, "SEARCH_SERVE_WORKERS": "2"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = []
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "search serve exited"
            children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/stats", timeout=2) as response:
                    if response.status == 200 and len(children) >= 3:  # 2 workers, multiprocessing's tracker
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the workers never answered"
            time.sleep(0.2)
        workers = [int(pid) for pid in children
                   if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert len(workers) == 2
        for _ in range(6):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=kata", timeout=30) as response:
                assert json.loads(response.read())["total"] == 16
    finally:
        stop_process(process)
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in workers):
        assert time.monotonic() < deadline, "a worker outlived the server"
        time.sleep(0.2)


def test_plain_commands_do_not_import_the_web_stack():
    code = "import sys, search.cli; sys.exit('starlette' in sys.modules or 'uvicorn' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


# -- in a real browser ---------------------------------------------------------

@pytest.fixture(scope="module")
def server(web_index):
    with running_server(web_index) as base:
        yield base


def _no_xss(driver):
    from selenium.common.exceptions import NoAlertPresentException

    assert driver.execute_script("return window.__xss === undefined")
    with pytest.raises(NoAlertPresentException):
        _ = driver.switch_to.alert.text  # no alert was raised by the article


def test_browser_search_filter_page_article_back(browser, server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    assert "artikel berita" in browser.find_element(By.CSS_SELECTOR, ".lead").text
    box = browser.find_element(By.ID, "q")
    box.send_keys("kata", Keys.ENTER)
    _wait(browser, lambda d: d.find_elements(By.ID, "summary"))
    assert browser.find_element(By.ID, "summary").text.startswith("16 hasil")
    assert "q=kata" in browser.current_url
    assert browser.find_elements(By.CSS_SELECTOR, ".hit mark")
    assert "Mengapa cocok" in browser.find_element(By.CSS_SELECTOR, ".why").text

    # Page 2, and back to page 1.
    browser.find_element(By.CSS_SELECTOR, "a[rel=next]").click()
    _wait(browser, lambda d: "page=2" in d.current_url)
    assert "menampilkan 11–16" in browser.find_element(By.ID, "summary").text
    browser.back()
    _wait(browser, lambda d: "page=2" not in d.current_url)
    assert "menampilkan 1–10" in browser.find_element(By.ID, "summary").text

    # A facet narrows the results and shows as a removable filter.
    browser.find_element(By.CSS_SELECTOR, "[data-facet=category] a").click()
    _wait(browser, lambda d: "kategori=" in d.current_url)
    assert browser.find_element(By.CSS_SELECTOR, ".active .remove").text.startswith("kategori:")
    narrowed = int(browser.find_element(By.CSS_SELECTOR, "#summary strong").text)
    assert 0 < narrowed < 16

    # Sorting with the select (the only script) keeps the filter.
    from selenium.webdriver.support.ui import Select
    Select(browser.find_element(By.ID, "sort")).select_by_value("terbaru")
    _wait(browser, lambda d: "sort=terbaru" in d.current_url)
    assert "kategori=" in browser.current_url

    # An article, and back to the same results.
    results_url = browser.current_url
    first = browser.find_element(By.CSS_SELECTOR, ".hit a.title")
    title = first.text
    first.click()
    _wait(browser, lambda d: "/articles/" in d.current_url)
    assert browser.find_element(By.TAG_NAME, "h1").text == title
    assert browser.find_elements(By.CSS_SELECTOR, ".body mark")
    assert browser.find_elements(By.CSS_SELECTOR, ".similar li")
    browser.save_screenshot(str(tmp_path / "article.png"))
    assert (tmp_path / "article.png").stat().st_size > 10_000
    browser.back()
    _wait(browser, lambda d: d.current_url == results_url)
    assert int(browser.find_element(By.CSS_SELECTOR, "#summary strong").text) == narrowed

    # The histogram narrows the date range.
    browser.find_element(By.CSS_SELECTOR, ".hist a rect").click()
    _wait(browser, lambda d: "from=" in d.current_url)
    assert browser.find_element(By.ID, "from").get_attribute("value")


def test_browser_runs_no_script_from_articles(browser, server):
    from urllib.parse import quote

    from selenium.webdriver.common.by import By

    browser.get(server + "/?q=zebrakuda")
    _wait(browser, lambda d: d.find_elements(By.ID, "summary"))
    _no_xss(browser)
    title = browser.find_element(By.CSS_SELECTOR, ".hit a.title")
    assert "<script>window.__xss=1</script>" in title.text
    assert not browser.find_elements(By.CSS_SELECTOR, ".results img, .results script")
    title.click()
    _wait(browser, lambda d: "/articles/" in d.current_url)
    _no_xss(browser)
    assert '<img src=x onerror="window.__xss=2">' in browser.find_element(By.TAG_NAME, "h1").text
    assert not browser.find_elements(By.CSS_SELECTOR, "article img, article script")
    assert browser.current_url.endswith(quote(XSS_ID, safe="") + "?q=zebrakuda")


def test_browser_phone_width(browser, server):
    from selenium.webdriver.common.by import By

    with window(browser, 390, 844):
        browser.get(server + "/?q=milik+dinas")
        _wait(browser, lambda d: d.find_elements(By.ID, "summary"))
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 400  # nothing wider than the phone's screen


# -- load ----------------------------------------------------------------------

def test_short_load_run(tmp_path):
    from benchmarks import serve_load

    report = serve_load.run(corpus=FIXTURES, seconds=3, clients=4, work_dir=tmp_path, readers=4)
    assert report["requests"] > 0
    assert report["errors"] == 0, report["error_samples"]
    assert report["updates"] >= 1 and report["updates_seen"] == report["updates"]


@pytest.mark.parametrize("lang, says", [
    (None, "tanggal:2017-13 diabaikan: bukan tanggal yang dikenali"),
    ("en", "ignored tanggal:2017-13: not a date"),
])
def test_the_engines_notes_are_said_in_the_pages_language(client, lang, says):
    params = {"q": "banjir tanggal:2017-13", **({"lang": lang} if lang else {})}
    page = client.get("/", params=params).text
    notes = page.split('class="notice notes">', 1)[1].split("</p>", 1)[0]
    assert says in notes
    details = client.get("/api/search", params={"q": "banjir tanggal:2017-13"}).json()["note_details"]
    assert [note["kind"] for note in details] == ["filter_ignored"]
    assert details[0]["clause"] == "tanggal:2017-13"


# -- both languages, everywhere -------------------------------------------------

INDONESIAN_MONTHS = ("Januari", "Februari", "Maret", "Mei", "Juni", "Juli", "Agustus", "Oktober", "Desember")


def _without_hits(html: str) -> str:
    """The page but its hits (article text, in whatever language the article is written)."""
    return re.sub(r'<ol class="hits".*?</ol>', "", html, flags=re.S)


def test_every_note_kind_is_said_in_both_languages():
    from string import Formatter

    from search.results import QueryNote, QueryNoteKind
    from search.web import labels

    for kind in QueryNoteKind:
        names = {name for _, name, _, _ in Formatter().parse(kind.value) if name}
        note = QueryNote(kind, **{name: "x" for name in names})
        said = {lang: labels.note_text(note, labels.LABELS[lang]) for lang in labels.LABELS}
        assert said["en"] == str(note) and said["id"] != said["en"], kind


def test_the_english_page_shows_no_indonesian_month(client):
    for params in ({"q": "indonesia"}, {"q": "indonesia", "from": "2021-03", "to": "2021-03"}, {}):
        html = _without_hits(client.get("/", params={**params, "lang": "en"}).text)
        assert not [month for month in INDONESIAN_MONTHS if month in html], params
    html = client.get("/", params={"q": "indonesia", "lang": "en"}).text
    assert re.search(r"<title>(January|February|March|April|May|June|July|August|September|October|November"
                     r"|December) \d{4}: \d+</title>", html)  # the histogram's tooltips
    assert "List by " in html and 'placeholder="e.g. March 2021"' in html


@pytest.mark.parametrize("q", ["banjir tanggal:2017-13 foo:bar", "a* *a", "banjir *", "zzqxw*", "*",
                               "-jakarta banjir"])
def test_the_indonesian_page_says_no_engine_note_in_english(client, q):
    from search.results import QueryNoteKind

    details = client.get("/api/search", params={"q": q}).json()["note_details"]
    assert details
    html = client.get("/", params={"q": q}).text
    for note in details:
        assert note["text"] not in html
    english = [kind.value.split("{")[0].strip() for kind in QueryNoteKind if not kind.value.startswith("{")]
    assert not [start for start in english if len(start) > 8 and start in html]
    reversed_page = client.get("/", params={"q": "banjir", "from": "2021", "to": "2017"}).text
    assert "tanggalnya terbalik" in reversed_page and "reversed" not in reversed_page


# -- the smaller things ------------------------------------------------------------

def test_snippets_counts_one_month_and_did_you_mean(client):
    listing = client.get("/", params={"kategori": "Politik"}).text
    snippets = re.findall(r'<p class="snippet">(.*?)</p>', listing, flags=re.S)
    assert snippets and "……" not in listing
    assert any(not snippet.startswith("…") for snippet in snippets)  # it starts the article: no "…" before
    words = client.get("/", params={"q": "milik dinas"}).text
    why = re.findall(r'<p class="why">.*?</p>', words, flags=re.S)
    assert why and all(re.search(r"→\s*\S+ ×\d", part) for part in why)  # "dinas ×1", never a bare "dinas"
    month = client.get("/", params={"q": "indonesia", "from": "2021-03", "to": "2021-03"}).text
    assert "tanggal: 2021-03 ✕" in month and "2021-03 – 2021-03" not in month
    assert "tanggal: 2021-03 – … ✕" in client.get("/", params={"q": "indonesia", "from": "2021-03"}).text
    offered = client.get("/", params={"q": "pmerintah dinas"}).text
    corrected = client.get("/", params={"q": "pmerintah"}).text
    for page in (offered, corrected):
        assert 'id="suggestion"' in page
    said = [re.sub(r"<[^>]*>", "", re.search(r'<p class="notice suggestion">(.*?)</p>', page, flags=re.S).group(1))
            for page in (offered, corrected)]
    assert said[0].strip().endswith("pemerintah dinas?")  # "Maksud Anda ...?"
    assert "?" not in said[1] and said[1].strip().endswith("“pemerintah”.")
    assert 'placeholder="mis. 2021-03"' in words and 'placeholder="mis. Maret 2021"' in words


def test_the_histogram_has_a_count_axis_and_its_labels_under_the_bars(client):
    html = client.get("/", params={"q": "indonesia"}).text
    box = re.search(r'<div class="hist-box">(.*?)</div>', html, flags=re.S).group(1)
    bars = re.findall(r'<title>([^<:]+): (\d+)</title>', box)
    highest = max(int(count) for _, count in bars)
    assert re.search(rf'<p class="y-axis"[^>]*><span>{highest}</span><span>0</span></p>', box)
    axis = re.search(r'<p class="axis">(.*?)</p>', box).group(1)
    assert re.findall(r"<span>([^<]+)</span>", axis) == [bars[0][0], bars[-1][0]]


def test_a_prefix_on_the_page(client):
    html = client.get("/", params={"q": "dina*"}).text
    assert "<mark>Dinas</mark>" in html and "Maksud Anda" not in html
    assert re.search(r'<b>dinas</b> <span class="stem">\(dina\*\)</span> →', html)
    help_page = client.get("/").text
    assert 'href="/?q=banj%2A"' in help_page or 'href="/?q=banj*"' in help_page


# -- the page on a phone -------------------------------------------------------------

PHONE_PAGES = ["/?q=milik+dinas&kategori=Politik", "/?q=indonesia", "/?kategori=Politik&from=2021-03&to=2021-03",
               f"/articles/{SEED_ID}?q=milik", "/articles/" + quote(XSS_ID, safe="") + "?q=zebrakuda",
               "/", "/?lang=en", "/articles/no-such-id", "/?q=banjir&from=bogus"]


@pytest.mark.parametrize("width", [390, 320])
def test_browser_phone_pages_are_no_wider_than_the_screen(browser, server, width):
    with window(browser, width, 844):
        for path in PHONE_PAGES:
            browser.get(server + path)
            _wait(browser, lambda d: d.find_elements("css selector", "footer"))
            sizes = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
            assert sizes[0] <= sizes[1], (path, sizes)


def test_browser_phone_filters_above_the_hits_one_tap_away(browser, server):
    from selenium.webdriver.common.by import By

    with window(browser, 390, 844):
        browser.get(server + "/?q=indonesia&kategori=tajuk+utama")
        _wait(browser, lambda d: d.find_elements(By.ID, "summary"))
        chip = browser.find_element(By.CSS_SELECTOR, ".active .remove")
        first_hit = browser.find_element(By.CSS_SELECTOR, ".hit")
        assert chip.is_displayed() and chip.location["y"] + chip.size["height"] <= first_hit.location["y"]
        assert chip.location["y"] < 844  # on the first screen
        histogram = browser.find_element(By.CSS_SELECTOR, ".histogram")
        facet = browser.find_element(By.CSS_SELECTOR, "[data-facet=source]")
        assert not histogram.is_displayed() and not facet.is_displayed()
        toggle = browser.find_element(By.CSS_SELECTOR, ".refine-label")
        assert toggle.location["y"] < first_hit.location["y"] and "Saring" in toggle.text
        toggle.click()
        assert histogram.is_displayed() and facet.is_displayed()
        facet.find_element(By.TAG_NAME, "a").click()
        _wait(browser, lambda d: "sumber=" in d.current_url)
        assert len(browser.find_elements(By.CSS_SELECTOR, ".active .remove")) == 2


def test_browser_desktop_keeps_the_filters_beside_the_hits(browser, server):
    from selenium.webdriver.common.by import By

    with window(browser, 1366, 900):
        browser.get(server + "/?q=indonesia")
        _wait(browser, lambda d: d.find_elements(By.ID, "summary"))
        histogram = browser.find_element(By.CSS_SELECTOR, ".histogram")
        results = browser.find_element(By.CSS_SELECTOR, ".results")
        assert histogram.is_displayed() and not browser.find_element(By.CSS_SELECTOR, ".refine-label").is_displayed()
        assert histogram.location["x"] + histogram.size["width"] <= results.location["x"]
