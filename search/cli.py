"""The ``search`` command line: a thin layer over the library.

Each command parses its arguments, calls the library and formats the answer:
hits wrapped to the terminal's width, marks in colour on a terminal, or JSON,
JSON Lines and CSV for other programs. Every :class:`search.SearchError`
becomes one line on stderr and exit status 1; usage errors exit with 2
(click's convention).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import click

from . import rows as export_rows
from .errors import (
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IndexOutdatedError,
    IndexTooNewError,
    InvalidArgumentError,
    NothingToRestoreError,
    PortInUseError,
    SearchError,
)
from .index import DEFAULT_INDEX, SORTS, SearchRequest, open_index
from .indexing.report import BuildMode, BuildReport
from .query.request import INTERVALS
from .results import ExportRow

# Building, reading files and the analysis are imported by the commands that
# use them: a one-off `search query` loads only what a query needs.


def _index_dir(ctx: click.Context, param, value: Path | None) -> Path:
    """``--index`` after the command wins; else the one before it (or SEARCH_INDEX)."""
    if value is not None:
        return value
    return ctx.find_root().params.get("index_dir") or DEFAULT_INDEX


INDEX_OPTION = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), callback=_index_dir,
    help=f"Index folder (default: the --index before the command, SEARCH_INDEX, or {DEFAULT_INDEX}).",
)


def _colour(ctx: click.Context, param, value: str) -> str:
    # auto: click colours only a terminal; NO_COLOR (set, not empty) turns it off.
    if value == "always":
        ctx.color = True
    elif value == "never" or os.environ.get("NO_COLOR"):
        ctx.color = False
    return value


COLOR_OPTION = click.option(
    "--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
    expose_value=False, callback=_colour,
    help="Mark matches in colour: auto only on a terminal, and not when NO_COLOR is set.",
)


def _hint(error: SearchError) -> str:
    """The command that would help, for the errors a command can fix."""
    where = f" --index {error.path}" if error.path is not None else ""
    if isinstance(error, IndexNotFoundError):
        return f"build one with `search index PATHS{where}`"
    if isinstance(error, IndexOutdatedError):
        return f"rebuild it from its stored articles with `search index --rebuild{where}`"
    if isinstance(error, IndexTooNewError):
        return "read it with the version that wrote it, or a newer one"
    if isinstance(error, IndexCorruptError):
        return (f"`search index --restore{where}` goes back to the previous generation, "
                f"`search index --rebuild{where}` rebuilds it from the articles it stores; "
                f"`search check{where}` names every damaged file")
    if isinstance(error, NothingToRestoreError):
        return f"rebuild it from the articles it stores with `search index --rebuild{where}`"
    if isinstance(error, IndexLockedError):
        return "try again later or pass --wait SECONDS"
    if isinstance(error, PortInUseError):
        return "pass --port"
    return ""


def _fail(error: SearchError) -> None:
    """The library's message, and the command that would help, as one line."""
    hint = _hint(error)
    raise click.ClickException(f"{error}; {hint}" if hint else str(error))


