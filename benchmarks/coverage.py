"""Attention over time and the words of a coverage over the shared articles: how long each takes.

Why: issue 33 asks for a timeline of 5 queries by month over the 26k corpora
in under 1 s on 2 cores, and ``search words`` in under 1 s for a query
matching about 2,000 articles. A timeline counts and does not rank (each
query's words' document numbers joined, the date column binned): beside it,
the same 5 queries' months counted the way the results page's histogram
counts them (a ranked search with facets), to show what not scoring saves.

    python -m benchmarks.coverage [--corpora ...] [--index DIR] [--repeat 7]

Without ``--index`` the corpora are indexed whole into ``benchmarks/out/coverage-index``
(once; a few minutes), titles kept.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import search
from benchmarks.common import DEFAULT_CORPORA, OUT

TIMELINE = ["banjir", "gempa", "kebakaran hutan", "korupsi", "pemilu"]
# Queries to choose the words' query from: the one matching closest to 2,000 articles.
WORDS_CANDIDATES = ["pemerintah", "jakarta", "presiden", "polisi", "indonesia", "warga", "kota", "partai",
                    "harga", "sekolah", "ekonomi", "pasar"]
TARGET = 2000


def _index(corpora: list[Path], given: Path | None) -> Path:
    if given is not None:
        return given
    index_dir = OUT / "coverage-index"
    if not (index_dir / "CURRENT").exists():
        print(f"indexing {len(corpora)} corpora into {index_dir} ...", flush=True)
        search.build_index(corpora, index_dir)
    return index_dir


def _timed(call, repeat: int) -> tuple[float, float, float]:
    """The first call's seconds, then the median and the worst of ``repeat`` more."""
    started = time.perf_counter()
    call()
    first = time.perf_counter() - started
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        runs.append(time.perf_counter() - started)
    return first, statistics.median(runs), max(runs)


def _row(name: str, times: tuple[float, float, float], note: str = "") -> str:
    first, median, worst = times
    return f"| {name} | {first * 1000:.0f} | {median * 1000:.0f} | {worst * 1000:.0f} | {note} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", nargs="+", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--index", type=Path, default=None, help="an index of the corpora (default: built once)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    index_dir = _index(args.corpora, args.index)
    rows = []
    with search.open_index(index_dir) as index:
        articles = index.article_count
        timeline = _timed(lambda: index.timeline(TIMELINE, interval="month"), args.repeat)
        found = index.timeline(TIMELINE, interval="month")
        matched = sum(line.total for line in found.lines)
        rows.append(_row("timeline, 5 queries by month", timeline,
                         f"{len(found.periods)} months, {matched:,} matches"))
        rows.append(_row("the same months through a ranked search with facets (5 searches)",
                         _timed(lambda: [index.search(q, facets=True, limit=1) for q in TIMELINE], args.repeat)))
        rows.append(_row("timeline, 5 queries by day", _timed(lambda: index.timeline(TIMELINE, interval="day"),
                                                               args.repeat)))
        totals = {q: index.search(q, limit=1, highlight=False).total for q in WORDS_CANDIDATES}
        query = min(totals, key=lambda q: abs(totals[q] - TARGET))
        words = _timed(lambda: index.coverage(query), args.repeat)
        coverage = index.coverage(query)
        rows.append(_row(f"words of `{query}` (200 articles read)", words,
                         f"{totals[query]:,} matches; {', '.join(w.text for w in coverage.words[:8])}"))
        rows.append(_row(f"words of `{query}`, 100 articles read (the results page's panel)",
                         _timed(lambda: index.coverage(query, sample=100, limit=12), args.repeat)))
        rows.append(_row(f"search `{query}` (a page of 10 with highlights), for scale",
                         _timed(lambda: index.search(query), args.repeat)))
    print(f"\n{articles:,} articles; times in ms (first call, then median and worst of {args.repeat})\n")
    print("| operation | first | median | worst | |")
    print("| --- | --- | --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
