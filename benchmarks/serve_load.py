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
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
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


def run(corpus: Path = PROJECT / "seeds", seconds: float = 60, clients: int = 8,
        work_dir: Path | None = None, minimum_updates: int = 2, index: Path | None = None,
        readers: int | None = None, workers: int | None = None) -> dict:
    """Build an index of ``corpus`` (or copy ``index``), serve it, load it; return the figures.
    ``readers``: the server's open indexes per process (``SEARCH_SERVE_READERS``), ``workers``
    its processes (``SEARCH_SERVE_WORKERS``); the server's defaults if None."""
    settings = {"SEARCH_SERVE_READERS": readers, "SEARCH_SERVE_WORKERS": workers}
    before = {name: os.environ.get(name) for name in settings}
    for name, value in settings.items():
        if value is not None:
            os.environ[name] = str(value)  # the server, a child process, reads it
    try:
        return _run(corpus, seconds, clients, work_dir, minimum_updates, index)
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


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
    parser.add_argument("--corpus", type=Path, default=PROJECT / "seeds")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--index", type=Path, help="copy this index instead of building one of --corpus")
    parser.add_argument("--readers", type=int, help="the server's open indexes per process (SEARCH_SERVE_READERS)")
    parser.add_argument("--workers", type=int, help="the server's processes (SEARCH_SERVE_WORKERS)")
    args = parser.parse_args()
    report = run(args.corpus, args.seconds, args.clients, index=args.index, readers=args.readers,
                 workers=args.workers)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    sys.exit(1 if report["errors"] or report["updates_seen"] != report["updates"] else 0)


if __name__ == "__main__":
    main()
