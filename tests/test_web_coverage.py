"""The timeline page and API, the words of a coverage on the results page and API, and the Atom feed:
through Starlette's TestClient, a feed parser, and a real headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from html import unescape
from pathlib import Path
from xml.etree import ElementTree

import pytest
from conftest import PROJECT

import search

pytest.importorskip("starlette", reason="the web extra is not installed: pip install -e '.[web]'")

import feedparser  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402
from webserver import running_server, window  # noqa: E402
from webserver import wait_for as _wait  # noqa: E402

from search.web import create_app  # noqa: E402

ATOM = "{http://www.w3.org/2005/Atom}"
INDONESIAN_MONTHS = ("Januari", "Februari", "Maret", "Mei", "Juni", "Juli", "Agustus", "Oktober", "Desember")
HOSTILE = {
    "id": "uji/feed <x>", "title": 'Banjir <script>window.__xss=1</script> & "kutip"',
    "body": 'Banjir melanda <img src=x onerror="window.__xss=2"> kampung zebrakuda. Hujan deras sejak pagi.',
    "date": "2018-03-01T10:00:00+07:00", "source": "<b>sumber</b>", "category": "<i>uji</i>",
    "url": "javascript:window.__xss=3",
}
QUERIES = [("q", "banjir"), ("q", "gempa"), ("q", "kebakaran hutan")]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """The seeds and one hostile article, as an index. Treat as read-only."""
    root = tmp_path_factory.mktemp("coverage")
    corpus = root / "corpus"
    shutil.copytree(PROJECT / "seeds", corpus)
    (corpus / "hostile.jsonl").write_text(json.dumps(HOSTILE), encoding="utf-8")
    search.build_index([corpus], root / "ix")
    return root / "ix"


@pytest.fixture(scope="module")
def client(archive):
    with TestClient(create_app(archive)) as test_client:
        yield test_client


# -- the API ---------------------------------------------------------------------

def test_api_timeline_is_the_librarys(client, archive):
    answer = client.get("/api/timeline", params=[*QUERIES, ("interval", "year"), ("filter", "kategori:news")])
    assert answer.status_code == 200
    with search.open_index(archive) as index:
        expected = index.timeline([text for _, text in QUERIES], interval="year", filters="kategori:news")
    assert answer.json() == json.loads(json.dumps(expected.to_dict()))


def test_api_timeline_as_csv(client):
    answer = client.get("/api/timeline", params=[("q", "banjir"), ("interval", "year"), ("format", "csv")])
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    lines = answer.text.splitlines()
    assert lines[0] == "period,start,end,archive,banjir count,banjir share"
    assert sum(int(line.split(",")[4]) for line in lines[1:]) == client.get(
        "/api/search", params={"q": "banjir"}).json()["total"]


@pytest.mark.parametrize(("params", "words"), [
    ([], "q is required"),
    ([("q", "banjir"), ("interval", "decade")], "interval must be"),
    ([("q", f"kata{i}") for i in range(11)], "at most"),
    ([("q", "banjir"), ("format", "xml")], "format must be"),
    ([("q", "banjir"), ("from", "2017-13")], "2017-13"),
    ([("q", "banjir"), ("filter", "gempa")], "filters only"),
])
def test_api_timeline_errors_are_json(client, params, words):
    answer = client.get("/api/timeline", params=params)
    assert answer.status_code == 400 and words in answer.json()["error"]


def test_api_words_is_the_librarys(client, archive):
    answer = client.get("/api/words", params={"q": "banjir", "limit": 10})
    with search.open_index(archive) as index:
        expected = index.coverage("banjir", limit=10)
    assert answer.json() == json.loads(json.dumps(expected.to_dict()))
    assert client.get("/api/words").status_code == 400
    assert client.get("/api/words", params={"q": "banjir", "sample": 0}).status_code == 400


def test_openapi_describes_the_timeline_and_the_words(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/timeline", "/api/words"} <= set(paths)
    names = [p["name"] for p in paths["/api/timeline"]["get"]["parameters"]]
    assert names == ["q", "interval", "filter", "from", "to", "format"]


# -- the timeline page -------------------------------------------------------------

def _timeline(client, *extra, lang=None):
    params = [*QUERIES, ("interval", "month"), ("from", "2016-07"), ("to", "2018-02"), *extra]
    return client.get("/timeline", params=params + ([("lang", lang)] if lang else []))


def test_the_timeline_page_draws_a_line_per_query_and_lists_its_numbers(client):
    page = _timeline(client)
    assert page.status_code == 200
    html = page.text
    assert html.count('class="series line-') == 3
    assert len(re.findall(r'<a href="/\?q=banjir&amp;from=', html)) >= 20  # every period's point links
    assert html.count("<tr><th scope=\"row\">") == 20  # 2016-07 .. 2018-02, months without articles too
    assert "Juli 2016" in html and "Februari 2018" in html
    assert 'id="show-share"' in html and 'id="csv"' in html
    shares = _timeline(client, ("show", "share")).text
    assert 'id="show-count"' in shares and "% dari semua artikel" in shares


def test_a_point_leads_to_as_many_results_as_it_counts(client):
    html = _timeline(client, ("interval", "year")).text
    points = re.findall(r'<a href="(/\?q=[^"]+)" class="point">\s*<circle[^>]*><title>([^<]*)</title>', html)
    assert points
    for href, title in points:
        count = int(re.search(r": ([\d.]+) \(", unescape(title)).group(1).replace(".", ""))
        results = client.get(unescape(href)).text
        if count:
            total = re.search(r'id="summary"><strong>([\d.]+)</strong>', results).group(1)
            assert int(total.replace(".", "")) == count, href
        else:
            assert 'class="summary empty"' in results, href


def test_the_english_timeline_is_english(client):
    html = _timeline(client, lang="en").text
    assert "Coverage over time" in html and "July 2016" in html and "Articles" in html
    assert not [month for month in INDONESIAN_MONTHS if month in html]
    assert re.search(r"\d\.\d%", html)  # shares with a decimal point
    switch = re.search(r'<a id="language" href="([^"]*)"', html).group(1)
    assert "lang=" not in switch  # the link to the Indonesian page
    for href in re.findall(r'href="(/[^"]*)"', html.replace(switch, "")):
        if href.startswith(("/?", "/timeline?")):
            assert "lang=en" in unescape(href), href


def test_a_misspelled_line_links_to_the_timeline_corrected(client):
    html = client.get("/timeline", params=[("q", "banjr"), ("q", "gempa"), ("interval", "year")]).text
    link = re.search(r'<a href="([^"]+)" class="suggestion">banjir</a>', html).group(1)
    assert unescape(link) == "/timeline?q=banjir&q=gempa&interval=year"
    assert client.get(unescape(link)).text.count('class="series line-') == 2


def test_the_timeline_page_without_queries_and_with_a_bad_date(client):
    empty = client.get("/timeline")
    assert empty.status_code == 200 and "<svg" not in empty.text and 'name="q"' in empty.text
    bad = client.get("/timeline", params={"q": "banjir", "from": "2017-13"})
    assert bad.status_code == 400 and "2017-13" in bad.text


# -- the words of a coverage on the results page ----------------------------------------

def _panel_words(html: str) -> list[tuple[str, str]]:
    panel = html[html.index('id="coverage"'):html.index("</section>", html.index('id="coverage"'))]
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', panel)


def test_the_results_page_shows_the_words_of_its_coverage(client):
    html = client.get("/", params={"q": "banjir", "words": "1"}).text
    words = _panel_words(html)
    assert {"hujan", "sungai"} <= {text.lower() for _, text in words}
    for href, _ in words:
        assert unescape(href).startswith("/?q=banjir+"), href
    assert 'id="source-shares"' in html and "%" in html
    assert 'id="coverage"' not in client.get("/", params={"q": "banjir", "page": 2}).text
    english = client.get("/", params={"q": "banjir", "lang": "en", "words": "1"}).text
    assert "The words of this coverage" in english


def test_the_page_shows_before_its_words_and_fetches_them_after(client):
    html = client.get("/", params={"q": "banjir", "kategori": "tajuk utama"}).text
    placeholder = re.search(r'<section class="coverage" id="coverage" data-panel="([^"]+)">', html)
    assert placeholder and 'id="show-words"' in html and "words=1" in html
    panel = client.get(unescape(placeholder.group(1)))
    assert panel.status_code == 200 and "<html" not in panel.text
    words = _panel_words(panel.text)
    assert words and all(unescape(href).startswith("/?q=banjir+") and "kategori=tajuk" in unescape(href)
                         for href, _ in words)
    hostile = client.get("/panels/words", params={"q": "zebrakuda"}).text
    assert "<b>sumber</b>" not in hostile and "<script>" not in hostile


# -- the feed ----------------------------------------------------------------------

def test_the_feed_is_valid_atom_of_the_newest_matches(client):
    answer = client.get("/feed", params={"q": "banjir", "sumber": "suara"})
    assert answer.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(answer.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10" and feed.feed.title.startswith("banjir")
    assert 0 < len(feed.entries) <= 20
    dates = [datetime.fromisoformat(entry.published) for entry in feed.entries]
    assert dates == sorted(dates, reverse=True)
    for entry in feed.entries:
        assert entry.link.startswith("http://testserver/articles/")
        assert client.get(entry.link.replace("http://testserver", "")).status_code == 200
        assert any(tag.term == "suara" for tag in entry.tags)
        assert "banjir" in entry.summary.lower()
    root = ElementTree.fromstring(answer.content)
    for summary in root.iter(ATOM + "summary"):  # the match marked (feed readers may drop <mark>)
        assert summary.get("type") == "html" and "<mark>" in summary.text.lower()
    for name in ("id", "title", "updated", "author"):
        assert root.find(ATOM + name) is not None, name
    for entry in root.findall(ATOM + "entry"):
        for name in ("id", "title", "updated"):
            assert entry.find(ATOM + name) is not None, name


def test_the_feed_escapes_article_text_and_drops_unsafe_links(client):
    raw = client.get("/feed", params={"q": "zebrakuda"}).content
    assert b"<script>" not in raw and b"<img" not in raw and b"javascript:" not in raw
    entry = feedparser.parse(raw).entries[0]
    assert "<script>" in entry.title  # shown as text, as written
    assert not [link for link in entry.links if link.rel == "related"]


def test_the_results_page_links_its_feed_and_a_feed_needs_a_query(client):
    html = client.get("/", params={"q": "banjir", "kategori": "news"}).text
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert re.search(r'id="feed"[^>]*|href="/feed\?q=banjir&amp;kategori=news"', html)
    assert client.get("/feed").status_code == 400


def test_the_feed_follows_the_index_as_it_grows(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text(json.dumps({"id": "a", "title": "Banjir lama", "body": "Banjir di kota.",
                                                "date": "2020-01-01"}), encoding="utf-8")
    search.build_index([corpus], tmp_path / "ix")
    with TestClient(create_app(tmp_path / "ix", refresh_seconds=0)) as client:
        assert [e.title for e in feedparser.parse(client.get("/feed?q=banjir").content).entries] == ["Banjir lama"]
        (corpus / "b.jsonl").write_text(json.dumps({"id": "b", "title": "Banjir baru", "body": "Banjir lagi.",
                                                    "date": "2021-01-01"}), encoding="utf-8")
        search.build_index([corpus], tmp_path / "ix")
        titles = [e.title for e in feedparser.parse(client.get("/feed?q=banjir").content).entries]
        assert titles == ["Banjir baru", "Banjir lama"]


# -- in a real browser ---------------------------------------------------------------

@pytest.fixture(scope="module")
def server(archive):
    with running_server(archive) as base:
        yield base


def test_browser_the_chart_renders_and_a_point_leads_to_its_results(browser, server):
    from urllib.parse import urlencode

    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 1000)
    browser.get(server + "/timeline?" + urlencode([*QUERIES, ("interval", "year")]))
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "svg.chart"))
    lines = browser.find_elements(By.CSS_SELECTOR, "svg.chart path.series")
    assert len(lines) == 3 and all(line.size["width"] > 100 for line in lines)
    point = max(browser.find_elements(By.CSS_SELECTOR, "svg.chart a.point circle"),
                key=lambda p: float(p.get_attribute("cy")) * -1)  # the highest point: most articles
    count = int(re.search(r": ([\d.]+) \(", point.find_element(By.TAG_NAME, "title")
                          .get_attribute("textContent")).group(1).replace(".", ""))
    point.click()
    _wait(browser, lambda d: d.find_elements(By.ID, "summary"))
    assert "from=" in browser.current_url
    assert int(browser.find_element(By.CSS_SELECTOR, "#summary strong").text.replace(".", "")) == count


def test_browser_the_panel_of_words_arrives_after_the_page(browser, server):
    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 1000)
    browser.get(server + "/?q=banjir")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#coverage .words a"))
    assert not browser.find_elements(By.ID, "show-words")  # the placeholder's link is replaced
    word = browser.find_element(By.CSS_SELECTOR, "#coverage .words a")
    text = word.text
    word.click()
    _wait(browser, lambda d: d.find_elements(By.ID, "summary") and "banjir" in d.current_url)
    assert browser.find_element(By.ID, "q").get_attribute("value").startswith("banjir ")
    assert text.lower() in browser.find_element(By.ID, "q").get_attribute("value").lower()


@pytest.mark.parametrize("width", [390, 320])
def test_browser_the_timeline_fits_a_phone(browser, server, width):
    from urllib.parse import urlencode

    from selenium.webdriver.common.by import By

    with window(browser, width, 900):
        browser.get(server + "/timeline?" + urlencode([*QUERIES, ("interval", "month")]))
        _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "svg.chart"))
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width + 5
        chart = browser.find_element(By.CSS_SELECTOR, "svg.chart")
        assert chart.size["width"] <= width
