"""Speed and memory: this engine beside the typical Whoosh pipeline, tantivy-py and bm25s, in one run.

    pip install -e '.[bench]'
    python -m benchmarks.performance                          # 26,336 real articles, 200 headlines
    python -m benchmarks.performance --synthetic 100000       # a synthetic 100k corpus (see below)

Systems, all on the same documents (id and body, as in quality.py) and queries:
  engine    this project: ``search.build_index`` and ``Index.search``
  whoosh    the typical Whoosh pipeline: RegexTokenizer | LowercaseFilter |
            StemFilter(cached Sastrawi), one writer process, QueryParser with OrGroup
  tantivy   tantivy-py over the same Sastrawi stems, analysed in Python
  bm25s     bm25s (k1=1.2, b=0.75) over the same Sastrawi stems
and the analysis floor: reading the corpus, tokenizing, lowercasing and
stemming every word with a cached Sastrawi, no index at all.

Every build runs in a fresh process (cold caches; its peak RSS is that
process's). Query latency is measured in one process per system with a warm
searcher, top 10, with and without highlights, over the first --latency-queries
headlines, --repeats times (the median of each query's times is taken, then
p50 and p95 over queries). Cold start is the wall time of one process that
opens the index and prints the top 10 for one query (``search query`` for the
engine), median of 5 after an untimed run that lets Python write its bytecode.
MRR@10 over the same queries shows what the speed buys.
--synthetic N builds N articles by recombining paragraphs of the real ones
(said wherever its figures appear).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import (
    DEFAULT_CORPORA,
    DEFAULT_QUERIES,
    OUT,
    module_command,
    project_env,
    read_articles,
    read_queries,
    sastrawi_stemmer,
    write_body_only,
)

SYSTEMS = ["engine", "whoosh", "tantivy", "bm25s"]
WORD_PATTERN = r"\w+"


# --------------------------------------------------------------------------- corpus

def write_corpus(corpora: list[Path], out: Path, synthetic: int = 0, seed: int = 0) -> int:
    """The benchmark corpus as JSONL.gz (id, body); real, or ``synthetic`` recombined articles."""
    records = list(read_articles(corpora))
    if not synthetic:
        return write_body_only(records, out)
    rng = random.Random(seed)
    paragraphs = [p for _, body in records for p in body.split("\n") if len(p.split()) >= 5]
    return write_body_only(
        ((f"syn-{number}", "\n".join(rng.choice(paragraphs) for _ in range(rng.randint(5, 15))))
         for number in range(synthetic)), out)


def read_corpus(path: Path):
    """(id, body) of the benchmark corpus written by ``write_corpus``."""
    return read_articles([path])


# --------------------------------------------------------------------------- shared analysis for the peers

_STEMS: dict[str, str] = {}


def sastrawi_stem(word: str) -> str:
    """Sastrawi's stem, cached (module level: Whoosh pickles the analyzer)."""
    stem = _STEMS.get(word)
    if stem is None:
        stem = _STEMS[word] = sastrawi_stemmer().stem_word(word)
    return stem


def stems(text: str) -> list[str]:
    import re

    return [sastrawi_stem(w) for w in re.findall(WORD_PATTERN, text.lower())]


# --------------------------------------------------------------------------- the systems

class Engine:
    def build(self, corpus: Path, folder: Path) -> None:
        import search

        # An index of this corpus alone: a build over an existing index would add to it.
        shutil.rmtree(folder, ignore_errors=True)
        search.build_index([corpus], folder, merge_duplicates=False)

    def open(self, folder: Path):
        import search

        self.index = search.open_index(folder)

    def search(self, query: str, highlight: bool) -> list[str]:
        return [hit.id for hit in self.index.search(query, limit=10, highlight=highlight).hits]

    def cold(self, folder: Path, query: str) -> list[str]:
        return [sys.executable, "-m", "search", "query", query, "--index", str(folder)]


