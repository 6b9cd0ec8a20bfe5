"""How well saved HTML pages extract: headline, time and body, per outlet.

Compares ``search.ingest.parse_html_page`` with what the pages' original
scraper (anpandu/indonesian-news-scraper, MIT) asserted in its own tests,
which ``../shared/html/expected/*.test.js`` hold. Body text is compared as
bags of lowercase words: precision is the share of extracted words that the
expected body has, recall the share of expected words that were extracted.
Photo galleries (a caption and little else) and listing pages (front pages)
must be skipped, with a reason. Times are compared to the minute and by day
(several pages show no time at all, only the URL's date).

    python -m benchmarks.html_extraction [--html ../shared/html] [--show-diff]
"""

from __future__ import annotations

import argparse
import ast
import csv
import re
import sys
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.common import DEFAULT_HTML
from search.errors import IngestError
from search.ingest import parse_html_page

WORD = re.compile(r"\w+")
CALL = re.compile(r"getContent\('([^']+)'\)")
ASSERT = re.compile(r"result\['(\w+)'\], ((?:'(?:[^'\\]|\\.)*')|\d+)\)")


def expected_records(folder: Path) -> dict[str, dict]:
    """Fixture path in the scraper's repository -> the values its tests assert."""
    records: dict[str, dict] = {}
    for test_file in sorted(folder.glob("*.test.js")):
        text = test_file.read_text(encoding="utf-8")
        calls = list(CALL.finditer(text))
        for number, call in enumerate(calls):
            end = calls[number + 1].start() if number + 1 < len(calls) else len(text)
            values = {}
            for match in ASSERT.finditer(text, call.end(), end):
                raw = match.group(2)
                values[match.group(1)] = int(raw) if raw.isdigit() else ast.literal_eval(raw)
            if values:
                records[call.group(1)] = values
    return records


def words(text: str) -> Counter:
    return Counter(w.lower() for w in WORD.findall(text))


def overlap(extracted: str, expected: str) -> tuple[float, float]:
    got, want = words(extracted), words(expected)
    common = sum((got & want).values())
    precision = common / sum(got.values()) if got else 0.0
    recall = common / sum(want.values()) if want else 0.0
    return precision, recall


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=DEFAULT_HTML)
    parser.add_argument("--show-diff", action="store_true", help="print the words missed and added per page")
    args = parser.parse_args(argv)

    expected = expected_records(args.html / "expected")
    rows = list(csv.DictReader(open(args.html / "SOURCES.tsv", encoding="utf-8"), delimiter="\t"))
    per_outlet: dict[str, list] = defaultdict(list)
    galleries = []
    print("| page | title | time | body P | body R | words |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        name, path = row["file"], row["path_in_repo"]
        data = (args.html / "articles" / name).read_bytes()
        try:
            article, skipped = parse_html_page(data, name), ""
        except IngestError as error:
            article, skipped = None, str(error)
        if "gallery" in row["page_kind"]:
            galleries.append(article is None)
            print(f"| {name} | | | | | gallery: {skipped or 'read as an article'} |")
            continue
        want = expected.get(path) if "older version" not in path else None
        if want is None:
            state = (f"skipped: {skipped}" if article is None
                     else f"{len(article.body.split())} words, no expected record")
            print(f"| {name} | | | | | {state} |")
            continue
        if article is None:
            print(f"| {name} | | | | | skipped: {skipped} |")
            per_outlet[row["outlet"]].append((False, False, False, 0.0, 0.0))
            continue
        title_ok = " ".join(article.title.split()) == " ".join(want.get("title", "").split())
        time_ok = day_ok = False
        if article.date and "date" in want:
            want_time = datetime.fromtimestamp(want["date"] / 1000, timezone.utc)
            time_ok = abs((article.date - want_time).total_seconds()) < 60
            day_ok = article.date.date() == want_time.astimezone(article.date.tzinfo).date()
        precision, recall = overlap(article.body, want.get("content", ""))
        per_outlet[row["outlet"]].append((title_ok, time_ok, day_ok, precision, recall))
        print(f"| {name} | {'ok' if title_ok else repr(article.title[:40])} | "
              f"{'ok' if time_ok else article.date} | {precision:.3f} | {recall:.3f} | {len(article.body.split())} |")
        if args.show_diff:
            got, wanted = words(article.body), words(want.get("content", ""))
            print("    missed:", " ".join(sorted((wanted - got).elements()))[:400])
            print("    added: ", " ".join(sorted((got - wanted).elements()))[:400])

    print("\n| outlet | pages | titles | times (to the minute) | days | body precision | body recall |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    totals = []
    for outlet, results in sorted(per_outlet.items()) + [("all", None)]:
        if results is None:
            results = totals
        else:
            totals.extend(results)
        n = len(results)
        print(f"| {outlet} | {n} | {sum(r[0] for r in results)}/{n} | {sum(r[1] for r in results)}/{n} | "
              f"{sum(r[2] for r in results)}/{n} | "
              f"{sum(r[3] for r in results) / n:.3f} | {sum(r[4] for r in results) / n:.3f} |")
    print(f"\nGalleries skipped: {sum(galleries)}/{len(galleries)}")

    print("\n| listing page | result |")
    print("| --- | --- |")
    listed_as_article = 0
    for page in sorted((args.html / "listings").glob("*.html")):
        try:
            article = parse_html_page(page.read_bytes(), page.name)
            listed_as_article += 1
            print(f"| {page.name} | read as an article ({len(article.body.split())} words) |")
        except IngestError as error:
            print(f"| {page.name} | skipped: {error} |")
    return 1 if listed_as_article or not all(galleries) else 0


if __name__ == "__main__":
    sys.exit(main())