def _dump(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _mark(text: str) -> str:
    return click.style(text, fg="yellow", bold=True)


def _width() -> int:
    """The terminal's width (COLUMNS wins); 80 when the output is not a terminal."""
    return max(shutil.get_terminal_size((80, 24)).columns, 40)


_Part = tuple[str, bool | None]
"""``(text, marked)``: marked True or False, or None for text beside the snippet (a hit's score)."""


def _words(parts) -> list[list[_Part]]:
    """``(text, marked)`` parts as words, each a list of parts, split at spaces."""
    words: list[list[_Part]] = [[]]
    for text, marked in parts:
        for n, piece in enumerate(text.split(" ")):
            if n:
                words.append([])
            if piece:
                words[-1].append((piece, marked))
    return [word for word in words if word]


def _wrap(words, first: str, rest: str, style, width: int | None = None) -> list[str]:
    """Words filled into lines of ``width`` columns, ``first`` and then ``rest`` before them.

    ``style(text, marked)`` renders a part; the width counts the text only,
    not the colour codes. A word longer than a line gets a line of its own.
    """
    width = width or _width()
    lines: list[list[list[_Part]]] = []
    line: list[list[_Part]] = []
    used = len(first)
    for word in words:
        size = sum(len(text) for text, _ in word)
        if line and used + 1 + size > width:
            lines.append(line)
            line, used = [], len(rest)
        used += size + (1 if line else 0)
        line.append(word)
    if line:
        lines.append(line)
    return [(first if n == 0 else rest) + _render(line, style) for n, line in enumerate(lines)]


def _render(line, style) -> str:
    """A line of words; each run of parts marked alike, with the spaces inside it, styled once."""
    runs: list[list] = []
    for n, word in enumerate(line):
        for i, (text, marked) in enumerate(word):
            if n and not i:  # the space between two words goes with the unmarked side
                if runs[-1][1] in (marked, False):
                    runs[-1][0] += " "
                elif marked is False:
                    text = " " + text
                else:
                    runs.append([" ", False])
            if runs and runs[-1][1] == marked:
                runs[-1][0] += text
            else:
                runs.append([text, marked])
    return "".join(style(text, marked) for text, marked in runs)


def _plain_or_marked(text: str, marked: bool) -> str:
    return _mark(text) if marked else text


def _title_style(text: str, marked: bool) -> str:
    return click.style(text, fg="yellow" if marked else None, bold=True)


def _snippet_lines(snippet) -> list[str]:
    """A snippet under its hit, with an ellipsis only where the text was cut."""
    parts = list(snippet.parts)
    text = snippet.text
    if not parts:
        return []
    cut_before = not snippet.starts_text and not text.startswith("\u2026")
    if cut_before:
        parts.insert(0, ("\u2026", False))
    if not snippet.ends_text and not text.endswith("\u2026"):
        parts.append(("\u2026", False))
    return _wrap(_words(parts), "   ", "    " if cut_before else "   ", _plain_or_marked)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _print_build(report: BuildReport) -> None:
    for skipped in report.skipped:
        click.echo(f"skipped {skipped}", err=True)
    for merged in report.merged:
        click.echo(f"merged {merged}", err=True)
    _print_repairs(report.notes)
    for source in report.new_sources:
        click.echo(f"new source: {source}", err=True)
    for source in report.missing_sources:
        click.echo(f"source {source} no longer exists; its articles were kept "
                   f"(`search index --forget {source}` drops them)", err=True)
    if report.moved_files:
        click.echo(f"{_plural(report.moved_files, 'file')} found at a new place; their articles keep their ids",
                   err=True)
    if report.rebuilt:
        click.echo(f"Rebuilt {_plural(report.rebuilt, 'stored article')} in {report.index_dir} "
                   f"(no source file read).")
    click.echo(_summary(report))
    if report.kept:
        went = f", {report.newly_kept} of them since the last run" if report.newly_kept else ""
        click.echo(f"{_plural(report.kept, 'article')} whose files are gone or no longer give them "
                   f"{'is' if report.kept == 1 else 'are'} kept{went} (`search index --prune` removes them).",
                   err=True)


NOTES_SHOWN = 20


def _print_repairs(notes) -> None:
    """What was repaired in the records indexed: the first few one by one, then the counts."""
    from .articles import summarize

    for note in notes[:NOTES_SHOWN]:
        click.echo(f"note {note}", err=True)
    if len(notes) > NOTES_SHOWN:
        click.echo(f"note ... and {len(notes) - NOTES_SHOWN} more", err=True)
    for line in summarize(notes) if notes else []:
        click.echo(f"repaired: {line}", err=True)


def _summary(report: BuildReport) -> str:
    """The one line that says what a build, update, rebuild, prune, forget, add or remove did."""
    tail = f"skipped {len(report.skipped)}, merged {len(report.merged)} duplicates"
    if report.mode == BuildMode.FORGET:
        return (f"Forgot {report.deleted_files} files: {report.removed} articles removed "
                f"(articles another source holds stay); {report.articles} articles in {report.index_dir}.")
    if report.mode == BuildMode.BUILD:
        return (f"Indexed {_plural(report.added, 'article')} from {report.files} files into {report.index_dir} "
                f"in {report.seconds:.1f} s; {tail}.")
    if report.mode == BuildMode.REBUILD:
        return f"{report.articles} articles in {report.index_dir}, analysed again in {report.seconds:.1f} s."
    if not report.changed and report.mode in (BuildMode.UPDATE, BuildMode.PRUNE):
        pruned = ", nothing to prune" if report.mode == BuildMode.PRUNE else ""
        return (f"{report.index_dir} is up to date: {report.unchanged_files} files unchanged{pruned}, "
                f"{report.articles} articles.")
    if not report.changed:
        return f"Nothing changed; {report.articles} articles in {report.index_dir}."
    if report.mode in (BuildMode.UPDATE, BuildMode.PRUNE):
        pruned = f"; {report.removed} articles whose files are gone removed" if report.mode == BuildMode.PRUNE else ""
        return (f"Updated {report.index_dir} in {report.seconds:.1f} s: "
                f"{report.new_files} new, {report.changed_files} changed, {report.deleted_files} gone and "
                f"{report.unchanged_files} unchanged files; {report.added} articles added, "
                f"{report.replaced} re-indexed{pruned}; {tail}; {report.articles} articles in all.")
    return (f"{report.added} added, {report.replaced} replaced, {report.removed} removed "
            f"in {report.seconds:.1f} s; {tail}; {report.articles} articles in {report.index_dir}.")


def _build(paths, index_dir: Path, options: dict) -> BuildReport:
    """Build with a progress bar on a terminal, nothing extra otherwise."""
    from .indexing import indexer
    from .ingest import estimate_count

    address = _cluster().address
    if address:
        from .cluster import shard_writer

        options["write_shards"] = shard_writer(address)
    if not sys.stderr.isatty():
        return indexer.build_index(paths, index_dir, **options)
    with click.progressbar(length=max(estimate_count(paths or []), 1), label="indexing",
                           file=sys.stderr, show_pos=True) as bar:
        return indexer.build_index(paths, index_dir, progress=lambda done: bar.update(done - bar.pos), **options)


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


class _TextArgumentCommand(click.Command):
    """A command whose TEXT may start with '-': ``search query "-banjir jakarta"``.

    Click reads every argument that starts with '-' as an option. Here one
    that is not an option of the command (``-n5`` is ``-n 5``) nor the value
    of one (``--sort -date``) is the TEXT. Arguments starting with '--' stay
    options, so a mistyped option is still a usage error.
    """

    def parse_args(self, ctx, args):
        takes_value = {}
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                for name in param.opts + param.secondary_opts:
                    takes_value[name] = not param.is_flag and not param.count
        kept, texts, args = [], [], list(args)
        position = 0
        while position < len(args):
            arg = args[position]
            name = arg.split("=", 1)[0] if arg.startswith("--") else arg
            if arg == "--":
                kept.extend(args[position:])
                break
            if arg.startswith("--") or name in takes_value:
                kept.append(arg)
                if takes_value.get(name) and "=" not in arg and position + 1 < len(args):
                    position += 1
                    kept.append(args[position])
            elif arg.startswith("-") and len(arg) > 1 and not (
                    takes_value.get(arg[:2]) and arg[2:].isdigit()):
                texts.append(arg)
            else:
                kept.append(arg)
            position += 1
        if texts:
            end = kept.index("--") + 1 if "--" in kept else len(kept)
            kept[end:end] = texts if end <= len(kept) and "--" in kept else ["--", *texts]
        return super().parse_args(ctx, kept)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
              envvar="SEARCH_INDEX", default=DEFAULT_INDEX, show_default=True,
              help="Index folder for the command (or SEARCH_INDEX); "
                   "an --index after the command wins.")
