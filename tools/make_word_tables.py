"""Regenerate search/language/data/root_counts.tsv and search/language/data/names.txt from seeds/indosum.jsonl.gz.

    python tools/make_word_tables.py

root_counts.tsv: how often each word of Sastrawi's root dictionary occurs as a
word of its own in IndoSum's bodies (3 or more times). The stemmer uses it to
choose between readings of an ambiguous word (gerakan: gerak+an, not gera+kan).

names.txt: words written with a capital letter in at least 95% of their
10 or more occurrences inside a sentence, which Sastrawi would stem: names
such as Bekasi, which must not become "bekas".

Both are derived from IndoSum (Kurniawan and Louvan, 2018), CC BY-SA 4.0.
"""

import collections
import gzip
import json
import re
from pathlib import Path

from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

ROOT = Path(__file__).parent.parent
WORD = re.compile(r"\w+")


def main() -> None:
    stemmer = StemmerFactory().create_stemmer().delegatedStemmer
    counts = collections.Counter()
    capitalised = collections.Counter()
    inside = collections.Counter()
    with gzip.open(ROOT / "seeds" / "indosum.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            body = json.loads(line)["body"]
            for sentence in re.split(r"[.!?\n]+", body):
                words = WORD.findall(sentence)
                for i, word in enumerate(words):
                    lower = word.lower()
                    counts[lower] += 1
                    if i > 0 and word.isalpha():
                        inside[lower] += 1
                        if word[0].isupper():
                            capitalised[lower] += 1
    data = ROOT / "search" / "language" / "data"
    with open(data / "root_counts.tsv", "w", encoding="utf-8") as out:
        out.write("# Occurrences of Sastrawi root words in IndoSum bodies (CC BY-SA 4.0); "
                  "made by tools/make_word_tables.py\n")
        for word, count in sorted(counts.items()):
            if count >= 3 and not word.isdigit() and stemmer.dictionary.contains(word):
                out.write(f"{word}\t{count}\n")
    with open(data / "names.txt", "w", encoding="utf-8") as out:
        out.write("# Names Sastrawi would stem, written capitalised in IndoSum (CC BY-SA 4.0); "
                  "made by tools/make_word_tables.py\n")
        for word, total in sorted(inside.items()):
            if (total >= 10 and capitalised[word] >= 0.95 * total and len(word) > 3
                    and not re.match(r"^(per|pe|ke).*an$", word)  # Kementerian Perhubungan
                    and stemmer.stem_word(word) != word):
                out.write(word + "\n")


if __name__ == "__main__":
    main()
