"""Ablation of the ranking choices, each switched off in turn, on known-item queries.

    python -m benchmarks.ablation [--queries ../shared/eval/dev/headline.tsv]

Querying Whoosh takes minutes per configuration, so this script re-implements
the engine's first stage in NumPy over the engine's own analysis chain: per
field BM25 (the configuration's k1 and b) summed with the field weights of a
:class:`search.Ranking`. The best ``rerank_depth`` articles then go through
the engine's own ``search.query.ranking.rerank``, with one configuration per
row (``dataclasses.replace`` of the engine's, one weight switched off). Its
"all on" row tracks the engine's own figure from ``python -m benchmarks.quality``
(how closely: benchmarks/README.md); the rows below it show what each choice
is worth. Analysis rows re-analyse the corpus with one part of
the analysis swapped out: an :class:`~search.language.analysis.Analysis` built
with other word tables, another word pattern or another root function
(``VARIANTS``; cached in --out). Nothing in the engine is patched.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import math
import pickle
from pathlib import Path

import numpy as np

from benchmarks.common import (
    DEFAULT_CORPORA,
    DEFAULT_QUERIES,
    OUT,
    PROJECT,
    halves,
    measure,
    read_articles,
    read_queries,
    sastrawi_stem,
)
from search.ingest.boilerplate import clean_body
from search.language.analysis import WORD_PATTERN, Analysis
from search.language.stemming import Stemmer
from search.language.tables import load_table, word_tables
from search.query.ranking import Evidence, Ranking, rerank
from search.store.schema import lead_of

ENGINE = Ranking()
# The analysis each row uses: the engine's, or the engine's with one part swapped out.
VARIANTS = {
    "engine": lambda: Analysis(),
    # Sastrawi alone, without this engine's exceptions, names and readings.
    "sastrawi": lambda: Analysis(stemmer=Stemmer(root=sastrawi_stem)),
    # Number words kept as words (sembilan is not 9).
    "engine-words": lambda: Analysis(dataclasses.replace(word_tables(), numerals={})),
    # Colloquial words kept as written (bikin is not buat).
    "engine-colloquial": lambda: Analysis(dataclasses.replace(word_tables(), spelling=load_table("spelling.tsv"))),
    # Variant spellings kept apart (ijin is not izin, hoax is not hoaks).
    "engine-variants-apart": lambda: Analysis(dataclasses.replace(word_tables(), variants={})),
    # The rupiah sign joined to its amount (Rp50 one token).
    "engine-rp-joined": lambda: Analysis(word_pattern=WORD_PATTERN.removeprefix(r"(?i:rp)(?=\d)|")),
}
assert WORD_PATTERN.startswith(r"(?i:rp)(?=\d)|"), "the rupiah alternative moved"


def _analysis_version() -> str:
    """A digest of the code and word lists the analysis reads, so a stale cache is never read."""
    package = PROJECT / "search"
    language = package / "language"
    files = [language / "analysis.py", language / "stemming.py", language / "tables.py",
             package / "ingest" / "boilerplate.py", package / "store" / "schema.py",
             *sorted((language / "data").iterdir())]
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:12]


def analysed_corpus(corpora, out: Path, variant: str, clean: bool):
    """ids, and per article (stems, exact words, lead stems, {stem: positions}), through the engine's analysis chain."""
    cache = out / f"ablation-{_analysis_version()}-{variant}-{'clean' if clean else 'raw'}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    chains = VARIANTS[variant]()
    stemmed, exact = chains.stemmed, chains.exact
    ids, docs = [], []
    for article_id, body in read_articles(corpora):
        body = clean_body(body) if clean else body
        ids.append(article_id)
        stems = [(t.text, t.pos) for t in stemmed(body, positions=True)]
        positions: dict[str, list[int]] = {}
        for text, position in stems:
            positions.setdefault(text, []).append(position)
        written = [t.text for t in exact(body)]
        docs.append(([text for text, _ in stems], written,
                     [t.text for t in stemmed(lead_of(body))], positions, frozenset(written)))
    cache.write_bytes(pickle.dumps((ids, docs)))
    return ids, docs


class FieldIndex:
    def __init__(self, token_lists, k1: float, b: float):
        self.k1, self.b = k1, b
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
            k1, b = self.k1, self.b
            scores[docs] += qtf * idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * self.lengths[docs] / self.avg))
            matched[term] = docs
        return scores, matched


