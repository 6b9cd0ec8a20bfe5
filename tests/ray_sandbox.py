"""A throwaway Ray cluster of a few nodes on this machine, for tests: `run_on_cluster`.

Ray advertises the machine's external address even when told `--node-ip-address=127.0.0.1`,
so the cluster runs where loopback is the only network there is: a network namespace of its
own (`unshare --net`), which is also a PID namespace (`--pid --kill-child --mount-proc`), so
that nothing Ray starts can outlive the run even if the test process is killed.

The test process runs `unshare ... python tests/ray_sandbox.py --inside SPEC`; that inner
Python, the first process of the namespaces, brings `lo` up, starts `ray start --head
--block` and one `ray start --block --address=...` per further node, each in a session of
its own, waits (bounded) until `ray.nodes()` shows every node alive, runs the driver with
`RAY_ADDRESS` set, and then, always, kills each `ray start` session by its id (SIGTERM, then
SIGKILL), kills and reports any process of the namespace still left, and writes what
happened to a JSON file the test process reads back.

The driver's environment has (pids as seen inside the namespace, where the driver runs too):

- `RAY_ADDRESS`: `127.0.0.1:PORT`, the head's GCS (`ray.init()` or `ray.init(address="auto")`).
- `RAY_SANDBOX_HEAD_PID`: the head's `ray start` process.
- `RAY_SANDBOX_WORKER_PIDS`: the other nodes' `ray start` processes, comma-separated.
- `RAY_SANDBOX_NODES`: JSON, one object per node, head first: `index`, `head`, `pid` (its
  `ray start`), `raylet_pid`, `resource` (a custom resource, 1000 units of it, that only
  this node has: `options(resources={res: 1})` places an actor or task on it).
- `RAY_SANDBOX_TEMP_DIR`: the cluster's `--temp-dir` (its logs are in `session_latest/logs`).

Only the standard library is imported at the top: the inner run is this file as a script.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
HEAD_PORT = 6379  # the namespace has its own ports: no other cluster can hold this one
NODE_RESOURCE = "sandbox_node_{}"
STOP_GRACE = 2.0  # seconds between SIGTERM and SIGKILL at the stop
# `env=` for a test that kills a node: the GCS declares a node dead after ~2 s, not Ray's ~15 s.
FAST_NODE_DEATH = {"RAY_health_check_period_ms": "500", "RAY_health_check_failure_threshold": "3"}
# `unshare` options: a network namespace with only loopback, and a PID namespace whose
# first process (the inner Python) takes every process of it down when it ends.
UNSHARE = ["unshare", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"]


class ClusterError(RuntimeError):
    """The cluster did not come up, or the sandbox itself failed; the message has the logs' tails."""


class ClusterRun(subprocess.CompletedProcess):
    """The driver's `CompletedProcess`, with `cluster`: what the inner run reported.

    `cluster` holds `start_seconds` (until every node was alive), `driver_seconds`,
    `stop_seconds`, `nodes` (as in `RAY_SANDBOX_NODES`), `killed` (pids killed at the stop,
    by session), `exited_before_stop` (`ray start` pid -> exit status, for those that had
    ended by then, as a node's does once its raylet is killed), `sigkilled` (those killed
    still alive `STOP_GRACE` s after SIGTERM: most of Ray, `ray start --block` included,
    ignores it that long), `leftover` (processes of the namespace found alive after the
    sessions were killed: should be empty), `survivors` (host pids of the namespace alive
    after `unshare` returned: must be empty) and `logs` (where the nodes' output was copied).
    """

    cluster: dict


