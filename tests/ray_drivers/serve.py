"""Driver of tests/test_cluster.py's serving test, run inside the sandbox by tests.ray_sandbox.run_on_cluster.

Builds a corpus as 4 shards with Ray tasks (``search --ray ADDRESS index``)
and serves it twice on loopback: ``search --ray ADDRESS serve`` (the shards on
Ray actors) and ``search serve`` (the same files read here). Checks that both
give the same API answers (search with its options, export, similar,
articles, values) and pages; that a shard actor killed by pid leaves nothing
missing and a frozen one is named on the page and in the JSON; that a rebuild
whose Ray tasks are killed every time fails with one line and changes
nothing, not even what the servers answer meanwhile; and that a rebuild
whose task is killed once (Ray runs it again) publishes the same index as a
build made here. Prints one JSON line after the marker SERVE_RESULT.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import ray

import search
from search.cluster import NAMESPACE, actor_name
from search.store import disk

TASK_TITLE = b"ray::write_spooled_shard"
RAY_PORT, HERE_PORT = 8731, 8732
RAY_LOG_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d [\d:,]+ [DIWEF] \d+ \d+\] \w+\.cc:\d+: ")


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "search", *args], capture_output=True, text=True,
                          timeout=timeout, env=_environment())


def _environment() -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if k != "SEARCH_RAY_ADDRESS"}, "SEARCH_RAY_TIMEOUT": "5"}


class Server:
    """``search [--ray ADDRESS] serve`` on a loopback port; stopped by its process id."""

    def __init__(self, index: Path, port: int, log: Path, address: str | None = None):
        self.port = port
        self.log = open(log, "wb")
        options = ["--ray", address] if address else []
        self.process = subprocess.Popen([sys.executable, "-m", "search", *options, "serve", "--index", str(index),
                                         "--host", "127.0.0.1", "--port", str(port)],
                                        stdout=self.log, stderr=subprocess.STDOUT, env=_environment())

    def wait_ready(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server on port {self.port} stopped ({self.process.returncode})")
            try:
                if self.get("/api/stats")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"the server on port {self.port} did not start within {seconds:g} s")

    def get(self, path: str, **params) -> tuple[int, str]:
        url = f"http://127.0.0.1:{self.port}{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def json(self, path: str, **params):
        status, body = self.get(path, **params)
        return json.loads(body) if status == 200 else {"status": status, "body": body[:300]}

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)
        self.log.close()


def same_hits(a: list, b: list) -> bool:
    return ([h["id"] for h in a] == [h["id"] for h in b]
            and all(math.isclose(x.get("score") or 0.0, y.get("score") or 0.0, rel_tol=1e-6)
                    for x, y in zip(a, b, strict=True))
            and [h.get("highlights") for h in a] == [h.get("highlights") for h in b])


def same_results(a: dict, b: dict) -> bool:
    keys = ("total", "page", "limit", "suggestion", "notes", "facets", "missing_shards")
    return "hits" in a and "hits" in b and all(a.get(k) == b.get(k) for k in keys) and same_hits(a["hits"], b["hits"])


def without_timing(answer: tuple[int, str]) -> tuple[int, str]:
    """A page without the time it took ("180 hasil (0,05 detik)")."""
    status, page = answer
    return status, re.sub(r"\(\d+,\d+ detik\)", "", page)


def exported(server: Server, text: str) -> list[dict]:
    status, body = server.get("/export", q=text, format="jsonl")
    return [json.loads(line) for line in body.splitlines()] if status == 200 else [{"status": status}]


def task_processes() -> list[int]:
    """The processes running a shard's build task (not the writer workers they forked)."""
    found: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
            parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if command.startswith(TASK_TITLE):
            found[int(entry)] = parent
    return [pid for pid, parent in found.items() if parent not in found]


