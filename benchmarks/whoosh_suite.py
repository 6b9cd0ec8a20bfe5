"""Whoosh's own test suite, run with the engine's codec as Whoosh's default codec.

The engine writes its postings with ``search.store.codec.ArrayCodec`` and its
word positions with ``PackedPositions`` / ``PackedCharacters``. Whoosh's source
distribution ships about 600 tests of everything a codec must keep working
(every query type, sorting, facets, highlighting, spelling, merging segments,
deletions, vectors, the multiprocessing writer). This downloads the source
distribution of the Whoosh installed here (or takes a folder of its tests),
and runs the tests three times: as shipped, with the engine's codec as the
default codec, and with the packed position formats as well.

    python -m benchmarks.whoosh_suite [--tests PATH/TO/whoosh/tests]

Exit status 0 only if every run passes every test.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONFTEST = '''\
# Written by benchmarks/whoosh_suite.py: the engine's codec and formats as Whoosh's defaults.
import os
import whoosh.codec
from whoosh import formats

if os.environ.get("WHOOSH_SUITE_CODEC") == "array":
    from search.store.codec import ArrayCodec
    whoosh.codec.default_codec = lambda *args, **kwargs: ArrayCodec(*args, **kwargs)
if os.environ.get("WHOOSH_SUITE_FORMATS") == "packed":
    from search.store import codec
    formats.Positions = codec.PackedPositions
    formats.Characters = codec.PackedCharacters
'''

RUNS = (
    ("Whoosh's own codec and formats", {}),
    ("ArrayCodec", {"WHOOSH_SUITE_CODEC": "array"}),
    ("ArrayCodec and packed positions", {"WHOOSH_SUITE_CODEC": "array", "WHOOSH_SUITE_FORMATS": "packed"}),
)


def whoosh_distribution() -> tuple[str, str]:
    for name in ("whoosh-reloaded", "whoosh3", "Whoosh"):
        try:
            return name, metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    raise SystemExit("whoosh is not installed")


def download_tests(into: Path) -> Path:
    name, version = whoosh_distribution()
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                    f"{name}=={version}", "-d", str(into)], check=True, stderr=subprocess.DEVNULL)
    archive = next(into.glob("*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    found = [path for path in into.glob("*/tests") if path.is_dir()]
    if not found:
        raise SystemExit(f"no tests/ folder in {archive.name}")
    print(f"{name} {version}: tests from {archive.name}")
    return found[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=Path, help="Whoosh's tests/ folder (default: from its sdist)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = args.tests or download_tests(work / "sdist")
        tests = work / "tests"
        shutil.copytree(source, tests)
        (tests / "conftest.py").write_text(CONFTEST)
        failed_any = False
        for label, settings in RUNS:
            env = {**os.environ, **settings, "PYTHONPATH": str(ROOT)}
            done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)],
                                  cwd=work, env=env, capture_output=True, text=True)
            summary = [line for line in done.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
            print(f"{label}: {summary[-1] if summary else done.stdout[-500:]}")
            if done.returncode != 0:
                failures = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
                print("\n".join(failures))
                # Some of Whoosh's tests time threads (test_buffered_threads, with Whoosh's own codec
                # too): a failure counts only if it fails again when run alone.
                ids = [line.split()[1] for line in failures]
                again = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *ids],
                                       cwd=work, env=env, capture_output=True, text=True) if ids else done
                if ids and again.returncode == 0:
                    print(f"{label}: the {len(ids)} failed passed when run again (timing-dependent)")
                else:
                    failed_any = True
    return 1 if failed_any else 0


if __name__ == "__main__":
    sys.exit(main())
