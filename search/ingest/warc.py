"""Web archives: every news page a crawler captured in a WARC (``.warc``, ``.warc.gz``, ``.arc.gz``) or a WACZ.

Libraries crawl news sites with Heritrix, Browsertrix or ``wget --warc-file``
and keep WARC files (ISO 28500), often packaged as WACZ (a zip holding
``archive/*.warc.gz``); researchers take Indonesian news out of Common Crawl's
CC-NEWS. As the UK Web Archive's webarchive-discovery does, every ``response``
record of HTTP status 200 and an HTML content type is read as a saved page
(``search.ingest.html``): its URL is the record's ``WARC-Target-URI``, and its
capture time (``WARC-Date``) is kept (``Article.captured``, shown on the
article page) and is its date when the page declares none. Its id is
stable: the URL and the payload's digest (``WARC-Payload-Digest``, or the SHA-1
of the payload when the record has none, as in ARC files), so reading the same
archive again gives the same ids, and the same capture in two archives is one
article.

Everything else is skipped and counted by reason, one :class:`Skipped` per
reason per file (its label names the first such record, ``crawl.warc.gz@12345``,
the record's byte offset in the file), so that a crawl of thousands of images
and scripts is a few lines of the report: records that are not responses
(request, warcinfo, metadata), revisits and second captures of a URL already
read (the first complete capture is the article), captures the crawler cut
short, ``robots.txt``, redirects, other statuses than 200, what is not HTML,
pages that are not articles, and pages not in Indonesian
(``search.language.identify``; kept with ``keep_other_languages``).

An archive is streamed record by record; at most a few chunks of payloads are
held at a time. With an ``executor`` (the build's worker pool,
``search.ingest.pool``) the pages are parsed in worker processes, a chunk per
task, and handed back in the archive's order. A damaged archive (cut short,
corrupt gzip) keeps every record read before the damage and ends with one
:class:`Skipped` naming the byte offset of the damage.

The library is warcio (``pip install -e '.[warc]'``), chosen over FastWARC by
measurement (``benchmarks/README.md``): FastWARC reads a 300 MB WARC 2.6 times
faster (0.38 s against 1.0 s gzipped) in 14 MB of memory against 19, but
cannot read ARC files ("Invalid WARC header") and is a 5 MB compiled wheel
with four dependencies; warcio is 0.3 MB of pure Python and reads ARC. Neither
speed matters here: parsing the pages takes twenty times longer than reading
the records. Both yield a record cut short by truncation without a word, so
the length read is checked against ``Content-Length`` here; warcio writes a
line to stderr for each block of a corrupt gzip member and goes on, so its
reader is made to raise instead.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import zipfile
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from ..articles import MAX_ARTICLE_BYTES, Article, Skipped, sanitize
from ..errors import IngestError, NotAnArticleError
from ..language.identify import is_indonesian

INSTALL = "pip install -e '.[warc]'"
"""What makes web archives readable: the ``warc`` extra (warcio)."""

BYTES_PER_RECORD = 50_000
"""For ``estimate_count``: a WARC holds about one page per 50 kB of its size (a
gzipped news page with its request record is 20-60 kB; CC-NEWS files average
about 40 kB a record). Nothing is read to estimate."""

CHUNK = 16
"""Pages a worker parses per task."""

HTML_TYPES = ("text/html", "application/xhtml+xml")


class SkipReason(Enum):
    """Why a record of a web archive gives no article; each counted per file."""

    NOT_A_RESPONSE = "not a response (request, warcinfo, metadata or resource records)"
    REPEAT = "revisit/second capture of a URL already read"
    CUT_SHORT = "capture cut short by the crawler (WARC-Truncated)"
    ROBOTS = "robots.txt"
    REDIRECT = "a redirect (HTTP 3xx)"
    NOT_OK = "an HTTP status other than 200 (an error)"
    NOT_HTML = "not an HTML page (a PDF, image, script or style sheet)"
    TOO_LARGE = f"a page larger than {MAX_ARTICLE_BYTES / 1e6:.0f} MB"
    NOT_AN_ARTICLE = "not an article (a front page, listing or photo gallery)"
    UNREADABLE = "an unreadable page"
    NOT_INDONESIAN = "not in Indonesian"


@dataclass(frozen=True)
class Capture:
    """One HTML response to parse: what a worker is handed."""

    where: str
    """The archive's label and the record's offset: ``crawl.warc.gz@12345``."""
    url: str
    captured: datetime | None
    digest: str
    payload: bytes


@dataclass(frozen=True)
class Passed:
    """A record that gives no article, and why."""

    reason: SkipReason
    where: str
    detail: str = ""


class DamagedArchiveError(IngestError):
    """The archive cannot be read on from here (cut short, corrupt gzip); ``offset``: the record it happened in."""

    def __init__(self, message: str, offset: int | None = None):
        super().__init__(message)
        self.offset = offset


class WorkerDiedError(IngestError):
    """A worker parsing pages died (killed, out of memory): the build stops, as ``search.ingest.pool`` does."""


# --------------------------------------------------------------------------- records


@functools.cache
def _iterator_class() -> type:
    """warcio's iterator, quiet: a damaged gzip block raises, and nothing is written to stderr."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.bufferedreaders import DecompressingBufferedReader

    class StrictReader(DecompressingBufferedReader):
        def _decompress(self, data: bytes) -> bytes:
            if self.decompressor and data and self.num_block_read:
                try:
                    return self.decompressor.decompress(data)
                except zlib.error as error:
                    raise DamagedArchiveError(f"corrupt gzip data ({error})") from None
            return super()._decompress(data)

    class QuietIterator(ArchiveIterator):
        INC_RECORD = ""  # "Record not followed by newline", written to stderr

        def __init__(self, stream: IO[bytes], known_format: str):
            super().__init__(stream, arc2warc=True)
            self.reader.__class__ = StrictReader
            self.known_format = known_format  # kept: arc2warc reads each record's format afresh otherwise

    return QuietIterator


