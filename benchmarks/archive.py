"""What the archive's own operations cost beside a build from the sources, in one run, as ratios.

An index now rebuilds itself from the articles it stores (no source file
read), upgrades an index of the previous schema the same way, checks every
byte and segment (``search check``), and keeps what deleted files gave. This
builds the corpora into a fresh index from their files, then times, each in
a fresh ``search`` process:

* ``index --rebuild`` (the stored articles analysed again),
* ``index`` of an index of the previous schema version (the upgrade: a
  rebuild from the stored articles, then the update of the sources),
* ``index --reread`` (every source file read again),
* ``index`` with nothing changed,
* ``check`` (every byte and every segment),

and checks that the rebuilt and upgraded indexes hold the same articles as
the build (ids, titles, bodies, dates). The build is the unit: each time is
also given as a ratio to it, since this machine's speed varies from day to day.

    python -m benchmarks.archive [--corpora ../shared/corpora/*.jsonl.gz] [--work /tmp/archive-bench]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import time
from pathlib import Path

import search
from benchmarks.common import DEFAULT_CORPORA, module_command, project_env
from search.store import disk
from search.store.schema import SCHEMA_VERSION


def timed(*args: str) -> float:
    """Wall seconds of one ``search`` command in a fresh process (it must succeed)."""
    started = time.perf_counter()
    subprocess.run(module_command("search", *args), env=project_env(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def contents(index_dir: Path) -> dict[str, tuple]:
    """Every article's id, title, body and date, read back through the library."""
    with search.open_index(index_dir) as index:
        searcher = index._generation.searcher
        return {fields["id"]: (fields.get("title"), fields.get("body"), fields.get("date_text"))
                for fields in searcher.all_stored_fields()}


def as_previous_schema(index_dir: Path) -> None:
    """Make the live generation say it was written by the previous schema version (as an older engine's would)."""
    meta_file = disk.current_generation(index_dir) / disk.META
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta.pop(disk.META_CHECKSUM, None)  # an older version wrote none
    meta["schema_version"] = SCHEMA_VERSION - 1
    meta_file.write_text(json.dumps(meta), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", nargs="+", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--work", type=Path, default=Path("/tmp/archive-bench"))
    options = parser.parse_args()
    shutil.rmtree(options.work, ignore_errors=True)
    sources = options.work / "sources"
    sources.mkdir(parents=True)
    for corpus in options.corpora:
        shutil.copy(corpus, sources)
    ix = str(options.work / "ix")
    times = {"build from the source files": timed("index", str(sources), "--index", ix)}
    built = contents(Path(ix))
    times["index --rebuild (stored articles, no source read)"] = timed("index", "--rebuild", "--index", ix)
    same_rebuilt = contents(Path(ix)) == built
    as_previous_schema(Path(ix))
    times["index of the previous schema (the upgrade)"] = timed("index", "--index", ix)
    same_upgraded = contents(Path(ix)) == built
    times["index --reread (every source file read again)"] = timed("index", "--reread", "--index", ix)
    times["index, nothing changed"] = timed("index", "--index", ix)
    times["check (every byte and segment)"] = timed("check", "--index", ix)
    unit = times["build from the source files"]
    print(f"{len(built)} articles from {', '.join(p.name for p in options.corpora)}")
    print("| operation | seconds | / build |\n| --- | --- | --- |")
    for name, seconds in times.items():
        print(f"| {name} | {seconds:.1f} | {seconds / unit:.2f} |")
    print(f"rebuilt index holds the same articles: {same_rebuilt}; upgraded: {same_upgraded}")


if __name__ == "__main__":
    main()