def evaluate(fields, ids, docs, queries, ranking: Ranking, chains: Analysis):
    weights = ranking.field_boosts
    run = {}
    for qid, text, _ in queries:
        stems = [t.text for t in chains.stemmed(text)]
        words = [t.text for t in chains.exact(text)]
        total = weights.get("body", 0.0) * fields["body"].score(stems)[0]
        if weights.get("lead"):
            total += weights["lead"] * fields["lead"].score(stems)[0]
        if weights.get("exact"):
            total += weights["exact"] * fields["exact"].score(words)[0]
        top = [int(i) for i in np.argsort(-total, kind="stable")[:ranking.rerank_depth] if total[i] > 0]
        evidence = Evidence.of_articles([{w for w in stems if w in docs[i][3]} for i in top],
                                        [{w: docs[i][3][w] for w in stems if w in docs[i][3]} for i in top],
                                        [{w for w in words if w in docs[i][4]} for i in top], stems, words)
        ranked = rerank(np.array(top), total[top], evidence, stems, ranking, typed=words)
        run[qid] = [ids[docnum] for docnum, _ in ranked[:100]]
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, nargs="+", default=DEFAULT_CORPORA)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    queries = read_queries(args.queries)
    engine = ENGINE
    boosts = dict(engine.field_boosts)
    off = {"coordination": 0.0, "coordination_short": 0.0, "adjacency": 0.0, "lead_coverage": 0.0, "distinctness": 0.0,
           "as_typed": 0.0, "as_typed_one_word": 0.0, "amounts": 0.0}

    def changed(**weights) -> Ranking:
        return dataclasses.replace(engine, **weights)

    configs = [
        ("all on (the engine's ranking)", "engine", True, engine),
        ("no matched-words bonus", "engine", True, changed(coordination=0.0, coordination_short=0.0)),
        ("short queries weighed as long ones", "engine", True, changed(coordination_short=engine.coordination)),
        ("no adjacency", "engine", True, changed(adjacency=0.0)),
        ("no lead coverage", "engine", True, changed(lead_coverage=0.0)),
        ("no distinctness", "engine", True, changed(distinctness=0.0)),
        ("no word as typed", "engine", True, changed(as_typed=0.0, as_typed_one_word=0.0)),
        ("no amounts written together", "engine", True, changed(amounts=0.0)),
        ("no lead field", "engine", True, changed(field_boosts={**boosts, "lead": 0.0})),
        ("no exact-form field", "engine", True, changed(field_boosts={**boosts, "exact": 0.0})),
        ("Sastrawi alone (no exceptions, names, readings)", "sastrawi", True, engine),
        ("number words kept as words (sembilan is not 9)", "engine-words", True, engine),
        ("colloquial words kept as written (bikin is not buat)", "engine-colloquial", True, engine),
        ("variant spellings kept apart (ijin is not izin)", "engine-variants-apart", True, engine),
        ("rupiah sign joined to its amount (Rp50 one token)", "engine-rp-joined", True, engine),
        ("boilerplate lines kept", "engine", False, engine),
        ("the earlier ranking (matched words only)", "engine", True,
         changed(**{**off, "coordination": engine.coordination, "coordination_short": engine.coordination})),
        ("all off (BM25 on body stems)", "engine", True,
         changed(**off, field_boosts={**boosts, "lead": 0.0, "exact": 0.0})),
    ]
    fields_for: dict[tuple, dict] = {}
    print("| configuration | MRR@10 all | MRR@10 half A | MRR@10 half B | Success@10 | Recall@100 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, variant, clean, ranking in configs:
        key = (variant, clean)
        if key not in fields_for:
            ids, docs = analysed_corpus(args.corpus, args.out, variant, clean)
            fields_for[key] = (ids, {
                name: FieldIndex([d[column] for d in docs], engine.k1, engine.b)
                for name, column in (("body", 0), ("exact", 1), ("lead", 2))
            }, docs, VARIANTS[variant]())
        ids, fields, docs, chains = fields_for[key]
        run = evaluate(fields, ids, docs, queries, ranking, chains)
        parts = {label: measure(run, subset) for label, subset in halves(queries).items()}
        every, a, b = parts.values()
        print(f"| {label} | {every['MRR@10']:.3f} | {a['MRR@10']:.3f} | {b['MRR@10']:.3f} | "
              f"{every['Success@10']:.3f} | {every['Recall@100']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
