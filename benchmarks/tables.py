"""The same articles as JSONL, as an Excel CSV and as Parquet: what a build costs from each.

Issue 32's goal for tables is that a spreadsheet export costs no more to index
than the JSONL dump it replaces (CSV at most 1.1 times JSONL's time). This
writes the corpora's articles three ways, into ``benchmarks/out/tables/``:

* ``articles.jsonl``: one record per line, as the corpora are;
* ``articles.csv``: as Excel in an Indonesian locale saves it (semicolons, a
  UTF-8 byte-order mark, ``id;Judul;Isi Berita;Tanggal Terbit;...``, bodies'
  newlines quoted);
* ``articles.parquet``: pyarrow's defaults (the ``parquet`` extra),

then builds each into a fresh index with ``search.build_index``, each build in
a fresh process, and prints wall seconds, the build process's peak RSS (where
the reader runs) and its writer workers' largest, and the ratios to JSONL.

    python -m benchmarks.tables [--corpora ../shared/corpora/*.jsonl.gz] [--out benchmarks/out/tables] [--repeat 1]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import DEFAULT_CORPORA, OUT, module_command, project_env, read_records

CSV_HEADER = {"id": "id", "title": "Judul", "body": "Isi Berita", "date": "Tanggal Terbit", "url": "Tautan",
              "category": "Kategori", "source": "Sumber", "summary": "Ringkasan"}
"""Record field → the column an Indonesian Excel export names it."""
FORMATS = ("jsonl", "csv", "parquet")


def write_tables(corpora: list[Path], out: Path) -> dict[str, Path]:
    """The corpora's records as ``articles.jsonl``, ``articles.csv`` and ``articles.parquet`` in ``out``."""
    import pyarrow
    import pyarrow.parquet

    out.mkdir(parents=True, exist_ok=True)
    paths = {kind: out / kind / f"articles.{kind}" for kind in FORMATS}
    for path in paths.values():
        path.parent.mkdir(exist_ok=True)
    records = [{name: record.get(name) or "" for name in CSV_HEADER} for record in read_records(corpora)]
    with open(paths["jsonl"], "w", encoding="utf-8") as sink:
        for record in records:
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
    with open(paths["csv"], "w", encoding="utf-8-sig", newline="") as sink:
        writer = csv.writer(sink, delimiter=";")
        writer.writerow(CSV_HEADER.values())
        writer.writerows([record[name] for name in CSV_HEADER] for record in records)
    columns = {name: [record[name] for record in records] for name in CSV_HEADER}
    pyarrow.parquet.write_table(pyarrow.table(columns), paths["parquet"])
    print(f"{len(records):,} articles written to {out}", file=sys.stderr)
    return paths


def build_one(source: Path, index_dir: Path) -> None:
    """In a child process: one build, its figures printed as one JSON line."""
    import search

    shutil.rmtree(index_dir, ignore_errors=True)
    started = time.perf_counter()
    report = search.build_index([source], index_dir)
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss": own, "workers_rss": workers, "articles": report.articles,
                      "skipped": len(report.skipped)}))


def timed_build(source: Path, index_dir: Path) -> dict:
    """One build of ``source`` into a fresh ``index_dir``, in a fresh process."""
    done = subprocess.run(module_command("benchmarks.tables", "--build-one", str(source), str(index_dir)),
                          env=project_env(), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"building {source} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", nargs="+", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--out", type=Path, default=OUT / "tables")
    parser.add_argument("--repeat", type=int, default=1, help="builds per format; the fastest is shown")
    parser.add_argument("--build-one", nargs=2, type=Path, metavar=("SOURCE", "INDEX"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_one:
        build_one(*args.build_one)
        return
    paths = write_tables(args.corpora, args.out)
    results = {}
    for kind, source in paths.items():
        runs = [timed_build(source, args.out / f"index-{kind}") for _ in range(args.repeat)]
        results[kind] = min(runs, key=lambda run: run["seconds"])
        shutil.rmtree(args.out / f"index-{kind}", ignore_errors=True)
    base = results["jsonl"]["seconds"]
    print("| format | file MB | articles | skipped | build s | / JSONL | peak RSS MB (build) | workers' peak MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind, run in results.items():
        size = paths[kind].stat().st_size / 1e6
        print(f"| {kind} | {size:.0f} | {run['articles']:,} | {run['skipped']} | {run['seconds']:.1f} | "
              f"{run['seconds'] / base:.2f}x | {run['rss']:.0f} | {run['workers_rss']:.0f} |")


if __name__ == "__main__":
    main()
