"""Saved HTML news pages: headline, publication time, metadata and article text.

What a page declares comes first: JSON-LD (``NewsArticle`` and its kin),
microdata (``itemprop``), OpenGraph and ``<meta>`` tags, ``<time>``. The body
comes from a declared ``articleBody`` when there is one, otherwise from a
general content heuristic: the element whose paragraphs hold the most text
that is not links, after page furniture (navigation, sidebars, related
lists, share buttons, comments, embeds) is removed. Lines made mostly of
links, credit lines and ``Baca juga`` inserts are dropped from the result.
There are no per-outlet rules.

A page that is not an article (a front page, a section listing, a photo
gallery with a caption) raises :class:`NotAnArticleError` with the reason.

Pages are parsed by lxml under BeautifulSoup (twice as fast as Python's
``html.parser``, the same extraction on the shared pages:
``benchmarks/html_extraction.py``).
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlparse

from bs4 import BeautifulSoup, Comment, NavigableString, Tag, UnicodeDammit
from bs4.exceptions import ParserRejectedMarkup

from ..articles import Article
from ..errors import IngestError, NotAnArticleError
from ..language.dates import parse_date
from .boilerplate import clean_body, clean_paragraphs

MIN_BODY_WORDS = 50
"""A body shorter than this is a gallery caption, a teaser or a listing, not an article."""

MAX_DEPTH = 250
"""Pages nested deeper than this (broken markup: thousands of unclosed tags) are
read as plain text, without the content heuristic, which would take quadratic time."""

MAX_LINK_DENSITY = 0.5
"""A line whose text is more than this share of link text is navigation."""

ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle",
                 "opinionnewsarticle", "blogposting", "report", "backgroundnewsarticle"}

_NOT_CONTENT = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form",
                "iframe", "svg", "button", "select", "input", "textarea", "template", "object",
                "embed", "video", "audio", "picture", "img"]
# Class and id words of page furniture (after Mozilla Readability's "unlikely candidates").
_FURNITURE = re.compile(
    r"comment|related|terkait|baca-?juga|share|social|sosmed|sidebar|breadcrumb|"
    r"menu|navbar|footer|masthead|banner|advert|\bads?\b|-ads?-|iklan|sponsor|promo|"
    r"popular|populer|terpopuler|trending|newsletter|subscribe|pagination|pager|popup|"
    r"twitter-tweet|instagram-media|tiktok-embed|widget|tags?\b|topik",
    re.IGNORECASE,
)
_INLINE = {"a", "b", "strong", "i", "em", "span", "u", "sup", "sub", "font", "mark", "q", "small",
           "abbr", "cite", "code", "s", "strike", "time", "label", "big", "tt"}
_BLOCKS = ["div", "article", "section", "td", "main", "body", "span"]
_SEPARATORS = re.compile(r"\s+[-|\u2013\u2014:]{1,2}\s+|\s*::\s*|:\s+")


# --------------------------------------------------------------------------- decoding

def decode_html(data: bytes) -> str:
    """The page's text: UTF-8 when the bytes are valid UTF-8, else the declared charset.

    Pages often declare ``iso-8859-1`` while holding UTF-8; valid UTF-8 is
    almost never an accident, so it wins. Otherwise the declared charset,
    then a guess (windows-1252), with undecodable bytes replaced.
    """
    logging.getLogger("bs4.dammit").setLevel(logging.ERROR)  # "some characters replaced" is expected
    dammit = UnicodeDammit(data, known_definite_encodings=["utf-8"], is_html=True)
    if dammit.unicode_markup is None:
        return data.decode("utf-8", errors="replace")
    return dammit.unicode_markup


# --------------------------------------------------------------------------- declared metadata

def _json_ld_articles(soup: BeautifulSoup) -> Iterator[dict]:
    """Every JSON-LD object on the page whose ``@type`` is an article type."""
    for script in soup.find_all("script", type=re.compile("ld\\+json", re.I)):
        try:
            data = json.loads(script.string or "", strict=False)
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                kinds = item.get("@type")
                kinds = kinds if isinstance(kinds, list) else [kinds]
                if any(isinstance(k, str) and k.lower() in ARTICLE_TYPES for k in kinds):
                    yield item
                if "@graph" in item:
                    stack.append(item["@graph"])


def _text_of(value) -> str:
    """A JSON-LD value as text: names of people and organisations, first of lists."""
    if isinstance(value, list):
        return ", ".join(filter(None, (_text_of(v) for v in value)))
    if isinstance(value, dict):
        return _text_of(value.get("name") or value.get("@id") or "")
    return " ".join(str(value).split()) if value is not None else ""


def _meta_tags(soup: BeautifulSoup) -> dict[str, str]:
    """Every ``<meta>`` tag's content by its property, name or itemprop (the first of each)."""
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        content = " ".join(str(tag.get("content", "")).split())
        for attribute in ("property", "name", "itemprop"):
            key = tag.get(attribute)
            if isinstance(key, str) and content:
                found.setdefault(key, content)
    return found


