"""Web archives against the same pages as files: index time, peak memory, and the same articles.

The shared saved pages (``../shared/html/articles``) are written ``--copies``
times over as one gzipped WARC (each page a ``response`` record, its URL the
``article_url`` of ``../shared/html/SOURCES.tsv`` when there is one, else a
made-up one; each copy a URL of its own) and as a folder of HTML files; each is
indexed by ``search.build_index`` in a fresh process, timed, with its peak RSS
(the process and its workers). The goal: the WARC at most 1.2 times the
files' time. Then every page's article read from a one-copy WARC is compared
with the one read from its file: title, body, date (the file's, or the capture
time when the page has none) and URL (the file's declared one, or the record's).

    python -m benchmarks.warc [--html ../shared/html/articles] [--copies 20]
    python -m benchmarks.warc --memory 2

``--memory GB`` measures the bound on memory instead: the pages written over
and over, each copy's text made its own (so that no copy is merged as a
duplicate), into one plain WARC of about GB gigabytes, indexed by
``search.build_index`` in a fresh process: seconds, articles, peak RSS of the
process and of its largest worker (the goal: under 1 GB).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import DEFAULT_HTML

GOAL = 1.2


def _urls(html: Path) -> dict[str, str]:
    sources = html.parent / "SOURCES.tsv"
    if not sources.exists():
        return {}
    with open(sources, encoding="utf-8") as handle:
        return {row["file"]: row["article_url"] for row in csv.DictReader(handle, delimiter="\t")
                if row.get("article_url")}


def _write(pages: list[Path], urls: dict[str, str], copies: int, warc: Path, folder: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    folder.mkdir(parents=True, exist_ok=True)
    with open(warc, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for copy in range(copies):
            for page in pages:
                data = page.read_bytes()
                url = urls.get(page.name, f"https://arsip.example.id/{page.stem}")
                url = url if copy == 0 else f"{url}?copy={copy}"
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(data),
                                                              http_headers=http))
                (folder / f"{copy:03d}-{page.name}").write_bytes(data)


def _write_big(pages: list[Path], urls: dict[str, str], gigabytes: float, warc: Path) -> int:
    """One plain WARC of about ``gigabytes`` GB: the pages copied, each copy's text its own; the records."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    records, limit = 0, gigabytes * 1e9
    with open(warc, "wb") as handle:
        writer = WARCWriter(handle, gzip=False)
        while handle.tell() < limit:
            for page in pages:
                copy = records // len(pages)
                data = page.read_bytes().replace(b"</p>", f" (salinan {copy})</p>".encode(), 1)
                url = f"{urls.get(page.name, f'https://arsip.example.id/{page.stem}')}?copy={copy}"
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(data),
                                                              http_headers=http))
                records += 1
    return records


def _memory(pages: list[Path], urls: dict[str, str], gigabytes: float) -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        warc = tmp / "big" / "crawl.warc"
        warc.parent.mkdir()
        records = _write_big(pages, urls, gigabytes, warc)
        size = warc.stat().st_size
        run = _build(warc.parent, tmp / "ix")
    print(f"one plain WARC of {size / 1e9:.2f} GB, {records} records: {run['seconds']:.0f} s, "
          f"{run['added']} articles, {run['skipped']} skipped; peak RSS {run['rss_mb']:.0f} MB "
          f"(the largest worker {run['worker_rss_mb']:.0f} MB; goal: under 1,000 MB)")


def _build(source: Path, index: Path) -> dict:
    """Index ``source`` in a fresh process: seconds, peak RSS of it and of its workers, articles."""
    code = ("import json, resource, sys, time, search\n"
            "start = time.perf_counter(); report = search.build_index([sys.argv[1]], sys.argv[2])\n"
            "print(json.dumps({'seconds': time.perf_counter() - start, 'added': report.added,"
            " 'skipped': len(report.skipped),"
            " 'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,"
            " 'worker_rss_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))")
    out = subprocess.run([sys.executable, "-c", code, str(source), str(index)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _equal(pages: list[Path], urls: dict[str, str], tmp: Path) -> list[str]:
    """The pages whose article from a WARC differs from the one from the file (title, body, date, url)."""
    from search.errors import IngestError
    from search.ingest import parse_html_page
    from search.ingest.warc import read_warc

    warc = tmp / "one.warc.gz"
    _write(pages, urls, 1, warc, tmp / "one")
    by_url = {a.url: a for a in read_warc(warc, "one.warc.gz", keep_other_languages=True) if hasattr(a, "body")}
    differ = []
    for page in pages:
        url = urls.get(page.name, f"https://arsip.example.id/{page.stem}")
        try:
            expected = parse_html_page(page.read_bytes(), page.name)
        except IngestError:
            if url in by_url:
                differ.append(f"{page.name}: skipped as a file, an article in the WARC")
            continue
        got = by_url.get(url)
        if got is None:
            differ.append(f"{page.name}: missing from the WARC")
            continue
        want = (expected.title, expected.body, expected.date or got.date, url)
        if (got.title, got.body, got.date, got.url) != want:
            differ.append(f"{page.name}: differs")
    return differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=DEFAULT_HTML / "articles")
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--memory", type=float, default=None, metavar="GB",
                        help="measure the memory of indexing one WARC of about GB gigabytes instead")
    args = parser.parse_args()
    pages = sorted(args.html.glob("*.html"))
    urls = _urls(args.html)
    if args.memory:
        _memory(pages, urls, args.memory)
        return
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        warc = tmp / "warc" / "pages.warc.gz"
        warc.parent.mkdir()
        _write(pages, urls, args.copies, warc, tmp / "files")
        files = _build(tmp / "files", tmp / "ix-files")
        archive = _build(warc.parent, tmp / "ix-warc")
        differ = _equal(pages, urls, tmp)
    ratio = archive["seconds"] / files["seconds"]
    print(f"{len(pages)} pages x {args.copies} copies ({warc.name}: {len(pages) * args.copies} records)")
    for kind, run in (("HTML files", files), ("one WARC", archive)):
        print(f"  {kind:10}: {run['seconds']:.1f} s, {run['added']} articles, {run['skipped']} skipped; "
              f"peak RSS {run['rss_mb']:.0f} MB (a worker {run['worker_rss_mb']:.0f} MB)")
    print(f"  time ratio WARC/files: {ratio:.2f} (goal <= {GOAL})")
    print(f"  extraction: {len(pages) - len(differ)} of {len(pages)} pages the same from the WARC as from the file")
    for line in differ:
        print(f"    {line}")
    sys.exit(0 if ratio <= GOAL and not differ else 1)


if __name__ == "__main__":
    main()
