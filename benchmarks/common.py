"""What several benchmarks need, done one way: data paths, corpora, queries, Sastrawi, metrics.

Why one module: quality, ablation, misses, performance and stemming each read
the shared corpora and known-item queries and score runs; doing that in one
place keeps their figures comparable, and keeps the scripts from importing
each other's private helpers. Default paths are under ``../shared/``
relative to the project root (not to the current directory).
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SHARED = PROJECT.parent / "shared"
OUT = PROJECT / "benchmarks" / "out"
DEFAULT_CORPORA = sorted((SHARED / "corpora").glob("*.jsonl.gz"))
DEFAULT_QUERIES = SHARED / "eval" / "dev" / "headline.tsv"
DEFAULT_SUMMARIES = SHARED / "eval" / "dev" / "summary.tsv"
DEFAULT_TOPICS = SHARED / "eval" / "dev" / "topics.tsv"
DEFAULT_TOPIC_QRELS = SHARED / "eval" / "dev" / "topics-qrels.tsv"
ADDED_TOPIC_QRELS = PROJECT / "benchmarks" / "data" / "topics-qrels-added.tsv"
"""Judgments of dev-topic articles nobody had judged, made for this project (see its header)."""
DEFAULT_GOLD = SHARED / "stemming"
DEFAULT_HTML = SHARED / "html"


# --------------------------------------------------------------------------- data

def read_records(corpora: list[Path]) -> Iterator[dict]:
    """Every record of the corpora (JSON lines, gzip-compressed or not), in order."""
    for path in corpora:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                yield json.loads(line)


def read_articles(corpora: list[Path]) -> Iterator[tuple[str, str]]:
    """(id, body) of every record of the corpora."""
    for record in read_records(corpora):
        yield record["id"], record["body"]


def write_body_only(articles, out: Path) -> int:
    """Write (id, body) pairs as the evaluation corpus (JSONL.gz, id and body only); return how many."""
    count = 0
    with gzip.open(out, "wt", encoding="utf-8") as sink:
        for article_id, body in articles:
            sink.write(json.dumps({"id": article_id, "body": body}, ensure_ascii=False) + "\n")
            count += 1
    return count


def read_queries(path: Path) -> list[tuple[str, str, str]]:
    """(qid, query, relevant docid) rows of a TSV with a header."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(r[0], r[1], r[2]) for r in rows[1:] if len(r) >= 3]


def read_topics(path: Path) -> list[tuple[str, str]]:
    """(qid, query) rows of a topics TSV with a header (``qid, query, need``)."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(r[0], r[1]) for r in rows[1:] if len(r) >= 2]


def read_graded_qrels(*paths: Path) -> dict[str, dict[str, int]]:
    """qid -> docid -> grade (0, 1, 2) from TSVs with a header (``qid, docid, grade``); later files add to earlier."""
    qrels: dict[str, dict[str, int]] = {}
    for path in paths:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
        for row in rows[1:]:
            if len(row) >= 3:
                qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    return qrels


def read_run(path: Path) -> dict[str, list[str]]:
    """qid -> docids in rank order, from a TREC run file."""
    ranked: dict[str, list[tuple[int, str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 6:
            ranked.setdefault(parts[0], []).append((int(parts[3]), parts[2]))
    return {qid: [doc for _, doc in sorted(docs)] for qid, docs in ranked.items()}


def write_run(path: Path, results: dict[str, list[tuple[str, float]]], tag: str) -> None:
    """A TREC run file of qid -> (docid, score) in rank order."""
    with open(path, "w", encoding="utf-8") as handle:
        for qid, hits in results.items():
            for rank, (doc, score) in enumerate(hits, start=1):
                handle.write(f"{qid} Q0 {doc} {rank} {score:.4f} {tag}\n")


# --------------------------------------------------------------------------- Sastrawi, for the peers

def sastrawi_stemmer():
    """PySastrawi's stemmer without its own cache (``sastrawi_stem`` caches): the engine's one instance."""
    from search.language.stemming import sastrawi

    return sastrawi()


@cache
def sastrawi_stem(word: str) -> str:
    """Sastrawi's stem of one lowercase word, cached; a module-level function, so it pickles."""
    return sastrawi_stemmer().stem_word(word)


# --------------------------------------------------------------------------- metrics

def measure(run: dict[str, list[str]], queries) -> dict[str, float]:
    """MRR@10, Success@10 and Recall@100 for known-item queries (one relevant each)."""
    rr = s10 = r100 = 0.0
    for qid, _, relevant in queries:
        docs = run.get(qid, [])
        if relevant in docs[:10]:
            rr += 1.0 / (docs.index(relevant) + 1)
            s10 += 1
        if relevant in docs[:100]:
            r100 += 1
    n = max(len(queries), 1)
    return {"MRR@10": rr / n, "Success@10": s10 / n, "Recall@100": r100 / n}


def topical(docs: list[str], judged: dict[str, int], k: int = 10) -> dict[str, float]:
    """nDCG@k (gain 2^grade - 1, the ideal from every judged article), P@k (grade >= 1) and judged@k
    of one topic's ranked ``docs``; an unjudged article counts as not relevant."""
    top = docs[:k]
    gains = [2 ** judged.get(doc, 0) - 1 for doc in top]
    dcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains))
    ideal = sorted((2 ** grade - 1 for grade in judged.values()), reverse=True)[:k]
    idcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(ideal))
    return {"nDCG@10": dcg / idcg if idcg else 0.0,
            "P@10": sum(judged.get(doc, 0) >= 1 for doc in top) / k,
            "judged@10": sum(doc in judged for doc in top) / k}


def halves(queries):
    """All queries and two halves (odd and even query numbers), to show how much a figure wobbles."""
    return {"all": queries, "half A (odd)": queries[0::2], "half B (even)": queries[1::2]}


# --------------------------------------------------------------------------- child processes

def module_command(module: str, *args: str) -> list[str]:
    """The command line that runs ``python -m module args`` (with ``project_env()``)."""
    import sys

    return [sys.executable, "-m", module, *args]


def project_env() -> dict[str, str]:
    """The environment for a child process that imports ``benchmarks``, from any directory."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT), env.get("PYTHONPATH")]))
    return env