def _meta(metas: dict[str, str], *names: str) -> str:
    """The first non-empty ``<meta>`` content among ``names``."""
    return next((metas[name] for name in names if metas.get(name)), "")


def _itemprops(soup: BeautifulSoup) -> dict[str, list[Tag]]:
    """Every element with an ``itemprop``, by its value, in page order (one walk of the tree)."""
    found: dict[str, list[Tag]] = {}
    for tag in soup.find_all(itemprop=True):
        found.setdefault(str(tag.get("itemprop", "")), []).append(tag)
    return found


def _itemprop(itemprops: dict[str, list[Tag]], name: str) -> str:
    """The text of the first non-``<meta>`` element with ``itemprop=name``."""
    for tag in itemprops.get(name, ()):
        if tag.name != "meta":
            value = tag.get("datetime") or tag.get("content") or tag.get_text(" ", strip=True)
            if value:
                return " ".join(str(value).split())
    return ""


class _Declared:
    """What the page says about itself, before any heuristic."""

    def __init__(self, soup: BeautifulSoup):
        ld = next(_json_ld_articles(soup), {})
        metas = _meta_tags(soup)
        itemprops = _itemprops(soup)
        self.headline = _text_of(ld.get("headline")) or _itemprop(itemprops, "headline")
        self.title = _meta(metas, "og:title", "twitter:title")
        self.page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
        self.body = _text_of(ld.get("articleBody"))
        self.dates = [
            _text_of(ld.get("datePublished")), _meta(metas, "article:published_time"),
            _meta(metas, "datePublished"), _itemprop(itemprops, "datePublished"),
            _meta(metas, "og:article:published_time", "pubdate", "publishdate", "publish-date",
                  "dc.date", "date", "content_PublishedDate", "dateCreated"),
        ]
        author = _text_of(ld.get("author")) or _itemprop(itemprops, "author") or _meta(metas, "author")
        self.author = "" if author.startswith("http") else author
        self.section = (_text_of(ld.get("articleSection")) or _meta(metas, "article:section")
                        or _itemprop(itemprops, "articleSection"))
        canonical = soup.find("link", rel="canonical")
        # href is a single-valued attribute: a str, never a list.
        self.url = (_meta(metas, "og:url") or (str(canonical.get("href", "")) if canonical else "")
                    or _text_of(ld.get("url")))
        self.site = _meta(metas, "og:site_name") or _text_of(ld.get("publisher"))


# --------------------------------------------------------------------------- headline

def _site_words(declared: _Declared) -> set[str]:
    """Lowercase words that name the site: from og:site_name and the URL's host."""
    words = set(re.findall(r"[a-z0-9]+", declared.site.lower()))
    host = urlparse(declared.url).hostname or ""
    words.update(part for part in host.split(".") if part not in {"www", "com", "co", "id", "net", "org"})
    return {w for w in words if len(w) > 2}


def _strip_site_name(title: str, site_words: set[str]) -> str:
    """``Headline - Kompas.com Regional`` -> ``Headline``; ``KapanLagi.com: Headline`` -> ``Headline``."""
    parts = _SEPARATORS.split(title)
    if len(parts) < 2 or not site_words:
        return title.strip()
    names_site = [bool(set(re.findall(r"[a-z0-9]+", p.lower())) & site_words) and len(p.split()) <= 4
                  for p in parts]
    start, end = 0, len(parts)
    while end - start > 1 and names_site[end - 1]:
        end -= 1
    while end - start > 1 and names_site[start]:
        start += 1
    if (start, end) == (0, len(parts)):
        return title.strip()
    # Keep the original separators inside the headline itself.
    kept_first, kept_last = parts[start], parts[end - 1]
    begin = title.find(kept_first)
    finish = title.rfind(kept_last) + len(kept_last)
    return title[begin:finish].strip() if 0 <= begin < finish else title.strip()


