"""Every input that ever broke a fuzz target, and the fuzzers' seed inputs, replayed.

``fuzz/run.py`` saves a crashing input to ``tests/fuzz_crashes/TARGET/``;
the bug is fixed and the file kept here, so it never comes back.
"""

import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).parent.parent
sys.path.insert(0, str(PROJECT / "fuzz"))
import targets  # noqa: E402

INPUTS = sorted(
    (folder.name, path)
    for base in (PROJECT / "tests" / "fuzz_crashes", PROJECT / "fuzz" / "seeds")
    if base.is_dir() for folder in base.iterdir() if folder.is_dir()
    for path in folder.iterdir() if path.is_file()
)


@pytest.mark.parametrize("target, path", INPUTS, ids=[f"{t}/{p.parent.parent.name}/{p.name}" for t, p in INPUTS])
def test_input_is_handled(target, path):
    targets.TARGETS[target](path.read_bytes())


def test_every_target_has_inputs():
    assert {target for target, _ in INPUTS} == set(targets.TARGETS)
