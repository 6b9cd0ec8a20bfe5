"""Error analysis: which known-item queries the engine misses, and why.

    python -m benchmarks.misses [--run benchmarks/out/run-search.trec] [--show 15]

Reads a run file written by ``python -m benchmarks.quality`` and sorts every query whose
article is not in the top 10 into one kind, the first that applies:

  words missing   fewer than half of the query's words (stems) occur in the
                  article's body (CLICK-ID bodies lost in-article link text,
                  and headlines paraphrase)
  roundup         the headline joins several stories ("[POPULER ...] a | b")
  generic         the query has at most 4 searchable words
  outranked       the words are there, but other articles hold them too
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

from benchmarks.common import DEFAULT_CORPORA, DEFAULT_QUERIES, OUT, read_articles, read_queries, read_run
from search.language.analysis import IndonesianAnalyzer


def kind_of(query_stems: set[str], body_stems: set[str], text: str) -> str:
    if query_stems and len(query_stems & body_stems) < len(query_stems) / 2:
        return "words missing"
    if "|" in text or text.lstrip().startswith("["):
        return "roundup"
    if len(query_stems) <= 4:
        return "generic"
    return "outranked"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, default=OUT / "run-search.trec")
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--corpus", type=Path, nargs="+", default=DEFAULT_CORPORA)
    parser.add_argument("--show", type=int, default=10, help="examples to print per kind")
    args = parser.parse_args()
    queries = read_queries(args.queries)
    run = read_run(args.run)
    wanted = {doc for _, _, doc in queries}
    bodies = {i: body for i, body in read_articles(args.corpus) if i in wanted}
    analyzer = IndonesianAnalyzer()
    kinds: dict[str, list] = collections.defaultdict(list)
    for qid, text, doc in queries:
        ranked = run.get(qid, [])
        if doc in ranked[:10]:
            continue
        q = {t.text for t in analyzer(text)}
        b = {t.text for t in analyzer(bodies.get(doc, ""))}
        rank = ranked.index(doc) + 1 if doc in ranked else None
        kinds[kind_of(q, b, text)].append((qid, text, rank, len(q & b), len(q), doc.split("-")[0]))
    total = sum(len(v) for v in kinds.values())
    print(f"{total} of {len(queries)} queries miss their article in the top 10\n")
    print("| kind | misses | share | found at 11-100 | median words present |")
    print("| --- | --- | --- | --- | --- |")
    for kind in ("words missing", "roundup", "generic", "outranked"):
        rows = kinds.get(kind, [])
        if not rows:
            continue
        later = sum(1 for r in rows if r[2])
        present = sorted(r[3] / max(r[4], 1) for r in rows)[len(rows) // 2]
        print(f"| {kind} | {len(rows)} | {len(rows) / max(total, 1):.0%} | {later} | {present:.0%} |")
    for kind, rows in kinds.items():
        print(f"\n{kind}:", file=sys.stderr)
        for qid, text, rank, hit, n, corpus in rows[: args.show]:
            print(f"  {qid} rank={rank} words {hit}/{n} [{corpus}] {text}", file=sys.stderr)


if __name__ == "__main__":
    main()
