"""Load on a running ``search serve`` while the index changes under it.

Why: a server is only useful if it keeps answering, without errors, while
``search add`` and ``search remove`` publish new generations, and if it shows
those updates within a second or two. This starts a real ``search serve``
(uvicorn) on a free loopback port over a fresh index of ``--corpus``, runs
``--clients`` concurrent clients for ``--seconds`` of mixed requests (result
pages, API searches with facets, articles, similar articles, stats), and a
writer that adds an article with a word of its own, waits until the API finds
it, removes it and waits until it is gone. It prints requests answered,
errors, p50/p95 latency per kind, and how many updates the server saw and how
long each took to show. Traffic goes to 127.0.0.1 only; every loop is bounded
in time; the server is stopped by its process id.

    python -m benchmarks.serve_load                      # 60 s, 8 clients, seeds/
    python -m benchmarks.serve_load --readers 4          # the server with 4 open indexes
    python -m benchmarks.serve_load --workers 2          # 2 server processes, each with its pool
    python -m benchmarks.serve_load --seconds 5 --corpus tests/fixtures

The capacity runs (issue 34) go through a small asyncio HTTP/1.1 client of
this module (one connection per client, kept alive), light enough that 500
of them run in one process:

    python -m benchmarks.serve_load --run throughput   # requests/s, API and page, readers 1/2/4 x workers 1/2
    python -m benchmarks.serve_load --run crowd        # 500 clients at once: errors, answers not JSON
    python -m benchmarks.serve_load --run popular      # 100 clients repeating popular queries: p95
    python -m benchmarks.serve_load --run capacity     # the three
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx

import search
from benchmarks.common import PROJECT
from benchmarks.server import running_server

QUERIES = [
    "banjir", "milik dinas", "pemerintah", "jakarta", "presiden jokowi", "harga beras naik",
    '"dinas kominfo"', "banjir -jakarta", "kategori:politik", "sepak bola", "pmerintah",
    "tanggal:2017 indonesia", "ekonomi ATAU keuangan", "kembang teknologi", "anak-anak sekolah",
]
UPDATE_TIMEOUT = 30.0


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors = 0
        self.error_samples: list[str] = []

    def record(self, kind: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            if error is not None:
                self.errors += 1
                if len(self.error_samples) < 10:
                    self.error_samples.append(f"{kind}: {error}")


def _client(base: str, stop: float, tally: Tally, seed: int, ids: list[str]) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=30) as client:
        while time.monotonic() < stop:
            roll = rng.random()
            query = rng.choice(QUERIES)
            if roll < 0.4:
                kind, url, params = "page", "/", {"q": query, "page": rng.choice([1, 1, 2])}
            elif roll < 0.75:
                kind, url, params = "api_search", "/api/search", {"q": query, "facets": rng.choice(["0", "1"])}
            elif roll < 0.88:
                kind, url, params = "article", "/articles/" + _quote(rng.choice(ids)), {}
            elif roll < 0.96:
                kind, url, params = "similar", "/api/similar/" + _quote(rng.choice(ids)), {}
            else:
                kind, url, params = "stats", "/api/stats", {}
            started = time.perf_counter()
            error = None
            try:
                response = client.get(url, params=params)
                if response.status_code != 200:
                    error = f"HTTP {response.status_code} {url} {params}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            tally.record(kind, time.perf_counter() - started, error)


def _quote(article_id: str) -> str:
    from urllib.parse import quote

    return quote(article_id, safe="")


def _writer(base: str, index_dir: Path, folder: Path, stop: float, report: dict, minimum: int) -> None:
    """Add an article, wait until the server finds it; remove it, wait until it is gone."""
    with httpx.Client(base_url=base, timeout=30) as client:
        number = 0
        while time.monotonic() < stop or report["updates"] < minimum:
            number += 1
            word = f"zkwlaod{number}x"  # a word no article holds
            path = folder / f"update-{number}.jsonl"
            path.write_text(json.dumps({"id": f"load-{number}", "title": f"Uji {word}",
                                        "body": f"Artikel uji beban {word}."}), encoding="utf-8")
            for action in ("add", "remove"):
                if action == "add":
                    search.add_articles([path], index_dir, wait=30)
                else:
                    search.remove_articles([f"load-{number}"], index_dir, wait=30)
                published = time.monotonic()
                report["updates"] += 1
                wanted = 1 if action == "add" else 0
                while time.monotonic() - published < UPDATE_TIMEOUT:
                    total = client.get("/api/search", params={"q": word}).json()["total"]
                    if total == wanted:
                        report["updates_seen"] += 1
                        report["visible_after"].append(time.monotonic() - published)
                        break
                    time.sleep(0.05)
            time.sleep(0.5)


# -- the capacity runs: a small asyncio client ----------------------------------

REQUEST_SECONDS = 60.0  # a client gives up on an answer after this long


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    seconds: float


class Connection:
    """One kept-alive HTTP/1.1 connection to the server on loopback, GET only."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str) -> Answer:
        started = time.perf_counter()
        try:
            return await asyncio.wait_for(self._get(target, started), REQUEST_SECONDS)
        except BaseException:
            self.close()
            raise

    async def _get(self, target: str, started: float) -> Answer:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n".encode())
        await self.writer.drain()
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
        headers = {name.lower(): value for name, value in headers.items()}
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Answer(status, headers.get("content-type", ""), body, time.perf_counter() - started)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _is_json(answer: Answer) -> bool:
    if not answer.content_type.startswith("application/json"):
        return False
    try:
        json.loads(answer.body)
    except ValueError:
        return False
    return True


