"""Indonesian dates as news pages write them."""

from datetime import datetime, timedelta, timezone

import pytest

from search.language.dates import parse_date


def at(*args, hours=7):
    return datetime(*args, tzinfo=timezone(timedelta(hours=hours)))


DATES = [
    ("Rabu, 17 Maret 2021, 17:36 WIB", at(2021, 3, 17, 17, 36)),
    ("Rabu, 17 Maret 2021 17:36 WIB", at(2021, 3, 17, 17, 36)),
    ("Kamis 05 Nov 2015, 10:08 WIB", at(2015, 11, 5, 10, 8)),
    ("Senin, 1 Agustus 2016 08.30 WITA", at(2016, 8, 1, 8, 30, hours=8)),
    ("Jumat, 2 Desember 2022, 09:00 WIT", at(2022, 12, 2, 9, 0, hours=9)),
    ("17/03/2021 17:36", at(2021, 3, 17, 17, 36)),
    ("2017-03-28T11:15", at(2017, 3, 28, 11, 15)),
    ("2021-03-17T17:36:00+08:00", at(2021, 3, 17, 17, 36, hours=8)),
    # A malformed stamp's "Z" is not trusted: detik writes local time there
    # (the page's own scraper expected 03:08:58 UTC).
    ("2015-11-05 T10:08:58Z", at(2015, 11, 5, 10, 8, 58)),
    ("2015-11-05T10:08:58Z", at(2015, 11, 5, 10, 8, 58, hours=0)),
    ("2017-02-17 13:30:08", at(2017, 2, 17, 13, 30, 8)),
    ("Kamis, 5 November 2015 - 15:56 wib", at(2015, 11, 5, 15, 56)),
    ("Selasa, 16 Februari 2016 | 13:01 WIB", at(2016, 2, 16, 13, 1)),
    ("on 16 Feb 2016 at 09:10 WIB", at(2016, 2, 16, 9, 10)),
    ("17 Maret 2021", at(2021, 3, 17)),
]


@pytest.mark.parametrize("text, expected", DATES)
def test_parse_date(text, expected):
    parsed = parse_date(text)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("text", ["", "Politik", "31 Februari 2021", "99/99/2021", "kemarin"])
def test_not_a_date(text):
    assert parse_date(text) is None


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from search.language.dates import parse_date_range  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789-/:. TZ+WIBMaretDesmbr", max_size=40) | st.text(max_size=40))
def test_date_parsers_never_crash(text):
    parsed = parse_date(text)
    assert parsed is None or parsed.tzinfo is not None
    try:
        start, end = parse_date_range(text)
    except ValueError:
        return
    assert start is None or end is None or start < end


def test_impossible_zone_offset_is_read_as_wib():
    assert parse_date("2021-01-01T10:00+99:00") == at(2021, 1, 1, 10, 0)
