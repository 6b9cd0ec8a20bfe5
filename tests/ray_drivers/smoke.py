"""Driver of tests/test_ray_sandbox.py, run by tests.ray_sandbox.run_on_cluster inside the sandbox.

Connects to the cluster, checks its nodes are all alive, puts a named detached actor that Ray
restarts on the worker node, calls it, kills its worker process by pid, shows a later call
succeeds on the restarted actor, kills the actor for good, then kills the worker node's raylet
by pid and waits until the cluster sees that node dead, and prints one JSON line after the marker SMOKE_RESULT.
"""

from __future__ import annotations

import json
import os
import signal
import time

import ray

NAME, NAMESPACE = "smoke-counter", "sandbox-smoke"


@ray.remote(max_restarts=-1, max_task_retries=-1, num_cpus=0)
class Counter:
    def __init__(self) -> None:
        self.count = 0

    def incr(self) -> int:
        self.count += 1
        return self.count

    def where(self) -> dict:
        return {"pid": os.getpid(), "node_id": ray.get_runtime_context().get_node_id()}


def main() -> None:
    started = time.monotonic()
    ray.init(address=os.environ["RAY_ADDRESS"], namespace=NAMESPACE, logging_level="ERROR")
    sandbox_nodes = json.loads(os.environ["RAY_SANDBOX_NODES"])
    alive = [n for n in ray.nodes() if n["Alive"]]
    worker_resource = sandbox_nodes[-1]["resource"]
    worker_node = next(n["NodeID"] for n in alive if worker_resource in n["Resources"])

    actor = Counter.options(name=NAME, lifetime="detached", resources={worker_resource: 1}).remote()
    first = ray.get(actor.incr.remote(), timeout=60)
    before = ray.get(actor.where.remote(), timeout=60)
    os.kill(before["pid"], signal.SIGKILL)

    # The next call waits for the restart (max_task_retries covers one that meets the dead
    # worker); poll, bounded, through the name, as another driver would find it.
    killed_at = time.monotonic()
    after = None
    while time.monotonic() - killed_at < 90:
        try:
            handle = ray.get_actor(NAME)
            after = ray.get(handle.where.remote(), timeout=30)
            count_after = ray.get(handle.incr.remote(), timeout=30)
            break
        except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError):
            time.sleep(0.5)
    restart_seconds = time.monotonic() - killed_at

    ray.kill(actor)
    gone = False
    for _ in range(100):
        try:
            ray.get_actor(NAME)
        except ValueError:
            gone = True
            break
        time.sleep(0.2)

    # A node fault: the worker node's raylet killed by pid; the cluster sees the node dead.
    raylet_pid = sandbox_nodes[-1]["raylet_pid"]
    with open(f"/proc/{raylet_pid}/cmdline", "rb") as cmdline:
        is_raylet = b"raylet" in cmdline.read().split(b"\0")[0]
    os.kill(raylet_pid, signal.SIGKILL)
    node_killed_at = time.monotonic()
    node_dead = False
    while time.monotonic() - node_killed_at < 60:
        if not any(n["Alive"] for n in ray.nodes() if n["NodeID"] == worker_node):
            node_dead = True
            break
        time.sleep(0.5)
    node_death_seconds = time.monotonic() - node_killed_at

    ray.shutdown()
    # Ray forwards the nodes' log lines to the driver's stdout too: the result is the line so marked.
    print(
        "SMOKE_RESULT",
        json.dumps(
            {
                "alive_nodes": len(alive),
                "node_addresses": sorted(n["NodeManagerAddress"] for n in alive),
                "sandbox_nodes": len(sandbox_nodes),
                "first_count": first,
                "pid_before": before["pid"],
                "pid_after": after and after["pid"],
                "on_worker_node": before["node_id"] == worker_node and bool(after) and after["node_id"] == worker_node,
                "count_after_restart": after and count_after,
                "restart_seconds": round(restart_seconds, 2),
                "killed_for_good": gone,
                "raylet_pid_is_raylet": is_raylet,
                "worker_node_seen_dead": node_dead,
                "node_death_seconds": round(node_death_seconds, 2),
                "driver_seconds": round(time.monotonic() - started, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
