"""Spreadsheet exports and data sets: CSV and TSV, a plain JSON array, Parquet.

Archives arrive as tables as often as as pages: Excel's ``Simpan sebagai CSV``
(semicolons, a byte-order mark, newlines inside quoted cells), a data set's
``.tsv.gz`` or ``.parquet``, a scraper's ``json.dump`` of a list. Each row
becomes the dict a JSON Lines record is (the header mapped to the record's
fields by ``search.ingest.columns``), and the one function that makes an
article of a JSON record makes it (``search.ingest.jsonl.record_to_article``),
so ids, titles, dates and bodies are read the same way whatever the format.

A row that cannot be read (no body, too large) is skipped with its row number
(``file.csv:17``, the header being row 1 as a spreadsheet shows it; the
record's position in a JSON array or a Parquet file) and the rows around it
are read. A row without an id is ``file.csv#17``: stable while the rows before
it stay, as a JSON Lines record's ``file.jsonl#17``. A table whose header names
no body column is one skip naming its columns and ``--columns``.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import IO, Any

from ..articles import MAX_ARTICLE_BYTES, Article, Skipped, sanitize
from ..errors import IngestError
from .columns import BY_HEADER, ColumnMap, Field, assign, no_body_message
from .jsonl import record_to_article

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # a body of any size is read whole; MAX_ARTICLE_BYTES then applies

DELIMITERS = (",", ";", "\t")
"""The separators a CSV file may use, in the order preferred when the header does not say."""
SAMPLE_CHARS = 64 * 1024
"""How much of a CSV file the separator is guessed from."""
BATCH_ROWS = 1024
"""Parquet rows read at a time: what is held in memory besides the article being indexed."""
BUFFER_BYTES = 1 << 20
"""What pyarrow reads of a Parquet column at a time."""
PARQUET_EXTRA = "reading Parquet needs pyarrow: pip install -e '.[parquet]'"


def _too_large(size: int) -> str:
    return f"record too large for one article ({size / 1e6:.1f} MB; the limit is {MAX_ARTICLE_BYTES / 1e6:.0f} MB)"


def _text(value: Any) -> str | None:
    """A cell as text (a date as ISO 8601); None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else str(value)


def _record(row: Sequence[Any], fields: dict[int, Field]) -> dict[str, str]:
    """A row as a JSON Lines record: the mapped cells, by their field's name."""
    record = {}
    for position, field in fields.items():
        value = _text(row[position]) if position < len(row) else None
        if value is not None:
            record[field.value] = value
    return record


def _article(record: object, label: str, number: int, size: int | None = None) -> Article | Skipped:
    """The article of record ``number`` (a row's cells, or a JSON object of ``size`` characters), or why it
    is skipped."""
    where = f"{label}:{number}"
    if size is None:
        size = sum(len(value) for value in record.values()) if isinstance(record, dict) else 0
    if size > MAX_ARTICLE_BYTES:
        return Skipped(where, _too_large(size))
    try:
        return sanitize(record_to_article(record, f"{label}#{number}"), where)
    except IngestError as error:
        return Skipped(where, f"bad record: {error}")


# --------------------------------------------------------------------------- CSV and TSV

def open_text(path: Path) -> IO[str]:
    """The file as text for the csv module: `.gz` decompressed, a UTF-8 byte-order mark dropped, bad bytes replaced."""
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="replace", newline="")
    return open(path, encoding="utf-8-sig", errors="replace", newline="")


def sniff_delimiter(sample: str, default: str) -> str:
    """The separator of a CSV file from its first characters: the one its header line holds.

    When the header holds several, ``csv.Sniffer`` chooses among them on the
    first lines (two at least), else the most frequent in the header wins;
    with none (one column), ``default``.
    """
    header = sample.splitlines()[0] if sample else ""
    present = [d for d in DELIMITERS if d in header]
    if len(present) <= 1:
        return present[0] if present else default
    lines = sample.splitlines(keepends=True)[:-1]  # whole lines only: the last may be cut
    try:
        sniffed = csv.Sniffer().sniff("".join(lines), delimiters="".join(present)).delimiter if len(lines) > 1 else ""
    except csv.Error:
        sniffed = ""
    return sniffed if sniffed in present else max(present, key=header.count)


def read_csv(path: Path, label: str, columns: ColumnMap = BY_HEADER, default_delimiter: str = ",",
             ) -> Iterator[Article | Skipped]:
    """Yield an :class:`Article` per good row of a CSV or TSV file and a :class:`Skipped` per bad one."""
    with open_text(path) as handle:
        sample = handle.read(SAMPLE_CHARS)
        handle.seek(0)
        rows = csv.reader(handle, delimiter=sniff_delimiter(sample, default_delimiter))
        try:
            header = next(rows, [])
        except csv.Error as error:
            raise IngestError(f"bad header: {error}") from None
        fields = assign(header, columns)
        if Field.BODY not in fields.values():
            yield Skipped(label, no_body_message(header))
            return
        yield from _read_rows(rows, fields, label)


