"""Bounded fuzzing of the query parser and each reader with atheris (libFuzzer for Python).

    pip install -e '.[fuzz]'
    python fuzz/run.py --seconds 120            # every target, 120 s each
    python fuzz/run.py --seconds 30 html jsonl  # some targets

Each target runs in its own process, coverage-guided over the project's code
and the libraries it calls, starting from the inputs in ``fuzz/seeds/TARGET``.
An input that makes a target raise or run over ``--timeout`` seconds is saved
to ``tests/fuzz_crashes/TARGET/``, where ``tests/test_fuzz_regressions.py``
replays it on every test run; fix the bug and keep the file. The fuzzer
restarts after each crash until the time is up. The report gives, per target,
the inputs tried and the crashes found.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CRASHES = HERE.parent / "tests" / "fuzz_crashes"
TARGET_NAMES = ["query", "text", "jsonl", "html"]


def child(target: str, seconds: int, timeout: int, corpus: str) -> None:
    import atheris

    with atheris.instrument_imports():
        sys.path.insert(0, str(HERE))
        import targets
    crash_dir = CRASHES / target
    crash_dir.mkdir(parents=True, exist_ok=True)
    atheris.Setup([sys.argv[0], corpus, f"-max_total_time={seconds}", f"-timeout={timeout}",
                   "-print_final_stats=1", "-max_len=65536", "-rss_limit_mb=4096",
                   f"-artifact_prefix={crash_dir}/"], targets.TARGETS[target])
    atheris.Fuzz()


def fuzz(target: str, seconds: int, timeout: int) -> tuple[int, int]:
    """Run one target for ``seconds``; return (inputs tried, crashes found)."""
    corpus = Path(tempfile.mkdtemp(prefix=f"corpus-{target}-"))
    for seed in (HERE / "seeds" / target).iterdir():
        shutil.copy(seed, corpus)
    tried = crashes = 0
    deadline = time.monotonic() + seconds
    while (left := int(deadline - time.monotonic())) > 0:
        run = subprocess.run([sys.executable, __file__, "--child", target, "--seconds", str(left),
                              "--timeout", str(timeout), "--corpus", str(corpus)],
                             capture_output=True, text=True, errors="replace")
        tried += sum(int(n) for n in re.findall(r"stat::number_of_executed_units: (\d+)", run.stderr))
        if run.returncode != 0:
            crashes += 1
            found = re.findall(r"Test unit written to (\S+)", run.stderr)
            cause = next((line for line in run.stderr.splitlines()
                          if "Error" in line or "==ERROR" in line or "Exception" in line), "")
            print(f"  {target}: crash {crashes}: {cause.strip()[:160]} -> {', '.join(found)}", flush=True)
            if not found:
                print(run.stderr[-2000:], file=sys.stderr)
                break
    shutil.rmtree(corpus, ignore_errors=True)
    return tried, crashes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", default=TARGET_NAMES)
    parser.add_argument("--seconds", type=int, default=120, help="time per target")
    parser.add_argument("--timeout", type=int, default=10, help="seconds one input may take")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.seconds, args.timeout, args.corpus)
        return 0
    print("| target | seconds | inputs tried | crashes |")
    print("| --- | --- | --- | --- |")
    total = 0
    for target in args.targets:
        tried, crashes = fuzz(target, args.seconds, args.timeout)
        total += crashes
        print(f"| {target} | {args.seconds} | {tried:,} | {crashes} |", flush=True)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
