"""Driver of tests/test_cluster.py, run inside the sandbox by tests.ray_sandbox.run_on_cluster.

Serves a 4-shard index from Ray actors and checks, against the same index read
here: the same totals, ids and scores for the seed headlines, the same
timeline and words of a coverage; the actors spread over both nodes and
found again by a second client; a shard actor killed by pid during queries
restarted with nothing missing; a frozen shard named in ``missing_shards``
(and the JSON of ``search query``); a shard actor killed for good, and the
worker node lost, made again by the next call with nothing missing;
``search query --ray`` through the command line; a build of Ray tasks.
Prints one JSON line after the marker CLUSTER_RESULT.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time

import ray

import search


def same(a, b) -> bool:
    return (a.total == b.total and [h.id for h in a.hits] == [h.id for h in b.hits]
            and all(math.isclose(x.score or 0.0, y.score or 0.0, rel_tol=1e-6)
                    for x, y in zip(a.hits, b.hits, strict=True))
            and [h.snippets for h in a.hits] == [h.snippets for h in b.hits])


def main() -> None:
    index_dir, count = sys.argv[1], int(sys.argv[2])
    result: dict = {}
    local = search.open_index(index_dir)
    titles = [hit.title for hit in local.search("tanggal:2017", limit=count, highlight=False).hits]
    started = time.monotonic()
    cluster = search.open_index(index_dir, ray_address=os.environ["RAY_ADDRESS"], ray_timeout=20)
    result["first_query_s"] = round(time.monotonic() - started, 2)
    result["headlines"] = len(titles)
    result["identical"] = sum(same(local.search(t), cluster.search(t)) for t in titles)
    options = [{"sort": "-date"}, {"facets": True}, {"page": 2}, {"date_from": "2017-01", "date_to": "2017-06"}]
    result["identical_with_options"] = sum(
        same(mine := local.search(t, **o), theirs := cluster.search(t, **o)) and mine.facets == theirs.facets
        for t in titles[:20] for o in options)
    result["with_options"] = 20 * len(options)
    result["values_identical"] = all(cluster.values(name) == local.values(name) for name in ("category", "month"))
    some = local.search(titles[3], highlight=False).hits[0].id
    result["get_identical"] = cluster.get(some) == local.get(some)
    queries = ["banjir", "gempa", "kebakaran hutan"]
    result["timeline_identical"] = cluster.timeline(queries, interval="month") == local.timeline(queries,
                                                                                                interval="month")
    mine, theirs = local.coverage("banjir"), cluster.coverage("banjir")
    result["coverage_identical"] = ([w.stems for w in mine.words] == [w.stems for w in theirs.words]
                                    and mine.sources == theirs.sources)
    try:
        cluster.search(titles[0], date_from="bukan tanggal")
        result["bad_date"] = "no error"
    except search.QueryError as error:
        result["bad_date"] = str(error)
    stats = cluster.stats()
    result["served_by"] = [s.served_by for s in stats.shards]
    result["shard_articles"] = [s.articles for s in stats.shards]
    result["articles"] = local.stats().articles
    where = ray.get([actor.where.remote() for actor in cluster.shards.actors])
    result["nodes_used"] = len({w["node"] for w in where})
    # A later client (a later `search query`) finds the same actors by name.
    again = search.open_index(index_dir, ray_address=os.environ["RAY_ADDRESS"], ray_timeout=20)
    result["found_again"] = [w["pid"] for w in ray.get([a.where.remote() for a in again.shards.actors])] == \
        [w["pid"] for w in where]
    # Kill shard 1's actor by pid while querying: Ray restarts it and retries the calls.
    os.kill(where[1]["pid"], signal.SIGKILL)
    after_kill = [cluster.search(t) for t in titles[:30]]
    result["after_kill_missing"] = sorted({n for r in after_kill for n in r.missing_shards})
    result["after_kill_identical"] = sum(same(local.search(t), r) for t, r in zip(titles[:30], after_kill, strict=True))
    result["restarted_pid_differs"] = ray.get(cluster.shards.actors[1].where.remote())["pid"] != where[1]["pid"]
    # Shard 2 stops answering (its process frozen): past the timeout the answer says
    # which shard is missing, never silently partial, here and in `search query --json`.
    frozen = ray.get(cluster.shards.actors[2].where.remote())["pid"]
    os.kill(frozen, signal.SIGSTOP)
    cluster.shards.timeout = 5
    partial = cluster.search(titles[0])
    result["down_missing"] = partial.missing_shards
    result["down_note"] = any("did not answer" in note for note in partial.notes)
    result["down_total_smaller"] = partial.total < local.search(titles[0]).total
    command = [sys.executable, "-m", "search", "--ray", os.environ["RAY_ADDRESS"], "query", titles[0],
               "--index", index_dir, "--json"]
    env = {**os.environ, "SEARCH_RAY_TIMEOUT": "5"}
    shown = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    result["cli_down_exit"] = shown.returncode
    result["cli_down_missing"] = (json.loads(shown.stdout).get("missing_shards") if shown.returncode == 0
                                  else shown.stderr[-500:])
    os.kill(frozen, signal.SIGCONT)
    cluster.shards.timeout = 20
    result["thawed_identical"] = same(local.search(titles[1]), cluster.search(titles[1]))
    # Shard 2's actor killed for good: the next call makes it again, by its name, and asks it again.
    ray.kill(cluster.shards.actors[2], no_restart=True)
    time.sleep(1)
    healed = cluster.search(titles[0])
    result["killed_missing"] = healed.missing_shards
    result["killed_identical"] = same(local.search(titles[0]), healed)
    result["killed_pid_differs"] = ray.get(cluster.shards.actors[2].where.remote())["pid"] != frozen
    cluster.refresh()
    result["after_refresh_identical"] = same(local.search(titles[0]), cluster.search(titles[0]))
    shown = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    result["cli_exit"] = shown.returncode
    result["cli_total"] = json.loads(shown.stdout)["total"] if shown.returncode == 0 else shown.stderr[-500:]
    result["local_total"] = local.search(titles[0]).total
    # The worker node lost (its raylet killed by pid): its shards' actors cannot be restarted
    # there; the next calls make them again on the node that is left, and nothing is missing.
    nodes = json.loads(os.environ["RAY_SANDBOX_NODES"])
    os.kill(nodes[1]["raylet_pid"], signal.SIGKILL)
    deadline = time.monotonic() + 60
    while sum(node["Alive"] for node in ray.nodes()) > 1 and time.monotonic() < deadline:
        time.sleep(0.5)
    after_node = [cluster.search(t) for t in titles[:10]]
    result["node_lost_missing"] = sorted({n for r in after_node for n in r.missing_shards})
    result["node_lost_identical"] = sum(same(local.search(t), r) for t, r in zip(titles[:10], after_node,
                                                                                   strict=True))
    result["nodes_after_loss"] = len({w["node"] for w in ray.get([a.where.remote() for a in cluster.shards.actors])})
    for actor in cluster.shards.actors:
        ray.kill(actor, no_restart=True)
    local.close()
    # `search index --shards 4` with a Ray address: the shards written as Ray tasks.
    corpus, built, here = sys.argv[3], os.path.join(sys.argv[4], "by-ray"), os.path.join(sys.argv[4], "here")
    started = time.monotonic()
    shown = subprocess.run([sys.executable, "-m", "search", "--ray", os.environ["RAY_ADDRESS"], "index", corpus,
                            "--index", built, "--shards", "4"], capture_output=True, text=True, timeout=300)
    result["ray_build_exit"], result["ray_build_s"] = shown.returncode, round(time.monotonic() - started, 1)
    result["ray_build_output"] = (shown.stdout + shown.stderr)[-300:]
    search.build_index([corpus], here, shards=4)
    with search.open_index(built) as by_ray, search.open_index(here) as by_hand:
        result["ray_build_shards"] = [s.articles for s in by_ray.stats().shards]
        result["here_build_shards"] = [s.articles for s in by_hand.stats().shards]
        queries = ["milik dinas", "banjir", "kembang teknologi", "anak", "dinas kominfo sawahlunto"]
        result["ray_build_identical"] = sum(same(by_ray.search(q), by_hand.search(q)) for q in queries)
    print("CLUSTER_RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
