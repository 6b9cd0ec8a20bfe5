"""Saved HTML news pages: headline, date and visible article text.

A basic reader: it uses what the page declares (OpenGraph and ``<meta>``
tags, ``<time>``) for the headline and date. The body is the block of the
page that holds the most text of its own (in paragraphs, or lines split by
``<br>``), leaving out scripts, navigation, headers, footers and asides.
"""

from __future__ import annotations

import warnings

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

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


_INLINE = {"a", "b", "strong", "i", "em", "span", "u", "br", "sup", "sub", "font", "mark", "q"}
_BLOCKS = ["div", "article", "section", "td", "main", "body"]


def _own_text_length(block: Tag) -> int:
    """Characters of text directly in ``block``: its text nodes, inline tags and ``<p>``s."""
    total = 0
    for child in block.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, Comment):
                total += len(child.strip())
        elif isinstance(child, Tag) and (child.name in _INLINE or child.name == "p"):
            total += len(child.get_text(" ", strip=True))
    return total


def _content_block(soup: BeautifulSoup) -> Tag | None:
    """The element whose own paragraphs and lines hold the most text."""
    best, best_length = None, 0
    for block in soup.find_all(_BLOCKS):
        length = _own_text_length(block)
        if length > best_length:
            best, best_length = block, length
    return best


def _block_lines(block: Tag) -> list[str]:
    """The block's text, a line per paragraph or ``<br>``-separated line."""
    for br in block.find_all("br"):
        br.replace_with("\n")
    for paragraph in block.find_all("p"):
        paragraph.insert_before("\n")
        paragraph.insert_after("\n")
    text = block.get_text("")
    return [" ".join(line.split()) for line in text.split("\n")]


def parse_html_page(data: bytes, article_id: str) -> Article:
    """Parse one saved page into an :class:`Article`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bs4 guesses about markup are not errors here
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
    block = _content_block(soup)
    body = "\n\n".join(clean_paragraphs(_block_lines(block))) if block is not None else ""
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