def rebuild_killing(index: Path, kills: int | None, log: Path, during=None) -> dict:
    """``search --ray ADDRESS index --rebuild`` killing its tasks' processes (``kills`` of them; None: all)."""
    with open(log, "wb") as out:
        build = subprocess.Popen([sys.executable, "-m", "search", "--ray", os.environ["RAY_ADDRESS"], "index",
                                  "--index", str(index), "--rebuild"], stdout=out, stderr=subprocess.PIPE,
                                 env=_environment())
        killed: set[int] = set()
        checks: list[bool] = []
        deadline = time.monotonic() + 300
        while build.poll() is None and time.monotonic() < deadline:
            for pid in task_processes():
                if pid not in killed and (kills is None or len(killed) < kills):
                    os.kill(pid, signal.SIGKILL)
                    killed.add(pid)
            if during is not None and killed and len(checks) < 20:
                checks.append(during())
            time.sleep(0.05)
        if build.poll() is None:
            build.kill()
        _, errors = build.communicate(timeout=60)
    still = time.monotonic() + 30
    while task_processes() and time.monotonic() < still:
        time.sleep(0.5)
    # Ray's own C++ log lines ("[2026-12-04 18:49:47,846 W 447 447] network_util.cc:330: ...": in
    # this sandbox it cannot reach 8.8.8.8 to learn its address) are Ray's, not the command's.
    said = [line for line in errors.decode().splitlines() if not RAY_LOG_LINE.match(line)]
    return {"exit": build.returncode, "stderr": "\n".join(said).strip(), "killed": len(killed),
            "checks": checks, "tasks_left": len(task_processes())}


