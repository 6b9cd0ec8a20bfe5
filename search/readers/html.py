"""Saved HTML news pages: headline, date and visible article text.

A basic reader: it uses what the page declares (OpenGraph and ``<meta>``
tags, ``<time>``) for the headline and date, and the page's paragraphs for
the body, leaving out scripts, navigation, headers, footers and asides.
"""

from __future__ import annotations

import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

from ..articles import Article
from ..boilerplate import clean_paragraphs
from ..dates import parse_date
from ..errors import IngestError

_NOT_CONTENT = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form",
                "iframe", "svg", "button"]
_DATE_META = ["article:published_time", "og:article:published_time", "pubdate", "publishdate",
              "date", "dc.date", "content_PublishedDate"]
MIN_BODY_CHARS = 200


def _meta(soup: BeautifulSoup, *names: str) -> str:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        if tag and tag.get("content", "").strip():
            return tag["content"].strip()
    return ""


def parse_html_page(data: bytes, article_id: str) -> Article:
    """Parse one saved page into an :class:`Article`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(data, "html.parser")
    title = _meta(soup, "og:title", "twitter:title")
    if not title:
        heading = soup.find("h1") or soup.find("title")
        title = heading.get_text(" ", strip=True) if heading else ""

    date = parse_date(_meta(soup, *_DATE_META))
    if date is None:
        time_tag = soup.find("time")
        if time_tag:
            date = parse_date(time_tag.get("datetime") or time_tag.get_text(" ", strip=True))

    for tag in soup(_NOT_CONTENT):
        tag.decompose()
    root = soup.find("article") or soup.body or soup
    paragraphs = [p.get_text(" ", strip=True) for p in root.find_all("p")]
    body = "\n\n".join(clean_paragraphs(paragraphs))
    if len(body) < MIN_BODY_CHARS:
        body = "\n\n".join(clean_paragraphs(root.get_text("\n", strip=True).splitlines()))
    if len(body) < MIN_BODY_CHARS:
        raise IngestError(f"not an article: only {len(body)} characters of text")
    return Article(
        id=article_id,
        title=title,
        body=body,
        date=date,
        source=_meta(soup, "og:site_name"),
        url=_meta(soup, "og:url"),
        category=_meta(soup, "article:section"),
        author=_meta(soup, "author", "article:author"),
    )