def _headline(soup: BeautifulSoup, declared: _Declared) -> str:
    if declared.headline:
        return declared.headline
    titles = [t for t in (declared.title, declared.page_title) if t]
    # An <h1> that the page's title contains is the headline without the site's name.
    for heading in soup.find_all(["h1", "h2"]):
        text = " ".join(heading.get_text(" ", strip=True).split())
        if len(text) >= 15 and any(text in " ".join(t.split()) for t in titles):
            return text
    if titles:
        return _strip_site_name(titles[0], _site_words(declared))
    h1 = soup.find("h1")
    return h1.get_text(" ", strip=True) if h1 else ""


# --------------------------------------------------------------------------- time

_DATE_HINT = re.compile(r"date|time|tanggal|tgl|publish|waktu", re.IGNORECASE)
_URL_DATE = re.compile(r"/(20\d\d|19\d\d)/(\d{1,2})/(\d{1,2})/")


def _published(soup: BeautifulSoup, declared: _Declared) -> datetime | None:
    """Declared dates first, then ``<time>``, a dateline element, and the URL's date."""
    for text in declared.dates:
        date = parse_date(text)
        if date:
            return date
    # datetime is a single-valued attribute: a str, never a list.
    candidates = [str(t.get("datetime") or t.get_text(" ", strip=True)) for t in soup.find_all("time")]
    candidates += [tag.get_text(" ", strip=True) for tag in soup.find_all(True)
                   if tag.name in ("div", "span", "p", "small", "li")
                   and _DATE_HINT.search(" ".join(tag.get("class") or []) + " " + str(tag.get("id", "")))
                   and len(tag.get_text()) < 120]
    dates = [d for d in map(parse_date, candidates) if d]
    match = _URL_DATE.search(declared.url)
    url_date = parse_date("-".join(f"{int(part):02d}" for part in match.groups())) if match else None
    if url_date:
        # Pages list other stories' dates too: trust one that falls on the URL's day.
        return next((d for d in dates if d.date() == url_date.date()), url_date)
    return dates[0] if dates else None


# --------------------------------------------------------------------------- body

def _is_furniture(tag: Tag) -> bool:
    if tag.name in ("body", "html", "article", "main"):
        return False
    names = " ".join(tag.get("class") or []) + " " + str(tag.get("id") or "")
    if not names.strip() or not _FURNITURE.search(names):
        return False
    # A wrapper whose name merely sounds like furniture but holds the story is kept.
    return _text_outside_links(tag) < 1000


def _remove_furniture(soup: BeautifulSoup) -> None:
    for tag in soup(_NOT_CONTENT):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    furniture = [tag for tag in soup.find_all(True) if _is_furniture(tag)]
    marked = {id(tag) for tag in furniture}
    # Decide before changing the tree: only the outermost piece of furniture is removed.
    outermost = [tag for tag in furniture if not any(id(parent) in marked for parent in tag.parents)]
    for tag in outermost:
        tag.decompose()


