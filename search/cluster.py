"""An index's shards held by Ray actors: placed, restarted and reached by Ray, answered as one index.

``open_index(path, ray_address=ADDRESS)`` connects to a Ray cluster and
returns an ``Index`` whose shards are :class:`RayShards`: one named, detached
actor per shard (:class:`ShardActor`, each a
``search.query.shard.ShardSearcher``) holds its shard open between queries,
and this process coordinates (``search.query.coordinator.Coordinator``, the
same as for a local index): the collection's statistics gathered from every
shard, the first stage on each, the merge and the re-ranking here. A later
``search query`` finds the same actors again by name.

What is supported: every node reads the index at the same path (a shared
file system, or the same copy on each node); the actors open the generation
the coordinator names in each call, so an update is served once published.

Faults: Ray restarts a shard actor whose process dies (``max_restarts=-1``)
and retries the calls it was answering; an actor lost for good (killed, or
its node gone) is made again by the call that finds it gone; a shard that
does not answer within ``timeout`` seconds is left out, and the results name
it in ``missing_shards`` (and say so in their notes), never silently partial. The
shard files on disk are the truth: an actor only reads them.

The only module that imports Ray (the ``cluster`` extra).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import fields
from pathlib import Path

from .articles import Article
from .errors import ClusterError, SearchError
from .query.coordinator import Call, ShardUnavailable
from .query.ranking import Ranking
from .query.shard import ShardSearcher
from .results import FieldValue, ShardStats
from .store import disk
from .store.generation import shard_count, write_spooled_shard
from .store.manifest import Manifest
from .store.schema import build_schema

NAMESPACE = "indonesian-news-search"
TIMEOUT = 30.0
"""Seconds a query waits for a shard (its restart included) before answering without it, unless told."""
KEEP_OPEN = 2
"""Generations a shard actor holds open at once (the newest and the one before)."""


def _ranking_args(ranking: Ranking) -> dict:
    """A ranking as plain values (its field weights are a read-only mapping, which does not pickle)."""
    args = {f.name: getattr(ranking, f.name) for f in fields(ranking)}
    args["field_boosts"] = dict(args["field_boosts"])
    return args


class ShardActor:
    """One shard of an index, open between queries (made a Ray actor by :func:`_actor_class`).

    Each call names the generation folder to answer from: the actor opens it
    on first use and moves to a newer one when asked, so a restarted actor
    needs nothing but its arguments.
    """

    def __init__(self, index_dir: str, shard: int, ranking: dict):
        self.index_dir, self.shard = index_dir, shard
        self.ranking = Ranking(**ranking)
        self._open: dict[str, ShardSearcher] = {}  # by generation folder, the last used last

    def _at(self, folder: str) -> ShardSearcher:
        # Two open at once: clients still on the old generation (a server's other
        # readers) and those on the new one do not make the actor reopen on each call.
        searcher = self._open.pop(folder, None)
        if searcher is None:
            searcher = ShardSearcher.open(self.index_dir, folder, self.shard, self.ranking)
            while len(self._open) >= KEEP_OPEN - 1:
                self._open.pop(next(iter(self._open))).close()
        self._open[folder] = searcher
        return searcher

    def where(self, folder: str | None = None) -> dict:
        """Where this actor runs (its process and node), and the generation it has open."""
        import ray

        return {"pid": os.getpid(), "node": ray.get_runtime_context().get_node_id(),
                "folder": next(reversed(self._open), None)}

    # The calls of search.query.shard.Shard, each on the generation ``folder``.

    def article_count(self, folder: str) -> int:
        return self._at(folder).article_count()

    def prepare(self, folder: str, *args):
        return self._at(folder).prepare(*args)

    def answer(self, folder: str, *args):
        return self._at(folder).answer(*args)

    def article_ids(self, folder: str, *args):
        return self._at(folder).article_ids(*args)

    def hits(self, folder: str, *args):
        return self._at(folder).hits(*args)

    def rows(self, folder: str, *args):
        return self._at(folder).rows(*args)

    def corrections(self, folder: str, *args):
        return self._at(folder).corrections(*args)

    def key_words(self, folder: str, *args):
        return self._at(folder).key_words(*args)

    def frequencies(self, folder: str, *args):
        return self._at(folder).frequencies(*args)

    def more_like(self, folder: str, *args):
        return self._at(folder).more_like(*args)

    def values(self, folder: str, fieldname: str) -> list[FieldValue]:
        return self._at(folder).values(fieldname)

    def get(self, folder: str, article_id: str) -> Article | None:
        return self._at(folder).get(article_id)

    def timeline(self, folder: str, *args):
        return self._at(folder).timeline(*args)

    def sample_words(self, folder: str, *args):
        return self._at(folder).sample_words(*args)

    def document_frequencies(self, folder: str, *args):
        return self._at(folder).document_frequencies(*args)

    def source_counts(self, folder: str, *args):
        return self._at(folder).source_counts(*args)


def _ray():
    try:
        import ray
    except ImportError:
        raise ClusterError("serving shards on a Ray cluster needs the cluster extra: "
                           "pip install -e '.[cluster]'") from None
    return ray


def _actor_class():
    ray = _ray()
    return ray.remote(max_restarts=-1, max_task_retries=-1, num_cpus=0)(ShardActor)


def shard_writer(address: str = "auto"):
    """A ``write_shards`` for ``build_index``: each spooled shard written by a Ray task, all at once.

    A task runs on any node, reading and writing the build folder at the same
    path (a shared file system); it writes from every core of its node. Ray
    runs a task again once if its process dies (the shard is written afresh);
    a task that fails for good fails the build, which stops the other tasks
    and then changes nothing.
    """
    connect(address)
    ray = _ray()
    task = ray.remote(num_cpus=1, max_retries=1)(write_spooled_shard)

    def write(folder: Path, shards: list[int], count: int) -> list[dict[str, str]]:
        refs = [task.options(scheduling_strategy="SPREAD").remote(folder, shard, count) for shard in shards]
        try:
            return _written(refs)
        except (SearchError, OSError):
            # The build removes its folder next: first stop the shards still being written in it.
            for ref in refs:
                ray.cancel(ref, force=True)
            ray.wait(refs, num_returns=len(refs), timeout=60)
            raise

    def _written(refs) -> list[dict[str, str]]:
        try:
            return ray.get(refs)
        except ray.exceptions.RayTaskError as error:
            if isinstance(error.cause, (SearchError, OSError)):  # the build's own failure (a full disk)
                raise error.cause from None
            raise ClusterError(f"a shard's build task failed ({type(error.cause).__name__}: {error.cause})") from None
        except ray.exceptions.RayError as error:
            raise ClusterError(f"a shard's build task failed ({type(error).__name__})") from None

    return write


def connect(address: str) -> None:
    """Join the Ray cluster at ``address`` (once per process)."""
    ray = _ray()
    if ray.is_initialized():
        return
    try:
        ray.init(address=address, namespace=NAMESPACE, logging_level="ERROR", log_to_driver=False)
    except Exception as error:  # noqa: BLE001 - Ray raises several kinds; all mean the same here
        raise ClusterError(f"cannot reach the Ray cluster at {address} ({type(error).__name__}: {error})") from None


def _alive_nodes() -> list[str]:
    """The ids of the cluster's alive nodes, in a fixed order (one call to Ray's node table)."""
    return sorted(node["NodeID"] for node in _ray().nodes() if node["Alive"])


def actor_name(index_dir: Path, shard: int) -> str:
    """The name the actor of one shard of this index has on every run."""
    key = hashlib.blake2b(str(index_dir.resolve()).encode(), digest_size=6).hexdigest()
    return f"shard-{key}-{shard:02d}"


class RayShards:
    """An index's shards held by Ray actors (``search.index.Shards``): what an ``Index`` over a cluster calls."""

    def __init__(self, index_dir: str | Path, ranking: Ranking, address: str = "auto", timeout: float = TIMEOUT):
        self.path = Path(index_dir)
        self.ranking = ranking
        self.timeout = timeout
        connect(address)
        self._manifest: Manifest | None = None
        self._open()

    def _open(self) -> None:
        self.folder = disk.current_generation(self.path)
        self.meta = disk.read_meta(self.folder)
        self._manifest = None
        self._arguments = _ranking_args(self.ranking)
        nodes = _alive_nodes()
        self.actors = [self._actor(n, nodes) for n in range(shard_count(self.meta))]

    rows_per_call = 200
    """Export rows asked of an actor at once: one round trip per few hundred rows."""

    @property
    def count(self) -> int:
        return len(self.actors)

    def _actor(self, shard: int, nodes: list[str]):
        """Shard ``shard``'s actor: found by its name, or made on the n-th of the alive ``nodes``, round them.

        Pinned to that node (Ray's soft node affinity placed all four shards of
        a test on one of two nodes in one run of three): Ray restarts a process
        that dies there; when the node is gone, the actor cannot be restarted,
        and :meth:`call` makes it again on a node that is alive.
        """
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        placed = NodeAffinitySchedulingStrategy(nodes[shard % len(nodes)], soft=False)
        return (_actor_class().options(name=actor_name(self.path, shard), lifetime="detached", get_if_exists=True,
                                       scheduling_strategy=placed)
                .remote(str(self.path.resolve()), shard, self._arguments))

    def call(self, calls: list[Call]) -> list:
        """Every call at once on its shard's actor; what has not answered within the timeout is unavailable.

        A shard whose actor is gone for good (killed, or its node lost) gets a
        new actor and its call once more, within the same timeout.
        """
        ray = _ray()
        gone = (ray.exceptions.ActorDiedError, ray.exceptions.ActorUnschedulableError)
        deadline = time.monotonic() + self.timeout
        results: list = [None] * len(calls)
        waiting = list(range(len(calls)))
        for attempt in range(2):
            refs = {i: getattr(self.actors[calls[i][0]], calls[i][1]).remote(str(self.folder), *calls[i][2])
                    for i in waiting}
            ready, _ = ray.wait(list(refs.values()), num_returns=len(refs),
                                timeout=max(deadline - time.monotonic(), 0.0))
            done, again = set(ready), []
            for i, ref in refs.items():
                n = calls[i][0]
                if ref not in done:
                    results[i] = ShardUnavailable(n, f"no answer within {self.timeout:g} s")
                    continue
                try:
                    results[i] = ray.get(ref)
                except ray.exceptions.RayTaskError as error:
                    if isinstance(error.cause, SearchError):  # the request's fault (a bad date), not the shard's
                        raise error.cause from None
                    results[i] = ShardUnavailable(n, type(error.cause).__name__)
                except gone as error:
                    results[i] = ShardUnavailable(n, type(error).__name__)
                    again.append(i)
                except ray.exceptions.RayError as error:
                    results[i] = ShardUnavailable(n, type(error).__name__)
            if not again or attempt == 1:
                break
            nodes = _alive_nodes()
            for n in sorted({calls[i][0] for i in again}):
                self.actors[n] = self._actor(n, nodes)
            waiting = again
        return results

    def close(self) -> None:
        """Leave the actors serving (they are the cluster's, for the next query)."""

    def refresh(self) -> bool:
        """Answer from the index's newest generation, if one was published; and find lost actors again."""
        moved = disk.current_generation(self.path) != self.folder
        self._open()
        return moved

    @property
    def article_count(self) -> int:
        return int(self.meta.get("articles", 0))

    @property
    def fields(self) -> list[str]:
        return list(build_schema().names())

    @property
    def manifest(self) -> Manifest:
        if self._manifest is None:
            self._manifest = Manifest.read(self.folder)
        return self._manifest

    def size_bytes(self) -> int:
        return disk.folder_size(self.folder)

    def shard_stats(self) -> list[ShardStats]:
        everyone = range(self.count)
        counts = self.call([(n, "article_count", ()) for n in everyone])
        where = self.call([(n, "where", ()) for n in everyone])
        shards = []
        for n, (count, place) in enumerate(zip(counts, where, strict=True)):
            folder = self.folder if self.count == 1 else self.folder / f"shard-{n:02d}"
            served = ("not answering" if isinstance(place, ShardUnavailable)
                      else f"Ray actor {actor_name(self.path, n)} (node {place['node'][:12]}, pid {place['pid']})")
            shards.append(ShardStats(n, 0 if isinstance(count, ShardUnavailable) else count,
                                     disk.folder_size(folder), served))
        return shards
