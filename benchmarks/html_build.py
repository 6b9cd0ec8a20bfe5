"""A folder of saved HTML pages against the same articles as JSONL: `search index` time, and what it extracted.

Makes N pages by putting corpus articles into the layouts of the real saved
pages (``../shared/html/articles``): in a copy of a page's tree, the headline
(``<title>``, ``<h1>``, OpenGraph, JSON-LD, microdata), the body paragraphs
(the ``<p>`` elements holding the page's own extracted body), the date (the
declared dates and the URL) and the URL are replaced by the article's. The
same N articles, with the pages' file names as ids, are written as one JSONL
file. Then ``search index`` builds each into a fresh index, in a fresh
process, timed once each (wall seconds, and the CPU seconds of the build and
its worker processes), and the two indexes are compared article by
article: ids, titles and bodies (and dates, to the day: a page that declares
only its URL's date has no time of day).

    python -m benchmarks.html_build [-n 3000] [--corpora ../shared/corpora/*.jsonl.gz] [--html ../shared/html]

A layout is used only if an article put into it reads back as that
article (the others leave captions or credits of their own in the body, or
are galleries and listings). The issue's goal: the HTML folder in at most 1.5 times the JSONL file's time.
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import lxml.html
from lxml import etree

from benchmarks.common import DEFAULT_CORPORA, DEFAULT_HTML, OUT, module_command, project_env, read_records
from search.errors import IngestError
from search.ingest import parse_html_page

_DATE_NAMES = {"article:published_time", "datepublished", "pubdate", "publishdate", "publish-date", "dc.date",
               "date", "content_publisheddate", "datecreated", "og:article:published_time"}


def _norm(text: str) -> str:
    return " ".join(text.split())


class Layout:
    """One real page, ready to take another article's headline, body, date and URL."""

    def __init__(self, path: Path):
        data = path.read_bytes()
        self.name = path.stem
        self.article = parse_html_page(data, path.name)  # NotAnArticleError: not a layout
        self.tree = lxml.html.document_fromstring(data)
        paragraphs = set(self.article.body.split("\n\n"))
        matched = [p for p in self.tree.iter("p") if _norm(p.text_content()) in paragraphs]
        if len(matched) < 2:
            raise IngestError("its body is not in <p> elements")
        # The block holding most of them; the body is its children, text and tails that the body holds.
        parents = [p.getparent() for p in matched]
        self.block = max(parents, key=parents.count)
        self.body_text = _norm(self.article.body)

    def fill(self, record: dict, number: int, date) -> bytes:
        tree = copy.deepcopy(self.tree)
        old_title = self.article.title
        title, stamp = record["title"], date.strftime("%Y-%m-%dT%H:%M:%S+07:00")
        url = f"https://contoh.co.id/read/{date:%Y/%m/%d}/{number}/{self.name}"
        for element in tree.iter(etree.Element):
            if element.tag in ("title", "h1", "h2") and old_title and old_title in _norm(element.text_content()):
                text = _norm(element.text_content()).replace(old_title, title)
                for child in list(element):
                    element.remove(child)
                element.text = text
            if element.get("itemprop") == "headline":
                for child in list(element):
                    element.remove(child)
                element.text = title
                if element.get("content"):
                    element.set("content", title)
            names = {(element.get(a) or "").lower() for a in ("property", "name", "itemprop")}
            if element.tag == "meta":
                if names & {"og:title", "twitter:title"}:
                    element.set("content", _norm(element.get("content", "")).replace(old_title, title) or title)
                if names & _DATE_NAMES:
                    element.set("content", stamp)
                if names & {"og:url"}:
                    element.set("content", url)
            if element.get("itemprop") == "datePublished":
                element.set("datetime" if element.tag == "time" else "content", stamp)
            if element.tag == "time" and element.get("datetime"):
                element.set("datetime", stamp)
            if element.tag == "link" and "canonical" in (element.get("rel") or "").split():
                element.set("href", url)
            if element.tag == "script" and "ld+json" in (element.get("type") or "").lower() and element.text:
                element.text = _ld(element.text, title, record["body"], stamp, url)
        # The body: the page's own lines in its block gone, the article's paragraphs in their place.
        block = tree.xpath(self.tree.getroottree().getpath(self.block))[0]
        if block.text and _norm(block.text) in self.body_text:
            block.text = None
        position = None
        for child in list(block):
            if child.tail and _norm(child.tail) in self.body_text:
                child.tail = None
            text = _norm(child.text_content()) if isinstance(child.tag, str) else ""
            if text and text in self.body_text:
                position = block.index(child) if position is None else position
                child.drop_tree()
        position = 0 if position is None else position
        for offset, text in enumerate(line for line in record["body"].split("\n") if line.strip()):
            paragraph = etree.Element("p")
            paragraph.text = text
            block.insert(position + offset, paragraph)
        return lxml.html.tostring(tree, encoding="utf-8", doctype="<!DOCTYPE html>")


def _ld(text: str, title: str, body: str, stamp: str, url: str) -> str:
    try:
        data = json.loads(text, strict=False)
    except ValueError:
        return text
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, value in (("headline", title), ("articleBody", body), ("datePublished", stamp), ("url", url)):
                if key in item:
                    item[key] = value
            stack.extend(v for v in item.values() if isinstance(v, list | dict))
    return json.dumps(data, ensure_ascii=False)


