"""The arithmetic of a coverage: articles per period, and the words a set of articles over-uses.

Researchers ask how much a subject was covered and when (Media Cloud's
attention over time, GDELT's timelines) and in which words (Media Cloud's top
words, Elasticsearch's ``significant_text``). Both are counts, not rankings.
This module holds the parts that need no index, so that they can be read and
tested alone:

* :func:`period_starts` puts each article's date (the date column: UTC
  microseconds since year 1, as Whoosh stores it) into its day, week (from
  Monday), month or year **in WIB**, the zone the ``tanggal:`` filter and
  the date options read dates in: a period's count is what its link finds.
* :func:`periods` lists every period between two, so that a period without
  articles is a 0, not a gap.
* :func:`log_likelihood` is Dunning's G² over a 2×2 table of article counts
  (in the sample / in the rest of the archive × holds the word / does not):
  how surely a word is more common in a query's articles than elsewhere.
  Unlike a raw count it leaves out words every article uses, and unlike
  JLH's ratio it does not crown a word that three articles share.
* :class:`SampleWords` counts the words (stems) and adjacent pairs of words
  a sample of articles holds, and the forms it wrote them in; the shards'
  samples add up, and the coordinator weighs the candidates against the
  archive (``search.query.coordinator``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

import numpy as np

from ..errors import InvalidArgumentError
from ..results import Period
from .request import Interval

_YEAR_ONE_TO_1970 = (datetime(1970, 1, 1) - datetime(1, 1, 1)) // timedelta(microseconds=1)
_WIB_OFFSET = 7 * 3600 * 1_000_000
MAX_PERIODS = 10_000
"""A timeline lists at most this many periods (27 years by day)."""


def _days(dates: np.ndarray) -> np.ndarray:
    """Each date of the date column (UTC microseconds since year 1) as its day in WIB."""
    local = (dates.astype(np.int64) - _YEAR_ONE_TO_1970 + _WIB_OFFSET).astype("datetime64[us]")
    return local.astype("datetime64[D]")


def _start(days: np.ndarray, interval: Interval) -> np.ndarray:
    """Each day's period, as the period's first day."""
    if interval == Interval.DAY:
        return days
    if interval == Interval.WEEK:  # 1970-01-01 was a Thursday: +3 makes Monday 0
        return days - ((days.astype(np.int64) + 3) % 7).astype("timedelta64[D]")
    unit = "datetime64[M]" if interval == Interval.MONTH else "datetime64[Y]"
    return days.astype(unit).astype("datetime64[D]")


def period_starts(dates: np.ndarray, interval: Interval) -> dict[date, int]:
    """How many of ``dates`` (date column values) fall in each period, by the period's first day."""
    if not len(dates):
        return {}
    starts, counts = np.unique(_start(_days(dates), interval), return_counts=True)
    return {day.item(): int(count) for day, count in zip(starts, counts, strict=True)}


def first_day(day: date, interval: Interval) -> date:
    """The first day of the period ``day`` is in."""
    return _start(np.array([day], dtype="datetime64[D]"), interval)[0].item()


def _next(start: date, interval: Interval) -> date:
    if interval == Interval.DAY:
        return start + timedelta(days=1)
    if interval == Interval.WEEK:
        return start + timedelta(days=7)
    if interval == Interval.MONTH:
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return date(start.year + 1, 1, 1)


def _label(start: date, interval: Interval) -> str:
    if interval == Interval.DAY:
        return start.isoformat()
    if interval == Interval.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{start:%Y-%m}" if interval == Interval.MONTH else f"{start:%Y}"


