"""The ``search`` command line: a thin layer over the library.

Each command parses its arguments, calls the library and formats the answer.
Every :class:`search.SearchError` becomes one line on stderr and exit status 1;
usage errors exit with 2 (click's convention).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click

from . import analysis, indexer
from .errors import IndexNotFoundError, SearchError
from .index import DEFAULT_INDEX, SORTS, open_index
from .readers import estimate_count

INDEX_OPTION = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
    envvar="SEARCH_INDEX", default=DEFAULT_INDEX, show_default=True,
    help="Index folder (or the SEARCH_INDEX environment variable).",
)


def _fail(error: SearchError) -> None:
    raise click.ClickException(str(error))


def _dump(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _mark(text: str) -> str:
    return click.style(text, fg="yellow", bold=True)


def _print_build(report: indexer.BuildReport) -> None:
    for skipped in report.skipped:
        click.echo(f"skipped {skipped}", err=True)
    for merged in report.merged:
        click.echo(f"merged {merged}", err=True)
    for source in report.new_sources:
        click.echo(f"new source: {source}", err=True)
    for source in report.missing_sources:
        click.echo(f"source {source} no longer exists; its articles were kept "
                   f"(`search index --forget {source}` drops them)", err=True)
    if report.mode == "forget":
        click.echo(f"Forgot {report.deleted_files} files: {report.removed} articles removed; "
                   f"{report.articles} articles in {report.index_dir}.")
        return
    tail = f"skipped {len(report.skipped)}, merged {len(report.merged)} duplicates"
    if report.mode == "rebuild":
        click.echo(f"Indexed {report.added} {_plural(report.added, 'article')} from {report.files} files into {report.index_dir} "
                   f"in {report.seconds:.1f} s; {tail}.")
    elif not report.changed and report.mode == "update":
        click.echo(f"{report.index_dir} is up to date: {report.unchanged_files} files unchanged, "
                   f"{report.articles} articles.")
    elif not report.changed:
        click.echo(f"Nothing changed; {report.articles} articles in {report.index_dir}.")
    elif report.mode == "update":
        click.echo(f"Updated {report.index_dir} in {report.seconds:.1f} s: "
                   f"{report.new_files} new, {report.changed_files} changed, {report.deleted_files} deleted and "
                   f"{report.unchanged_files} unchanged files; {report.added} articles added, "
                   f"{report.replaced} re-indexed, {report.removed} removed; {tail}; "
                   f"{report.articles} articles in all.")
    else:
        click.echo(f"{report.added} added, {report.replaced} replaced, {report.removed} removed "
                   f"in {report.seconds:.1f} s; {tail}; {report.articles} articles in {report.index_dir}.")


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


def _build(paths, index_dir: Path, wait: float = 0.0, rebuild: bool = False,
           merge_duplicates: bool = True) -> indexer.BuildReport:
    """Build with a progress bar on a terminal, nothing extra otherwise."""
    options = {"wait": wait, "rebuild": rebuild, "merge_duplicates": merge_duplicates}
    if not sys.stderr.isatty():
        return indexer.build_index(paths, index_dir, **options)
    with click.progressbar(length=max(estimate_count(paths), 1), label="indexing",
                           file=sys.stderr, show_pos=True) as bar:
        return indexer.build_index(paths, index_dir, progress=lambda done: bar.update(done - bar.pos),
                                   **options)


class _Commands(click.Group):
    """Commands whose unexpected failures are one line too (SEARCH_DEBUG=1 shows the traceback)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except BrokenPipeError:  # the reader went away (search query ... | head)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except KeyboardInterrupt:
            raise click.ClickException("interrupted; nothing already indexed was changed") from None
        except Exception as error:
            if os.environ.get("SEARCH_DEBUG"):
                raise
            raise click.ClickException(
                f"unexpected error ({type(error).__name__}: {error}); "
                "please report it (SEARCH_DEBUG=1 shows the details)"
            ) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="indonesian-news-search")
def main() -> None:
    """Full-text search for Indonesian news."""


