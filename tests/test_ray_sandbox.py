"""The Ray sandbox of tests/ray_sandbox.py: a two-node cluster in a namespace of its own, an
actor restarted after its worker is killed by pid, a node seen dead after its raylet is killed
by pid, and nothing of Ray left running after it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ray_sandbox import FAST_NODE_DEATH, require_sandbox, run_on_cluster

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

DRIVERS = Path(__file__).parent / "ray_drivers"


def assert_all_stopped(cluster: dict) -> None:
    node_pids = {node["pid"] for node in cluster["nodes"]}
    exited = {int(pid) for pid in cluster["exited_before_stop"]}
    assert node_pids <= set(cluster["killed"]) | exited, cluster
    assert cluster["leftover"] == [], cluster["leftover"]
    assert cluster["survivors"] == [], cluster["survivors"]


def test_two_nodes_and_an_actor_restarted_after_its_worker_is_killed(tmp_path):
    require_sandbox()
    started = time.monotonic()
    driver = [sys.executable, str(DRIVERS / "smoke.py")]
    run = run_on_cluster(driver, workdir=tmp_path, timeout=120, start_timeout=60, env=FAST_NODE_DEATH)
    elapsed = time.monotonic() - started
    assert run.returncode == 0, run.stderr[-4000:]
    marked = [line for line in run.stdout.splitlines() if line.startswith("SMOKE_RESULT ")]
    assert len(marked) == 1, run.stdout[-4000:]
    result = json.loads(marked[0].removeprefix("SMOKE_RESULT "))
    assert result["alive_nodes"] == 2
    assert result["node_addresses"] == ["127.0.0.1", "127.0.0.1"]
    assert result["sandbox_nodes"] == 2
    assert result["first_count"] == 1
    assert result["pid_after"] is not None and result["pid_after"] != result["pid_before"]
    assert result["on_worker_node"]
    assert result["count_after_restart"] == 1  # a restarted actor starts from its __init__
    assert result["killed_for_good"]
    assert result["raylet_pid_is_raylet"]
    assert result["worker_node_seen_dead"]
    cluster = run.cluster
    assert len(cluster["nodes"]) == 2 and cluster["nodes"][0]["head"]
    assert all(node["raylet_pid"] for node in cluster["nodes"])
    assert_all_stopped(cluster)
    assert cluster["nodes"][0]["pid"] in cluster["killed"]  # the worker's may have ended with its raylet
    assert (tmp_path / "ray-logs" / "node-0.log").exists()
    assert elapsed < 240


def test_a_driver_that_overruns_is_killed_and_the_cluster_stopped(tmp_path):
    require_sandbox()
    driver = tmp_path / "hang.py"
    driver.write_text("import time\nprint('started', flush=True)\ntime.sleep(600)\n")
    with pytest.raises(subprocess.TimeoutExpired) as overran:
        run_on_cluster([sys.executable, str(driver)], workdir=tmp_path, timeout=5, nodes=1, start_timeout=60)
    assert "started" in overran.value.output
    assert_all_stopped(overran.value.cluster)
    # A run that went wrong keeps the cluster's own logs for whoever reads the failure.
    assert (tmp_path / "ray-logs" / "session").is_dir()


def test_a_command_run_from_the_shell_sees_two_nodes_and_keeps_its_exit_status(tmp_path):
    # The README's way to try the cluster on one machine: `python tests/ray_sandbox.py run -- COMMAND`.
    require_sandbox()
    command = ("import ray, sys; ray.init(address='auto', log_to_driver=False); "
               "print('nodes', sum(n['Alive'] for n in ray.nodes()), flush=True); sys.exit(7)")
    shown = subprocess.run([sys.executable, str(Path(__file__).parent / "ray_sandbox.py"), "run", "--timeout", "120",
                            "--", sys.executable, "-c", command], capture_output=True, text=True, cwd=tmp_path,
                           timeout=300)
    assert shown.returncode == 7, shown.stderr[-3000:]
    assert "nodes 2" in shown.stdout.splitlines()
    assert (tmp_path / "ray-logs").is_dir()  # kept: the command failed
    wrong = subprocess.run([sys.executable, str(Path(__file__).parent / "ray_sandbox.py"), "run", "sh"],
                           capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and wrong.stderr.startswith("usage:")