def _date(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _digest(record: Any, payload: bytes) -> str:
    declared = record.rec_headers.get_header("WARC-Payload-Digest")
    if declared:
        return declared
    return "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode()


def _is_robots(url: str) -> bool:
    return urlsplit(url).path == "/robots.txt"


def _triage(record: Any, url: str, seen: set[str]) -> SkipReason | None:
    """Why a record is not a page to read, by its headers; None for an HTML response to parse."""
    if record.rec_type == "revisit":
        return SkipReason.REPEAT
    if record.rec_type != "response" or not record.http_headers:
        return SkipReason.NOT_A_RESPONSE
    if _is_robots(url):
        return SkipReason.ROBOTS
    status = record.http_headers.get_statuscode() or ""
    if status.startswith("3"):
        return SkipReason.REDIRECT
    if status != "200":
        return SkipReason.NOT_OK
    content_type = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
    if content_type not in HTML_TYPES:
        return SkipReason.NOT_HTML
    if url in seen:
        return SkipReason.REPEAT
    if record.rec_headers.get_header("WARC-Truncated"):
        return SkipReason.CUT_SHORT
    return None


def _finish(iterator: Any, record: Any, label: str) -> str:
    """Read the record to its end; where it is (``label@offset``). Raises if the archive ends inside it."""
    iterator.read_to_end(record)
    where = f"{label}@{iterator.get_record_offset()}"
    missing = getattr(record.raw_stream, "limit", None)  # None: warcio found no Content-Length
    if missing is None:
        raise DamagedArchiveError("the record there has no length (its header cut short?)",
                                  iterator.get_record_offset())
    if missing > 0:
        raise DamagedArchiveError(f"the record there is cut short ({missing:,} of its bytes missing)",
                                  iterator.get_record_offset())
    return where


def _record(iterator: Any, record: Any, label: str, seen: set[str]) -> Capture | Passed:
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    reason = _triage(record, url, seen)
    payload = b""
    if reason is None:
        payload = record.content_stream().read(MAX_ARTICLE_BYTES + 1)
        if len(payload) > MAX_ARTICLE_BYTES:
            reason = SkipReason.TOO_LARGE
    where = _finish(iterator, record, label)
    if reason is not None:
        return Passed(reason, where)
    seen.add(url)
    return Capture(where, url, _date(record.rec_headers.get_header("WARC-Date")), _digest(record, payload), payload)


def _records(stream: IO[bytes], label: str, size: int, seen: set[str]) -> Iterator[Capture | Passed | Skipped]:
    """Each record of one WARC stream of ``size`` bytes, then, if it is damaged, a :class:`Skipped` naming where."""
    from warcio.exceptions import ArchiveLoadFailed

    iterator = _iterator_class()(stream, "arc" if label.lower().endswith(".arc.gz") else "warc")
    read = end = 0
    try:
        for record in iterator:
            yield _record(iterator, record, label, seen)
            read += 1
            end = iterator.offset  # where the next record starts
        if size - end > 0:  # the last record's start cut off: warcio sees an end
            raise DamagedArchiveError(f"{size - end:,} bytes after the last whole record are no record")
    except (DamagedArchiveError, ArchiveLoadFailed, EOFError, OSError, zlib.error, ValueError) as error:
        what = str(error).splitlines()[0] if str(error) else type(error).__name__
        at = error.offset if isinstance(error, DamagedArchiveError) and error.offset is not None else end
        yield Skipped(f"{label}@{at}", f"damaged at byte {at}: {what}; "
                      f"the {read:,} records before it were read, nothing after it")


def _streams(path: Path, label: str) -> Iterator[tuple[IO[bytes], str, int]]:
    """The WARC streams of a file: itself, or each ``archive/*.warc[.gz]`` of a WACZ, by name."""
    if not path.name.lower().endswith(".wacz"):
        with open(path, "rb") as stream:
            yield stream, label, path.stat().st_size
        return
    with zipfile.ZipFile(path) as package:
        names = sorted(name for name in package.namelist()
                       if name.startswith("archive/") and name.lower().endswith((".warc", ".warc.gz")))
        if not names:
            raise IngestError("a WACZ without WARC files (no archive/*.warc.gz)")
        for name in names:
            with package.open(name) as stream:
                yield stream, f"{label}/{name}", package.getinfo(name).file_size


def _items(path: Path, label: str) -> Iterator[Capture | Passed | Skipped]:
    seen: set[str] = set()
    try:
        for stream, name, size in _streams(path, label):
            yield from _records(stream, name, size, seen)
    except zipfile.BadZipFile as error:
        yield Skipped(label, f"not a readable WACZ (zip): {error}")


# --------------------------------------------------------------------------- pages


def parse_capture(capture: Capture) -> Article | Passed:
    """One captured page as an article (in a worker, or in this process); a :class:`Passed` if it is none."""
    from .html import parse_html_page

    article_id = f"{capture.url}#{capture.digest}"
    try:
        article = parse_html_page(capture.payload, article_id)
    except NotAnArticleError:
        return Passed(SkipReason.NOT_AN_ARTICLE, capture.where)
    except IngestError as error:
        return Passed(SkipReason.UNREADABLE, capture.where, str(error))
    except RecursionError:
        return Passed(SkipReason.UNREADABLE, capture.where, "nested too deeply")
    except (UnicodeError, ValueError) as error:
        return Passed(SkipReason.UNREADABLE, capture.where, str(error))
    article.url = capture.url
    article.path = capture.where
    article.captured = capture.captured
    if article.date is None:
        article.date = capture.captured
    return sanitize(article, capture.where)


def _parse_chunk(captures: list[Capture]) -> list[Article | Passed]:
    return [parse_capture(capture) for capture in captures]


Item = Article | Passed | Skipped


def _resolved(entry: Future | list[Item], first: Capture | None) -> list[Item]:
    if isinstance(entry, list):
        return entry
    try:
        return entry.result()
    except BrokenProcessPool:
        where = first.where if first else "a web archive"
        raise WorkerDiedError(f"a process parsing pages died while reading {where}: killed, or out of memory") from None


def _parsed(items: Iterable[Capture | Passed | Skipped], executor: Executor | None, ahead: int) -> Iterator[Item]:
    """Each item with its captures parsed, in order; in ``executor``'s workers, ``ahead`` chunks at a time."""
    if executor is None:
        for item in items:
            yield parse_capture(item) if isinstance(item, Capture) else item
        return
    pending: deque[tuple[Future | list[Item], Capture | None]] = deque()
    batch: list[Capture] = []

    def flush() -> None:
        if batch:
            pending.append((executor.submit(_parse_chunk, list(batch)), batch[0]))
            batch.clear()

    for item in items:
        if isinstance(item, Capture):
            batch.append(item)
            if len(batch) >= CHUNK:
                flush()
        else:
            flush()
            pending.append(([item], None))
        while len(pending) > ahead:
            yield from _resolved(*pending.popleft())
    flush()
    while pending:
        yield from _resolved(*pending.popleft())


# --------------------------------------------------------------------------- the report


@dataclass
class _Tally:
    """The records of one file that gave no article: counted by reason, the first of each kept."""

    label: str
    counts: Counter[SkipReason] = field(default_factory=Counter)
    first: dict[SkipReason, Passed] = field(default_factory=dict)

    def add(self, passed: Passed) -> None:
        self.counts[passed.reason] += 1
        self.first.setdefault(passed.reason, passed)

    def summary(self) -> Iterator[Skipped]:
        """One :class:`Skipped` per reason, in :class:`SkipReason` order, labelled with its first record."""
        for reason in SkipReason:
            count = self.counts[reason]
            if not count:
                continue
            first = self.first[reason]
            detail = f": {first.detail}" if first.detail else ""
            if count == 1:
                yield Skipped(first.where, f"{reason.value}{detail}")
            else:
                yield Skipped(first.where, f"{count:,} records {reason.value} in {self.label} "
                                           f"(the first here{detail})")


def read_warc(path: Path, label: str, *, executor: Executor | None = None, ahead: int = 4,
              identify: Callable[[str], bool] = is_indonesian,
              keep_other_languages: bool = False) -> Iterator[Article | Skipped]:
    """Every article in a WARC or WACZ file, then one :class:`Skipped` per reason records gave none.

    ``label`` names the file in reports; ``executor`` parses the pages in
    workers, ``ahead`` chunks at a time; ``identify`` says whether a text is
    Indonesian (pages that are not are skipped unless ``keep_other_languages``).
    """
    try:
        import warcio  # noqa: F401
    except ImportError:
        yield Skipped(label, f"a web archive; reading one needs warcio: {INSTALL}")
        return
    tally = _Tally(label)
    try:
        for item in _parsed(_items(path, label), executor, ahead):
            if isinstance(item, Article) and not keep_other_languages \
                    and not identify(f"{item.title}\n{item.body}"):
                item = Passed(SkipReason.NOT_INDONESIAN, item.path)
            if isinstance(item, Passed):
                tally.add(item)
            else:
                yield item
    except OSError as error:
        yield Skipped(label, f"cannot read: {error.strerror or error}")
    except WorkerDiedError:
        raise
    except IngestError as error:
        yield Skipped(label, str(error))
    yield from tally.summary()


def estimate_records(path: Path) -> int:
    """About how many pages a web archive holds: its size over :data:`BYTES_PER_RECORD`; at least 1."""
    try:
        return max(1, path.stat().st_size // BYTES_PER_RECORD)
    except OSError:
        return 0
