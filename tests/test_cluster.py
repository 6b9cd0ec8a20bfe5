"""An index's shards served by Ray actors on a two-node local cluster: the answers of one index, and faults."""

from __future__ import annotations

import gzip
import itertools
import json
import sys
from pathlib import Path

import pytest
from ray_sandbox import FAST_NODE_DEATH, require_sandbox, run_on_cluster

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

DRIVERS = Path(__file__).parent / "ray_drivers"


def test_shards_on_a_two_node_ray_cluster_answer_as_one_index(tmp_path, seeds_in_4_shards):
    require_sandbox()
    corpus = Path(__file__).parent / "fixtures"
    run = run_on_cluster([sys.executable, str(DRIVERS / "shards.py"), str(seeds_in_4_shards), "200", str(corpus),
                          str(tmp_path)],
                         workdir=tmp_path, timeout=400, start_timeout=90, env=FAST_NODE_DEATH)
    assert run.returncode == 0, run.stderr[-4000:]
    marked = [line for line in run.stdout.splitlines() if line.startswith("CLUSTER_RESULT ")]
    assert len(marked) == 1, run.stdout[-4000:]
    result = json.loads(marked[0].removeprefix("CLUSTER_RESULT "))
    assert result["headlines"] == 200
    assert result["identical"] == 200, result
    assert result["identical_with_options"] == result["with_options"], result
    assert result["values_identical"] and result["get_identical"], result
    assert result["timeline_identical"] and result["coverage_identical"], result
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
    assert result["killed_missing"] == [] and result["killed_identical"] and result["killed_pid_differs"], result
    assert result["node_lost_missing"] == [] and result["node_lost_identical"] == 10, result
    assert result["nodes_after_loss"] == 1, result
    assert result["after_refresh_identical"], result
    assert result["cli_exit"] == 0 and result["cli_total"] == result["local_total"], result
    assert result["ray_build_exit"] in (0, 3), result["ray_build_output"]  # 3: some fixtures are not articles
    assert result["ray_build_shards"] == result["here_build_shards"] and sum(result["ray_build_shards"]) > 20
    assert result["ray_build_identical"] == 5, result
    assert run.cluster["leftover"] == [] and run.cluster["survivors"] == [], run.cluster


def test_served_from_ray_as_from_one_machine_and_a_killed_build_changes_nothing(tmp_path):
    require_sandbox()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seeds = Path(__file__).parent.parent / "seeds" / "indosum.jsonl.gz"
    with gzip.open(seeds, "rt", encoding="utf-8") as records:
        (corpus / "part.jsonl").write_text("".join(itertools.islice(records, 800)), encoding="utf-8")
    run = run_on_cluster([sys.executable, str(DRIVERS / "serve.py"), str(corpus), str(tmp_path)],
                         workdir=tmp_path, timeout=500, start_timeout=90)
    assert run.returncode == 0, run.stderr[-4000:]
    marked = [line for line in run.stdout.splitlines() if line.startswith("SERVE_RESULT ")]
    assert len(marked) == 1, run.stdout[-4000:]
    result = json.loads(marked[0].removeprefix("SERVE_RESULT "))
    assert result["build_exit"] == 0, result["build_output"]
    # `search --ray ADDRESS serve` answers as `search serve` over the same files.
    assert result["titles"] == 40 and result["api_identical"] == 40, result
    assert result["options_identical"] == result["options_asked"], result
    assert result["export_rows"] > 10 and result["export_identical"], result
    assert result["similar_identical"] and result["articles_identical"] and result["values_identical"], result
    assert result["pages_identical"] == 10, result
    assert all(place.startswith("Ray actor") for place in result["served_by"]), result
    # A killed shard actor is restarted; a frozen one is named in the JSON and on the page.
    assert result["after_kill_identical"] == 10 and result["restarted"], result
    assert result["frozen_missing"] == [2] and result["frozen_page"] and result["thawed_identical"], result
    # Build tasks killed every time: the build fails with one line and changes nothing.
    failed = result["failed_build"]
    assert failed["killed"] >= 2 and failed["exit"] == 1, failed
    assert "\n" not in failed["stderr"] and "task" in failed["stderr"], failed
    assert result["generation_kept"] and result["building_left"] == [] and failed["tasks_left"] == 0, result
    checks, passed = result["failed_build_checks"]
    assert checks > 0 and passed == checks, result
    assert result["after_failed_identical"] == 10, result
    # A task killed once is run again by Ray: the published shards are whole.
    retried = result["retried_build"]
    assert retried["killed"] == 1 and retried["exit"] == 0, retried
    assert result["retried_new_generation"] and result["retried_shards"] == result["here_shards"], result
    assert result["retried_identical"] == 40 and result["served_after_retry_identical"] == 10, result
    assert run.cluster["leftover"] == [] and run.cluster["survivors"] == [], run.cluster
