"""An index's shards served by Ray actors on a two-node local cluster: the answers of one index, and faults."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from ray_sandbox import require_sandbox, run_on_cluster

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

DRIVERS = Path(__file__).parent / "ray_drivers"


def test_shards_on_a_two_node_ray_cluster_answer_as_one_index(tmp_path, seeds_in_4_shards):
    require_sandbox()
    corpus = Path(__file__).parent / "fixtures"
    run = run_on_cluster([sys.executable, str(DRIVERS / "shards.py"), str(seeds_in_4_shards), "200", str(corpus),
                          str(tmp_path)],
                         workdir=tmp_path, timeout=400, start_timeout=90)
    assert run.returncode == 0, run.stderr[-4000:]
    marked = [line for line in run.stdout.splitlines() if line.startswith("CLUSTER_RESULT ")]
    assert len(marked) == 1, run.stdout[-4000:]
    result = json.loads(marked[0].removeprefix("CLUSTER_RESULT "))
    assert result["headlines"] == 200
    assert result["identical"] == 200, result
    assert result["identical_with_options"] == result["with_options"], result
    assert result["values_identical"] and result["get_identical"], result
    # A bad date is the request's error, raised as on one index, not a shard gone missing.
    assert result["bad_date"] != "no error" and "\n" not in result["bad_date"], result
    assert sum(result["shard_articles"]) == result["articles"]
    assert all(place.startswith("Ray actor") for place in result["served_by"]), result
    assert result["nodes_used"] == 2, result
    assert result["found_again"], result
    assert result["after_kill_missing"] == [] and result["after_kill_identical"] == 30, result
    assert result["restarted_pid_differs"], result
    assert result["down_missing"] == [2] and result["down_note"] and result["down_total_smaller"], result
    assert result["cli_down_exit"] == 0 and result["cli_down_missing"] == [2], result
    assert result["thawed_identical"], result
    assert result["killed_missing"] == [2], result
    assert result["after_refresh_identical"], result
    assert result["cli_exit"] == 0 and result["cli_total"] == result["local_total"], result
    assert result["ray_build_exit"] in (0, 3), result["ray_build_output"]  # 3: some fixtures are not articles
    assert result["ray_build_shards"] == result["here_build_shards"] and sum(result["ray_build_shards"]) > 20
    assert result["ray_build_identical"] == 5, result
    assert run.cluster["leftover"] == [] and run.cluster["survivors"] == [], run.cluster