def make(n: int, corpora: list[Path], html: Path, out: Path) -> tuple[Path, Path, list[str], list[str]]:
    """N pages in ``out/pages``, the same N articles in ``out/articles.jsonl``; both, the layouts used and not."""
    from search.ingest.boilerplate import clean_body
    from search.language.dates import parse_date

    layouts, dropped = [], []
    trial = next(r for r in read_records(corpora) if r.get("title") and r.get("body") and r.get("date"))
    trial_date = parse_date(trial["date"])
    for path in sorted((html / "articles").glob("*.html")):
        try:
            layout = Layout(path)
            # A layout that leaves some of its own lines (captions, credits) in the body is not used.
            filled = parse_html_page(layout.fill(trial, 0, trial_date), "trial")
        except IngestError:
            dropped.append(path.stem)
            continue
        if _spaces(filled.body) == _spaces(clean_body(trial["body"])) and filled.title == trial["title"]:
            layouts.append(layout)
        else:
            dropped.append(path.stem)
    pages, jsonl = out / "pages", out / "articles.jsonl"
    shutil.rmtree(out, ignore_errors=True)
    pages.mkdir(parents=True)
    written = 0
    with open(jsonl, "w", encoding="utf-8") as lines:
        for record in read_records(corpora):
            date = parse_date(record.get("date") or "")
            if written >= n or not record.get("title") or not record.get("body") or date is None:
                if written >= n:
                    break
                continue
            layout = layouts[written % len(layouts)]
            name = f"{written:05d}-{layout.name}.html"
            (pages / name).write_bytes(layout.fill(record, written, date))
            url = f"https://contoh.co.id/read/{date:%Y/%m/%d}/{written}/{layout.name}"
            lines.write(json.dumps({"id": name, "title": record["title"], "date": record["date"],
                                    "body": record["body"], "url": url}, ensure_ascii=False) + "\n")
            written += 1
    return pages, jsonl, [layout.name for layout in layouts], dropped


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_index(source: Path, index_dir: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the build and every process it started) of one ``search index``."""
    shutil.rmtree(index_dir, ignore_errors=True)
    started, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(module_command("search", "index", "--index", str(index_dir), str(source)),
                          env=project_env(), capture_output=True, text=True)
    seconds, cpu = time.perf_counter() - started, _children_cpu() - cpu
    if done.returncode not in (0, 3):
        sys.exit(f"search index {source} failed: {done.stderr.strip()}")
    print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "", file=sys.stderr)
    return seconds, cpu


def _spaces(text: str) -> list[str]:
    """Paragraphs with their spaces made one (the HTML reader reads a no-break space as a space)."""
    return [_norm(line) for line in text.split("\n\n")]


def compare(html_index: Path, jsonl_index: Path, ids: list[str]) -> dict[str, int]:
    import search

    same = {"id": 0, "title": 0, "body": 0, "body but for spaces": 0, "day": 0, "id, title and body": 0}
    with search.open_index(html_index) as pages, search.open_index(jsonl_index) as records:
        for article_id in ids:
            try:
                page = pages.get(article_id)
            except search.ArticleNotFoundError:
                continue
            record = records.get(article_id)
            same["id"] += 1
            same["title"] += page.title == record.title
            same["body"] += page.body == record.body
            same["body but for spaces"] += _spaces(page.body) == _spaces(record.body)
            same["day"] += bool(page.date and record.date and page.date.date() == record.date.date())
            same["id, title and body"] += page.title == record.title and page.body == record.body
    return same


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=3000, help="pages (and records) to make")
    parser.add_argument("--corpora", type=Path, nargs="+", default=DEFAULT_CORPORA)
    parser.add_argument("--html", type=Path, default=DEFAULT_HTML)
    parser.add_argument("--out", type=Path, default=OUT / "html_build")
    args = parser.parse_args(argv)
    pages, jsonl, layouts, dropped = make(args.n, args.corpora, args.html, args.out)
    ids = sorted(p.name for p in pages.iterdir())
    print(f"{len(ids)} pages in {len(layouts)} layouts ({', '.join(layouts)}), and as JSONL")
    print(f"layouts not used (not an article, or their own lines left in the body): {', '.join(dropped)}")
    html_seconds, html_cpu = timed_index(pages, args.out / "index-html")
    jsonl_seconds, jsonl_cpu = timed_index(jsonl, args.out / "index-jsonl")
    print(f"search index, HTML folder: {html_seconds:.1f} s ({html_cpu:.1f} s of CPU)")
    print(f"search index, JSONL file:  {jsonl_seconds:.1f} s ({jsonl_cpu:.1f} s of CPU)")
    print(f"ratio HTML / JSONL:        {html_seconds / jsonl_seconds:.2f} (goal: at most 1.5; "
          f"of CPU time {html_cpu / jsonl_cpu:.2f}, which other work on the machine changes less)")
    same = compare(args.out / "index-html", args.out / "index-jsonl", ids)
    print("the same in both indexes, of", len(ids), ":",
          ", ".join(f"{name} {count}" for name, count in same.items()))


if __name__ == "__main__":
    main()
