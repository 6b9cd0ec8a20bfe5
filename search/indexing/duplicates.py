"""When two articles are the same article.

Archives hold the same story more than once: saved twice under different
file names, or fetched from two addresses that differ only in ``www.``,
``https``, a trailing slash or tracking parameters. Two articles are the
same when their canonical URLs match (:func:`url_key`) or when their bodies
have the same words in the same order (:func:`text_key`), ignoring case,
punctuation and spacing. The first one indexed is kept; later ones are
reported as merged into it.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from ..articles import Article

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|ref|source|amp|page|i)$", re.IGNORECASE)
_WORD = re.compile(r"\w+")


def url_key(url: str) -> str:
    """A URL reduced to what identifies the page, or ``""`` for no URL.

    ``https://www.Kompas.com/read/1/?utm_source=x#top`` -> ``kompas.com/read/1``
    """
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url if "//" in url else "//" + url)
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if not host:
        return ""
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)))
    path = parts.path.rstrip("/")
    return host + path + ("?" + query if query else "")


def text_key(body: str) -> str:
    """A fingerprint of the body's words, or ``""`` for an empty body."""
    words = _WORD.findall(body.lower())
    if not words:
        return ""
    return hashlib.sha1(" ".join(words).encode("utf-8")).hexdigest()


def keys_of(article: Article) -> list[tuple[str, str]]:
    """The (field, key) pairs that identify ``article``: its URL and its text."""
    keys = []
    if (key := url_key(article.url)):
        keys.append(("url_key", key))
    if (key := text_key(article.body)):
        keys.append(("text_key", key))
    return keys


REASONS = {"url_key": "same URL", "text_key": "same text"}
