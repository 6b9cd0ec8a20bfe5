"""Plain-text news pages, as saved from a site like binews.id.

The format, line by line::

    Headline
    (blank)
    Rabu, 17 Maret 2021, 17:36 WIB | Politik | Kota Sawahlunto   <- dateline
    Headline again, a lede, ad labels                               <- teaser
    SAWAHLUNTO, binews.id - First paragraph ...                     <- body opens
    ... paragraphs, "Baca juga:" links, a banner ...
    Penulis: Imel                                                   <- footer
    Editor: BiNews
    Bagikan:

Only the headline and a body are required. The dateline's parts are
separated by ``|``: a date, then a category, then a location. The body opens
at the line that starts with the dateline city (``CITY, source -``), kept as
written (the index does not search it: ``search.language.datelines``); text
before it is the teaser, kept as the summary. Without such a line the body
starts right after the dateline.
"""

from __future__ import annotations

import re

from ..articles import Article
from ..errors import IngestError
from ..language.dates import parse_date
from .boilerplate import clean_paragraphs

# "SAWAHLUNTO, binews.id - ", "JAKARTA, KOMPAS.com - ", "Jakarta (ANTARA) - ", "BANDUNG - "
_OPENING = re.compile(
    r"^(?P<city>[A-Z][A-Z .'/]{1,40}?|[A-Z][\w .'/]{1,40}?)"
    r"(?:,\s*(?P<source>[^\s,-][^,]{0,40}?)|\s*\((?P<agency>[^)]{1,40})\))?"
    r"\s+[-\u2013\u2014]{1,2}\s+"
)
_FOOTER = re.compile(
    r"^\s*(?P<label>penulis|reporter|pewarta|editor|redaktur|bagikan|sumber)\s*:\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_AUTHOR_LABELS = {"penulis", "reporter", "pewarta"}
_EDITOR_LABELS = {"editor", "redaktur"}
_SENTENCE_END = re.compile(r"[.!?\"'\u201d)]\s*$")


def decode_text(data: bytes) -> str:
    """Bytes as text, line by line: UTF-8 where a line is valid UTF-8, else windows-1252.

    Pages pasted together from several sources mix encodings; reading each
    line on its own keeps ``été`` readable in a latin-1 line of a UTF-8 file.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = []
    for line in data.split(b"\n"):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(line.decode("windows-1252", errors="replace"))
    return "\n".join(lines)


def _opening(line: str) -> re.Match | None:
    """The ``CITY, source -`` opening of a body paragraph, if the line has one."""
    match = _OPENING.match(line)
    if not match:
        return None
    city = match.group("city").strip()
    # A plain "Word - " opening only counts when the city is written in capitals,
    # so ordinary sentences containing a dash are not mistaken for datelines.
    if not (match.group("source") or match.group("agency")) and not city.isupper():
        return None
    return match


def _is_banner(line: str) -> bool:
    """A short line that is not a sentence: a banner or a label, not article text."""
    return len(line.split()) < 6 and not _SENTENCE_END.search(line)


def parse_text_page(text: str, article_id: str) -> Article:
    """Parse one plain-text page into an :class:`Article`."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise IngestError("empty page")
    title = lines.pop(0).strip()

    # The dateline is the first non-empty line after the headline, if it has
    # a date in it.
    date = None
    category = location = ""
    rest_start = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        parsed = parse_date(parts[0])
        if parsed is not None:
            date = parsed
            category = parts[1] if len(parts) > 1 else ""
            location = parts[2] if len(parts) > 2 else ""
            rest_start = i + 1
        break
    lines = lines[rest_start:]

    # The footer: author, editor, share prompt. Everything from its first
    # label to the end of the page is footer, not body.
    author = editor = ""
    footer_start = len(lines)
    for i in range(len(lines) - 1, -1, -1):
        if not lines[i].strip():
            continue
        match = _FOOTER.match(lines[i])
        if not match:
            break
        label = match.group("label").lower()
        if label in _AUTHOR_LABELS:
            author = match.group("value").strip()
        elif label in _EDITOR_LABELS:
            editor = match.group("value").strip()
        footer_start = i
    lines = lines[:footer_start]

    paragraphs = clean_paragraphs(lines)
    source = ""
    summary_lines: list[str] = []
    for i, paragraph in enumerate(paragraphs):
        match = _opening(paragraph)
        if match:
            summary_lines = [p for p in paragraphs[:i] if p != title and not _is_banner(p)]
            source = (match.group("source") or match.group("agency") or "").strip()
            if not location:
                location = match.group("city").strip().title()
            paragraphs = paragraphs[i:]  # the dateline stays: the index leaves it out of the searched text
            break
    else:
        paragraphs = [p for p in paragraphs if p != title]

    body_paragraphs = [p for p in paragraphs if not _is_banner(p)]
    if not body_paragraphs:
        raise IngestError("no article text after the headline")
    return Article(
        id=article_id,
        title=title,
        body="\n\n".join(body_paragraphs),
        date=date,
        category=category,
        location=location,
        source=source,
        author=author,
        editor=editor,
        summary=" ".join(summary_lines),
    )