@click.option("--ray", "ray_address", metavar="ADDRESS", envvar="SEARCH_RAY_ADDRESS", default=None,
              help="Serve the index's shards from Ray actors on the cluster at ADDRESS "
                   "(or SEARCH_RAY_ADDRESS); needs the cluster extra.")
@click.option("--ray-timeout", type=click.FloatRange(0.1), envvar="SEARCH_RAY_TIMEOUT", default=30.0,
              show_default=True, metavar="SECONDS",
              help="With --ray: seconds a query waits for a shard before answering without it "
                   "(or SEARCH_RAY_TIMEOUT).")
@click.version_option(package_name="indonesian-news-search")
@click.pass_context
def main(ctx: click.Context, index_dir: Path, ray_address: str | None, ray_timeout: float) -> None:
    """Full-text search for Indonesian news.

    `search COMMAND --help` describes each command.
    """
    ctx.obj = _Cluster(ray_address or None, ray_timeout)


@dataclass(frozen=True)
class _Cluster:
    """Where the commands find the index's shards: this machine, or the Ray cluster at ``address``."""

    address: str | None = None
    timeout: float = 30.0


def _cluster() -> _Cluster:
    obj = click.get_current_context().find_root().obj
    return obj if isinstance(obj, _Cluster) else _Cluster()


def _open(index_dir: Path):
    """The index at ``index_dir``, its shards served from the Ray cluster given by --ray if any."""
    cluster = _cluster()
    return open_index(index_dir, ray_address=cluster.address, ray_timeout=cluster.timeout)


WAIT_OPTION = click.option(
    "--wait", type=float, default=0.0, show_default=True,
    help="Seconds to wait for another process that is updating the index.",
)


def _columns(ctx, param, value):
    """``--columns title=Headline,body=Story`` as a ``ColumnMap`` (a usage error if it is not one)."""
    from .ingest.columns import ColumnMap

    try:
        return ColumnMap.parse(value)
    except InvalidArgumentError as error:
        raise click.BadParameter(str(error).removeprefix("columns: ")) from None


def _reading(columns, every_language: bool):
    """The readers' options (``search.ingest.ReadOptions``) from --columns and --every-language."""
    from .ingest import ReadOptions

    return ReadOptions(columns, every_language)


def reading_options(command):
    """--columns and --every-language: what the readers are told."""
    command = click.option(
        "--every-language", is_flag=True,
        help="Keep a web archive's pages that are not in Indonesian (skipped and counted by default).",
    )(command)
    return click.option(
        "--columns", callback=_columns, metavar="FIELD=COLUMN,...",
        help="Which columns of a CSV, TSV or Parquet file hold which field, where the header does not say "
             "(e.g. title=Headline,body=Story); fields: id, title, body, date, url, category, source, author, "
             "editor, location, summary.",
    )(command)
KEEP_OPTION = click.option(
    "--keep", type=click.IntRange(1, 100), default=None, metavar="N",
    help="Keep N earlier generations to restore (remembered by later writes). [default: the index's own, 1]",
)


EXIT_CODES = """
\b
Exit status: 0 done; 1 error, nothing changed; 2 usage error;
3 done, but some files or records were skipped."""


@main.command("index", epilog=EXIT_CODES)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@INDEX_OPTION
@click.option("--rebuild", is_flag=True,
              help="Analyse every stored article again (after an upgrade); reads no source file.")
@click.option("--reread", is_flag=True, help="Read every file of every source again, changed or not.")
@click.option("--prune", is_flag=True,
              help="Remove the articles whose files are gone or no longer give them (kept otherwise).")
@click.option("--forget", "forget", metavar="PATH", type=click.Path(path_type=Path), multiple=True,
              help="Drop a source and the articles only it holds (repeatable); says how many go.")
@click.option("--keep-duplicates", is_flag=True,
              help="Index every copy of an article that arrives twice (same URL or text) under different ids.")
