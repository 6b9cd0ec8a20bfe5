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

Pages are parsed into lxml's own tree and read with lxml and libxml2's XPath
(an element's strings are its text nodes, found in C; Beautiful Soup building
the tree on lxml and walking it in Python took many times longer): the tree is
read as Beautiful Soup read it, string by string, so the extraction is the
same (``benchmarks/html_extraction.py``). A build spends more on reading pages
than on indexing them, so the tree is walked as few times as it can be. beautifulsoup4
is still used where it has no lxml equivalent: guessing the encoding of a page
without a declared charset (``UnicodeDammit``) and reading a declared
``articleBody`` that holds markup (``html.parser``, as it always was).
Pages nested deeper than lxml's tree keeps (2,047 levels) lose their deepest
metadata; their body is read from the parser's events, in full.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import re
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlparse

from bs4 import UnicodeDammit
from lxml import etree

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


# --------------------------------------------------------------------------- the tree

_CONTAINERS = {"rt", "rp", "style", "script", "template"}
"""Elements whose strings are not the page's text (Beautiful Soup's string containers)."""

_ASCII_SPACES = set("\x20\x0a\x09\x0c\x0d")

_TEXT_NODES = etree.XPath("descendant::text()", smart_strings=False)
"""An element's strings, as ``itertext()`` gives them, in one C call (``itertext`` is a walk in Python)."""


class _Page:
    """A page parsed by lxml, read as Beautiful Soup read it (its text, one string per text node).

    ``tops`` are the document's top-level nodes (broken pages have more than
    one ``<html>``). A removed element is replaced by an empty comment that
    keeps its tail, so the strings on either side stay apart, as they did
    when Beautiful Soup removed it; comments count for nothing.
    """

    def __init__(self, text: str):
        parser = etree.HTMLParser(recover=True, huge_tree=True)
        parser.feed(text)
        try:
            root = parser.close()
        except etree.XMLSyntaxError:  # no element at all: an empty page
            root = None
        self.tops: list = []
        if root is not None:
            node = root
            while node.getprevious() is not None:
                node = node.getprevious()
            while node is not None:
                self.tops.append(node)
                node = node.getnext()
        # Each string's kind: the nearest container around it (None: the page's text).
        self.kinds: dict = {}
        self.preserved: set = set()
        self.plain = False  # True once no container is left in the tree: every string is the page's text
        for container in self.elements(*_CONTAINERS):
            for inner in container.iter(etree.Element):
                self.kinds[inner] = container.tag
        for pre in self.elements("pre", "textarea"):
            self.preserved.update(pre.iter(etree.Element))

    def elements(self, *tags: str) -> Iterator:
        """Every element (of these tags), in page order (lxml's iterators chained, no generator of ours)."""
        return itertools.chain.from_iterable(top.iter(*tags) if tags else top.iter(etree.Element)
                                             for top in self.tops if isinstance(top.tag, str))

    def strings(self, top) -> list[tuple[str, object]]:
        """``(string, owner)`` for every text node inside ``top``, in order; owner is the element holding it."""
        found: list[tuple[str, object]] = []
        if top.text:
            found.append((top.text, top))
        stack = [iter(top)]
        owners = [top]
        while stack:
            for child in stack[-1]:
                if isinstance(child.tag, str):
                    if child.text:
                        found.append((child.text, child))
                    stack.append(iter(child))
                    owners.append(child)
                    break
                if child.tail:  # a comment: only its tail is text
                    found.append((child.tail, owners[-1]))
            else:
                stack.pop()
                done = owners.pop()
                if stack and done.tail:
                    found.append((done.tail, owners[-1]))
        return found

    def texts(self, tag) -> list[str]:
        """The strings of ``tag`` that Beautiful Soup's ``get_text`` reads (not scripts or ruby text)."""
        kinds = self.kinds
        if self.plain or tag not in kinds and next(tag.iter(*_CONTAINERS), None) is None:
            return _TEXT_NODES(tag)  # no script or ruby text inside: libxml2's own walk
        kind = tag.tag if tag.tag in _CONTAINERS else None
        return [string for string, owner in self.strings(tag) if kinds.get(owner) == kind]

    def text(self, tag) -> str:
        """``get_text(" ", strip=True)``."""
        return " ".join(filter(None, map(str.strip, self.texts(tag))))

    def raw_length(self, tag) -> int:
        """``len(get_text())``: a string of ASCII spaces alone counts one character."""
        total = 0
        kind = tag.tag if tag.tag in _CONTAINERS else None
        for string, owner in self.strings(tag):
            if self.kinds.get(owner) != kind:
                continue
            if owner not in self.preserved and all(c in _ASCII_SPACES for c in string):
                total += 1
            else:
                total += len(string)
        return total

    def remove(self, tag) -> None:
        parent = tag.getparent()
        if parent is None:
            self.tops.remove(tag)
            return
        tail = tag.tail
        placeholder = etree.Comment("")
        parent.replace(tag, placeholder)
        placeholder.tail = tail