class TypicalWhoosh:
    def schema(self):
        from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter
        from whoosh.fields import ID, TEXT, Schema

        analyzer = RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | StemFilter(stemfn=sastrawi_stem)
        return Schema(id=ID(stored=True, unique=True), body=TEXT(analyzer=analyzer, stored=True))

    def build(self, corpus: Path, folder: Path) -> None:
        from whoosh import index

        folder.mkdir(parents=True)
        ix = index.create_in(str(folder), self.schema())
        writer = ix.writer(limitmb=256)
        for article_id, body in read_corpus(corpus):
            writer.add_document(id=article_id, body=body)
        writer.commit()

    def open(self, folder: Path):
        from whoosh import index, qparser

        self.ix = index.open_dir(str(folder))
        self.searcher = self.ix.searcher()
        self.parser = qparser.QueryParser("body", self.ix.schema, group=qparser.OrGroup)

    def search(self, query: str, highlight: bool) -> list[str]:
        results = self.searcher.search(self.parser.parse(query), limit=10)
        if highlight:
            for hit in results:
                hit.highlights("body")
        return [hit["id"] for hit in results]

    def cold(self, folder: Path, query: str) -> list[str]:
        return module_command("benchmarks.performance", "--child", "cold", "whoosh", str(folder), query)


class Tantivy:
    def build(self, corpus: Path, folder: Path) -> None:
        import tantivy

        folder.mkdir(parents=True)
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("body", stored=True, tokenizer_name="whitespace")
        index = tantivy.Index(builder.build(), path=str(folder))
        writer = index.writer()
        for article_id, body in read_corpus(corpus):
            writer.add_document(tantivy.Document(id=article_id, body=" ".join(stems(body))))
        writer.commit()
        writer.wait_merging_threads()

    def open(self, folder: Path):
        import tantivy

        self.index = tantivy.Index.open(str(folder))
        self.searcher = self.index.searcher()

    def search(self, query: str, highlight: bool) -> list[str]:
        import tantivy

        words = stems(query)
        if not words:
            return []
        parsed = self.index.parse_query(" ".join(words), ["body"])
        hits = self.searcher.search(parsed, 10).hits
        docs = [self.searcher.doc(address) for _, address in hits]
        if highlight:  # tantivy's own snippets, over the stored stems
            generator = tantivy.SnippetGenerator.create(self.searcher, parsed, self.index.schema, "body")
            for doc in docs:
                generator.snippet_from_doc(doc).to_html()
        return [doc["id"][0] for doc in docs]

    def cold(self, folder: Path, query: str) -> list[str]:
        return module_command("benchmarks.performance", "--child", "cold", "tantivy", str(folder), query)


class BM25S:
    def build(self, corpus: Path, folder: Path) -> None:
        import bm25s

        ids, tokens = [], []
        for article_id, body in read_corpus(corpus):
            ids.append(article_id)
            tokens.append(stems(body))
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        retriever.index(tokens, show_progress=False)
        retriever.save(str(folder), corpus=[{"id": i} for i in ids])

    def open(self, folder: Path):
        import bm25s

        self.retriever = bm25s.BM25.load(str(folder), load_corpus=True)

    def search(self, query: str, highlight: bool) -> list[str]:
        words = stems(query)
        if not words:
            return []
        docs, scores = self.retriever.retrieve([words], k=10, show_progress=False, n_threads=1)
        return [doc["id"] for doc, score in zip(docs[0], scores[0], strict=True) if score > 0]

    def cold(self, folder: Path, query: str) -> list[str]:
        return module_command("benchmarks.performance", "--child", "cold", "bm25s", str(folder), query)


IMPLEMENTATIONS = {"engine": Engine, "whoosh": TypicalWhoosh, "tantivy": Tantivy, "bm25s": BM25S}


# --------------------------------------------------------------------------- children (fresh processes)