def periods(first: date, last: date, interval: Interval) -> list[Period]:
    """Every period from the one holding ``first`` to the one holding ``last``."""
    start, end = first_day(first, interval), first_day(last, interval)
    found: list[Period] = []
    while start <= end:
        following = _next(start, interval)
        found.append(Period(start, following - timedelta(days=1), _label(start, interval)))
        if len(found) > MAX_PERIODS:
            raise InvalidArgumentError(f"more than {MAX_PERIODS:,} periods by {interval}: choose a longer "
                                       "interval or a shorter date range")
        start = following
    return found


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x·ln(y), 0 where x is 0."""
    safe = np.where(x > 0, y, 1.0)
    return np.where(x > 0, x * np.log(safe), 0.0)


def log_likelihood(inside: np.ndarray, sample: int, elsewhere: np.ndarray, rest: int) -> np.ndarray:
    """G² of each word held by ``inside`` of ``sample`` articles and ``elsewhere`` of the ``rest``;
    0 for a word no more common in the sample than elsewhere."""
    a = np.asarray(inside, dtype=np.float64)
    c = np.asarray(elsewhere, dtype=np.float64)
    b, d = sample - a, rest - c
    n = float(sample + rest)
    if sample <= 0 or rest <= 0:
        return np.zeros(len(a))
    held, not_held = a + c, b + d
    with np.errstate(divide="ignore", invalid="ignore"):
        g2 = 2 * (_xlogy(a, a * n / (held * sample)) + _xlogy(b, b * n / (not_held * sample))
                  + _xlogy(c, c * n / (held * rest)) + _xlogy(d, d * n / (not_held * rest)))
    return np.where(a / sample > c / rest, g2, 0.0)


def _key_text(text: str) -> str:
    return " ".join(text.split())


@lru_cache(maxsize=100_000)
def _countable(stem: str) -> bool:
    """A stem worth showing: three letters or more, not a number."""
    return len(stem) >= 3 and any(ch.isalpha() for ch in stem)


@dataclass
class SampleWords:
    """The words (stems) and adjacent pairs of words of a sample of articles: how many articles hold
    each, and the forms they wrote it in. Samples of several shards add up."""

    articles: int = 0
    held: Counter[tuple[str, ...]] = field(default_factory=Counter)
    forms: dict[tuple[str, ...], dict[str, int]] = field(default_factory=dict)

    def add(self, text: str, tokens: list[tuple[str, int, int]]) -> None:
        """Count one article: its ``text`` and its analysed words as ``(stem, start, end)`` in order
        (stop words already left out). Two words are a pair only with nothing but space between them."""
        self.articles += 1
        seen: set[tuple[str, ...]] = set()
        forms = self.forms
        previous: tuple[str, int, int] | None = None
        for stem, start, end in tokens:
            if not _countable(stem):
                previous = None
                continue
            found: list[tuple[tuple[str, ...], str]] = [((stem,), text[start:end])]
            if previous is not None and previous[2] < start and text[previous[2]:start].isspace():
                found.append(((previous[0], stem), _key_text(text[previous[1]:end])))
            for key, form in found:
                seen.add(key)
                counts = forms.get(key)
                if counts is None:
                    forms[key] = {form: 1}
                else:
                    counts[form] = counts.get(form, 0) + 1
            previous = (stem, start, end)
        self.held.update(seen)

    def __add__(self, other: SampleWords) -> SampleWords:
        forms = {key: dict(counts) for key, counts in self.forms.items()}
        for key, counts in other.forms.items():
            mine = forms.setdefault(key, {})
            for form, count in counts.items():
                mine[form] = mine.get(form, 0) + count
        return SampleWords(self.articles + other.articles, self.held + other.held, forms)

    def form(self, key: tuple[str, ...]) -> str:
        """The form the sample wrote ``key`` in most often (the first met among equals)."""
        counts = self.forms[key]
        return max(counts, key=counts.__getitem__)

    def candidates(self, leave_out: set[str], least: int, most: int) -> list[tuple[str, ...]]:
        """The words and pairs held by at least ``least`` articles, at most ``most`` of each kind (the most
        held first), leaving out the words ``leave_out`` and pairs made only of them."""
        kept: list[tuple[str, ...]] = [key for key, count in self.held.items()
                if count >= least and not set(key) <= leave_out and not (len(key) == 1 and key[0] in leave_out)]
        kept.sort(key=lambda key: (-self.held[key], key))
        by_size: dict[int, list[tuple[str, ...]]] = {1: [], 2: []}
        for key in kept:
            by_size[len(key)].append(key)
        return by_size[1][:most] + by_size[2][:most]