def _names(class_: str | None, id_: str | None) -> str:
    """An element's class words and id, as one string."""
    return " ".join((class_ or "").split()) + " " + str(id_ or "")


# --------------------------------------------------------------------------- declared metadata

def _json_ld_articles(page: _Page) -> Iterator[dict]:
    """Every JSON-LD object on the page whose ``@type`` is an article type."""
    for script in page.elements("script"):
        kind = script.get("type")
        if kind is None or not _LD_JSON.search(kind):
            continue
        try:
            data = json.loads(script.text or "", strict=False)
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


_LD_JSON = re.compile("ld\\+json", re.I)


def _text_of(value) -> str:
    """A JSON-LD value as text: names of people and organisations, first of lists."""
    if isinstance(value, list):
        return ", ".join(filter(None, (_text_of(v) for v in value)))
    if isinstance(value, dict):
        return _text_of(value.get("name") or value.get("@id") or "")
    return " ".join(str(value).split()) if value is not None else ""


def _meta_tags(page: _Page) -> dict[str, str]:
    """Every ``<meta>`` tag's content by its property, name or itemprop (the first of each)."""
    found: dict[str, str] = {}
    for tag in page.elements("meta"):
        content = " ".join(tag.get("content", "").split())
        for attribute in ("property", "name", "itemprop"):
            key = tag.get(attribute)
            if key is not None and content:
                found.setdefault(key, content)
    return found


def _meta(metas: dict[str, str], *names: str) -> str:
    """The first non-empty ``<meta>`` content among ``names``."""
    return next((metas[name] for name in names if metas.get(name)), "")


def _itemprops(page: _Page) -> dict[str, list]:
    """Every element with an ``itemprop``, by its value, in page order."""
    found: dict[str, list] = {}
    for top in page.tops:
        if isinstance(top.tag, str):
            for tag in top.xpath("descendant-or-self::*[@itemprop]"):
                found.setdefault(tag.get("itemprop"), []).append(tag)
    return found


def _itemprop(page: _Page, itemprops: dict[str, list], name: str) -> str:
    """The text of the first non-``<meta>`` element with ``itemprop=name``."""
    for tag in itemprops.get(name, ()):
        if tag.tag != "meta":
            value = tag.get("datetime") or tag.get("content") or page.text(tag)
            if value:
                return " ".join(value.split())
    return ""


def _canonical(page: _Page) -> str:
    """The ``href`` of the first ``<link rel="canonical">``."""
    for link in page.elements("link"):
        rel = link.get("rel")
        if rel is not None and (rel == "canonical" or "canonical" in rel.split()):
            return link.get("href", "")
    return ""