@click.option("--shards", type=click.IntRange(1, 256), default=None, metavar="N",
              help="Split the index into N shards (same answers); another count than the index has "
                   "analyses every stored article again. [default: the index's own, 1 for a new one]")
@click.option("--restore", is_flag=True,
              help="Make the newest whole earlier generation live again (after `search check` finds damage).")
@reading_options
@KEEP_OPTION
@WAIT_OPTION
def index_command(paths, index_dir, rebuild, reread, prune, keep_duplicates, shards, wait, forget, restore, keep,
                  columns, every_language):
    """Add PATHS (files or folders) to the index and bring them up to date.

    The index is the archive: it remembers every file and folder it was
    built from (its sources; `search stats` lists them) and stores every
    article whole. PATHS are added as sources, or brought up to date if
    known: new files are added, changed files read again. An article whose
    file is gone, moved away or no longer gives it is kept and reported;
    only --prune, --forget and `search remove` remove articles. With no
    PATHS every known source is brought up to date (where there is no index
    yet, it is built from seeds/). Every change is written beside the live
    index and replaces it only when complete, so a failed or interrupted run
    leaves it serving. The same article twice (same URL or same text) is
    indexed once.
    """
    if restore:
        if paths or rebuild or shards or forget or reread or prune:
            raise click.UsageError("--restore takes no PATHS and no other option but --wait")
        _restore(index_dir, wait)
        return
    try:
        if forget:
            if paths or rebuild or shards or reread or prune:
                raise click.UsageError("--forget takes no PATHS and no other option")
            for path in forget:
                from .indexing import indexer

                _print_build(indexer.forget_source(path, index_dir, wait=wait, keep=keep))
            return
        options = {"wait": wait, "rebuild": rebuild, "reread": reread, "prune": prune,
                   "merge_duplicates": not keep_duplicates, "shards": shards, "keep": keep,
                   "reading": _reading(columns, every_language)}
        report = _build(list(paths) or None, index_dir, options)
    except SearchError as error:
        _fail(error)
    _print_build(report)
    if report.skipped:
        sys.exit(3)


@main.command("add", epilog=EXIT_CODES)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@INDEX_OPTION
@reading_options
@KEEP_OPTION
@WAIT_OPTION
def add_command(paths, index_dir, wait, keep, columns, every_language):
    """Read the files in PATHS (again) and add their articles to the index.

    A file keeps the id it had; an article whose id another file already
    gave is reported and skipped, not replaced. Exit status 1 if nothing
    could be added.
    """
    try:
        from .indexing import indexer

        report = indexer.add_articles(paths, index_dir, wait=wait, keep=keep,
                                      reading=_reading(columns, every_language))
    except SearchError as error:
        _fail(error)
    _print_build(report)
    if report.skipped:
        sys.exit(3)


@main.command("remove")
@click.argument("ids", nargs=-1, required=True)
@INDEX_OPTION
@KEEP_OPTION
@WAIT_OPTION
def remove_command(ids, index_dir, wait, keep):
    """Remove the articles with these IDS from the index.

    Only this, `search index --prune` and `--forget` remove articles. A
    later `search index --reread` reads them again if their files are still
    there. Exit status 1 if no id was found.
    """
    try:
        from .indexing import indexer

        report = indexer.remove_articles(ids, index_dir, wait=wait, keep=keep)
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
        return _open(index_dir)
    except IndexNotFoundError:
        from .indexing import indexer

        ctx = click.get_current_context()
        default = click.core.ParameterSource.DEFAULT
        explicit = any(source not in (None, default) for source in (
            ctx.get_parameter_source("index_dir"), ctx.find_root().get_parameter_source("index_dir")))
        if explicit or not indexer.DEFAULT_SEEDS.is_dir():
            raise
        click.echo(f"No index at {index_dir} yet; building it from {indexer.DEFAULT_SEEDS}/ first.",
                   err=True)
        report = _build([indexer.DEFAULT_SEEDS], index_dir, {})
        click.echo(f"Indexed {report.added} articles in {report.seconds:.1f} s.", err=True)
        return _open(index_dir)


QUERY_HELP = """Search for TEXT and print ranked hits with highlighted snippets.

\b
Words are matched by their root (milik finds memiliki) in the title and
the body; the more of them an article holds, the higher it ranks, and
higher still where it writes them side by side, in its opening, or as
typed (perkembangan before Kembangan), and an amount written together
(Rp 50 miliar).
  "dinas kominfo"            an exact phrase
  banjir -jakarta            exclude a word (+word requires one)
  banjir DAN bekasi          AND / OR / NOT and (...); DAN / ATAU / BUKAN too
  judul:banjir isi:bekasi    title: body: (judul: isi:)
  kategori:politik           category: source: author: location:
                             (kategori: sumber: penulis: lokasi:), any case;
                             a word of the value or its beginning will do:
                             sumber:cnn finds "CNN Indonesia"
  tanggal:2021-03            date: 2021, 2021-03, 2021-03-17, "Maret 2021",
                             2021-03-01..2021-04-15, ..2021-03
  banj*                      words that begin so (banjir, banjarmasin ...):
                             the 20 most frequent roots, 3 letters at least;
                             * alone lists every article, newest first
A query of filters only (tanggal:2021-03, kategori:politik, or "" with
--from/--to) lists every article they let through, newest first, unscored.
A misspelled word is corrected from the index's own words ("did you mean").
search values FIELD lists the values to filter by.
A query may start with an exclusion: search query "-banjir jakarta".

\b
Output: hits with their URL and snippets, wrapped to the terminal's width,
matched words marked in the title and snippets (--color); --json one
object; --format jsonl or csv one row per article (id, title, date,
source, category, url, score, snippet), and with --all every matching
article, streamed, instead of one page.
"""

