"""How the stored articles are compressed: zlib's preset window (before) against zstd's trained dictionary (now).

    python -m benchmarks.stored                      # the first 4,000 articles of the shared corpora
    python -m benchmarks.stored --articles 10000

Each article is pickled as the engine stores it (the stored fields of its
document, ``search.store.schema.to_document``), the first 64 make the
segment's dictionary (``search.store.stored.TRAINING``), and the rest are
compressed one at a time, as a segment's column does. For each way: the time
to compress them, their size against the pickles', and the time to
decompress one (what showing a hit costs). The column itself is what
``search.store.stored`` writes; this only times its compressions apart.
"""

from __future__ import annotations

import argparse
import pickle
import time
from itertools import islice
from pathlib import Path

from benchmarks.common import DEFAULT_CORPORA
from search.articles import Article
from search.ingest import read_file
from search.store.schema import build_schema, to_document
from search.store.stored import TRAINING, Zlib, Zstd


def pickled_articles(corpora: list[Path], count: int) -> list[bytes]:
    """The first ``count`` articles of ``corpora``, each its stored fields pickled."""
    stored = set(build_schema().stored_names())
    articles = (item for path in corpora for item in read_file(path, path.name) if isinstance(item, Article))
    return [pickle.dumps({name: value for name, value in to_document(article).items() if name in stored}, protocol=4)
            for article in islice(articles, count)]


def measure(compression, values: list[bytes]) -> tuple[float, float, float]:
    """(seconds to compress the values after the first TRAINING, their size / the pickles', µs to decompress one)."""
    dictionary = compression.dictionary(values[:TRAINING])
    compress, decompress = compression.compressor(dictionary), compression.decompressor(dictionary)
    rest = values[TRAINING:]
    started = time.perf_counter()
    packed = [compress(value) for value in rest]
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    for value in packed:
        decompress(value)
    per_value = (time.perf_counter() - started) / len(packed) * 1e6
    return seconds, sum(map(len, packed)) / sum(map(len, rest)), per_value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, nargs="+", default=DEFAULT_CORPORA)
    parser.add_argument("--articles", type=int, default=4000)
    args = parser.parse_args()
    values = pickled_articles(args.corpora, args.articles)
    print(f"{len(values) - TRAINING:,} articles compressed one at a time, the dictionary from the first {TRAINING}")
    print("| compression | compress s | size / pickles | decompress one, µs |")
    print("| --- | --- | --- | --- |")
    for name, compression in (("zlib level 6, the last 32 KB as preset window (before)", Zlib),
                              ("zstd level 3, a 32 KB dictionary trained on them (now)", Zstd)):
        seconds, ratio, micros = measure(compression, values)
        print(f"| {name} | {seconds:.3f} | {ratio:.3f} | {micros:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
