"""What the web page shows beside the engine's answer, worked out from it.

The library answers a query with hits and snippets; a reader of the page also
wants to see the date as an Indonesian newsroom writes it, the filters that a
click adds, a histogram of matches by month or year, and *why* an article
matched: which forms of each query word it used (``milik`` -> memiliki,
dimiliki), as the engine read the query (``SearchResults.words``) and found
the words in each hit (``Hit.forms``): the page parses nothing and reads no
article again. Everything here is plain Python over the library's
dataclasses (and ``search.language.analysis`` to mark the one article a page
shows), so it is tested without a server; HTML comes out only as
:class:`markupsafe.Markup` built from :meth:`search.Snippet.html`, which
escapes every character of article text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup

from ..language.analysis import analyze
from ..results import Hit, Period, QueryWord, QueryWords, Snippet

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
ZONE_NAMES = {7: "WIB", 8: "WITA", 9: "WIT", 0: "UTC"}

# The page's filter parameters and the query fields they become.
FILTERS = {"kategori": "kategori", "sumber": "sumber", "penulis": "penulis", "lokasi": "lokasi"}
# Facet names as the library counts them, and the parameter a click sets.
FACET_PARAMS = {"category": "kategori", "source": "sumber", "author": "penulis", "location": "lokasi"}



def indonesian_date(moment: datetime | None, with_time: bool = True, days=DAYS, months=MONTHS) -> str:
    """``Rabu, 17 Maret 2021 17:36 WIB``; the time is left out when it is midnight
    (a source that gives only the day). ``days`` and ``months``: names in another language."""
    if moment is None:
        return ""
    text = f"{days[moment.weekday()]}, {moment.day} {months[moment.month - 1]} {moment.year}"
    if with_time and (moment.hour, moment.minute, moment.second) != (0, 0, 0):
        text += f" {moment:%H:%M}"
        offset = moment.utcoffset()
        if offset is not None:
            hours, rest = divmod(int(offset.total_seconds()), 3600)
            text += " " + (ZONE_NAMES[hours] if not rest and hours in ZONE_NAMES
                           else f"UTC{'+' if offset >= timedelta(0) else '-'}{abs(hours):02d}:{rest // 60:02d}")
    return text


def month_label(key: str, months=MONTHS) -> str:
    """``2021-03`` -> ``Maret 2021``; ``2021`` -> ``2021``."""
    year, _, month = key.partition("-")
    return f"{months[int(month) - 1]} {year}" if month else year


def number(value: int, thousands: str = ".") -> str:
    """``3464`` -> ``3.464``, as Indonesian writes it (``thousands=","``: as English does)."""
    return f"{value:,}".replace(",", thousands)


def seconds(value: float, decimal: str = ",") -> str:
    return f"{value:.2f}".replace(".", decimal)


def percent(share: float, decimal: str = ",", places: int = 1) -> str:
    """``0.0123`` -> ``1,2%`` (``decimal="."``: ``1.2%``)."""
    return f"{100 * share:.{places}f}".replace(".", decimal) + "%"


def period_label(period: Period, interval: str, words: dict) -> str:
    """A timeline's period as the page's language names it: ``Maret 2021``, ``minggu 1 Mar 2021``, ``2021``."""
    if interval == "month":
        return month_label(period.label, words["months"])
    if interval == "week":
        start = period.start
        return words["timeline"]["week"].format(date=f"{start.day} {words['months'][start.month - 1][:3]} {start.year}")
    if interval == "day":
        return f"{period.start.day} {words['months'][period.start.month - 1][:3]} {period.start.year}"
    return period.label


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an http(s) address, else None: an article's URL is untrusted
    (``javascript:`` must never become a link)."""
    if not url:
        return None
    url = url.strip()
    return url if re.match(r"(?i)https?://[^\s]", url) else None


def filter_clause(name: str, value: str) -> str:
    """``kategori:"tajuk utama"``: a filter parameter as the query language writes it."""
    value = value.replace('"', " ").strip()
    return f'{FILTERS[name]}:"{value}"' if value else ""