FORMATS = ("text", "json", "jsonl", "csv")


@main.command("query", cls=_TextArgumentCommand, help=QUERY_HELP)
@click.argument("text")
@INDEX_OPTION
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--page", "-p", type=click.IntRange(1), default=1, show_default=True)
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True,
              help="date: oldest first; -date: newest first. A query of filters only "
                   "lists newest first unless sorted by date.")
@click.option("--from", "date_from", metavar="DATE", help="Published on or after DATE (as tanggal:).")
@click.option("--to", "date_to", metavar="DATE", help="Published on or before DATE (as tanggal:).")
@click.option("--facets", is_flag=True, help="Count matching articles by category, source, author, location and month.")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default=None,
              help="text [default]; json (as --json); jsonl or csv: one row per article.")
@click.option("--all", "everything", is_flag=True,
              help="Every matching article, not one page (with --format jsonl or csv).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (--format json).")
@COLOR_OPTION
def query_command(text, index_dir, limit, page, sort, date_from, date_to, facets, output_format,
                  everything, as_json):
    if as_json and output_format not in (None, "json"):
        raise click.UsageError(f"--json and --format {output_format} ask for different output")
    output_format = output_format or ("json" if as_json else "text")
    rows = output_format in ("jsonl", "csv")
    if everything and not rows:
        raise click.UsageError("--all streams rows: use it with --format jsonl or --format csv")
    if facets and rows:
        raise click.UsageError(f"--facets has no place in --format {output_format}; use --json")
    try:
        request = SearchRequest(text, sort=sort, date_from=date_from, date_to=date_to, limit=limit, page=page,
                                facets=facets)
        with _open_or_build(index_dir) as index:
            if everything:
                export = index.export(request.matching())
                _print_notes(export.notes)
                _print_rows(export, output_format)
                return
            started = time.perf_counter()
            results = index.search(request)
            elapsed = time.perf_counter() - started
    except SearchError as error:
        _fail(error)
    if output_format == "json":
        _dump(results.to_dict())
        return
    _print_notes(results.notes)
    if rows:
        _print_rows((ExportRow.from_hit(hit) for hit in results.hits), output_format)
        return
    if results.suggestion:
        click.echo(f"Did you mean: {click.style(results.suggestion, bold=True)}?")
    first = (page - 1) * limit + 1
    if not results.total:
        click.echo(f"No results for {text!r}.")
    elif not results.hits:
        last = math.ceil(results.total / limit)
        click.echo(f"Page {page} is past the end: {_plural(results.total, 'result')}, "
                   f"the last page is {last}.")
    else:
        click.echo(f"{_plural(results.total, 'result')} ({elapsed * 1000:.0f} ms); "
                   f"showing {first}-{first + len(results.hits) - 1}\n")
        _print_hits(results.hits, first)
    if results.facets is not None and results.total:
        _print_facets(results.facets)


def _print_notes(notes) -> None:
    for note in notes:
        click.echo(f"note: {note}", err=True)


def _print_rows(rows, output_format: str) -> None:
    """One JSON object per line, or CSV with a header row; written as they come."""
    head = export_rows.header(output_format)
    if head:
        click.echo(head, nl=False)
    for row in rows:
        click.echo(export_rows.line(row, output_format), nl=False)


FACET_VALUES_SHOWN = 10


def _print_facets(facets: dict) -> None:
    """Counts by category and source, most first; by month, in date order."""
    for name, counts in facets.items():
        items = sorted(counts.items()) if name == "month" else list(counts.items())
        shown = items if name == "month" else items[:FACET_VALUES_SHOWN]
        words = [[(f"{value} ({count})", False)] for value, count in shown]
        for word in words[:-1]:
            word.append((",", False))
        if len(shown) < len(items):
            words.append([(f"and {len(items) - len(shown)} more", False)])
        lines = _wrap(words or [[("-", False)]], f"{name}: ", " " * (len(name) + 2), lambda t, m: t)
        for line in lines:
            click.echo(line)


def _print_hits(hits, first: int = 1) -> None:
    for rank, hit in enumerate(hits, start=first):
        meta = " | ".join(filter(None, [hit.date.strftime("%Y-%m-%d") if hit.date else "",
                                        hit.source, hit.category]))
        title = hit.title_snippet.parts if hit.title_snippet and hit.title else None
        words = _words(title or ((hit.title or hit.id, False),))
        if hit.score is not None:  # kept on the line of the title's last word
            words[-1].append((f"  [{hit.score:.2f}]", None))
        number = f"{rank}. "
        for line in _wrap(words, number, " " * len(number),
                          lambda text, marked: text if marked is None else _title_style(text, marked)):
            click.echo(line)
        click.echo(f"   {hit.id}" + (f"  ({meta})" if meta else ""))
        if hit.url:
            click.echo(f"   {hit.url}")
        for snippet in hit.snippets:
            for line in _snippet_lines(snippet):
                click.echo(line)
        click.echo()


