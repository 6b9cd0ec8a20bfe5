"""Ablation of the ranking choices, each switched off in turn, on known-item queries.

    python -m benchmarks.ablation [--queries ../shared/eval/dev/headline.tsv]

Querying Whoosh takes minutes per configuration, so this script re-implements
the engine's first stage in NumPy over the engine's own analysis chain: per
field BM25 (k1=1.2, b=0.75) summed with the field weights of
``search.ranking.FIELD_BOOSTS``. The best ``RERANK_DEPTH`` articles then go
through the engine's own ``search.ranking.rerank``, with its weights switched
off one at a time. Its "all on" row tracks the engine's own figure from
``python -m benchmarks.quality`` (how closely: benchmarks/README.md); the rows below it show
what each choice is worth. Analysis rows re-analyse the corpus with one part of
the analysis swapped out (``VARIANTS``; cached in --out).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import pickle
from functools import lru_cache
from pathlib import Path

import numpy as np

import search.analysis as analysis
import search.ranking as ranking
from benchmarks.common import (DEFAULT_CORPORA, DEFAULT_QUERIES, OUT, PROJECT, halves, measure, read_articles,
                               read_queries, sastrawi_stem)
from search.boilerplate import clean_body
from search.schema import lead_of

K1, B = 1.2, 0.75
# The analysis each row uses: the engine's, or the engine's with some of its
# parts swapped out (attributes of search.analysis, set before analysing).
ENGINE = {"stem": analysis.stem, "SPELLING": analysis.SPELLING, "WORD_PATTERN": analysis.WORD_PATTERN}
VARIANTS = {
    "engine": {},
    # Sastrawi alone, without this engine's exceptions, names and readings.
    "sastrawi": {"stem": sastrawi_stem},
    "engine-words": {"stem": lru_cache(maxsize=None)(analysis._root)},  # number words kept as words
    "engine-colloquial": {"SPELLING": analysis._load_table("spelling.tsv")},  # colloquial words kept
    "engine-rp-joined": {"WORD_PATTERN": analysis.WORD_PATTERN.removeprefix(r"(?i:rp)(?=\d)|")},
}
assert VARIANTS["engine-rp-joined"]["WORD_PATTERN"] != analysis.WORD_PATTERN, "the rupiah alternative moved"


def _analysis_version() -> str:
    """A digest of the code and word lists the analysis reads, so a stale cache is never read."""
    package = PROJECT / "search"
    files = [package / "analysis.py", package / "boilerplate.py", package / "schema.py",
             *sorted((package / "data").iterdir())]
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:12]


def analysed_corpus(corpora, out: Path, variant: str, clean: bool):
    """ids, and per article (stems, exact words, lead stems, {stem: positions}), through the engine's analysis chain."""
    cache = out / f"ablation-{_analysis_version()}-{variant}-{'clean' if clean else 'raw'}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    stemmed, exact = analysis.IndonesianAnalyzer(), analysis.ExactAnalyzer()
    ids, docs = [], []
    for article_id, body in read_articles(corpora):
        body = clean_body(body) if clean else body
        ids.append(article_id)
        stems = [(t.text, t.pos) for t in stemmed(body, positions=True)]
        positions: dict[str, list[int]] = {}
        for text, position in stems:
            positions.setdefault(text, []).append(position)
        docs.append(([text for text, _ in stems], [t.text for t in exact(body)],
                     [t.text for t in stemmed(lead_of(body))], positions))
    cache.write_bytes(pickle.dumps((ids, docs)))
    return ids, docs


class FieldIndex:
    def __init__(self, token_lists):
        self.n = len(token_lists)
        self.lengths = np.array([len(t) for t in token_lists], dtype=float)
        self.avg = self.lengths.mean() or 1.0
        postings: dict[str, tuple[list, list]] = {}
        for doc, tokens in enumerate(token_lists):
            counts: dict[str, int] = {}
            for token in tokens:
                counts[token] = counts.get(token, 0) + 1
            for token, count in counts.items():
                docs, tfs = postings.setdefault(token, ([], []))
                docs.append(doc)
                tfs.append(count)
        self.postings = {t: (np.array(d), np.array(f, dtype=float)) for t, (d, f) in postings.items()}

    def score(self, terms):
        scores, matched = np.zeros(self.n), {}
        for term in dict.fromkeys(terms):
            if term not in self.postings:
                continue
            docs, tf = self.postings[term]
            idf = math.log(1 + (self.n - len(docs) + 0.5) / (len(docs) + 0.5))
            qtf = terms.count(term)
            scores[docs] += qtf * idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * self.lengths[docs] / self.avg))
            matched[term] = docs
        return scores, matched