class _Declared:
    """What the page says about itself, before any heuristic."""

    def __init__(self, page: _Page):
        self._page = page
        self._itemprops: dict[str, list] | None = None  # found when first asked for
        self._ld = ld = next(_json_ld_articles(page), {})
        self._metas = metas = _meta_tags(page)
        itemprop = self._itemprop
        self.headline = _text_of(ld.get("headline")) or itemprop("headline")
        self.title = _meta(metas, "og:title", "twitter:title")
        title = next(page.elements("title"), None)
        self.page_title = page.text(title) if title is not None else ""
        self.body = _text_of(ld.get("articleBody"))
        author = _text_of(ld.get("author")) or itemprop("author") or _meta(metas, "author")
        self.author = "" if author.startswith("http") else author
        self.section = (_text_of(ld.get("articleSection")) or _meta(metas, "article:section")
                        or itemprop("articleSection"))
        self.url = _meta(metas, "og:url") or _canonical(page) or _text_of(ld.get("url"))
        self.site = _meta(metas, "og:site_name") or _text_of(ld.get("publisher"))

    def _itemprop(self, name: str) -> str:
        if self._itemprops is None:
            self._itemprops = _itemprops(self._page)
        return _itemprop(self._page, self._itemprops, name)

    def dates(self) -> Iterator[str]:
        """The declared publication times, most trusted first (each read when the one before is not a date)."""
        ld, metas = self._ld, self._metas
        yield _text_of(ld.get("datePublished"))
        yield _meta(metas, "article:published_time")
        yield _meta(metas, "datePublished")
        yield self._itemprop("datePublished")
        yield _meta(metas, "og:article:published_time", "pubdate", "publishdate", "publish-date",
                    "dc.date", "date", "content_PublishedDate", "dateCreated")


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


def _headline(page: _Page, declared: _Declared) -> str:
    if declared.headline:
        return declared.headline
    titles = [t for t in (declared.title, declared.page_title) if t]
    # An <h1> that the page's title contains is the headline without the site's name.
    for heading in page.elements("h1", "h2"):
        text = " ".join(page.text(heading).split())
        if len(text) >= 15 and any(text in " ".join(t.split()) for t in titles):
            return text
    if titles:
        return _strip_site_name(titles[0], _site_words(declared))
    h1 = next(page.elements("h1"), None)
    return page.text(h1) if h1 is not None else ""


# --------------------------------------------------------------------------- time

_DATE_HINT = re.compile(r"date|time|tanggal|tgl|publish|waktu", re.IGNORECASE)
_URL_DATE = re.compile(r"/(20\d\d|19\d\d)/(\d{1,2})/(\d{1,2})/")


def _published(page: _Page, declared: _Declared) -> datetime | None:
    """Declared dates first, then ``<time>``, a dateline element, and the URL's date."""
    for text in declared.dates():
        date = parse_date(text)
        if date:
            return date
    # Read in page order, only as far as the date wanted.
    candidates = itertools.chain(
        (t.get("datetime") or page.text(t) for t in page.elements("time")),
        _dateline_texts(page))
    dates = filter(None, map(parse_date, candidates))
    match = _URL_DATE.search(declared.url)
    url_date = parse_date("-".join(f"{int(part):02d}" for part in match.groups())) if match else None
    if url_date:
        # Pages list other stories' dates too: trust one that falls on the URL's day.
        return next((d for d in dates if d.date() == url_date.date()), url_date)
    return next(dates, None)


def _dateline_texts(page: _Page) -> Iterator[str]:
    """The text of each short element whose class or id names a date, in page order."""
    for tag in page.elements("div", "span", "p", "small", "li"):
        class_, id_ = tag.get("class"), tag.get("id")
        if (class_ or id_) and _names_date(class_, id_) and page.raw_length(tag) < 120:
            yield page.text(tag)


# --------------------------------------------------------------------------- body

@functools.lru_cache(maxsize=4096)
def _names_furniture(class_: str | None, id_: str | None) -> bool:
    """Whether class words and id name page furniture (pages repeat a few hundred names)."""
    names = _names(class_, id_)
    return bool(names.strip()) and _FURNITURE.search(names) is not None


@functools.lru_cache(maxsize=4096)
def _names_date(class_: str | None, id_: str | None) -> bool:
    return _DATE_HINT.search(_names(class_, id_)) is not None


_NEVER_FURNITURE = {"body", "html", "article", "main"}
_ELEMENTS_INSIDE = etree.XPath("count(descendant::*)")