def main() -> None:
    corpus, work = Path(sys.argv[1]), Path(sys.argv[2])
    address = os.environ["RAY_ADDRESS"]
    served, here = work / "served", work / "here"
    result: dict = {}
    shown = cli("--ray", address, "index", str(corpus), "--index", str(served), "--shards", "4")
    result["build_exit"], result["build_output"] = shown.returncode, (shown.stdout + shown.stderr)[-300:]
    search.build_index([corpus], here, shards=4)
    with search.open_index(here) as local:
        titles = [hit.title for hit in local.search("", sort="-date", date_from="2000", limit=40,
                                                     highlight=False).hits]
        some = [hit.id for hit in local.search(titles[0], highlight=False).hits[:3]]
    on_ray, read_here = (Server(served, RAY_PORT, work / "ray-server.log", address),
                         Server(served, HERE_PORT, work / "here-server.log"))
    try:
        on_ray.wait_ready()
        read_here.wait_ready()
        # The same answers, from the API, the export, the pages.
        result["titles"] = len(titles)
        result["api_identical"] = sum(same_results(on_ray.json("/api/search", q=t), read_here.json("/api/search", q=t))
                                      for t in titles)
        options = [{"sort": "-date"}, {"facets": "true"}, {"page": "2"}, {"from": "2017-01", "to": "2017-06"}]
        result["options_identical"] = sum(
            same_results(on_ray.json("/api/search", q=t, **o), read_here.json("/api/search", q=t, **o))
            for t in titles[:10] for o in options)
        result["options_asked"] = 10 * len(options)
        ray_rows, here_rows = exported(on_ray, titles[0]), exported(read_here, titles[0])
        result["export_rows"] = len(here_rows)
        result["export_identical"] = [r.get("id") for r in ray_rows] == [r.get("id") for r in here_rows] and all(
            math.isclose(a["score"] or 0.0, b["score"] or 0.0, rel_tol=1e-6) and a["snippet"] == b["snippet"]
            for a, b in zip(ray_rows, here_rows, strict=True))
        result["similar_identical"] = all(
            same_hits(on_ray.json(f"/api/similar/{n}")["hits"], read_here.json(f"/api/similar/{n}")["hits"])
            for n in some)
        result["articles_identical"] = all(on_ray.json(f"/api/articles/{n}") == read_here.json(f"/api/articles/{n}")
                                           for n in some)
        result["values_identical"] = on_ray.json("/api/values/category") == read_here.json("/api/values/category")
        result["pages_identical"] = 0
        for t in titles[:10]:
            pages = on_ray.get("/", q=t), read_here.get("/", q=t)
            result["pages_identical"] += without_timing(pages[0]) == without_timing(pages[1])
            for name, (_, page) in zip(("ray", "here"), pages, strict=True):  # the last pair, to compare by eye
                (work / f"page-{name}.html").write_text(page, encoding="utf-8")
        result["served_by"] = [s["served_by"] for s in on_ray.json("/api/stats")["shards"]]
        before = {t: read_here.json("/api/search", q=t) for t in titles[:10]}

        # Faults while serving: a shard actor killed, then one frozen.
        ray.init(address=address, namespace=NAMESPACE, logging_level="ERROR", log_to_driver=False)
        actors = [ray.get_actor(actor_name(served, n)) for n in range(4)]
        where = ray.get([actor.where.remote() for actor in actors])
        os.kill(where[1]["pid"], signal.SIGKILL)
        # limit=10 (the default) asks what was asked before, but not from the server's cache,
        # which holds this generation's answers: these must reach the shards.
        after = [on_ray.json("/api/search", q=t, limit=10) for t in titles[:10]]
        result["after_kill_identical"] = sum(same_results(a, before[t]) for t, a in zip(titles[:10], after,
                                                                                         strict=True))
        result["restarted"] = ray.get(actors[1].where.remote())["pid"] != where[1]["pid"]
        frozen = ray.get(actors[2].where.remote())["pid"]
        os.kill(frozen, signal.SIGSTOP)
        try:
            partial = on_ray.json("/api/search", q=titles[0], limit=9)
            status, page = on_ray.get("/", q=titles[0], page=1)
        finally:
            os.kill(frozen, signal.SIGCONT)
        result["frozen_missing"] = partial.get("missing_shards")
        result["frozen_page"] = status == 200 and "bagian indeks 2 tidak menjawab" in page  # (the page's Indonesian)
        result["thawed_identical"] = same_results(on_ray.json("/api/search", q=titles[1], limit=10),
                                                  before[titles[1]])

        # A rebuild whose tasks are killed every time: one line, nothing changed, answers unchanged meanwhile.
        generation = disk.current_generation(served)

        def unchanged() -> bool:
            return same_results(on_ray.json("/api/search", q=titles[2]), before[titles[2]])

        failed = rebuild_killing(served, None, work / "failed-build.log", during=unchanged)
        result["failed_build"] = {k: v for k, v in failed.items() if k != "checks"}
        result["failed_build_checks"] = [len(failed["checks"]), sum(failed["checks"])]
        result["generation_kept"] = disk.current_generation(served) == generation
        result["building_left"] = sorted(p.name for p in served.iterdir() if p.name.startswith(disk.BUILDING_PREFIX))
        result["after_failed_identical"] = sum(
            same_results(on_ray.json("/api/search", q=t), before[t]) and
            same_results(read_here.json("/api/search", q=t), before[t]) for t in titles[:10])

        # A rebuild whose task is killed once: Ray runs it again, and the shard is whole.
        retried = rebuild_killing(served, 1, work / "retried-build.log")
        result["retried_build"] = {k: v for k, v in retried.items() if k != "checks"}
        result["retried_new_generation"] = disk.current_generation(served) != generation
        with search.open_index(served) as rebuilt, search.open_index(here) as local:
            result["retried_shards"] = [s.articles for s in rebuilt.stats().shards]
            result["here_shards"] = [s.articles for s in local.stats().shards]
            result["retried_identical"] = sum(
                same_results(rebuilt.search(t).to_dict(), local.search(t).to_dict()) for t in titles)
        time.sleep(2)  # the servers look for a new generation once a second
        result["served_after_retry_identical"] = sum(
            same_results(on_ray.json("/api/search", q=t), before[t]) and
            same_results(read_here.json("/api/search", q=t), before[t]) for t in titles[:10])
    finally:
        on_ray.stop()
        read_here.stop()
        if ray.is_initialized():
            for n in range(4):
                try:
                    ray.kill(ray.get_actor(actor_name(served, n)), no_restart=True)
                except ValueError:
                    pass
    (work / "serve-result.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print("SERVE_RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
