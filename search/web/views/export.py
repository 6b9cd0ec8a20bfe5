"""Every match of the page's query as CSV or JSON Lines (``/export``): the CLI's ``--all``.

Why a module of its own: an export is not one call to a borrowed index but
a stream, with an index of its own, read a chunk of rows at a time in the
thread pool while other requests are answered, and closed however it ends;
the text of each row is :mod:`search.rows`, the same as the CLI's.
"""

from __future__ import annotations

import threading
import time
from itertools import islice

from starlette.concurrency import iterate_in_threadpool
from starlette.requests import Request
from starlette.responses import StreamingResponse

from ... import rows as export_rows
from ..params import BadRequest, export_request, page_query
from ..pool import EXPORT_STREAM_SECONDS, EXPORT_TIMEOUT, Unavailable, run_with_timeout

EXPORTS = 2  # exports streaming at once, each with an index of its own
EXPORT_CHUNK_ROWS = 100
EXPORT_FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


async def export(request: Request):
    """Every match of the page's query as CSV or JSON Lines: the CLI's ``--all`` export.
    ---
    summary: Every match, as CSV or JSON Lines (search query --all)
    parameters:
      - {name: q, in: query, schema: {type: string, maxLength: 500}}
      - {name: format, in: query, schema: {type: string, enum: [csv, jsonl], default: csv}}
      - {name: kategori, in: query, schema: {type: string}, description: "the page's filters"}
      - {name: sumber, in: query, schema: {type: string}}
      - {name: penulis, in: query, schema: {type: string}}
      - {name: lokasi, in: query, schema: {type: string}}
      - {name: sort, in: query, schema: {type: string, enum: [relevance, date, -date]}}
      - {name: from, in: query, schema: {type: string}}
      - {name: to, in: query, schema: {type: string}}
    responses:
      200:
        description: "One row per article: id, title, date, source, category, url, score, snippet"
        content:
          text/csv: {schema: {type: string}}
          application/x-ndjson: {schema: {type: string}}
      400: {$ref: "#/components/responses/BadRequest"}
      503: {$ref: "#/components/responses/Unavailable"}
    """
    params = request.query_params
    fmt = params.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        raise BadRequest("format must be csv or jsonl")
    asked = export_request(params, page_query(params))

    pool, exports = request.app.state.index, request.app.state.exports

    def start(deadline):
        # An index of its own, opened for this export and closed when it ends: the
        # stream reads one generation from start to end, whatever is published
        # meanwhile, and borrows none of the indexes that answer the other requests.
        if not exports.acquire(blocking=False):
            raise Unavailable("too many exports at once; try again")
        try:
            index = pool.open()
        except BaseException:
            exports.release()
            raise
        try:
            found = index.export(asked)
        except BaseException:
            index.close()
            exports.release()
            raise
        return ExportStream(found, fmt, index, exports.release)

    stream = await run_with_timeout(start, EXPORT_TIMEOUT, on_late=lambda late: late.close())
    return StreamingResponse(_closing(stream), media_type=EXPORT_FORMATS[fmt],
                             headers={"content-disposition": f'attachment; filename="hasil.{fmt}"'})


class ExportStream:
    """An export's rows as CSV or JSON Lines text, a chunk of rows per ``next()``.

    Starlette's StreamingResponse runs each ``next()`` of a plain iterator in
    its thread pool, so reading rows (stored fields, a snippet each) never
    blocks the event loop. The stream owns its index: :meth:`close`, at the
    end, on a disconnected client, or past :data:`EXPORT_STREAM_SECONDS`,
    closes it, once, and never under a ``next()`` that is still running.
    """

    def __init__(self, rows, fmt: str, index, release, rows_per_chunk: int = EXPORT_CHUNK_ROWS,
                 seconds: float | None = None):
        self._rows = rows
        self._fmt = fmt
        self._index = index
        self._release = release
        self._rows_per_chunk = rows_per_chunk
        self._deadline = time.monotonic() + (EXPORT_STREAM_SECONDS if seconds is None else seconds)
        self._header = True  # the first chunk starts with the header (CSV's; none for JSON Lines)
        self._lock = threading.Lock()
        self._busy = False
        self._closed = False
        self._released = False

    def __iter__(self):
        return self

    def __next__(self) -> str:
        with self._lock:
            if self._closed:
                raise StopIteration
            self._busy = True
        try:
            if time.monotonic() > self._deadline:
                # Cut off: the connection closes without the end of the body, so the
                # client sees an incomplete download, never a short one passed as whole.
                raise Unavailable(f"the export took longer than {EXPORT_STREAM_SECONDS:g} s")
            chunk = self._chunk()
        except BaseException:
            self.close()
            raise
        finally:
            with self._lock:
                self._busy = False
                closing = self._closed
            if closing:
                self._finish()
        if chunk is None:
            self.close()
            raise StopIteration
        return chunk

    def _chunk(self) -> str | None:
        head = export_rows.header(self._fmt) if self._header else ""
        self._header = False
        text = head + export_rows.lines(islice(self._rows, self._rows_per_chunk), self._fmt)
        return text or None

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._busy:
                return  # the running next() finishes it
        self._finish()

    def _finish(self) -> None:
        with self._lock:
            if self._released:
                return
            self._released = True
        try:
            self._index.close()
        finally:
            self._release()


async def _closing(stream: ExportStream):
    """The stream's chunks, each read in the thread pool; the stream closed however it ends."""
    try:
        async for chunk in iterate_in_threadpool(stream):
            yield chunk
    finally:
        stream.close()