def evaluate(fields, ids, docs, queries, weights, signals):
    stemmed_q = analysis.IndonesianAnalyzer()
    exact_q = analysis.ExactAnalyzer()
    for name, value in signals.items():
        setattr(ranking, name, value)
    run = {}
    for qid, text, _ in queries:
        stems = [t.text for t in stemmed_q(text)]
        words = [t.text for t in exact_q(text)]
        body = fields["body"].score(stems)[0]
        total = weights["body"] * body
        if weights["lead"]:
            total += weights["lead"] * fields["lead"].score(stems)[0]
        if weights["exact"]:
            total += weights["exact"] * fields["exact"].score(words)[0]
        top = [int(i) for i in np.argsort(-total, kind="stable")[:ranking.RERANK_DEPTH] if total[i] > 0]
        candidates = [ranking.Candidate(i, float(total[i]), matched={w for w in stems if w in docs[i][3]},
                                        positions={w: docs[i][3][w] for w in stems if w in docs[i][3]})
                      for i in top]
        run[qid] = [ids[c.docnum] for c in ranking.rerank(candidates, stems)[:100]]
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, nargs="+", default=DEFAULT_CORPORA)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    queries = read_queries(args.queries)
    weights = {name: ranking.FIELD_BOOSTS[name] for name in ("body", "lead", "exact")}
    signals = {name: getattr(ranking, name) for name in ("COORDINATION", "ADJACENCY", "LEAD_COVERAGE", "DISTINCTNESS")}
    off = dict.fromkeys(signals, 0.0)

    configs = [
        ("all on (the engine's ranking)", "engine", True, weights, signals),
        ("no matched-words bonus", "engine", True, weights, {**signals, "COORDINATION": 0.0}),
        ("no adjacency", "engine", True, weights, {**signals, "ADJACENCY": 0.0}),
        ("no lead coverage", "engine", True, weights, {**signals, "LEAD_COVERAGE": 0.0}),
        ("no distinctness", "engine", True, weights, {**signals, "DISTINCTNESS": 0.0}),
        ("no lead field", "engine", True, {**weights, "lead": 0.0}, signals),
        ("no exact-form field", "engine", True, {**weights, "exact": 0.0}, signals),
        ("Sastrawi alone (no exceptions, names, readings)", "sastrawi", True, weights, signals),
        ("number words kept as words (sembilan is not 9)", "engine-words", True, weights, signals),
        ("colloquial words kept as written (bikin is not buat)", "engine-colloquial", True, weights, signals),
        ("rupiah sign joined to its amount (Rp50 one token)", "engine-rp-joined", True, weights, signals),
        ("boilerplate lines kept", "engine", False, weights, signals),
        ("the earlier ranking (no adjacency, lead coverage, distinctness)", "engine", True, weights,
         {**off, "COORDINATION": signals["COORDINATION"]}),
        ("all off (BM25 on body stems)", "engine", True, {**weights, "lead": 0.0, "exact": 0.0}, off),
    ]
    fields_for: dict[tuple, dict] = {}
    print("| configuration | MRR@10 all | MRR@10 half A | MRR@10 half B | Success@10 | Recall@100 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, variant, clean, w, switches in configs:
        for name, value in {**ENGINE, **VARIANTS[variant]}.items():
            setattr(analysis, name, value)
        key = (variant, clean)
        if key not in fields_for:
            ids, docs = analysed_corpus(args.corpus, args.out, variant, clean)
            fields_for[key] = (ids, {
                "body": FieldIndex([d[0] for d in docs]),
                "exact": FieldIndex([d[1] for d in docs]),
                "lead": FieldIndex([d[2] for d in docs]),
            }, docs)
        ids, fields, docs = fields_for[key]
        run = evaluate(fields, ids, docs, queries, w, switches)
        parts = {label: measure(run, subset) for label, subset in halves(queries).items()}
        every, a, b = parts.values()
        print(f"| {label} | {every['MRR@10']:.3f} | {a['MRR@10']:.3f} | {b['MRR@10']:.3f} | "
              f"{every['Success@10']:.3f} | {every['Recall@100']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
