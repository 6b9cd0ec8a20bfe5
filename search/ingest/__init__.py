"""Reading seed files into articles, picking a reader by file type.

``read_articles(paths)`` walks folders recursively and yields every article it
can read. Files and records that cannot be read are recorded in the
:class:`ReadReport` with their path and reason, and skipped. Every article a
reader gives is sanitised (``search.articles.sanitize``): what the index
cannot hold is repaired, and its ``notes`` say what.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from ..articles import MAX_ARTICLE_BYTES, Article, ReadReport, Skipped, sanitize
from ..errors import IngestError
from .columns import BY_HEADER, ColumnMap
from .jsonl import open_lines, read_jsonl
from .tables import count_csv_rows, count_json_records, count_parquet_rows, read_csv, read_json_array, read_parquet
from .textpage import decode_text, parse_text_page


class Format(Enum):
    """The kinds of file the engine reads, each by the endings of its name (lower case)."""

    TEXT = (".txt",)
    JSONL = (".jsonl", ".jsonl.gz", ".ndjson")
    HTML = (".html", ".htm")
    WARC = (".warc", ".warc.gz", ".arc.gz")  # web archives: search.ingest.warc
    WACZ = (".wacz",)
    CSV = (".csv", ".csv.gz")
    TSV = (".tsv", ".tsv.gz")
    JSON = (".json", ".json.gz")
    PARQUET = (".parquet",)

    @property
    def suffixes(self) -> tuple[str, ...]:
        return self.value


@dataclass(frozen=True)
class ReadOptions:
    """What the readers are told besides the files themselves."""

    columns: ColumnMap = BY_HEADER
    """Which columns of a table (CSV, TSV, Parquet) hold which field, where its header does not say."""
    every_language: bool = False
    """Keep a web archive's pages that are not in Indonesian (they are skipped, and counted, by default)."""


    def to_json(self) -> dict[str, str]:
        """What a manifest remembers of these options for a file (nothing for the defaults)."""
        data = {}
        if self.columns.chosen:
            data["columns"] = self.columns.describe()
        if self.every_language:
            data["every_language"] = "yes"
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, str]) -> ReadOptions:
        return cls(ColumnMap.parse(data.get("columns")), data.get("every_language") == "yes")


BY_DEFAULT = ReadOptions()


WEB_ARCHIVES = (Format.WARC, Format.WACZ)
"""Files of many captured pages, each record kept or skipped on its own (``search.ingest.warc``)."""

IGNORED_NAMES = {"README.md", "README", "LICENSE", ".gitignore", ".gitkeep"}


def parse_html_page(data: bytes, article_id: str) -> Article:
    """One saved HTML page as an article (``search.ingest.html``).

    Imported on first use: lxml and beautifulsoup4 take a fifth of a second to import,
    and a query never reads HTML.
    """
    from .html import parse_html_page as parse

    return parse(data, article_id)


def reader_for(path: Path) -> Format | None:
    """The format of a file, by its name; None for a file of no known format."""
    name = path.name.lower()
    return next((kind for kind in Format if name.endswith(kind.suffixes)), None)


def _walk(root: Path) -> Iterator[Path]:
    """Files under ``root`` in a stable order, not following symlinked folders twice."""
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(folder) / name


def _label(path: Path, root: Path) -> str:
    """The file's path under the folder it was found in, with forward slashes."""
    if root.is_dir():
        return path.relative_to(root).as_posix()
    return path.name


def _read_table(path: Path, label: str, kind: Format, columns: ColumnMap) -> Iterator[Article | Skipped] | None:
    """The records of a file of many (``search.ingest.jsonl``, ``search.ingest.tables``); None for a page."""
    if kind is Format.JSONL:
        return read_jsonl(path, label)
    if kind is Format.JSON:
        return read_json_array(path, label)
    if kind in (Format.CSV, Format.TSV):
        return read_csv(path, label, columns, "\t" if kind is Format.TSV else ",")
    if kind is Format.PARQUET:
        return read_parquet(path, label, columns)
    return None