def compose_query(text: str, filters: dict[str, str]) -> str:
    """The text the engine searches: what the user typed and the filters clicked."""
    clauses = [filter_clause(name, value) for name, value in filters.items() if value]
    return " ".join(part for part in [text.strip(), *clauses] if part)


@dataclass
class WhyMatched:
    """A query word and the forms an article wrote it in, most frequent first."""

    word: QueryWord
    forms: list[tuple[str, int]]

    @property
    def found(self) -> bool:
        return bool(self.forms)


def why_matched(words: QueryWords, hit: Hit) -> list[WhyMatched]:
    """For each query word the engine read, the forms ``hit`` wrote it in (``Hit.forms``), with counts:
    in the field the word was aimed at (``judul``: the title, ``isi``: the body), else in both. Of the
    words a ``banj*`` stands for, only those the hit wrote."""
    answer = []
    for word in words.words:
        found = hit.forms.get(word.stem)
        if word.prefix and found is None:
            continue  # one of the many words a "banj*" stands for, and not this article's
        forms: Counter[str] = Counter()
        if found is not None:
            if word.field != "isi":
                forms.update(found.title)
            if word.field != "judul":
                forms.update(found.body)
        answer.append(WhyMatched(word, sorted(forms.items(), key=lambda item: (-item[1], item[0]))))
    return answer


def marked(text: str, stems: set[str]) -> Markup:
    """``text`` as HTML with every word whose root is in ``stems`` in ``<mark>``."""
    parts = []
    index = 0
    for token in analyze(text) if stems else ():
        if token.stop_word or token.stem not in stems:
            continue
        if token.start > index:
            parts.append((text[index:token.start], False))
        parts.append((text[token.start:token.end], True))
        index = token.end
    if index < len(text):
        parts.append((text[index:], False))
    return Markup(Snippet(tuple(parts)).html())


def snippet_html(snippet: Snippet) -> Markup:
    """A snippet as HTML with "…" where it cuts the text: not before one that starts the text, and
    not twice after one that ends with "…" already (a listing's opening lines)."""
    text = snippet.html()
    before = "" if snippet.starts_text else "…"
    after = "" if snippet.ends_text or snippet.text.rstrip().endswith("…") else "…"
    return Markup(before) + Markup(text) + Markup(after)


def date_range_label(date_from: str, date_to: str) -> str:
    """An active date filter as the page shows it: ``2017-08`` once when both ends are that month,
    ``2017-08 – …`` when open at one end."""
    if date_from and date_from == date_to:
        return date_from
    return f"{date_from or '…'} – {date_to or '…'}"


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs (blank-line separated; a single newline is a line break)."""
    return [part.strip() for part in re.split(r"\n\s*\n", body) if part.strip()]


@dataclass
class Bar:
    key: str  # "2021-03" or "2021"
    label: str
    count: int
    date_from: str
    date_to: str


def histogram(months: dict[str, int], max_months: int = 24) -> tuple[str, list[Bar]]:
    """Matches per month, with the empty months between filled in; per year when the
    months span more than ``max_months``. Returns ("bulan"|"tahun", bars)."""
    keys = sorted(key for key in months if re.fullmatch(r"\d{4}-\d{2}", key))
    if not keys:
        return "bulan", []
    first, last = keys[0], keys[-1]
    span = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) + 1
    if span <= max_months:
        bars = []
        year, month = int(first[:4]), int(first[5:])
        for _ in range(span):
            key = f"{year:04d}-{month:02d}"
            bars.append(Bar(key, month_label(key), months.get(key, 0), key, key))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return "bulan", bars
    years: Counter[str] = Counter()
    for key in keys:
        years[key[:4]] += months[key]
    return "tahun", [Bar(str(year), str(year), years.get(str(year), 0), str(year), str(year))
                     for year in range(int(first[:4]), int(last[:4]) + 1)]


def page_numbers(page: int, last: int, around: int = 2) -> list[int | None]:
    """Page links to show: the first, the last, and those around ``page``; None is a gap."""
    shown = sorted({1, last, *range(max(1, page - around), min(last, page + around) + 1)})
    answer: list[int | None] = []
    for number_ in shown:
        if answer and number_ - answer[-1] > 1:
            answer.append(None)
        answer.append(number_)
    return answer
