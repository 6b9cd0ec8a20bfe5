"""Stemming accuracy on gold word-to-root lists: raw Sastrawi beside this engine's stem().

    python -m benchmarks.stemming [--gold-dir ../shared/stemming] [--errors N]

Gold lists are Universal Dependencies treebanks (GSD, CSUI; CC BY-SA 4.0),
``word<TAB>root``. Accuracy is measured on the "affixed" rows (root differs from
the word), as the lists sometimes keep a derived word as its own lemma. For
proper nouns (``*_propn.tsv``, whose root is the word itself) it reports the
share each stemmer changes: a name that is stemmed can match the wrong word.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.common import DEFAULT_GOLD, sastrawi_stem
from search.language.analysis import stem
from search.language.tables import word_tables

NUMERALS = word_tables().numerals


def read_pairs(path: Path) -> list[tuple[str, str]]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and parts[0] != "word":
            pairs.append((parts[0], parts[1]))
    return pairs


_DIGITS_TO_WORDS = {digits: word for word, digits in NUMERALS.items()}


def _as_word(root: str) -> str:
    """A root as the gold lists write it: number words as words."""
    return _DIGITS_TO_WORDS.get(root, root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold-dir", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--errors", type=int, default=0, help="list this many remaining errors per list")
    args = parser.parse_args()
    # The engine writes a number word's root as its digits (kedua -> dua -> 2).
    stemmers = {"Sastrawi 1.2.1": sastrawi_stem, "this engine": lambda word: _as_word(stem(word))}
    print("| list | rows | affixed | " + " | ".join(f"{n} (affixed)" for n in stemmers) + " |")
    print("| --- | --- | --- | " + " | ".join("---" for _ in stemmers) + " |")
    for gold in sorted(args.gold_dir.glob("gold_*.tsv")):
        pairs = read_pairs(gold)
        if gold.stem.endswith("_propn"):
            cells = [f"{sum(fn(w) != w for w, _ in pairs) / len(pairs):.1%} changed" for fn in stemmers.values()]
            print(f"| {gold.stem} | {len(pairs)} | (names) | " + " | ".join(cells) + " |")
            continue
        affixed = [(w, r) for w, r in pairs if w != r]
        cells = [f"{sum(fn(w) == r for w, r in affixed) / len(affixed):.1%}" for fn in stemmers.values()]
        print(f"| {gold.stem} | {len(pairs)} | {len(affixed)} | " + " | ".join(cells) + " |")
        if args.errors:
            wrong = [(w, r, _as_word(stem(w))) for w, r in affixed if _as_word(stem(w)) != r]
            for word, root, got in wrong[: args.errors]:
                print(f"    {word}: gold {root}, got {got}", file=sys.stderr)


if __name__ == "__main__":
    main()