@main.command("similar")
@click.argument("article_id")
@INDEX_OPTION
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@COLOR_OPTION
def similar_command(article_id, index_dir, limit, as_json):
    """List the articles most like article ARTICLE_ID (not including it)."""
    try:
        with _open(index_dir) as index:
            hits = index.similar(article_id, limit=limit)
    except SearchError as error:
        _fail(error)
    if as_json:
        _dump({"id": article_id, "hits": [hit.to_dict() for hit in hits]})
        return
    if not hits:
        click.echo("No similar articles.")
    _print_hits(hits)


def _query_lines(queries) -> list[str]:
    """The lines of a QUERIES file, all read before any runs; a line that is not UTF-8 stops the run."""
    data = queries.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        lineno = data.count(b"\n", 0, error.start) + 1
        line_start = data.rfind(b"\n", 0, error.start) + 1
        column = len(data[line_start:error.start].decode("utf-8-sig", "replace")) + 1
        raise click.ClickException(
            f"{queries.name} line {lineno} is not UTF-8 (byte 0x{data[error.start]:02x} at column {column}); "
            "save it as UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


@main.command("run")
@click.argument("queries", type=click.File("rb"))
@INDEX_OPTION
@click.option("--limit", "-n", type=click.IntRange(1, 10000), default=100, show_default=True)
@click.option("--tag", default="search", show_default=True, help="Run tag in the last column.")
def run_command(queries, index_dir, limit, tag):
    """Batch search: read QUERIES (TSV: qid, query) and print a TREC run file.

    A header line starting with ``qid`` is skipped; extra columns are ignored.
    Output lines: ``qid Q0 docid rank score tag``. The hits of a query of
    filters only come newest first and are scored by rank (N down to 1).
    QUERIES must be UTF-8: a line that is not stops the run before any
    query runs.
    """
    lines = _query_lines(queries)
    try:
        with _open(index_dir) as index:
            for lineno, line in enumerate(lines, start=1):
                columns = line.split("\t")
                if len(columns) < 2:
                    if line.strip():
                        click.echo(f"line {lineno}: expected qid<TAB>query; skipped", err=True)
                    continue
                qid, text = columns[0].strip(), columns[1]
                if lineno == 1 and qid.lower() == "qid":
                    continue
                results = index.search(SearchRequest(text, limit=limit, highlight=False))
                for rank, hit in enumerate(results.hits, start=1):
                    # A query of filters only lists articles by date, unscored.
                    score = len(results.hits) - rank + 1 if hit.score is None else hit.score
                    click.echo(f"{qid} Q0 {hit.id} {rank} {score:.4f} {tag}")
    except SearchError as error:
        _fail(error)


@main.command("values")
@click.argument("field", metavar="FIELD")
@INDEX_OPTION
@click.option("--limit", "-n", type=click.IntRange(1), default=None,
              help="Show only the N most common values.")
@click.option("--json", "as_json", is_flag=True, help='Print a JSON list of {"value", "count"}.')
def values_command(field, index_dir, limit, as_json):
    """List the values of FIELD with their article counts, most common first.

    FIELD is category, source, author, location or month (or kategori,
    sumber, penulis, lokasi, bulan): the values to filter a query by, as in
    kategori:politik or tanggal:2021-03.
    """
    try:
        with _open(index_dir) as index:
            values = index.values(field, limit=limit)
    except SearchError as error:
        _fail(error)
    if as_json:
        _dump([value.to_dict() for value in values])
        return
    if not values:
        click.echo(f"No article has a {field}.")
        return
    width = max(len(str(value.count)) for value in values)
    for value in values:
        click.echo(f"{value.count:>{width}}  {value.value}")


TIMELINE_FORMATS = ("table", "csv", "json")


@main.command("timeline")
@click.argument("queries", nargs=-1, required=True)
@INDEX_OPTION
@click.option("--by", "interval", type=click.Choice(INTERVALS), default="month", show_default=True,
              help="How long each period is (weeks start on Monday; dates are read in WIB).")
@click.option("--filter", "filters", metavar="FILTERS", default="",
              help="Filters for every query and for the archive's count: sumber:kompas kategori:politik ...")
@click.option("--from", "date_from", metavar="DATE", help="From DATE (as tanggal:).")
@click.option("--to", "date_to", metavar="DATE", help="To DATE (as tanggal:).")
@click.option("--format", "output_format", type=click.Choice(TIMELINE_FORMATS), default="table",
              show_default=True)
def timeline_command(queries, index_dir, interval, filters, date_from, date_to, output_format):
    """How many articles each of QUERIES matched per period, and their share of the archive's articles
    of that period (shares compare periods of a growing archive).

    \b
    search timeline banjir gempa "kebakaran hutan" --by year
    search timeline banjir --filter sumber:kompas --from 2017 --to 2017 --format csv
    """
    try:
        with _open(index_dir) as index:
            timeline = index.timeline(list(queries), interval=interval, filters=filters,
                                      date_from=date_from, date_to=date_to)
    except SearchError as error:
        _fail(error)
    for found in timeline.lines:
        for note in found.notes:
            click.echo(f"note: {found.query}: {note}", err=True)
        if found.suggestion:
            click.echo(f"note: {found.query}: nothing matched; did you mean {found.suggestion}?", err=True)
    if output_format == "json":
        _dump(timeline.to_dict())
    elif output_format == "csv":
        click.echo(export_rows.timeline_csv(timeline), nl=False)
    else:
        _print_timeline(timeline)


def _print_timeline(timeline) -> None:
    """A table: the period, the archive's count, and each query's count with its share in per cent."""
    heads = ["period", "articles", *(found.query for found in timeline.lines)]
    rows = [[period.label, str(timeline.archive[i]),
             *(f"{found.counts[i]} ({100 * found.shares[i]:.1f}%)" for found in timeline.lines)]
            for i, period in enumerate(timeline.periods)]
    totals = ["total", str(sum(timeline.archive)), *(str(found.total) for found in timeline.lines)]
    widths = [max(len(row[c]) for row in [heads, *rows, totals]) for c in range(len(heads))]
    for row in [heads, *rows, totals]:
        click.echo("  ".join(cell.rjust(width) if c else cell.ljust(width)
                             for c, (cell, width) in enumerate(zip(row, widths, strict=True))).rstrip())
    undated = [f"{found.query}: {found.undated}" for found in timeline.lines if found.undated]
    if undated:
        click.echo(f"without a date (in no period): {', '.join(undated)}")


@main.command("words", cls=_TextArgumentCommand)
@click.argument("text")
@INDEX_OPTION
@click.option("--limit", "-n", type=click.IntRange(1, 200), default=20, show_default=True)
@click.option("--sample", type=click.IntRange(1, 5000), default=200, show_default=True,
              help="Read the words of the query's N best articles.")
@click.option("--from", "date_from", metavar="DATE", help="Published on or after DATE (as tanggal:).")
@click.option("--to", "date_to", metavar="DATE", help="Published on or before DATE (as tanggal:).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def words_command(text, index_dir, limit, sample, date_from, date_to, as_json):
    """The words and two-word phrases that set TEXT's articles apart from the rest of the archive,
    and the outlets that carried them, as shares of each outlet's own articles.

    The words of the query's best --sample articles are weighed against the
    whole archive (log-likelihood); stop words and the query's own words are
    left out. Each is shown as the articles wrote it most often.
    """
    try:
        with _open(index_dir) as index:
            coverage = index.coverage(text, limit=limit, sample=sample, date_from=date_from, date_to=date_to)
    except SearchError as error:
        _fail(error)
    if as_json:
        _dump(coverage.to_dict())
        return
    _print_notes(coverage.notes)
    if not coverage.total:
        click.echo(f"No results for {text!r}.")
        return
    click.echo(f"The words of {_plural(coverage.sample, 'article')} of {coverage.total} against "
               "the whole archive (articles holding it: here, in the archive):")
    width = max((len(word.text) for word in coverage.words), default=0)
    for word in coverage.words:
        click.echo(f"  {word.text:<{width}}  {word.articles:>4} {word.archive:>6}")
    click.echo("Outlets (matching articles / all of theirs):")
    for share in coverage.sources[:FACET_VALUES_SHOWN]:
        click.echo(f"  {share.source}: {share.matched} / {share.articles} ({100 * share.share:.1f}%)")


@main.command("show")
@click.argument("article_id")
@INDEX_OPTION
@click.option("--json", "as_json", is_flag=True)
def show_command(article_id, index_dir, as_json):
    """Print one article by its id."""
    try:
        with _open(index_dir) as index:
            article = index.get(article_id)
    except SearchError as error:
        _fail(error)
    if as_json:
        _dump(article.to_dict())
        return
    click.echo(click.style(article.title or article.id, bold=True))
    for name in ("id", "date", "category", "location", "source", "author", "editor", "url", "captured"):
        value = getattr(article, name)
        if value:
            click.echo(f"{name}: {value.isoformat() if name in ('date', 'captured') else value}")
    click.echo()
    click.echo(article.body)


@main.command("stats")
@INDEX_OPTION
@click.option("--json", "as_json", is_flag=True)
def stats_command(index_dir, as_json):
    """Describe the index: articles, fields, size, build time, sources."""
    try:
        with _open(index_dir) as index:
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
    if len(stats.shards) > 1:
        for shard in stats.shards:
            click.echo(f"shard {shard.number:<5d}{_plural(shard.articles, 'article')}, "
                       f"{shard.size_bytes / 1e6:.1f} MB, {shard.served_by}")
    for source in stats.sources:
        missing = "" if source.exists else "  (missing)"
        kept = f", {source.kept} kept whose files are gone" if source.kept else ""
        click.echo(f"source:     {source.path}: {_plural(source.articles, 'article')} "
                   f"from {_plural(source.files, 'file')}{kept}{missing}")
    if stats.kept:
        click.echo(f"kept:       {_plural(stats.kept, 'article')} whose files are gone or no longer give them "
                   "(`search index --prune` removes them)")


def _restore(index_dir: Path, wait: float) -> None:
    """`search index --restore`: the newest whole earlier generation made live again."""
    from .store.fixity import restore_index

    try:
        report = restore_index(index_dir, wait=wait)
    except SearchError as error:
        _fail(error)
    if report.replaced is None:
        click.echo(f"Restored {report.restored} in {report.index_dir}.")
    elif report.replaced_damaged:
        click.echo(f"Restored {report.restored} in {report.index_dir}; the damaged {report.replaced} is set "
                   "aside and goes with the next update. Bring it up to date with `search index"
                   f" --index {report.index_dir}`.")
    else:
        click.echo(f"Restored {report.restored} in {report.index_dir}; {report.replaced} is kept.")


@main.command("check")
@INDEX_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def check_command(index_dir, as_json):
    """Check every byte of the index against its checksums, and read every segment.

    Reads each file of the live generation and compares it with the
    checksum recorded when it was written, then reads every posting list,
    stored article and column, and says whether the generation kept before
    it is whole. Exit status 0 when the index is whole, 1 when something is
    damaged (each damaged file is named, with what to do).
    """
    from .store.fixity import check_index

    try:
        report = check_index(index_dir)
    except SearchError as error:
        _fail(error)
    if as_json:
        _dump(report.to_dict())
    if report.whole:
        if not as_json:
            click.echo(_check_summary(report))
        return
    if not as_json:
        for damaged in report.damaged:
            click.echo(f"damaged: {damaged.path} {damaged.problem}", err=True)
    where = f" --index {report.index_dir}"
    fix = (f"restore the previous generation with `search index --restore{where}` or rebuild it"
           if report.previous_whole else "no earlier generation is kept whole: rebuild it")
    raise click.ClickException(f"the index at {report.index_dir} is damaged "
                               f"({_plural(len(report.damaged), 'damaged file')}); "
                               f"{fix} with `search index --rebuild{where}`")


def _check_summary(report) -> str:
    previous = ("no earlier generation is kept" if report.previous is None else
                f"the previous generation {report.previous} is "
                + ("whole" if report.previous_whole else "damaged"))
    how = "byte for byte" if report.checksums else "by size (built before checksums; rebuild to add them)"
    return (f"The index at {report.index_dir} is whole: {report.generation}, {report.files_checked} files "
            f"({report.bytes_checked / 1e6:.1f} MB) checked {how}, {_plural(report.segments_read, 'segment')} "
            f"read ({report.postings_read:,} postings, {report.articles_read:,} articles) "
            f"in {report.seconds:.1f} s; {previous}.")


@main.command("serve")
@INDEX_OPTION
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface; only when you mean it).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--token", envvar="SEARCH_SERVE_TOKEN", show_envvar=True, default=None,
              help="Ask every request for this access token: `Authorization: Bearer TOKEN` "
                   "for the API, the page opened once with ?token=TOKEN (then a cookie).")