def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_floor(corpus: Path) -> dict:
    import re

    pattern = re.compile(WORD_PATTERN)
    started = time.perf_counter()
    tokens = 0
    for _, body in read_corpus(corpus):
        for word in pattern.findall(body.lower()):
            sastrawi_stem(word)
            tokens += 1
    cold = time.perf_counter() - started
    started = time.perf_counter()
    for _, body in read_corpus(corpus):
        for word in pattern.findall(body.lower()):
            sastrawi_stem(word)
    warm = time.perf_counter() - started
    return {"cold": cold, "warm": warm, "tokens": tokens, "words": len(_STEMS), "rss": peak_rss_mb()}


def child_build(system: str, corpus: Path, folder: Path) -> dict:
    started = time.perf_counter()
    IMPLEMENTATIONS[system]().build(corpus, folder)
    seconds = time.perf_counter() - started
    # The engine's full build writes from one worker process per core. The
    # kernel keeps only the largest finished child's peak, so count it once per
    # core: an upper bound of the processes' peaks added together.
    workers = len(os.sched_getaffinity(0)) if system == "engine" else 0
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "rss": peak_rss_mb() + workers * children}


def counted_postings() -> list[int]:
    """The postings the engine's first stage scores for each query from now on (``Scores.scored``)."""
    from search.query import scoring

    counts: list[int] = []
    score = scoring.Scorer.score

    def counted(self, *args, **kwargs):
        scores = score(self, *args, **kwargs)
        counts.append(scores.scored)
        return scores
    scoring.Scorer.score = counted  # type: ignore[method-assign]
    return counts