def read_file(path: Path, label: str, options: ReadOptions = BY_DEFAULT) -> Iterator[Article | Skipped]:
    """Every article in one seed file, and a :class:`Skipped` for each part that cannot be read.

    ``label`` names the file in ids and reports (its path under the seeds folder);
    ``options`` names a table's columns and the languages kept (:class:`ReadOptions`).
    """
    kind = reader_for(path)
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            raise IngestError("not a regular file (a pipe, socket or device)")
        records = _read_table(path, label, kind, options.columns) if kind is not None else None
        if records is not None:
            yield from records
            return
        if kind in WEB_ARCHIVES:
            from .warc import read_warc  # imported on first use, as the HTML reader is

            yield from read_warc(path, label, keep_other_languages=options.every_language)
            return
        size = status.st_size
        if size > MAX_ARTICLE_BYTES:
            raise IngestError(f"too large for one article page ({size / 1e6:.1f} MB; "
                              f"the limit is {MAX_ARTICLE_BYTES / 1e6:.0f} MB)")
        data = path.read_bytes()
        if b"\x00" in data[:4096]:
            raise IngestError("binary file, not text")
        if kind is Format.HTML:
            article = parse_html_page(data, label)
        else:
            article = parse_text_page(decode_text(data), label)
        article.path = label
        yield sanitize(article, label)
    except IngestError as error:
        yield Skipped(label, str(error))
    except OSError as error:
        yield Skipped(label, f"cannot read: {error.strerror or error}")
    except RecursionError:
        yield Skipped(label, "cannot read: nested too deeply")
    except (UnicodeError, ValueError) as error:
        yield Skipped(label, f"cannot read: {error}")


_COUNTS = {Format.CSV: count_csv_rows, Format.TSV: count_csv_rows, Format.JSON: count_json_records,
           Format.PARQUET: count_parquet_rows}
"""How to count the records of a table roughly, by its format."""


def estimate_count(paths: Iterable[str | os.PathLike]) -> int:
    """How many articles ``paths`` hold, roughly: a file per page, a line per record, a table's rows,
    50 kB of a web archive per page.

    A quick pass for progress bars; nothing is parsed.
    """
    count = 0
    for given in paths:
        root = Path(given)
        files = _walk(root) if root.is_dir() else [root] if root.exists() else []
        for path in files:
            kind = reader_for(path)
            if kind is Format.JSONL and path.is_file():
                try:
                    with open_lines(path) as lines:
                        count += sum(1 for line in lines if line.strip())
                except (OSError, EOFError):
                    pass
            elif kind in WEB_ARCHIVES:
                from .warc import estimate_records

                count += estimate_records(path)
            elif kind in _COUNTS and path.is_file():
                try:
                    count += _COUNTS[kind](path)
                except (OSError, EOFError):
                    pass
            elif kind is not None:
                count += 1
    return count


def find_files(paths: Iterable[str | os.PathLike], report: ReadReport) -> Iterator[tuple[Path, str]]:
    """``(path, label)`` for every seed file under ``paths`` (files or folders, walked recursively).

    Missing paths and files of no known type are appended to ``report.skipped``.
    """
    for given in paths:
        root = Path(given)
        if not root.exists():
            report.skipped.append(Skipped(str(given), "no such file or folder"))
            continue
        files = _walk(root) if root.is_dir() else [root]
        for path in files:
            label = _label(path, root)
            if reader_for(path) is None:
                if path.name not in IGNORED_NAMES:
                    report.skipped.append(Skipped(label, "unknown file type"))
                continue
            yield path, label


def read_articles(paths: Iterable[str | os.PathLike], report: ReadReport,
                  options: ReadOptions = BY_DEFAULT) -> Iterator[Article]:
    """Yield the articles in ``paths`` (files or folders, walked recursively), read as ``options`` say.

    Unreadable files and records are appended to ``report.skipped``, and
    what was changed in the articles read to ``report.notes``.
    """
    for path, label in find_files(paths, report):
        report.files += 1
        for item in read_file(path, label, options):
            if isinstance(item, Skipped):
                report.skipped.append(item)
            else:
                report.notes.extend(item.notes)
                yield item


__all__ = ["BY_DEFAULT", "BY_HEADER", "ColumnMap", "Format", "ReadOptions", "estimate_count", "find_files",
           "parse_html_page", "parse_text_page", "read_articles", "read_file", "read_jsonl", "reader_for"]