def sandbox_unavailable() -> str | None:
    """Why `run_on_cluster` cannot run here, or None when it can."""
    if sys.platform != "linux":
        return "a Ray sandbox needs Linux namespaces"
    if os.geteuid() != 0:
        return "a Ray sandbox needs root (unshare --net --pid)"
    for tool in ("unshare", "ip"):
        if shutil.which(tool) is None:
            return f"a Ray sandbox needs `{tool}` (apt-get install util-linux iproute2)"
    ray_cli = Path(sys.executable).parent / "ray"
    if not ray_cli.exists() and shutil.which("ray") is None:
        return "Ray is not installed (pip install -e '.[cluster]')"
    probe = subprocess.run([*UNSHARE, "ip", "link", "set", "lo", "up"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return f"unshare cannot make namespaces here: {probe.stderr.strip()}"
    return None


def require_sandbox() -> None:
    """Skip the calling test when there can be no sandbox here; under CI (CI=true), fail instead."""
    import pytest

    reason = sandbox_unavailable()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run the Ray cluster tests: {reason}")
    pytest.skip(reason)


def run_on_cluster(
    argv: list[str],
    *,
    workdir: Path,
    timeout: float = 180,
    nodes: int = 2,
    env: dict[str, str] | None = None,
    start_timeout: float = 120,
    num_cpus: int = 1,
    object_store_mb: int = 150,
) -> ClusterRun:
    """Run `argv` (a Ray driver) against a fresh cluster of `nodes` nodes; return its output.

    `workdir` is the driver's working directory; the nodes' output (and, when something went
    wrong, the cluster's logs) is copied into `workdir / "ray-logs"`. `timeout` bounds the
    driver and `start_timeout` the cluster's start; the whole run, stop included, is bounded
    by their sum plus a minute. `env` is added to the nodes' and the driver's environment
    (PYTHONPATH starts with the project root, so workers import `tests.*` and `benchmarks.*`
    as the tests do). Each node has `num_cpus` CPUs and `object_store_mb` MB of object store.

    Raises `subprocess.TimeoutExpired` (with the driver's output, and `cluster` as on the
    returned run) when the driver overran, and `ClusterError` when the cluster did not come
    up or the sandbox failed. The cluster is stopped in every case.
    """
    if nodes < 1:
        raise ValueError("a cluster has at least its head node")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    # Ray's unix sockets live under the temp dir and their paths are limited to ~107 bytes:
    # pytest's tmp_path is too deep, so a short folder of /tmp, removed at the end.
    base = Path(tempfile.mkdtemp(prefix="raysbx-", dir="/tmp"))
    try:
        spec = {
            "argv": [str(a) for a in argv],
            "workdir": str(workdir.resolve()),
            "timeout": timeout,
            "start_timeout": start_timeout,
            "nodes": nodes,
            "env": dict(env or {}),
            "num_cpus": num_cpus,
            "object_store_bytes": object_store_mb * 1024 * 1024,
            "temp_dir": str(base / "t"),
            "result": str(base / "result.json"),
            "logs": str(workdir.resolve() / "ray-logs"),
            "python": sys.executable,
        }
        spec_path = base / "spec.json"
        spec_path.write_text(json.dumps(spec))
        bound = start_timeout + timeout + 60
        try:
            outer = subprocess.run(
                [*UNSHARE, sys.executable, str(Path(__file__).resolve()), "--inside", str(spec_path)],
                capture_output=True,
                text=True,
                timeout=bound,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
        except subprocess.TimeoutExpired as overrun:
            # subprocess.run has SIGKILLed unshare; --kill-child takes the namespace down.
            tail = _text(overrun.stderr)[-3000:]
            raise ClusterError(f"the sandbox overran its {bound:.0f} s bound: {tail}") from None
        result_path = Path(spec["result"])
        if not result_path.exists():
            raise ClusterError(f"the sandbox exited {outer.returncode} without a result: {outer.stderr[-3000:]}")
        result = json.loads(result_path.read_text())
    finally:
        shutil.rmtree(base, ignore_errors=True)
    result["survivors"] = namespace_processes(result.get("pid_namespace", ""))
    result["sandbox_stderr"] = outer.stderr
    if result.get("error"):
        raise ClusterError(result["error"])
    run = ClusterRun(result["argv"], result["returncode"], result["stdout"], result["stderr"])
    run.cluster = result
    if result.get("timed_out"):
        overran = subprocess.TimeoutExpired(result["argv"], timeout, output=result["stdout"], stderr=result["stderr"])
        overran.cluster = result  # type: ignore[attr-defined]
        raise overran
    return run


def _die_with_parent() -> None:
    """In the forked `unshare`: SIGKILL it when the test process dies (then --kill-child ends the rest)."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)


def namespace_processes(pid_namespace: str) -> list[int]:
    """Host pids of the processes living in the PID namespace `pid_namespace` ("pid:[N]")."""
    if not pid_namespace:
        return []
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "ns" / "pid") == pid_namespace:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _text(data: str | bytes | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


# ---------------------------------------------------------------------------------------
# Inside the namespaces: this file run as a script, as the PID namespace's first process.


def _processes() -> dict[int, tuple[int, str, str]]:
    """Every process of this PID namespace but this one: pid -> (session id, state, command line)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        # The command name, in parentheses, may hold spaces: the fields after it are fixed.
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[3]), fields[0], cmdline or stat[stat.index("(") : stat.rindex(")") + 1])
    return found


def _reap() -> None:
    """Collect the exit of every finished child (orphans of the namespace are ours: we are its init)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _kill_sessions(sessions: list[int], grace: float, sigkilled: list[int] | None = None) -> list[int]:
    """SIGTERM every process of these sessions, SIGKILL those still alive after `grace` s; their pids.

    The pids that needed SIGKILL are appended to `sigkilled`.
    """

    def members() -> list[int]:
        return [pid for pid, (sid, state, _) in _processes().items() if sid in sessions and state != "Z"]

    killed = members()
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
        if sig == signal.SIGKILL and sigkilled is not None:
            sigkilled.extend(members())
        for pid in members():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while members() and time.monotonic() < deadline:
            _reap()
            time.sleep(0.1)
        _reap()
        if not members():
            break
    return sorted(set(killed))


def _wait_for_port(port: int, until: float, watch: list[subprocess.Popen]) -> None:
    while time.monotonic() < until:
        for proc in watch:
            if proc.poll() is not None:
                raise ClusterError(f"`ray start` (pid {proc.pid}) exited {proc.returncode} before the head was up")
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise ClusterError(f"the head's port {port} did not open in time")


# Run by the inner Python: connect, wait for every node alive, print {NodeManagerAddress...}.
_PROBE = """
import json, sys, time
import ray
want, deadline = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
ray.init(address=sys.argv[3], logging_level="ERROR", log_to_driver=False)
while True:
    alive = [n for n in ray.nodes() if n["Alive"]]
    if len(alive) >= want or time.monotonic() > deadline:
        break
    time.sleep(0.5)
# Alive in the node table is not yet schedulable: the scheduler learns a node's resources a
# little later, and soft placement meanwhile falls back to the head. Run one task pinned to
# each node, so the driver starts on a cluster whose every node takes work.
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
@ray.remote(num_cpus=0)
def _here():
    return ray.get_runtime_context().get_node_id()
pinned = [_here.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)).remote()
          for n in alive]