def _remove_furniture(page: _Page) -> None:
    for tag in list(page.elements(*_NOT_CONTENT)):
        page.remove(tag)
    # Scripts, styles and templates are gone: with no ruby text either, strings need no sorting.
    page.plain = next(page.elements("rt", "rp"), None) is None
    # Only the outermost piece of furniture is removed, decided before the tree changes: in page
    # order, the elements inside furniture just found (they follow it) are skipped, not looked at.
    outermost: list = []
    elements = page.elements()
    for tag in elements:
        class_, id_ = tag.get("class"), tag.get("id")
        if not (class_ or id_) or tag.tag in _NEVER_FURNITURE or not _names_furniture(class_, id_):
            continue
        # A wrapper whose name merely sounds like furniture but holds the story is kept.
        if _shorter_than(page, tag, 1000) or _text_outside_links(page, tag) < 1000:
            outermost.append(tag)
            inside = int(_ELEMENTS_INSIDE(tag))
            next(itertools.islice(elements, inside, inside), None)
    for tag in outermost:
        page.remove(tag)


def _shorter_than(page: _Page, tag, limit: int) -> bool:
    """``len(page.text(tag)) < limit``, reading no further than the limit."""
    if not page.plain:
        return len(page.text(tag)) < limit
    length = -1
    for string in _TEXT_NODES(tag):
        string = string.strip()
        if string:
            length += len(string) + 1
            if length >= limit:
                return False
    return True


_DEEP = etree.XPath("boolean(" + "/".join(["*"] * MAX_DEPTH) + ")")
"""An element ``MAX_DEPTH`` levels below a top one: one step a level, not every element's ancestors counted."""


def _is_deep(page: _Page) -> bool:
    """Whether an element is nested more than ``MAX_DEPTH`` deep (``<html>`` is at depth 1)."""
    return any(_DEEP(top) for top in page.tops if isinstance(top.tag, str))


class _PlainText:
    """An lxml parser target: the page's text outside scripts, styles and furniture tags, one line a string.

    For pages too deep for a tree (lxml keeps 2,047 levels): the same
    strings as Beautiful Soup's ``get_text("\\n")`` after removing those tags.
    """

    HIDDEN = set(_NOT_CONTENT) | {"rt", "rp"}

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.pending: list[str] = []
        self.open: list[str] = []
        self.hidden = 0

    def _end_data(self) -> None:
        if self.pending:
            if not self.hidden:
                self.strings.append("".join(self.pending))
            self.pending = []

    def start(self, tag, attrib) -> None:
        self._end_data()
        self.open.append(tag)
        self.hidden += tag in self.HIDDEN

    def end(self, tag) -> None:
        self._end_data()
        if tag in self.open:
            while self.open:
                closed = self.open.pop()
                self.hidden -= closed in self.HIDDEN
                if closed == tag:
                    break

    def data(self, data) -> None:
        self.pending.append(data)

    def comment(self, text) -> None:
        self._end_data()

    def pi(self, target, data=None) -> None:
        self._end_data()

    def doctype(self, *args) -> None:
        self._end_data()

    def close(self) -> str:
        self._end_data()
        return "\n".join(self.strings)


def _plain_text_body(text: str) -> str:
    parser = etree.HTMLParser(target=_PlainText(), recover=True)
    parser.feed(text)
    plain = parser.close()
    return "\n\n".join(clean_paragraphs([" ".join(line.split()) for line in plain.splitlines()]))


_PARAGRAPH_BLOCKS = {"div", "span", "font", "section"}
_INLINE_OR_BREAK = _INLINE | {"br"}
_OWN_INLINE = _INLINE - {"a"}


def _is_paragraph(tag) -> bool:
    """A ``<p>``, or a block holding only text and inline tags (a paragraph by another name)."""
    name = tag.tag
    if name == "p":
        return True
    if name not in _PARAGRAPH_BLOCKS:
        return False
    return all(c.tag in _INLINE_OR_BREAK or not isinstance(c.tag, str) for c in tag)