def _depth(soup: BeautifulSoup) -> int:
    deepest = 0
    stack: list[tuple[Tag, int]] = [(soup, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.contents if isinstance(child, Tag))
    return deepest


def _plain_text_body(soup: BeautifulSoup) -> str:
    for tag in soup(_NOT_CONTENT):
        tag.decompose()
    return "\n\n".join(clean_paragraphs([" ".join(line.split()) for line in soup.get_text("\n").splitlines()]))


def _is_paragraph(tag: Tag) -> bool:
    """A ``<p>``, or a block holding only text and inline tags (a paragraph by another name)."""
    if tag.name == "p":
        return True
    if tag.name not in ("div", "span", "font", "section"):
        return False
    return all(isinstance(c, NavigableString) or (isinstance(c, Tag) and (c.name in _INLINE or c.name == "br"))
               for c in tag.children)


def _text_outside_links(tag: Tag) -> int:
    total = len(tag.get_text(" ", strip=True))
    links = sum(len(a.get_text(" ", strip=True)) for a in tag.find_all("a"))
    return max(total - links, 0)


def _own_text_length(block: Tag) -> int:
    """Text (outside links) directly in ``block``: its text nodes, inline tags and paragraphs."""
    total = 0
    for child in block.children:
        if isinstance(child, NavigableString):
            total += len(child.strip())
        elif isinstance(child, Tag) and (child.name in _INLINE and child.name != "a" or _is_paragraph(child)):
            total += _text_outside_links(child)
    return total


def _content_block(soup: BeautifulSoup) -> Tag | None:
    """The element whose own paragraphs and lines hold the most text outside links."""
    best, best_length = None, 0
    for block in soup.find_all(_BLOCKS):
        length = _own_text_length(block)
        if length > best_length:
            best, best_length = block, length
    return best


def _block_lines(block: Tag) -> list[tuple[str, float]]:
    """The block's text as lines (paragraphs, ``<br>`` breaks, nested blocks), each with its link density."""
    lines: list[tuple[str, float]] = []
    parts: list[str] = []
    link_chars = [0]

    def flush():
        text = " ".join("".join(parts).split())
        if text:
            lines.append((text, min(link_chars[0] / len(text), 1.0)))
        parts.clear()
        link_chars[0] = 0

    def walk(node: Tag, in_link: bool) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:  # not comments, CDATA or doctypes
                    parts.append(str(child))
                    if in_link:
                        link_chars[0] += len(child.strip())
            elif not isinstance(child, Tag):  # a node is a string or a tag
                continue
            elif child.name == "br":
                flush()
            elif child.name in _INLINE:
                walk(child, in_link or child.name == "a")
            else:
                flush()
                walk(child, in_link)
                flush()

    walk(block, False)
    flush()
    return lines


_CREDIT = re.compile(r"^(?:\(?(?:foto|photo|doc|dok|ilustrasi|sumber foto)\s*[.:]|:\s)", re.IGNORECASE)
_TRAILING_CREDIT = re.compile(r"(?:^|\s)\(?(?:foto|photo|doc|dok|ilustrasi|sumber foto)\s*[.:]\s*.{0,60}$",
                              re.IGNORECASE)
CAPTION_CHARS = 200
"""Lines shorter than this may be photo captions; a credit at their end is cut."""


def _without_credit(line: str) -> str:
    """``Taylor Swift ... Joey Alexander. Foto: Grammy`` -> ``Taylor Swift ... Joey Alexander.``"""
    if len(line) < CAPTION_CHARS and not _CREDIT.match(line):
        return _TRAILING_CREDIT.sub("", line).strip()
    return line


def _body_from_block(block: Tag, title: str) -> str:
    lines = [_without_credit(text) for text, density in _block_lines(block)
             if density <= MAX_LINK_DENSITY and not _CREDIT.match(text)
             and text != title and not _is_dateline(text)]
    return "\n\n".join(clean_paragraphs(lines))


def _is_dateline(line: str) -> bool:
    """A short line that is only a date, as pages print above the story."""
    return len(line) < 60 and parse_date(line) is not None and len(re.findall(r"[^\W\d]{3,}", line)) <= 4


def _body_from_text(text: str) -> str:
    """A declared ``articleBody``: it may hold markup; paragraphs are its lines."""
    if "<" in text:
        text = BeautifulSoup(text, "html.parser").get_text("\n")
    return clean_body(text)


# --------------------------------------------------------------------------- the page

def parse_html_page(data: bytes, article_id: str) -> Article:
    """Parse one saved page into an :class:`Article`, or raise :class:`NotAnArticleError`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bs4's guesses about markup are not errors here
        try:
            soup = BeautifulSoup(decode_html(data), "lxml")
        except ParserRejectedMarkup as error:  # found by fuzzing: "<![ehhh[" sections
            reason = str(error).strip().splitlines()[-1].strip()
            raise IngestError(f"not readable as HTML: {reason}") from None
    declared = _Declared(soup)
    title = _headline(soup, declared)
    date = _published(soup, declared)

    if _depth(soup) > MAX_DEPTH:
        body = _plain_text_body(soup)
    else:
        _remove_furniture(soup)
        block = _content_block(soup)
        body = _body_from_block(block, title) if block is not None else ""
    declared_body = _body_from_text(declared.body) if declared.body else ""
    if len(declared_body) > len(body) * 0.8:
        body = declared_body
    words = len(body.split())
    if words < MIN_BODY_WORDS:
        raise NotAnArticleError(
            f"not an article (a front page, listing or photo gallery?): only {words} words of text"
        )
    return Article(
        id=article_id,
        title=title,
        body=body,
        date=date,
        source=declared.site,
        url=declared.url,
        category=declared.section,
        author=declared.author,
    )