@click.option("--readers", type=click.IntRange(1, 16), envvar="SEARCH_SERVE_READERS", show_envvar=True,
              default=2, show_default=True, help="Open indexes per process: requests searched at once.")
@click.option("--workers", type=click.IntRange(1, 16), envvar="SEARCH_SERVE_WORKERS", show_envvar=True,
              default=1, show_default=True, help="Processes answering on the port (one core each at most).")
def serve_command(index_dir, host, port, token, readers, workers):
    """Serve the search page and the JSON API over the index (read-only).

    At the default location, builds the index from seeds/ first if there is
    none. A running server sees `search index` and `search add` updates
    within a second or two.
    Needs the web extra: pip install -e '.[web]'.
    """
    try:
        from . import web  # imported here: other commands never load the web stack
        from .web import server
    except ImportError as error:
        raise click.ClickException(
            f"search serve needs the web extra ({error}); install it with: pip install -e '.[web]'"
        ) from None
    if token is not None and not token.strip():
        raise click.BadParameter("the token is empty", param_hint="--token / SEARCH_SERVE_TOKEN")
    try:
        _open_or_build(index_dir).close()
        sock = server.listen(host, port)  # before saying "Serving": a port in use is one line
    except SearchError as error:
        _fail(error)
    if server.beyond_loopback(host):
        click.echo(_serve_warning(host, port, token), err=True)
    click.echo(f"Serving {index_dir} at http://{host}:{port}/ (Ctrl+C stops)", err=True)
    cluster = _cluster()
    web.serve(index_dir, sock,
              advice=f"; `search check --index {index_dir}` says whether the index is damaged",
              ray_address=cluster.address, ray_timeout=cluster.timeout, token=token, readers=readers,
              workers=workers)


def _serve_warning(host: str, port: int, token: str | None) -> str:
    if token:
        return (f"Warning: listening on {host} port {port}, beyond this machine: every endpoint answers "
                f"anyone who can reach the port and sends the token (SEARCH_SERVE_TOKEN).")
    return (f"Warning: listening on {host} port {port}, beyond this machine: every endpoint is open to "
            f"anyone who can reach the port; set SEARCH_SERVE_TOKEN (or pass --token) to ask for a token.")


@main.command("analyze")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True)
def analyze_command(text, as_json):
    """Show each token of TEXT and its stem: why a word does or does not match."""
    from .language import analysis

    tokens = analysis.analyze(text)
    if as_json:
        _dump([token.__dict__ for token in tokens])
        return
    width = max((len(t.text) for t in tokens), default=0)
    for token in tokens:
        note = "  (stop word: not indexed)" if token.stop_word else ""
        click.echo(f"{token.text:<{width}}  ->  {token.stem}{note}")
