"""Building an index from seed files.

``build_index(paths, index_dir)`` reads every article under ``paths`` and
writes a complete new generation of the index beside the live one; only when
it is complete does it replace the live one (see ``search.storage``). A file
or record that cannot be read is reported and skipped; a build that finds no
article at all changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from whoosh import index as whoosh_index

from . import storage
from .articles import Article, ReadReport, Skipped
from .errors import NothingToIndexError, SearchError
from .readers import read_articles
from .schema import SCHEMA_VERSION, build_schema, lead_of

DEFAULT_SEEDS = Path("seeds")


@dataclass
class BuildReport:
    """What a build did."""

    index_dir: Path
    indexed: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    files: int = 0
    seconds: float = 0.0


def article_fields(article: Article) -> dict:
    """The Whoosh document for one article."""
    doc = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "lead": lead_of(article.body),
        "exact": article.body,
        "date_text": article.date.isoformat() if article.date else "",
        "editor": article.editor,
        "url": article.url,
        "summary": article.summary,
        "path": article.path,
    }
    if article.date:
        doc["month"] = article.date.strftime("%Y-%m")
        doc["date"] = article.date.astimezone(timezone.utc).replace(tzinfo=None)
    for name in ("category", "source", "location", "author"):
        value = getattr(article, name)
        if value:
            doc[name] = value
    return doc


def build_index(
    paths: Iterable[str | Path] = (DEFAULT_SEEDS,),
    index_dir: str | Path = Path("indexes/default"),
    progress: Callable[[int], None] | None = None,
    wait: float = 0.0,
) -> BuildReport:
    """Rebuild the index at ``index_dir`` from the articles under ``paths``.

    ``progress`` is called with the number of articles indexed so far, every
    so often. ``wait`` is how long to wait for another writer to finish.
    """
    index_dir = Path(index_dir)
    paths = [Path(p) for p in paths]
    report = BuildReport(index_dir=index_dir)
    started = time.monotonic()
    with storage.write_lock(index_dir, wait=wait):
        folder = storage.new_build_folder(index_dir)
        try:
            ix = whoosh_index.create_in(str(folder), build_schema())
            writer = ix.writer(limitmb=256)
            read_report = ReadReport()
            seen: set[str] = set()
            try:
                for article in read_articles(paths, read_report):
                    if article.id in seen:
                        read_report.skipped.append(
                            Skipped(article.path or article.id, f"duplicate id {article.id!r}; first kept")
                        )
                        continue
                    seen.add(article.id)
                    writer.add_document(**article_fields(article))
                    report.indexed += 1
                    if progress and report.indexed % 250 == 0:
                        progress(report.indexed)
            except BaseException:
                writer.cancel()
                raise
            report.skipped = read_report.skipped
            report.files = read_report.files
            if report.indexed == 0:
                writer.cancel()
                reasons = "; ".join(str(s) for s in report.skipped[:3])
                raise NothingToIndexError(
                    "no article could be read from "
                    + ", ".join(str(p) for p in paths)
                    + (f" ({reasons})" if reasons else "")
                    + "; the existing index was left as it was"
                )
            writer.commit()
            ix.close()
            if progress:
                progress(report.indexed)
            report.seconds = time.monotonic() - started
            storage.publish(index_dir, folder, {
                "schema_version": SCHEMA_VERSION,
                "articles": report.indexed,
                "skipped": len(report.skipped),
                "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "build_seconds": round(report.seconds, 2),
                "sources": [str(p) for p in paths],
            })
        except BaseException as error:
            storage.discard(folder)
            if isinstance(error, (SearchError, KeyboardInterrupt)):
                raise
            if isinstance(error, OSError):
                raise SearchError(f"could not write the index at {index_dir}: {error}") from error
            raise
    return report
