"""Indonesian dates and times as news pages write them.

``parse_date`` turns the forms seen in datelines and metadata into a
timezone-aware :class:`datetime`:

* ``Rabu, 17 Maret 2021, 17:36 WIB`` (day name, month name, Indonesian zone)
* ``Kamis 05 Nov 2015, 10:08 WIB`` (abbreviated month)
* ``17/03/2021 17:36`` (day first, as Indonesia writes it)
* ``Kamis, 5 November 2015 - 15:56 wib``, ``Selasa, 16 Februari 2016 | 13:01 WIB``
* ISO 8601 with or without a zone, and malformed ISO such as
  ``2015-11-05 T10:08:58Z``. Sites that write this form put their local time
  before the ``Z`` (the page's own scraper tests say so), so its zone is
  not trusted and the time is read as WIB.

A time without a zone is taken as WIB (UTC+7), the zone of most Indonesian
newsrooms.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")
WITA = timezone(timedelta(hours=8), "WITA")
WIT = timezone(timedelta(hours=9), "WIT")

ZONES = {"wib": WIB, "wita": WITA, "wit": WIT, "utc": timezone.utc, "gmt": timezone.utc, "z": timezone.utc}

MONTHS = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "feb": 2, "pebruari": 2, "february": 2,
    "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nov": 11, "nopember": 11,
    "desember": 12, "des": 12, "dec": 12, "december": 12,
}

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_TIME = (r"(?:[,|\s\u2013-]+(?:(?:pukul|jam|at)\s+)?"
         r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?)?")
_ZONE = r"(?:\s*(?P<zone>wita|wib|wit|utc|gmt))?"

_NAMED = re.compile(
    rf"(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH_NAMES})\.?\s+(?P<year>\d{{4}}){_TIME}{_ZONE}\b",
    re.IGNORECASE,
)
_NUMERIC = re.compile(
    rf"\b(?P<day>\d{{1,2}})[/-](?P<month>\d{{1,2}})[/-](?P<year>\d{{4}}){_TIME}{_ZONE}\b",
    re.IGNORECASE,
)
_ISO = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:(?P<gap>\s*)T?\s*(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<offset>Z|[+-]\d{2}:?\d{2})?)?",
    re.IGNORECASE,
)


def _offset_zone(offset: str | None) -> timezone | None:
    if not offset:
        return None
    if offset.upper() == "Z":
        return timezone.utc
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    try:
        return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    except ValueError:  # "+99:00" is no zone: read the time as WIB
        return None


def _build(year, month, day, hour, minute, second, tz) -> datetime | None:
    try:
        return datetime(
            int(year), int(month), int(day),
            int(hour or 0), int(minute or 0), int(second or 0),
            tzinfo=tz or WIB,
        )
    except ValueError:
        return None


def parse_date(text: str | None) -> datetime | None:
    """Return the first date found in ``text`` as an aware datetime, or ``None``."""
    if not text:
        return None
    text = text.strip()
    match = _ISO.search(text)
    if match:
        g = match.groupdict()
        zone = _offset_zone(g["offset"])
        if g["gap"] and text[match.start("gap"):match.end("gap") + 1].endswith("T"):
            zone = None  # "2015-11-05 T10:08:58Z": a malformed stamp's "Z" is not trusted
        return _build(g["year"], g["month"], g["day"], g["hour"], g["minute"], g["second"], zone)
    match = _NAMED.search(text)
    if match:
        g = match.groupdict()
        zone = ZONES.get((g["zone"] or "").lower())
        return _build(g["year"], MONTHS[g["month"].lower()], g["day"], g["hour"], g["minute"],
                      g["second"], zone)
    match = _NUMERIC.search(text)
    if match:
        g = match.groupdict()
        zone = ZONES.get((g["zone"] or "").lower())
        return _build(g["year"], g["month"], g["day"], g["hour"], g["minute"], g["second"], zone)
    return None


_DAY_PRECISION = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_MONTH_PRECISION = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_YEAR_PRECISION = re.compile(r"^\s*(\d{4})\s*$")
_NAMED_DAY = re.compile(rf"^\s*(\d{{1,2}})\s+({_MONTH_NAMES})\.?\s+(\d{{4}})\s*$", re.IGNORECASE)
_NAMED_MONTH = re.compile(rf"^\s*({_MONTH_NAMES})\.?\s+(\d{{4}})\s*$", re.IGNORECASE)


def _next_month(year: int, month: int) -> datetime:
    return datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=WIB)


def _period(text: str) -> tuple[datetime, datetime] | None:
    """The [start, end) of one day, month or year written as text, in WIB."""
    try:
        if m := _DAY_PRECISION.match(text):
            start = datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=WIB)
            return start, start + timedelta(days=1)
        if m := _NAMED_DAY.match(text):
            start = datetime(int(m[3]), MONTHS[m[2].lower()], int(m[1]), tzinfo=WIB)
            return start, start + timedelta(days=1)
        if m := _MONTH_PRECISION.match(text):
            year, month = int(m[1]), int(m[2])
            return datetime(year, month, 1, tzinfo=WIB), _next_month(year, month)
        if m := _NAMED_MONTH.match(text):
            year, month = int(m[2]), MONTHS[m[1].lower()]
            return datetime(year, month, 1, tzinfo=WIB), _next_month(year, month)
        if m := _YEAR_PRECISION.match(text):
            year = int(m[1])
            return datetime(year, 1, 1, tzinfo=WIB), datetime(year + 1, 1, 1, tzinfo=WIB)
    except ValueError:
        return None
    return None


class ReversedDateRange(ValueError):
    """A range that ends before it starts (``2021..2017``): its [start, end), for a caller that says so."""

    def __init__(self, text: str, start: datetime, end: datetime):
        super().__init__(f"the range {text!r} ends before it starts")
        self.start, self.end = start, end


def parse_date_range(text: str) -> tuple[datetime | None, datetime | None]:
    """The [start, end) a date filter means; ``None`` for an open end.

    ``2021``, ``2021-03``, ``2021-03-17``, ``Maret 2021``, ``17 Maret 2021``,
    ranges ``2021-03-01..2021-04-15`` (both ends included) and open ranges
    ``..2021-03`` or ``2021-03..``. Raises ``ValueError`` for anything else.
    """
    text = text.strip().strip('"').strip()
    if ".." in text:
        low, high = (part.strip() for part in text.split("..", 1))
        start = _period(low) if low else (None, None)
        end = _period(high) if high else (None, None)
        if start is None or end is None or (not low and not high):
            raise ValueError(f"not a date range: {text!r}")
        if start[0] and end[1] and start[0] >= end[1]:
            raise ReversedDateRange(text, start[0], end[1])
        return start[0], end[1]
    period = _period(text)
    if period is None:
        raise ValueError(f"not a date: {text!r} (use 2021, 2021-03, 2021-03-17 or 'Maret 2021')")
    return period


def intersect(window: tuple[datetime | None, datetime | None],
              other: tuple[datetime | None, datetime | None]) -> tuple[datetime | None, datetime | None]:
    """The [start, end) both windows share; ``None`` is an open end."""
    start = max(filter(None, [window[0], other[0]]), default=None)
    end = min(filter(None, [window[1], other[1]]), default=None)
    return start, end