def _text_length(page: _Page, tag) -> int:
    """``len(page.text(tag))``; an element with no children is its own text (most links and paragraphs)."""
    if page.plain and not len(tag):
        text = tag.text
        return len(text.strip()) if text else 0
    return len(page.text(tag))


def _text_outside_links(page: _Page, tag) -> int:
    total = _text_length(page, tag)
    links = sum(_text_length(page, a) for a in tag.iterdescendants("a"))
    return max(total - links, 0)


def _own_text_length(page: _Page, block) -> int:
    """Text (outside links) directly in ``block``: its text nodes, inline tags and paragraphs."""
    text = block.text
    total = len(text.strip()) if text else 0
    for child in block:
        name = child.tag  # a comment's is a function: neither inline nor a paragraph
        if name in _OWN_INLINE or name == "p" or name in _PARAGRAPH_BLOCKS and _is_paragraph(child):
            total += _text_outside_links(page, child)
        tail = child.tail
        if tail:
            total += len(tail.strip())
    return total


def _content_block(page: _Page):
    """The element whose own paragraphs and lines hold the most text outside links."""
    best, best_length = None, 0
    for block in page.elements(*_BLOCKS):
        length = _own_text_length(page, block)
        if length > best_length:
            best, best_length = block, length
    return best


def _block_lines(page: _Page, block) -> list[tuple[str, float]]:
    """The block's text as lines (paragraphs, ``<br>`` breaks, nested blocks), each with its link density."""
    lines: list[tuple[str, float]] = []
    parts: list[str] = []
    link_chars = [0]
    kinds = page.kinds

    def flush():
        text = " ".join("".join(parts).split())
        if text:
            lines.append((text, min(link_chars[0] / len(text), 1.0)))
        parts.clear()
        link_chars[0] = 0

    def add(string: str | None, owner, in_link: bool) -> None:
        if string and owner not in kinds:  # not ruby text
            parts.append(string)
            if in_link:
                link_chars[0] += len(string.strip())

    def walk(node, in_link: bool) -> None:
        add(node.text, node, in_link)
        for child in node:
            if not isinstance(child.tag, str):  # a comment: its text is not the page's
                pass
            elif child.tag == "br":
                flush()
            elif child.tag in _INLINE:
                walk(child, in_link or child.tag == "a")
            else:
                flush()
                walk(child, in_link)
                flush()
            add(child.tail, node, in_link)

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


def _body_from_block(page: _Page, block, title: str) -> str:
    lines = [_without_credit(text) for text, density in _block_lines(page, block)
             if density <= MAX_LINK_DENSITY and not _CREDIT.match(text)
             and text != title and not _is_dateline(text)]
    return "\n\n".join(clean_paragraphs(lines))


def _is_dateline(line: str) -> bool:
    """A short line that is only a date, as pages print above the story."""
    return len(line) < 60 and parse_date(line) is not None and len(re.findall(r"[^\W\d]{3,}", line)) <= 4


def _body_from_text(text: str) -> str:
    """A declared ``articleBody``: it may hold markup; paragraphs are its lines."""
    if "<" in text:
        from bs4 import BeautifulSoup  # Python's html.parser under bs4, as the body was always read

        text = BeautifulSoup(text, "html.parser").get_text("\n")
    return clean_body(text)


# --------------------------------------------------------------------------- the page

def parse_html_page(data: bytes, article_id: str) -> Article:
    """Parse one saved page into an :class:`Article`, or raise :class:`NotAnArticleError`."""
    text = decode_html(data)
    if text[:1] == "\ufeff":
        text = text[1:]
    try:
        page = _Page(text)
    except etree.ParserError as error:
        reason = str(error).strip().splitlines()[-1].strip() if str(error).strip() else type(error).__name__
        raise IngestError(f"not readable as HTML: {reason}") from None
    declared = _Declared(page)
    title = _headline(page, declared)
    date = _published(page, declared)

    if _is_deep(page):
        body = _plain_text_body(text)
    else:
        _remove_furniture(page)
        block = _content_block(page)
        body = _body_from_block(page, block, title) if block is not None else ""
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
