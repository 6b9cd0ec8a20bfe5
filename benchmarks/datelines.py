"""How many bodies open with a dateline the engine recognises, per corpus and outlet, and what is left.

    python -m benchmarks.datelines [--corpus ...] [--html ../shared/html] [--seeds seeds] [--show 12]

Reads every body of the shared corpora, the saved HTML pages (through the
engine's own page reader) and the project's seeds, and asks
``search.language.datelines.find_dateline`` of each. Prints, per corpus and
outlet, how many bodies open with a recognised dateline and in which shapes;
then what is left: the unrecognised bodies whose opening looks like one (a
few capitalised words, or a web name, before a dash in the first 60
characters), by that opening's form, most common first, so that a missed
outlet shows up. Only those short openings are printed, never article text.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from benchmarks.common import DEFAULT_CORPORA, DEFAULT_HTML, PROJECT, read_records
from search.articles import Article
from search.ingest import IGNORED_NAMES, read_file
from search.language.datelines import DASH, Shape, find_dateline

# What a dateline the table misses might look like: up to six words (the first capitalised, or a web
# name) before a dash that is not inside a word (a space on either side of it).
_LOOKS_LIKE = re.compile(
    rf"^\s*((?:[A-Z][\w.'()]*|[\w-]+\.[a-z]{{2,}})(?:[ ,\u00a0]+[\w.'()]+){{0,5}}?)(?:\s+{DASH}|{DASH}\s)")


def corpus_bodies(path: Path) -> Iterator[tuple[str, str]]:
    """(outlet, body) of every record of one corpus file."""
    for record in read_records([path]):
        yield record.get("source", ""), record["body"]


def page_bodies(folder: Path) -> Iterator[tuple[str, str]]:
    """(outlet, body) of every file under ``folder`` the engine reads as an article (its page readers)."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in IGNORED_NAMES):
        for item in read_file(path, path.name):
            if isinstance(item, Article):
                outlet = item.source or path.stem.split("-")[0]
                yield outlet, item.body


def opening_form(body: str) -> str | None:
    """The form of an unrecognised body's dateline-like opening (capitals as ``X``), or None."""
    match = _LOOKS_LIKE.match(body)
    if match is None:
        return None
    opening = match.group(1)
    return opening if len(opening) <= 40 else None


def report(name: str, bodies: Iterator[tuple[str, str]], show: int) -> list[str]:
    """Markdown lines: the corpus's coverage per outlet, and its most common unrecognised openings."""
    total: Counter[str] = Counter()
    found: Counter[str] = Counter()
    shapes: dict[str, Counter[Shape]] = defaultdict(Counter)
    missed: Counter[str] = Counter()
    for outlet, body in bodies:
        total[outlet] += 1
        dateline = find_dateline(body)
        if dateline is not None:
            found[outlet] += 1
            shapes[outlet][dateline.shape] += 1
        elif (form := opening_form(body)) is not None:
            missed[form] += 1
    lines = [f"#### {name}: {sum(found.values()):,} of {sum(total.values()):,} bodies "
             f"({sum(found.values()) / max(sum(total.values()), 1):.1%})", "",
             "| outlet | bodies | with a dateline | shapes |", "| --- | --- | --- | --- |"]
    for outlet, count in total.most_common():
        kinds = ", ".join(f"{shape.name.lower()} {n}" for shape, n in shapes[outlet].most_common())
        lines.append(f"| {outlet or '(none)'} | {count:,} | {found[outlet]:,} ({found[outlet] / count:.0%}) | "
                     f"{kinds} |")
    lines += ["", f"Unrecognised, opening like a dateline: {sum(missed.values())} bodies"
              + (": " + "; ".join(f"`{form}` {n}" for form, n in missed.most_common(show)) if missed else ""), ""]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, nargs="+", default=DEFAULT_CORPORA)
    parser.add_argument("--html", type=Path, default=DEFAULT_HTML)
    parser.add_argument("--seeds", type=Path, default=PROJECT / "seeds")
    parser.add_argument("--show", type=int, default=12, help="unrecognised openings shown per corpus")
    args = parser.parse_args()
    lines: list[str] = []
    for path in args.corpus:
        lines += report(path.name, corpus_bodies(path), args.show)
    lines += report("html pages", page_bodies(args.html / "articles"), args.show)
    lines += report("seeds", page_bodies(args.seeds), args.show)
    shapes = ", ".join(f"{shape.name.lower()} `{shape.value}`" for shape in Shape)
    print("\n".join([f"Shapes: {shapes}.", "", *lines]))


if __name__ == "__main__":
    main()