ready, _ = ray.wait(pinned, num_returns=len(pinned), timeout=max(1.0, deadline - time.monotonic()))
took = {ray.get(ref) for ref in ready}
alive = [n for n in alive if n["NodeID"] in took]
print(json.dumps([{"node_id": n["NodeID"], "address": n["NodeManagerAddress"], "resources": n["Resources"]}
                  for n in alive]))
"""


def _inside(spec: dict) -> dict:
    started = time.monotonic()
    result: dict = {
        "argv": spec["argv"],
        "returncode": None,
        "stdout": "",
        "stderr": "",
        "timed_out": False,
        "pid_namespace": os.readlink("/proc/self/ns/pid"),
        "nodes": [],
        "killed": [],
        "leftover": [],
        "logs": spec["logs"],
    }
    temp_dir = Path(spec["temp_dir"])
    temp_dir.mkdir(parents=True)
    out_dir = temp_dir.parent / "out"
    out_dir.mkdir()
    ray_cli = Path(spec["python"]).parent / "ray"
    ray_cli_cmd = [str(ray_cli)] if ray_cli.exists() else [shutil.which("ray") or "ray"]
    address = f"127.0.0.1:{HEAD_PORT}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update(
        RAY_USAGE_STATS_ENABLED="0",
        PYTHONPATH=os.pathsep.join([str(PROJECT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        PYTHONUNBUFFERED="1",
    )
    env.update(spec["env"])
    starts: list[subprocess.Popen] = []
    logs: list = []
    failed = False
    try:
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=30)
        until = started + spec["start_timeout"]
        common = [
            "--block",
            "--node-ip-address=127.0.0.1",
            f"--num-cpus={spec['num_cpus']}",
            "--num-gpus=0",
            f"--object-store-memory={spec['object_store_bytes']}",
            "--disable-usage-stats",
            f"--temp-dir={temp_dir}",
        ]
        for index in range(spec["nodes"]):
            resources = json.dumps({NODE_RESOURCE.format(index): 1000})
            role = (
                ["--head", f"--port={HEAD_PORT}", "--include-dashboard=false"]
                if index == 0
                else [f"--address={address}"]
            )
            log = open(out_dir / f"node-{index}.log", "w")  # closed in the finally below
            logs.append(log)
            starts.append(
                subprocess.Popen(
                    [*ray_cli_cmd, "start", *role, *common, f"--resources={resources}"],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=env,
                    cwd=spec["workdir"],
                    start_new_session=True,
                )
            )
            if index == 0:
                _wait_for_port(HEAD_PORT, until, starts)
        probe = subprocess.run(
            [spec["python"], "-c", _PROBE, str(spec["nodes"]), str(max(1.0, until - time.monotonic())), address],
            capture_output=True,
            text=True,
            env=env,
            timeout=max(1.0, until - time.monotonic()) + 30,
            start_new_session=True,
        )
        alive = json.loads(probe.stdout.strip().splitlines()[-1]) if probe.returncode == 0 and probe.stdout else None
        if alive is None or len(alive) < spec["nodes"]:
            count = len(alive or [])
            within = spec["start_timeout"]
            raise ClusterError(f"{count} of {spec['nodes']} nodes alive after {within} s: {probe.stderr[-2000:]}")
        for proc in starts:
            if proc.poll() is not None:
                raise ClusterError(f"`ray start` (pid {proc.pid}) exited {proc.returncode}")
        table = _processes()
        for index, proc in enumerate(starts):
            raylets = [pid for pid, (sid, _, cmd) in table.items() if sid == proc.pid and "/raylet " in f"{cmd} "]
            result["nodes"].append(
                {
                    "index": index,
                    "head": index == 0,
                    "pid": proc.pid,
                    "raylet_pid": raylets[0] if raylets else None,
                    "resource": NODE_RESOURCE.format(index),
                }
            )
        result["start_seconds"] = round(time.monotonic() - started, 2)

        driver_env = dict(env)
        driver_env.update(
            RAY_ADDRESS=address,
            RAY_SANDBOX_HEAD_PID=str(starts[0].pid),
            RAY_SANDBOX_WORKER_PIDS=",".join(str(p.pid) for p in starts[1:]),
            RAY_SANDBOX_NODES=json.dumps(result["nodes"]),
            RAY_SANDBOX_TEMP_DIR=str(temp_dir),
        )
        driver_started = time.monotonic()
        driver = subprocess.Popen(
            spec["argv"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=driver_env,
            cwd=spec["workdir"],
            start_new_session=True,
        )
        try:
            result["stdout"], result["stderr"] = driver.communicate(timeout=spec["timeout"])
        except subprocess.TimeoutExpired:
            result["timed_out"] = True
            failed = True
            _kill_sessions([driver.pid], grace=0)
            result["stdout"], result["stderr"] = driver.communicate()
        result["returncode"] = driver.returncode
        result["driver_seconds"] = round(time.monotonic() - driver_started, 2)
        failed = failed or driver.returncode != 0
    except (ClusterError, subprocess.SubprocessError, OSError, ValueError) as error:
        failed = True
        tails = "".join(
            f"\n--- node {i} ---\n{(out_dir / f'node-{i}.log').read_text(errors='replace')[-1500:]}"
            for i in range(len(starts))
        )
        result["error"] = f"{type(error).__name__}: {error}{tails}"
    finally:
        stopping = time.monotonic()
        result["exited_before_stop"] = {str(p.pid): p.returncode for p in starts if p.poll() is not None}
        result["sigkilled"] = []
        result["killed"] = _kill_sessions([p.pid for p in starts], grace=STOP_GRACE, sigkilled=result["sigkilled"])
        for proc in starts:
            proc.wait()
        for log in logs:
            log.close()
        _reap()
        # Anything of the namespace still alive escaped the sessions: report it, then kill it.
        left = {pid: cmd for pid, (_, state, cmd) in _processes().items() if state != "Z"}
        result["leftover"] = [{"pid": pid, "cmdline": cmd[:200]} for pid, cmd in sorted(left.items())]
        if left:
            _kill_sessions(sorted({sid for sid, _, _ in _processes().values()}), grace=0)
        result["stop_seconds"] = round(time.monotonic() - stopping, 2)
        logs_dir = Path(spec["logs"])
        logs_dir.mkdir(parents=True, exist_ok=True)
        for node_log in out_dir.glob("node-*.log"):
            shutil.copy(node_log, logs_dir / node_log.name)
        session_logs = temp_dir / "session_latest" / "logs"
        if failed and session_logs.is_dir():
            shutil.copytree(session_logs, logs_dir / "session", dirs_exist_ok=True, ignore_dangling_symlinks=True)
    return result


USAGE = """usage: python tests/ray_sandbox.py run [--timeout SECONDS] -- COMMAND [ARG ...]
  runs COMMAND here (in this folder) with RAY_ADDRESS set, against a two-node cluster
  that only loopback reaches; its output is COMMAND's, its exit status COMMAND's
  (the nodes' logs are kept in ./ray-logs when something failed)"""


def _run_command(argv: list[str]) -> int:
    """``run [--timeout S] -- COMMAND``: try the engine on a two-node cluster from a shell."""
    timeout = 600.0
    if argv[:1] == ["--timeout"] and len(argv) > 1:
        timeout, argv = float(argv[1]), argv[2:]
    if argv[:1] != ["--"] or len(argv) < 2:
        print(USAGE, file=sys.stderr)
        return 2
    reason = sandbox_unavailable()
    if reason:
        print(f"Error: {reason}", file=sys.stderr)
        return 1
    workdir = Path.cwd()
    try:
        run = run_on_cluster(argv[1:], workdir=workdir, timeout=timeout)
    except (ClusterError, subprocess.TimeoutExpired) as error:
        print(f"Error: {error}".splitlines()[0], file=sys.stderr)
        return 1
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    if run.returncode == 0:
        shutil.rmtree(workdir / "ray-logs", ignore_errors=True)
    return run.returncode


def main(argv: list[str]) -> int:
    if argv[:1] == ["run"]:
        return _run_command(argv[1:])
    if len(argv) != 2 or argv[0] != "--inside":
        print(USAGE + "\n(ray_sandbox.py --inside SPEC.json is how run_on_cluster enters its namespaces)",
              file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[1]).read_text())
    try:
        result = _inside(spec)
    except BaseException as error:  # noqa: BLE001 - the test process must hear of any failure
        result = {"error": f"the sandbox failed: {type(error).__name__}: {error}"}
    Path(spec["result"]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