def _read_rows(rows: Iterator[list[str]], fields: dict[int, Field], label: str) -> Iterator[Article | Skipped]:
    """The articles of the rows after the header (row 1), each named by its row number."""
    number = 1
    while True:
        number += 1
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as error:
            yield Skipped(f"{label}:{number}", f"bad row: {error}")
            continue
        except (EOFError, OSError) as error:  # a damaged or cut .gz
            yield Skipped(f"{label}:{number}", f"unreadable after row {number - 1}: {error}")
            return
        if any(cell.strip() for cell in row):
            yield _article(_record(row, fields), label, number)


# --------------------------------------------------------------------------- JSON arrays

def _json_values(handle: IO[str]) -> Iterator[tuple[object, int]]:
    """(element, its length in characters) for each element of a JSON array, one at a time (bounded memory)."""
    decoder = json.JSONDecoder()
    buffer = handle.read(SAMPLE_CHARS).lstrip()
    if not buffer.startswith("["):
        raise IngestError("not a JSON array of records")
    position, done = 1, False
    while True:
        while position < len(buffer) and buffer[position] in " \t\r\n,":
            position += 1
        if position == len(buffer) and not done:
            buffer, position = handle.read(SAMPLE_CHARS), 0
            done = not buffer
            continue
        if buffer.startswith("]", position):
            return
        try:
            value, end = decoder.raw_decode(buffer, position)
            complete = end < len(buffer) or done  # a number at the end may go on in the next chunk
        except json.JSONDecodeError:
            if done:
                raise
            complete = False
        if not complete:
            more = handle.read(max(SAMPLE_CHARS, len(buffer) - position))
            buffer, position, done = buffer[position:] + more, 0, not more
            continue
        yield value, end - position
        position = end


def read_json_array(path: Path, label: str) -> Iterator[Article | Skipped]:
    """Yield an :class:`Article` per good record of a JSON array and a :class:`Skipped` per bad one.

    A record is read as a JSON Lines record is, and named by its place in the array.
    """
    number = 0
    with open_text(path) as handle:
        try:
            for number, (record, size) in enumerate(_json_values(handle), start=1):
                yield _article(record, label, number, size)
        except json.JSONDecodeError as error:
            yield Skipped(f"{label}:{number + 1}", f"unreadable after record {number}: {error.msg}")
        except RecursionError:
            yield Skipped(f"{label}:{number + 1}", f"unreadable after record {number}: nested too deeply")


# --------------------------------------------------------------------------- Parquet

def _pyarrow_parquet():
    """``pyarrow.parquet``, or :class:`IngestError` saying how to install it (the ``parquet`` extra)."""
    try:
        import pyarrow.parquet as parquet
    except ImportError:
        raise IngestError(PARQUET_EXTRA) from None
    return parquet


def read_parquet(path: Path, label: str, columns: ColumnMap = BY_HEADER) -> Iterator[Article | Skipped]:
    """Yield an :class:`Article` per good row of a Parquet file, a few row batches in memory at a time."""
    # Pages read as they are decoded, not a row group's columns whole: a data set's row group may hold a million rows.
    table = _pyarrow_parquet().ParquetFile(path, buffer_size=BUFFER_BYTES, pre_buffer=False)
    header = table.schema_arrow.names
    fields = assign(header, columns)
    if Field.BODY not in fields.values():
        yield Skipped(label, no_body_message(header))
        return
    wanted = sorted(fields)
    chosen = {index: fields[position] for index, position in enumerate(wanted)}
    number = 0
    for batch in table.iter_batches(batch_size=BATCH_ROWS, columns=[header[p] for p in wanted], use_threads=False):
        cells = [column.to_pylist() for column in batch.columns]
        for row in zip(*cells, strict=True):
            number += 1
            yield _article(_record(row, chosen), label, number)


# --------------------------------------------------------------------------- counts

def count_csv_rows(path: Path) -> int:
    """Roughly how many rows a CSV file holds (its lines but the header), for progress bars."""
    with open_text(path) as handle:
        return max(sum(1 for line in handle if line.strip()) - 1, 0)


def count_json_records(path: Path) -> int:
    """Roughly how many records a JSON array holds (its ``"body"`` keys), for progress bars."""
    with open_text(path) as handle:
        return sum(chunk.count('"body"') for chunk in iter(lambda: handle.read(1 << 20), ""))


def count_parquet_rows(path: Path) -> int:
    """How many rows a Parquet file holds, from its footer (1 without pyarrow)."""
    try:
        return _pyarrow_parquet().ParquetFile(path).metadata.num_rows
    except (IngestError, OSError, ValueError):
        return 1


__all__ = ["read_csv", "read_json_array", "read_parquet", "sniff_delimiter",
           "count_csv_rows", "count_json_records", "count_parquet_rows"]
