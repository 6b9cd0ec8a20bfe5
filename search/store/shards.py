"""An index split into shards: which shard holds an article, where shards live, and one view of them all.

An archive can be split into ``N`` shards when it is built (``build_index(...,
shards=N)``). Each shard is a Whoosh index of its own, in a folder of the
generation::

    gen-20261203T061500-3f2a/
        meta.json  files.json  stems.sqlite     as in any generation, for the whole index
        shard-00/  shard-01/ ...                one Whoosh index each (its TOC and segments)

so a generation is still published, held by readers and updated as one
(``search.store.disk``): a reader never sees some shards updated and others
not. An index of one shard keeps its Whoosh files in the generation folder
itself, as an index always has.

An article lives in the shard :func:`shard_of` its id names, a stable hash,
so an update of an article lands in the shard that holds it, and a shard can
be written on its own: in parallel, or elsewhere.

On one machine a reader sees every shard through :func:`combined_reader`,
Whoosh's ``MultiReader`` over all their segments. Whoosh already treats an
index as the sum of its segments, so the collection's statistics (document
count, each term's document frequency, field lengths) are summed over every
shard, and every article gets the score it would get in one index.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from whoosh.reading import MultiReader

SHARD_PREFIX = "shard-"
MAX_SHARDS = 256


def shard_of(article_id: str, count: int) -> int:
    """The shard (0 to ``count - 1``) that holds the article with this id; the same on every machine and run."""
    if count == 1:
        return 0
    digest = hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def shard_folders(generation: Path, count: int) -> list[Path]:
    """The Whoosh index folder of each shard of a generation: the generation itself when there is one."""
    if count == 1:
        return [generation]
    return [generation / f"{SHARD_PREFIX}{number:02d}" for number in range(count)]


def combined_reader(indexes: list):
    """One Whoosh reader over the segments of every index in ``indexes`` (shard order, then segment order).

    Closing it closes each segment's reader.
    """
    leaves: list = []
    empty: list = []
    for ix in indexes:
        reader = ix.reader()
        for segment, _ in reader.leaf_readers():
            (leaves if segment.doc_count_all() else empty).append(segment)
    if not leaves:  # no shard holds an article yet: one empty reader stands for them all
        leaves = empty[:1]
    for segment in empty:
        if segment not in leaves:
            segment.close()
    if len(leaves) == 1:
        return leaves[0]
    return MultiReader(leaves)