@dataclass
class Figures:
    """What a capacity run counts."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    non_json: int = 0
    refused: int = 0  # 503 with Retry-After: the server said when to come back
    unanswered: int = 0  # no answer at all (connection refused or reset, timed out)
    samples: list[str] = field(default_factory=list)

    def record(self, target: str, answer: Answer | None, problem: str = "", json_expected: bool = True) -> None:
        if answer is None:
            self.unanswered += 1
        else:
            self.latencies.append(answer.seconds)
            if answer.status == 503:
                self.refused += 1
            if json_expected and not _is_json(answer):
                self.non_json += 1
                problem = problem or f"not JSON: {answer.content_type} {answer.body[:80]!r}"
            if answer.status != 200:
                problem = problem or f"HTTP {answer.status}: {answer.body[:120]!r}"
        if problem:
            self.errors += 1
            if len(self.samples) < 10:
                self.samples.append(f"{target}: {problem}")

    def summary(self, seconds: float) -> dict:
        return {
            "requests": len(self.latencies) + self.unanswered, "unanswered": self.unanswered,
            "seconds": round(seconds, 2),
            "requests_per_second": round(len(self.latencies) / seconds, 1) if seconds else None,
            "errors": self.errors, "non_json": self.non_json, "refused_503": self.refused,
            "p50_ms": round(statistics.median(self.latencies) * 1000, 1) if self.latencies else None,
            "p95_ms": round(_percentile(self.latencies, 0.95) * 1000, 1),
            "max_ms": round(max(self.latencies, default=0) * 1000, 1),
            "error_samples": self.samples,
        }


async def _ask(connection: Connection, target: str, figures: Figures, json_expected: bool = True) -> None:
    try:
        answer = await connection.get(target)
    except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError, IndexError) as error:
        figures.record(target, None, f"{type(error).__name__}: {error}")
        return
    figures.record(target, answer, json_expected=json_expected)


async def _closed_loop(port: int, clients: int, seconds: float, targets, json_expected: bool) -> dict:
    """``clients`` connections, each asking the next of ``targets`` as soon as it has an answer."""
    figures, stop = Figures(), time.monotonic() + seconds
    counter = itertools.count()

    async def client() -> None:
        connection = Connection(port)
        try:
            while time.monotonic() < stop:
                await _ask(connection, targets(next(counter)), figures, json_expected)
        finally:
            connection.close()

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(clients)))
    return figures.summary(time.monotonic() - started)


def _search_target(number: int, page: bool) -> str:
    """A search unlike any before it (the parameter n keeps it out of the server's cache)."""
    query = QUERIES[number % len(QUERIES)].replace(" ", "+").replace('"', "%22").replace(":", "%3A")
    return f"/?q={query}&n={number}" if page else f"/api/search?q={query}&facets=1&n={number}"


POPULAR = ["banjir", "pemerintah", "jakarta", "presiden+jokowi", "harga+beras+naik"]


@contextlib.contextmanager
def _server_settings(readers: int | None, workers: int | None):
    """``SEARCH_SERVE_READERS`` and ``SEARCH_SERVE_WORKERS`` for the server about to start (a child)."""
    settings = {"SEARCH_SERVE_READERS": readers, "SEARCH_SERVE_WORKERS": workers}
    before = {name: os.environ.get(name) for name in settings}
    for name, value in settings.items():
        if value is not None:
            os.environ[name] = str(value)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _capacity_index(corpus: Path, index: Path | None, work_dir: Path | None):
    """The index the capacity runs serve: ``index`` as it is (the server is read-only), or one of ``corpus``."""
    if index is not None:
        yield index
        return
    with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
        search.build_index([corpus], Path(tmp) / "ix")
        yield Path(tmp) / "ix"


def _port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def throughput(corpus: Path = PROJECT / "seeds", index: Path | None = None, seconds: float = 8,
               clients: int = 8, readers: tuple[int, ...] = (1, 2, 4), workers: tuple[int, ...] = (1, 2),
               work_dir: Path | None = None) -> list[dict]:
    """Requests per second of API searches (with facets) and of result pages, none from the
    cache, by ``clients`` closed-loop clients for ``seconds`` each, for every count of readers
    and worker processes."""
    rows = []
    with _capacity_index(corpus, index, work_dir) as served:
        for worker_count, reader_count in itertools.product(workers, readers):
            with _server_settings(reader_count, worker_count), running_server(served) as base:
                for kind, page in (("api", False), ("page", True)):
                    asyncio.run(_closed_loop(_port(base), clients, 1.0, lambda n, p=page: _search_target(n, p), False))
                    figures = asyncio.run(_closed_loop(_port(base), clients, seconds,
                                                       lambda n, p=page: _search_target(n + 10**6, p), not page))
                    rows.append({"kind": kind, "readers": reader_count, "workers": worker_count,
                                 "clients": clients, **figures})
    return rows


def crowd(corpus: Path = PROJECT / "seeds", index: Path | None = None, clients: int = 500,
          requests_each: int = 1, work_dir: Path | None = None, readers: int | None = None,
          workers: int | None = None, distinct: bool = False) -> dict:
    """``clients`` clients at once, each on its own connection, each asking ``requests_each``
    API requests (searches of the popular queries, an article, the stats; or, ``distinct``,
    searches none of which the cache holds): errors and answers that are not JSON are counted."""
    with _capacity_index(corpus, index, work_dir) as served:
        with search.open_index(served) as opened:
            ids = [hit.id for hit in opened.search("indonesia", limit=20, highlight=False).hits]
        with _server_settings(readers, workers), running_server(served) as base:
            targets = [_search_target(number, False) for number in range(clients * requests_each)] if distinct \
                else _popular_targets(ids)
            figures = asyncio.run(_crowd(_port(base), clients, requests_each, targets))
    return {"clients": clients, "requests_each": requests_each, "distinct": distinct, **figures}


def _popular_targets(ids: list[str]) -> list[str]:
    return [f"/api/search?q={query}" for query in POPULAR] + ["/api/stats"] + \
        [f"/api/articles/{_quote(article_id)}" for article_id in ids[:5]]


async def _crowd(port: int, clients: int, requests_each: int, targets: list[str]) -> dict:
    figures = Figures()
    start = asyncio.Event()

    async def client(number: int) -> None:
        connection = Connection(port)
        try:
            await start.wait()
            for turn in range(requests_each):
                await _ask(connection, targets[(number * requests_each + turn) % len(targets)], figures)
        finally:
            connection.close()

    tasks = [asyncio.ensure_future(client(number)) for number in range(clients)]
    await asyncio.sleep(0.2)
    started = time.monotonic()
    start.set()
    await asyncio.gather(*tasks)
    return figures.summary(time.monotonic() - started)


def popular(corpus: Path = PROJECT / "seeds", index: Path | None = None, clients: int = 100,
            seconds: float = 10, work_dir: Path | None = None, readers: int | None = None,
            workers: int | None = None) -> dict:
    """``clients`` closed-loop clients repeating the popular queries for ``seconds`` (after one
    round that fills the cache): the p95 that a crowd asking the same things sees."""
    with _capacity_index(corpus, index, work_dir) as served, \
            _server_settings(readers, workers), running_server(served) as base:
        def target(number: int) -> str:
            return f"/api/search?q={POPULAR[number % len(POPULAR)]}"
        asyncio.run(_closed_loop(_port(base), len(POPULAR), 1.0, target, True))
        figures = asyncio.run(_closed_loop(_port(base), clients, seconds, target, True))
    return {"clients": clients, "queries": POPULAR, **figures}


def run(corpus: Path = PROJECT / "seeds", seconds: float = 60, clients: int = 8,
        work_dir: Path | None = None, minimum_updates: int = 2, index: Path | None = None,
        readers: int | None = None, workers: int | None = None) -> dict:
    """Build an index of ``corpus`` (or copy ``index``), serve it, load it; return the figures.
    ``readers``: the server's open indexes per process (``SEARCH_SERVE_READERS``), ``workers``
    its processes (``SEARCH_SERVE_WORKERS``); the server's defaults if None."""
    with _server_settings(readers, workers):  # the server, a child process, reads them
        return _run(corpus, seconds, clients, work_dir, minimum_updates, index)


def _run(corpus: Path, seconds: float, clients: int, work_dir: Path | None, minimum_updates: int,
         index: Path | None) -> dict:
    with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
        tmp = Path(tmp)
        index_dir = tmp / "ix"
        if index is not None:
            shutil.copytree(index, index_dir)
        else:
            search.build_index([corpus], index_dir)
        with search.open_index(index_dir) as opened:
            articles = opened.article_count
            ids = [hit.id for hit in opened.search("indonesia", limit=50, highlight=False).hits] or \
                [hit.id for hit in opened.search("tahun", limit=50, highlight=False).hits]
        (tmp / "updates").mkdir()
        with running_server(index_dir) as base:
            tally = Tally()
            report = {"updates": 0, "updates_seen": 0, "visible_after": []}
            started = time.monotonic()
            stop = started + seconds
            threads = [threading.Thread(target=_client, args=(base, stop, tally, n, ids), daemon=True)
                       for n in range(clients)]
            writer = threading.Thread(target=_writer, daemon=True,
                                      args=(base, index_dir, tmp / "updates", stop, report, minimum_updates))
            for thread in [*threads, writer]:
                thread.start()
            for thread in threads:
                thread.join(seconds + 60)
            writer.join(seconds + 4 * UPDATE_TIMEOUT)
            elapsed = time.monotonic() - started
    everything = [value for values in tally.latencies.values() for value in values]
    return {
        "corpus": str(index or corpus), "articles": articles, "clients": clients,
        "readers": os.environ.get("SEARCH_SERVE_READERS", "default"),
        "workers": os.environ.get("SEARCH_SERVE_WORKERS", "default"), "seconds": round(elapsed, 1),
        "requests": len(everything), "errors": tally.errors, "error_samples": tally.error_samples,
        "requests_per_second": round(len(everything) / elapsed, 1),
        "p50_ms": round(statistics.median(everything) * 1000, 1) if everything else None,
        "p95_ms": round(_percentile(everything, 0.95) * 1000, 1),
        "by_kind": {kind: {"requests": len(values), "p50_ms": round(statistics.median(values) * 1000, 1),
                           "p95_ms": round(_percentile(values, 0.95) * 1000, 1)}
                    for kind, values in sorted(tally.latencies.items())},
        "updates": report["updates"], "updates_seen": report["updates_seen"],
        "visible_after_max_s": round(max(report["visible_after"], default=0.0), 2),
        "visible_after_median_s": round(statistics.median(report["visible_after"]), 2)
        if report["visible_after"] else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", choices=["mixed", "throughput", "crowd", "popular", "capacity"], default="mixed",
                        help="mixed: the load with a writer (default); the others: the capacity runs")
    parser.add_argument("--corpus", type=Path, default=PROJECT / "seeds")
    parser.add_argument("--seconds", type=float, help="of each run (mixed 60, throughput 8, popular 10)")
    parser.add_argument("--clients", type=int, help="mixed 8, throughput 8, crowd 500, popular 100")
    parser.add_argument("--index", type=Path, help="copy this index instead of building one of --corpus")
    parser.add_argument("--readers", type=int, help="the server's open indexes per process (SEARCH_SERVE_READERS)")
    parser.add_argument("--workers", type=int, help="the server's processes (SEARCH_SERVE_WORKERS)")
    parser.add_argument("--distinct", action="store_true",
                        help="crowd: searches none of which the cache holds, not the popular requests")
    args = parser.parse_args()
    if args.run == "mixed":
        report = run(args.corpus, args.seconds or 60, args.clients or 8, index=args.index, readers=args.readers,
                     workers=args.workers)
        print(json.dumps(report, indent=2, ensure_ascii=False))
        sys.exit(1 if report["errors"] or report["updates_seen"] != report["updates"] else 0)
    reports = _capacity(args)
    print(json.dumps(reports, indent=2, ensure_ascii=False))
    sys.exit(1 if any(report.get("errors") for report in reports.get("crowd", []) + reports.get("popular", []))
             else 0)


def _capacity(args) -> dict[str, list[dict]]:
    reports: dict[str, list[dict]] = {}
    with _capacity_index(args.corpus, args.index, None) as served:
        if args.run in ("throughput", "capacity"):
            chosen = {"readers": (args.readers,) if args.readers else (1, 2, 4),
                      "workers": (args.workers,) if args.workers else (1, 2)}
            reports["throughput"] = throughput(index=served, seconds=args.seconds or 8, clients=args.clients or 8,
                                               **chosen)
        if args.run in ("crowd", "capacity"):
            reports["crowd"] = [crowd(index=served, clients=args.clients or 500, readers=args.readers,
                                      workers=args.workers, distinct=args.distinct)]
        if args.run in ("popular", "capacity"):
            reports["popular"] = [popular(index=served, clients=args.clients or 100, seconds=args.seconds or 10,
                                          readers=args.readers, workers=args.workers)]
    return reports


if __name__ == "__main__":
    main()
