"""Alerts by feed: ``/feed?q=…`` is an Atom feed (RFC 4287) of the newest articles matching a query.

Why: a watcher (a public information office, a researcher following a
subject) wants to hear when something new appears, in the feed reader they
already use, as Google Alerts delivers. The feed is a search sorted newest
first, with the page's filters (``kategori``, ``sumber``, ``penulis``,
``lokasi``, ``from``, ``to``); it follows the index as it grows, since the
server moves to each new generation. Written with ElementTree, which
escapes every piece of article text; a snippet's ``<mark>`` goes in as
escaped HTML (``type="html"``), as Atom asks.
"""

from __future__ import annotations

from datetime import datetime, timezone
from xml.etree import ElementTree

from starlette.requests import Request
from starlette.responses import Response

from ...index import SearchRequest, Sort
from ...results import Hit, SearchResults
from .. import labels, present, render
from ..params import BadRequest, page_query, text_param

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 20
SITE = labels.LABELS[labels.DEFAULT]["site"]

ElementTree.register_namespace("", ATOM)


def _element(parent, name: str, text: str | None = None, **attributes) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
    if text is not None:
        element.text = text
    return element


def _stamp(moment: datetime | None, fallback: datetime) -> str:
    """An Atom date (RFC 3339, with its offset)."""
    return (moment or fallback).isoformat(timespec="seconds")


def _entry(feed, hit: Hit, base: str, fallback: datetime) -> None:
    entry = _element(feed, "entry")
    _element(entry, "title", hit.title or hit.id)
    page = base + render.article_path(hit.id)
    _element(entry, "id", page)
    _element(entry, "link", rel="alternate", type="text/html", href=page)
    original = present.safe_url(hit.url)
    if original:
        _element(entry, "link", rel="related", type="text/html", href=original)
    if hit.date:
        _element(entry, "published", _stamp(hit.date, fallback))
    _element(entry, "updated", _stamp(hit.date, fallback))
    if hit.snippets:
        _element(entry, "summary", " … ".join(snippet.html() for snippet in hit.snippets), type="html")
    if hit.source:
        _element(entry, "category", term=hit.source, label=hit.source, scheme=base + "/?sumber=")
    if hit.category:
        _element(entry, "category", term=hit.category, label=hit.category, scheme=base + "/?kategori=")


def atom(results: SearchResults, title: str, self_url: str, page_url: str, base: str, built: datetime,
         site: str = SITE) -> bytes:
    """The feed of ``results`` (newest first) as Atom XML, by ``site``."""
    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    _element(feed, "title", title)
    _element(feed, "id", self_url)
    newest = max((hit.date for hit in results.hits if hit.date), default=None)
    _element(feed, "updated", _stamp(newest, built))
    _element(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _element(feed, "link", rel="alternate", type="text/html", href=page_url)
    author = _element(feed, "author")
    _element(author, "name", site)
    _element(feed, "generator", "indonesian-news-search")
    for hit in results.hits:
        _entry(feed, hit, base, built)
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)


async def feed(request: Request):
    """The newest matching articles as an Atom feed.
    ---
    summary: The 20 newest articles matching a query, as Atom
    parameters:
      - {name: q, in: query, schema: {type: string, maxLength: 500}}
      - {name: kategori, in: query, schema: {type: string}}
      - {name: sumber, in: query, schema: {type: string}}
      - {name: penulis, in: query, schema: {type: string}}
      - {name: lokasi, in: query, schema: {type: string}}
      - {name: from, in: query, schema: {type: string}}
      - {name: to, in: query, schema: {type: string}}
    responses:
      200:
        description: An Atom 1.0 feed (RFC 4287), newest first
        content: {application/atom+xml: {schema: {type: string}}}
      400: {$ref: "#/components/responses/BadRequest"}
      503: {$ref: "#/components/responses/Unavailable"}
    """
    params = request.query_params
    text = page_query(params)
    date_from = text_param(params, "from", max_chars=40) or None
    date_to = text_param(params, "to", max_chars=40) or None
    if not text.strip() and not date_from and not date_to:
        raise BadRequest("a feed needs q or a filter (kategori, sumber, penulis, lokasi, from, to)")
    asked = SearchRequest(text, sort=Sort.NEWEST, date_from=date_from, date_to=date_to, limit=ENTRIES)

    def work(index):
        return index.search(asked), index.meta.get("built_at", "")

    results, built_at = await request.app.state.index.run(work)
    built = _built(built_at)
    base = str(request.base_url).rstrip("/")
    kept = {key: value for key, value in params.items() if value}
    page_url = base + render.link("/", {**kept, "sort": "terbaru"})
    site = labels.LABELS[labels.language(params.get("lang"))]["site"]
    title = f"{text or date_from or date_to} – {site}"
    body = atom(results, title, str(request.url), page_url, base, built, site)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def _built(text: str) -> datetime:
    """When the index was built (what an undated entry and an empty feed are dated), else now."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return datetime.now(timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