WAIT_OPTION = click.option(
    "--wait", type=float, default=0.0, show_default=True,
    help="Seconds to wait for another process that is updating the index.",
)
EXIT_CODES = """
\b
Exit status: 0 done; 1 error, nothing changed; 2 usage error;
3 done, but some files or records were skipped."""


@main.command("index", epilog=EXIT_CODES)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@INDEX_OPTION
@click.option("--rebuild", is_flag=True, help="Read every known source (and PATHS) again instead of only what changed.")
@click.option("--forget", "forget", metavar="PATH", type=click.Path(path_type=Path), multiple=True,
              help="Drop a source and its articles (repeatable); says how many go.")
@click.option("--keep-duplicates", is_flag=True,
              help="Index every copy of an article that arrives twice (same URL or text) under different ids.")
@WAIT_OPTION
def index_command(paths, index_dir, rebuild, keep_duplicates, wait, forget):
    """Add PATHS (files or folders) to the index and bring them up to date.

    The index remembers every file and folder it was built from (its
    sources; `search stats` lists them). PATHS are added as sources, or
    brought up to date if known: new files are added, changed files
    re-indexed, deleted files' articles removed. Articles from sources not
    named are kept. With no PATHS every known source is brought up to date
    (an empty index is built from seeds/). Every change is written beside
    the live index and replaces it only when complete, so a failed or
    interrupted run leaves it serving. The same article twice (same URL or
    same text) is indexed once.
    """
    try:
        if forget:
            if paths or rebuild:
                raise click.UsageError("--forget takes no PATHS and no --rebuild")
            for path in forget:
                _print_build(indexer.forget_source(path, index_dir, wait=wait))
            return
        report = _build(list(paths) or None, index_dir, wait, rebuild, not keep_duplicates)
    except SearchError as error:
        _fail(error)
    _print_build(report)
    if report.skipped:
        sys.exit(3)


@main.command("add", epilog=EXIT_CODES)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@INDEX_OPTION
@WAIT_OPTION
def add_command(paths, index_dir, wait):
    """Read the files in PATHS (again) and add their articles to the index.

    A file keeps the id it had; an article whose id another file already
    gave is reported and skipped, not replaced. Exit status 1 if nothing
    could be added.
    """
    try:
        report = indexer.add_articles(paths, index_dir, wait=wait)
    except SearchError as error:
        _fail(error)
    _print_build(report)
    if report.skipped:
        sys.exit(3)


@main.command("remove")
@click.argument("ids", nargs=-1, required=True)
@INDEX_OPTION
@WAIT_OPTION
def remove_command(ids, index_dir, wait):
    """Remove the articles with these IDS from the index.

    A later `search index --rebuild` reads them again if their files are
    still there. Exit status 1 if no id was found.
    """
    try:
        report = indexer.remove_articles(ids, index_dir, wait=wait)
    except SearchError as error:
        _fail(error)
    for article_id in report.not_found:
        click.echo(f"not found: {article_id}", err=True)
    _print_build(report)
    if report.not_found and not report.removed:
        sys.exit(1)


def _open_or_build(index_dir: Path):
    """Open the index; if the default location holds none yet, build it from seeds/ first.

    An index named by --index or SEARCH_INDEX is never built behind the user's back.
    """
    try:
        return open_index(index_dir)
    except IndexNotFoundError:
        source = click.get_current_context().get_parameter_source("index_dir")
        if source is not click.core.ParameterSource.DEFAULT or not indexer.DEFAULT_SEEDS.is_dir():
            raise
        click.echo(f"No index at {index_dir} yet; building it from {indexer.DEFAULT_SEEDS}/ first.",
                   err=True)
        report = _build([indexer.DEFAULT_SEEDS], index_dir)
        click.echo(f"Indexed {report.added} articles in {report.seconds:.1f} s.", err=True)
        return open_index(index_dir)


