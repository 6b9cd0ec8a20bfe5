"""When two articles are the same: URL and text keys."""

import pytest

from search.indexing.duplicates import text_key, url_key

SAME_URL = [
    ("https://www.kompas.com/read/2021/03/17/a", "http://kompas.com/read/2021/03/17/a/"),
    ("https://Kompas.com/read/a?utm_source=twitter&utm_medium=x", "kompas.com/read/a"),
    ("https://kompas.com/read/a#komentar", "https://kompas.com/read/a"),
    ("https://tempo.co/read/1?i=1", "https://tempo.co/read/1"),
]
DIFFERENT_URL = [
    ("https://kompas.com/read/a", "https://kompas.com/read/b"),
    ("https://kompas.com/read?id=1", "https://kompas.com/read?id=2"),
    ("https://regional.kompas.com/read/a", "https://nasional.kompas.com/read/a"),
]


@pytest.mark.parametrize("first, second", SAME_URL)
def test_urls_that_name_the_same_page(first, second):
    assert url_key(first) == url_key(second) != ""


@pytest.mark.parametrize("first, second", DIFFERENT_URL)
def test_urls_that_name_different_pages(first, second):
    assert url_key(first) != url_key(second)


def test_no_url_is_no_key():
    assert url_key("") == url_key("   ") == ""


def test_same_words_are_the_same_text():
    assert text_key("Banjir di Bekasi.\n\nWarga mengungsi!") == text_key("banjir  di bekasi warga, mengungsi")
    assert text_key("Banjir di Bekasi.") != text_key("Banjir di Bogor.")
    assert text_key("  ...  ") == ""
