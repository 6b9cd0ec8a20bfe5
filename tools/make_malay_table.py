"""Regenerate search/language/data/malay_indonesian.tsv from wordfreq's Malay and Indonesian word frequencies.

    pip install -e '.[dev]' && python tools/make_malay_table.py

Why: Indonesian and Malay share their function words, so the language
identification (``search/language/identify.py``) tells them apart by the
words each uses and the other rarely does. A list written by hand covers the
words its writer thought of (``kerana``, ``selepas``); the frequencies of the
two languages in running text cover thousands (``lawatan``, ``runcit``,
``terjejas``, ``berhampiran``, ``tentera``, ``filem``), measured rather than
guessed.

The table: for each word (letters only) with a frequency in either of
wordfreq's ``ms`` and ``id`` lists, the base-2 log of how many times more
often Malay text uses it than Indonesian text (a frequency missing from one
list counts as that list's floor, :data:`FLOOR`). Only words at least
:data:`MIN_RATIO` times (log2) more frequent in one language are kept, and
each value is clipped to :data:`CAP`, so that no single word decides. Positive
says Malay, negative Indonesian.

wordfreq 3.1.1 (Robyn Speer, Apache-2.0) draws its Malay and Indonesian lists
from Wikipedia, OPUS OpenSubtitles 2018 and Twitter; its data is CC BY-SA 4.0,
and so is this table derived from it.
"""

import math
import re
from pathlib import Path

from wordfreq import get_frequency_dict

ROOT = Path(__file__).parent.parent
TABLE = ROOT / "search" / "language" / "data" / "malay_indonesian.tsv"
WORD = re.compile(r"^[^\W\d_]+$")
FLOOR = 1e-6
"""About the smallest frequency the lists hold (a word seen once in a million)."""
MIN_RATIO = 2.0
"""log2: a word kept is at least 4 times more frequent in one language."""
CAP = 5.0
"""log2: no word counts for more than a 32-fold ratio."""

HEADER = """\
# How strongly each word says Malay (positive) or Indonesian (negative): the
# base-2 log of its frequency in Malay text over its frequency in Indonesian
# text, clipped to +-{cap:g}; only words with a ratio of at least 2**{min_ratio:g} kept.
# search/language/identify.py sums the values of a text's distinct words.
# Made by tools/make_malay_table.py from wordfreq 3.1.1's "ms" and "id" word
# frequencies (Robyn Speer; Wikipedia, OPUS OpenSubtitles 2018 and Twitter):
# CC BY-SA 4.0, like wordfreq's data. Do not edit by hand: rerun the tool.
# Format: word<TAB>log2 ratio.
"""


def ratios() -> dict[str, float]:
    """Each distinctive word and its clipped log2 ratio, Malay over Indonesian."""
    malay, indonesian = get_frequency_dict("ms"), get_frequency_dict("id")
    table = {}
    for word in sorted(malay.keys() | indonesian.keys()):
        if not WORD.match(word):
            continue
        ratio = math.log2(max(malay.get(word, 0.0), FLOOR) / max(indonesian.get(word, 0.0), FLOOR))
        if abs(ratio) >= MIN_RATIO:
            table[word] = max(-CAP, min(CAP, ratio))
    return table


def main() -> None:
    table = ratios()
    lines = [f"{word}\t{ratio:.1f}\n" for word, ratio in table.items()]
    TABLE.write_text(HEADER.format(cap=CAP, min_ratio=MIN_RATIO) + "".join(lines), encoding="utf-8")
    print(f"{TABLE}: {len(table):,} words, {sum(r > 0 for r in table.values()):,} Malay")


if __name__ == "__main__":
    main()