QUERY_HELP = """Search for TEXT and print ranked hits with highlighted snippets.

\b
Words are matched by their root (milik finds memiliki) in the title and
the body; the more of them an article holds, the higher it ranks.
  "dinas kominfo"            an exact phrase
  banjir -jakarta            exclude a word (+word requires one)
  banjir DAN bekasi          AND / OR / NOT and (...); DAN / ATAU / BUKAN too
  judul:banjir isi:bekasi    title: body: (judul: isi:)
  kategori:politik           category: source: author: location:
                             (kategori: sumber: penulis: lokasi:), any case
  tanggal:2021-03            date: 2021, 2021-03, 2021-03-17, "Maret 2021",
                             2021-03-01..2021-04-15, ..2021-03
A misspelled word is corrected from the index's own words ("did you mean").
"""


@main.command("query", help=QUERY_HELP)
@click.argument("text")
@INDEX_OPTION
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--page", "-p", type=click.IntRange(1), default=1, show_default=True)
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True,
              help="date: oldest first; -date: newest first.")
@click.option("--from", "date_from", metavar="DATE", help="Published on or after DATE (as tanggal:).")
@click.option("--to", "date_to", metavar="DATE", help="Published on or before DATE (as tanggal:).")
@click.option("--facets", is_flag=True, help="Count matching articles by category, source and month.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def query_command(text, index_dir, limit, page, sort, date_from, date_to, facets, as_json):
    try:
        with _open_or_build(index_dir) as index:
            started = time.perf_counter()
            results = index.search(text, limit=limit, page=page, sort=sort, date_from=date_from,
                                   date_to=date_to, facets=facets)
            elapsed = time.perf_counter() - started
    except SearchError as error:
        _fail(error)
    if as_json:
        _dump(results.to_dict())
        return
    for note in results.notes:
        click.echo(f"note: {note}", err=True)
    if results.suggestion:
        click.echo(f"Did you mean: {click.style(results.suggestion, bold=True)}?")
    if results.facets is not None:
        _print_facets(results.facets)
    first = (page - 1) * limit + 1
    if not results.hits:
        click.echo(f"No results for {text!r}.")
        return
    click.echo(f"{results.total} results ({elapsed * 1000:.0f} ms); "
               f"showing {first}-{first + len(results.hits) - 1}\n")
    _print_hits(results.hits, first)


def _print_facets(facets: dict) -> None:
    for name, counts in facets.items():
        shown = ", ".join(f"{value} ({count})" for value, count in list(counts.items())[:10])
        click.echo(f"{name}: {shown or '-'}")
    click.echo()


def _print_hits(hits, first: int = 1) -> None:
    for rank, hit in enumerate(hits, start=first):
        meta = " | ".join(filter(None, [hit.date.strftime("%Y-%m-%d") if hit.date else "",
                                        hit.source, hit.category]))
        score = "" if hit.score is None else f"  [{hit.score:.2f}]"
        click.echo(f"{rank}. {click.style(hit.title or hit.id, bold=True)}{score}")
        click.echo(f"   {hit.id}" + (f"  ({meta})" if meta else ""))
        for snippet in hit.snippets:
            click.echo(f"   \u2026{snippet.render(_mark)}\u2026")
        click.echo()


@main.command("similar")
@click.argument("article_id")
@INDEX_OPTION
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def similar_command(article_id, index_dir, limit, as_json):
    """List the articles most like article ARTICLE_ID (not including it)."""
    try:
        with open_index(index_dir) as index:
            hits = index.similar(article_id, limit=limit)
    except SearchError as error:
        _fail(error)
    if as_json:
        _dump({"id": article_id, "hits": [hit.to_dict() for hit in hits]})
        return
    if not hits:
        click.echo("No similar articles.")
    _print_hits(hits)


@main.command("run")
@click.argument("queries", type=click.File("r", encoding="utf-8"))
@INDEX_OPTION
@click.option("--limit", "-n", type=click.IntRange(1, 10000), default=100, show_default=True)
@click.option("--tag", default="search", show_default=True, help="Run tag in the last column.")
def run_command(queries, index_dir, limit, tag):
    """Batch search: read QUERIES (TSV: qid, query) and print a TREC run file.

    A header line starting with ``qid`` is skipped; extra columns are ignored.
    Output lines: ``qid Q0 docid rank score tag``.
    """
    try:
        with open_index(index_dir) as index:
            for lineno, line in enumerate(queries, start=1):
                columns = line.rstrip("\n").split("\t")
                if len(columns) < 2:
                    if line.strip():
                        click.echo(f"line {lineno}: expected qid<TAB>query; skipped", err=True)
                    continue
                qid, text = columns[0].strip(), columns[1]
                if lineno == 1 and qid.lower() == "qid":
                    continue
                results = index.search(text, limit=limit, highlight=False)
                for rank, hit in enumerate(results.hits, start=1):
                    click.echo(f"{qid} Q0 {hit.id} {rank} {hit.score:.4f} {tag}")
    except SearchError as error:
        _fail(error)


@main.command("show")
@click.argument("article_id")
@INDEX_OPTION
@click.option("--json", "as_json", is_flag=True)
def show_command(article_id, index_dir, as_json):
    """Print one article by its id."""
    try:
        with open_index(index_dir) as index:
            article = index.get(article_id)
    except SearchError as error:
        _fail(error)
    if as_json:
        _dump(article.to_dict())
        return
    click.echo(click.style(article.title or article.id, bold=True))
    for name in ("id", "date", "category", "location", "source", "author", "editor", "url"):
        value = getattr(article, name)
        if value:
            click.echo(f"{name}: {value.isoformat() if name == 'date' else value}")
    click.echo()
    click.echo(article.body)


@main.command("stats")
@INDEX_OPTION
@click.option("--json", "as_json", is_flag=True)
def stats_command(index_dir, as_json):
    """Describe the index: articles, fields, size, build time, sources."""
    try:
        with open_index(index_dir) as index:
            stats = index.stats()
    except SearchError as error:
        _fail(error)
    if as_json:
        _dump(stats.to_dict())
        return
    click.echo(f"index:      {stats.path}")
    click.echo(f"articles:   {stats.articles}")
    click.echo(f"fields:     {', '.join(stats.fields)}")
    click.echo(f"size:       {stats.size_bytes / 1e6:.1f} MB")
    click.echo(f"built at:   {stats.built_at} in {stats.build_seconds:.1f} s")
    click.echo(f"schema:     version {stats.schema_version}")
    for source in stats.sources:
        missing = "" if source.exists else "  (missing)"
        click.echo(f"source:     {source.path}: {source.articles} {_plural(source.articles, 'article')} "
                   f"from {source.files} {_plural(source.files, 'file')}{missing}")


@main.command("serve")
@INDEX_OPTION
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface; only when you mean it).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
def serve_command(index_dir, host, port):
    """Serve the search page and the JSON API over the index (read-only).

    At the default location, builds the index from seeds/ first if there is
    none. A running server sees `search index` and `search add` updates
    within a second or two.
    Needs the web extra: pip install -e '.[web]'.
    """
    try:
        from . import web  # imported here: other commands never load the web stack
    except ImportError as error:
        raise click.ClickException(
            f"search serve needs the web extra ({error}); install it with: pip install -e '.[web]'"
        ) from None
    try:
        _open_or_build(index_dir).close()
    except SearchError as error:
        _fail(error)
    click.echo(f"Serving {index_dir} at http://{host}:{port}/ (Ctrl+C stops)", err=True)
    web.serve(index_dir, host=host, port=port)


@main.command("analyze")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True)
def analyze_command(text, as_json):
    """Show each token of TEXT and its stem: why a word does or does not match."""
    tokens = analysis.analyze(text)
    if as_json:
        _dump([token.__dict__ for token in tokens])
        return
    width = max((len(t.text) for t in tokens), default=0)
    for token in tokens:
        note = "  (stop word: not indexed)" if token.stop_word else ""
        click.echo(f"{token.text:<{width}}  ->  {token.stem}{note}")