def child_latency(system: str, folder: Path, queries_path: Path, count: int, repeats: int) -> dict:
    queries = read_queries(queries_path)[:count]
    impl = IMPLEMENTATIONS[system]()
    impl.open(folder)
    scored = counted_postings() if system == "engine" else None
    for _, text, _ in queries[:20]:
        impl.search(text, True)
    if scored is not None:
        scored.clear()
    result = {}
    for highlight in (False, True):
        per_query = []
        ranks = []
        for _, text, relevant in queries:
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                ids = impl.search(text, highlight)
                times.append(time.perf_counter() - started)
            per_query.append(statistics.median(times))
            ranks.append(1 / (ids.index(relevant) + 1) if relevant in ids else 0.0)
        per_query.sort()
        key = "highlight" if highlight else "plain"
        result[key] = {"p50": per_query[len(per_query) // 2] * 1000,
                       "p95": per_query[min(len(per_query) - 1, int(len(per_query) * 0.95))] * 1000}
        result["mrr"] = sum(ranks) / len(ranks)
    if scored:  # every query as often as every other: the mean per call is the mean per query
        result["scored"] = sum(scored) / len(scored)
    return result


def child_cold(system: str, folder: Path, query: str) -> None:
    impl = IMPLEMENTATIONS[system]()
    impl.open(folder)
    for article_id in impl.search(query, True):
        print(article_id)


def run_child(*args: str) -> dict:
    process = subprocess.run(module_command("benchmarks.performance", "--child", *args),
                             capture_output=True, text=True, env=project_env())
    if process.returncode != 0:
        raise SystemExit(f"child {args[:2]} failed:\n{process.stderr[-3000:]}")
    return json.loads(process.stdout.strip().splitlines()[-1])


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def cold_start(command: list[str], runs: int = 5) -> float:
    """The median wall time of ``runs`` new processes, after one untimed run.

    Python may write its bytecode, as it does on a user's machine (an
    installed package comes compiled; an editable one compiles on its first
    import): the untimed run compiles what the command imports, so every
    system is measured loading bytecode rather than compiling its source.
    """
    env = {name: value for name, value in project_env().items() if name != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, capture_output=True, check=True, env=env)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# --------------------------------------------------------------------------- the run

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, nargs="+", default=DEFAULT_CORPORA)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--latency-queries", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--synthetic", type=int, default=0, metavar="N")
    parser.add_argument("--systems", nargs="+", default=SYSTEMS, choices=SYSTEMS)
    parser.add_argument("--out", type=Path, default=OUT / "performance")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        kind, *rest = args.child
        if kind == "floor":
            print(json.dumps(child_floor(Path(rest[0]))))
        elif kind == "build":
            print(json.dumps(child_build(rest[0], Path(rest[1]), Path(rest[2]))))
        elif kind == "latency":
            print(json.dumps(child_latency(rest[0], Path(rest[1]), Path(rest[2]), int(rest[3]), int(rest[4]))))
        elif kind == "cold":
            child_cold(rest[0], Path(rest[1]), rest[2])
        return 0

    out = args.out / (f"synthetic-{args.synthetic}" if args.synthetic else "real")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    corpus = out / "corpus.jsonl.gz"
    articles = write_corpus(args.corpora, corpus, args.synthetic)
    label = f"{articles:,} {'synthetic' if args.synthetic else 'real'} articles"
    print(f"corpus: {label}; machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}", flush=True)

    floor = run_child("floor", str(corpus))
    print(f"analysis floor: {floor['cold']:.1f} s cold cache, {floor['warm']:.1f} s warm; "
          f"{floor['tokens']:,} tokens, {floor['words']:,} distinct words", flush=True)

    rows = {}
    first_query = read_queries(args.queries)[0][1]
    for system in args.systems:
        folder = out / system
        build = run_child("build", system, str(corpus), str(folder))
        print(f"{system}: built in {build['seconds']:.1f} s", flush=True)
        latency = run_child("latency", system, str(folder), str(args.queries),
                            str(args.latency_queries), str(args.repeats))
        cold = cold_start(IMPLEMENTATIONS[system]().cold(folder, first_query))
        rows[system] = {"build": build, "size": folder_mb(folder), "latency": latency, "cold": cold}
        print(f"{system}: {json.dumps(rows[system])}", flush=True)

    print(f"\n### {label}, {args.latency_queries} headline queries, top 10\n")
    print("| system | build s | articles/s | build / floor | size MB | peak RSS MB | "
          "p50 ms | p95 ms | p50 ms, highlights | p95 ms, highlights | cold query s | MRR@10 | "
          "postings scored per query |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for system, row in rows.items():
        lat = row["latency"]
        highlight = lat["highlight"]
        print(f"| {system} | {row['build']['seconds']:.1f} | {articles / row['build']['seconds']:.0f} | "
              f"{row['build']['seconds'] / floor['cold']:.1f} | {row['size']:.0f} | {row['build']['rss']:.0f} | "
              f"{lat['plain']['p50']:.1f} | {lat['plain']['p95']:.1f} | "
              f"{highlight['p50']:.1f} | {highlight['p95']:.1f} | {row['cold']:.2f} | {lat['mrr']:.3f} | "
              f"{format(lat['scored'], ',.0f') if 'scored' in lat else ''} |")
    print(f"| analysis floor | {floor['cold']:.1f} (warm {floor['warm']:.1f}) | | 1.0 | | {floor['rss']:.0f} | "
          "| | | | | | |")
    if "engine" in rows:
        engine = rows["engine"]
        print("\nRatios, other system / engine (above 1: the engine is faster or smaller):\n")
        print("| system | build time | size | peak RSS | p95 | p95, highlights | cold query |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for system, row in rows.items():
            if system == "engine":
                continue
            print(f"| {system} | {row['build']['seconds'] / engine['build']['seconds']:.2f} | "
                  f"{row['size'] / engine['size']:.2f} | {row['build']['rss'] / engine['build']['rss']:.2f} | "
                  f"{row['latency']['plain']['p95'] / engine['latency']['plain']['p95']:.2f} | "
                  f"{row['latency']['highlight']['p95'] / engine['latency']['highlight']['p95']:.2f} | "
                  f"{row['cold'] / engine['cold']:.2f} |")
    (out / "results.json").write_text(json.dumps({"articles": articles, "floor": floor, "systems": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
