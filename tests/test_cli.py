"""The command line, through click's CliRunner: what a user types and sees."""

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, SEED_ARTICLE

from search.cli import main

SEED_ID = "000_b21858542a778c68.txt"


@pytest.fixture
def runner():
    return CliRunner()


def test_index_then_query(runner, corpus_dir, tmp_path):
    ix = str(tmp_path / "ix")
    result = runner.invoke(main, ["index", str(corpus_dir), "--index", ix])
    assert result.exit_code == 0, result.output
    assert "Indexed 23 articles" in result.output
    result = runner.invoke(main, ["query", "milik dinas kominfo", "--index", ix])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "Sawahlunto Menjadi Kota Terakhir Miliki Dinas Kominfo" in lines[2]
    assert "memiliki" in result.output


def test_terminal_output_marks_matches_in_colour(runner, small_index):
    result = runner.invoke(main, ["query", "milik", "--index", str(small_index)], color=True)
    assert "\x1b[" in result.output and "memiliki" in result.output


def test_query_json(runner, small_index):
    result = runner.invoke(main, ["query", "milik dinas kominfo", "--json", "-n", "3",
                                  "--index", str(small_index)])
    data = json.loads(result.output)
    assert data["query"] == "milik dinas kominfo"
    assert data["total"] >= len(data["hits"]) and len(data["hits"]) <= 3
    hit = data["hits"][0]
    assert set(hit) >= {"id", "title", "date", "source", "category", "url", "score", "highlights"}
    assert hit["id"] == SEED_ID and hit["date"] == "2021-03-17T17:36:00+07:00"
    assert any("<mark>memiliki</mark>" in h for h in hit["highlights"])


def test_index_option_from_environment(runner, small_index):
    result = runner.invoke(main, ["stats", "--json"], env={"SEARCH_INDEX": str(small_index)})
    assert result.exit_code == 0
    assert json.loads(result.output)["articles"] == 23


def test_query_builds_the_index_from_seeds_when_there_is_none(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seeds").mkdir()
    shutil.copy(SEED_ARTICLE, tmp_path / "seeds")
    result = runner.invoke(main, ["query", "kominfo"])
    assert result.exit_code == 0, result.output
    assert "building it from seeds" in result.output
    assert (tmp_path / "indexes" / "default" / "CURRENT").exists()


def test_index_exit_status_when_files_are_skipped(runner, tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED_ARTICLE, seeds)
    (seeds / "empty.txt").write_text("")
    result = runner.invoke(main, ["index", str(seeds), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 3
    assert "skipped empty.txt: empty page" in result.output


def test_index_with_nothing_readable_is_an_error(runner, tmp_path):
    result = runner.invoke(main, ["index", str(tmp_path / "nope"), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: no article could be read")
    assert "Traceback" not in result.output


def test_run_prints_a_trec_run_file(runner, small_index, tmp_path):
    queries = tmp_path / "q.tsv"
    queries.write_text("qid\tquery\tdocid\nq1\tmilik dinas kominfo\tx\nq2\tyang\n\nbadline\n")
    result = runner.invoke(main, ["run", str(queries), "-n", "5", "--index", str(small_index)])
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if line.startswith("q")]
    assert lines[0].split()[:4] == ["q1", "Q0", SEED_ID, "1"]
    assert all(len(line.split()) == 6 for line in lines)
    assert "line 5" in result.output  # the malformed line is reported


def test_show_and_missing_article(runner, small_index):
    result = runner.invoke(main, ["show", SEED_ID, "--index", str(small_index)])
    assert result.exit_code == 0 and "author: Imel" in result.output
    result = runner.invoke(main, ["show", SEED_ID, "--json", "--index", str(small_index)])
    assert json.loads(result.output)["editor"] == "BiNews"
    result = runner.invoke(main, ["show", "nope", "--index", str(small_index)])
    assert result.exit_code == 1 and result.output == "Error: no article with id 'nope'\n"


def test_stats(runner, small_index):
    result = runner.invoke(main, ["stats", "--index", str(small_index)])
    assert result.exit_code == 0 and "articles:   23" in result.output


def test_analyze(runner):
    result = runner.invoke(main, ["analyze", "Anak-anak yang memiliki Diskominfo"])
    assert result.exit_code == 0
    rows = [line.split() for line in result.output.splitlines()]
    assert rows[0] == ["Anak-anak", "->", "anak"]
    assert rows[1] == ["yang", "->", "yang", "(stop", "word:", "not", "indexed)"]
    assert rows[2] == ["memiliki", "->", "milik"]
    assert rows[3] == ["Diskominfo", "->", "diskominfo"]


@pytest.mark.parametrize("args", [["stats"], ["show", "x"], ["run", "QUERIES"]])
def test_missing_index_is_one_line(runner, tmp_path, args):
    (tmp_path / "QUERIES").write_text("q1\tdinas\n")
    args = [str(tmp_path / "QUERIES") if a == "QUERIES" else a for a in args]
    result = runner.invoke(main, args + ["--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_bad_options_are_usage_errors(runner, small_index):
    result = runner.invoke(main, ["query", "x", "--limit", "0", "--index", str(small_index)])
    assert result.exit_code == 2


def test_python_dash_m(small_index):
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "search", "stats", "--index", str(small_index)],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "articles:   23" in out.stdout


def test_an_unexpected_failure_is_one_line(runner, small_index, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("search.index.Index.search", broken)
    result = runner.invoke(main, ["query", "kominfo", "--index", str(small_index)])
    assert result.exit_code == 1
    assert result.output == ("Error: unexpected error (RuntimeError: boom); "
                             "please report it (SEARCH_DEBUG=1 shows the details)\n")


def test_index_updates_add_and_remove_from_the_command_line(runner, tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED_ARTICLE, seeds)
    shutil.copy(FIXTURES / "kompas-1.html", seeds)
    shutil.copy(FIXTURES / "kompas-1.html", seeds / "kompas-copy.html")
    ix = ["--index", str(tmp_path / "ix")]
    result = runner.invoke(main, ["index", str(seeds), *ix])
    assert result.exit_code == 0, result.output
    assert "Indexed 2 articles from 3 files" in result.output
    assert "merged kompas-copy.html: 'kompas-copy.html' has the same URL as 'kompas-1.html'" in result.output

    result = runner.invoke(main, ["index", str(seeds), *ix])
    assert "is up to date: 3 files unchanged, 2 articles." in result.output

    (seeds / "kompas-1.html").unlink()
    shutil.copy(FIXTURES / "okezone-1.html", seeds)
    result = runner.invoke(main, ["index", str(seeds), *ix])
    assert result.exit_code == 0, result.output
    assert "1 new, 0 changed, 1 gone and 2 unchanged files; 1 articles added" in result.output

    result = runner.invoke(main, ["add", str(FIXTURES / "antara-4.html"), *ix])
    assert result.exit_code == 0, result.output
    assert "1 added, 0 replaced, 0 removed" in result.output
    assert runner.invoke(main, ["show", "antara-4.html", *ix]).exit_code == 0

    result = runner.invoke(main, ["remove", "antara-4.html", "nope", *ix])
    assert result.exit_code == 0
    assert "not found: nope" in result.output and "1 removed" in result.output
    result = runner.invoke(main, ["remove", "nope", *ix])
    assert result.exit_code == 1
    assert runner.invoke(main, ["show", "antara-4.html", *ix]).exit_code == 1


def test_a_query_of_filters_only_lists_articles_newest_first(runner, small_index):
    ix = ["--index", str(small_index)]
    result = runner.invoke(main, ["query", "tanggal:2017-03", *ix])
    assert result.exit_code == 0, result.output
    assert "indosum-1490674536-mustahil-transportasi" in result.output
    assert "no searchable words" not in result.output
    result = runner.invoke(main, ["query", "", "--from", "2017-03", "--to", "2017-04", "--json",
                                  "--facets", "--limit", "1", "--page", "2", *ix])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == 2 and data["page"] == 2
    assert [(hit["id"][:18], hit["score"]) for hit in data["hits"]] == [("indosum-1490674536", None)]
    assert data["facets"]["month"] == {"2017-03": 1, "2017-04": 1}
    data = json.loads(runner.invoke(main, ["query", "sumber:CNN", "--json", "-n", "100", *ix]).output)
    dates = [hit["date"] for hit in data["hits"]]
    assert data["total"] == 8 and dates == sorted(dates, reverse=True)
    result = runner.invoke(main, ["query", "yang", *ix])
    assert "no searchable words" in result.output


def test_run_scores_a_query_of_filters_only_by_rank(runner, small_index, tmp_path):
    queries = tmp_path / "q.tsv"
    queries.write_text("q1\tkategori:tajuk\n")
    result = runner.invoke(main, ["run", str(queries), "--index", str(small_index)])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines()]
    assert len(rows) == 8
    assert [float(row[4]) for row in rows] == [8.0 - rank for rank in range(8)]


def test_values_lists_a_field_most_common_first(runner, small_index):
    ix = ["--index", str(small_index)]
    result = runner.invoke(main, ["values", "kategori", "--limit", "2", *ix])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["8  tajuk utama", "4  olahraga"]
    result = runner.invoke(main, ["values", "source", "--json", *ix])
    data = json.loads(result.output)
    assert data[0] == {"value": "cnn indonesia", "count": 8}
    assert sum(item["count"] for item in data) == 23
    result = runner.invoke(main, ["values", "lokasi", *ix])
    # The seed page's own location, and the places of the IndoSum bodies' datelines (test_datelines.py).
    assert result.output == "9  Jakarta\n1  Bandung\n1  Kota Sawahlunto\n1  Wamena\n"


def test_values_of_an_unknown_field_is_one_line(runner, small_index):
    result = runner.invoke(main, ["values", "judul", "--index", str(small_index)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: no field 'judul'") and result.output.count("\n") == 1
    assert "category" in result.output and "kategori" in result.output
# The command line around the commands.

def query(runner, small_index, *args, **kwargs):
    result = runner.invoke(main, ["query", *args, "--index", str(small_index)], **kwargs)
    assert result.exit_code == 0, result.output
    return result


def test_index_before_the_command_too(runner, small_index, tmp_path):
    result = runner.invoke(main, ["--index", str(small_index), "stats"])
    assert result.exit_code == 0 and "articles:   23" in result.output
    result = runner.invoke(main, ["--index", str(small_index), "stats"],
                           env={"SEARCH_INDEX": str(tmp_path / "none")})
    assert result.exit_code == 0 and "articles:   23" in result.output
    result = runner.invoke(main, ["--index", str(tmp_path / "none"), "stats", "--index", str(small_index)])
    assert result.exit_code == 0 and "articles:   23" in result.output  # after the command wins
    result = runner.invoke(main, ["--index", str(small_index), "query", "kominfo"])
    assert result.exit_code == 0 and "Kominfo" in result.output


def test_a_query_may_start_with_an_exclusion(runner, small_index):
    data = json.loads(query(runner, small_index, "-pemerintah kota", "--json").output)
    assert data["query"] == "-pemerintah kota" and data["total"] > 0
    assert any("left out" in note for note in data["notes"])
    # Options around it still work, -n5 too, and the value of --sort is not a query.
    result = runner.invoke(main, ["query", "--sort", "-date", "-kota", "-n1", "--json",
                                  "--index", str(small_index)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["query"] == "-kota" and json.loads(result.output)["limit"] == 1
    assert json.loads(query(runner, small_index, "-nasi goreng", "--json").output)["query"] == "-nasi goreng"
    assert runner.invoke(main, ["query", "-banjir", "-h"]).output.startswith("Usage: main query [OPTIONS] TEXT")
    assert runner.invoke(main, ["query", "x", "--jsn", "--index", str(small_index)]).exit_code == 2


def test_snippets_wrap_to_the_terminal_width_with_a_hanging_indent(runner, small_index):
    import search
    with search.open_index(small_index) as index:
        snippet = index.search("pemerintah").hits[0].snippets[0]
    for columns in (60, 100):
        lines = query(runner, small_index, "pemerintah", env={"COLUMNS": str(columns)}).output.splitlines()
        start = next(n for n, line in enumerate(lines) if line.startswith("   \u2026"))
        block = [lines[start]]
        for line in lines[start + 1:]:
            if not line.startswith("    ") or not line.strip():
                break
            block.append(line)
        assert len(block) > 1 and all(len(line) <= columns for line in block)
        assert max(len(line) for line in block) > columns - 15  # lines are filled
        assert " ".join(line.strip() for line in block) == f"\u2026{snippet.text}\u2026"


def test_output_that_is_not_a_terminal_is_80_columns_wide(runner, small_index, monkeypatch):
    def not_a_terminal(*args):
        raise OSError("not a terminal")

    monkeypatch.setattr("os.get_terminal_size", not_a_terminal)
    lines = query(runner, small_index, "pemerintah", env={"COLUMNS": None}).output.splitlines()
    snippets = [line for line in lines if line.startswith(("   \u2026", "    "))]
    assert 70 < max(len(line) for line in snippets) <= 80


def test_the_titles_matched_words_are_marked_too(runner, small_index):
    lines = query(runner, small_index, "milik kominfo", color=True).output.splitlines()
    assert lines[2].startswith("1. ") and "\x1b[33m\x1b[1mMiliki\x1b[0m" in lines[2]
    data = json.loads(query(runner, small_index, "milik kominfo", "--json").output)
    assert data["hits"][0]["title_highlight"] == (
        "Sawahlunto Menjadi Kota Terakhir <mark>Miliki</mark> Dinas <mark>Kominfo</mark>")


def test_each_hit_shows_its_url(runner, small_index):
    hits = json.loads(query(runner, small_index, "pemerintah", "--json").output)["hits"]
    lines = query(runner, small_index, "pemerintah").output.splitlines()
    urls = [hit["url"] for hit in hits if hit["url"]]
    assert urls and all(f"   {url}" in lines for url in urls)


@pytest.mark.parametrize("option, env, terminal, coloured", [
    ("auto", {}, True, True),
    ("auto", {}, False, False),
    ("auto", {"NO_COLOR": "1"}, True, False),
    ("auto", {"NO_COLOR": ""}, True, True),
    ("never", {}, True, False),
    ("always", {"NO_COLOR": "1"}, False, True),
])
def test_color_option_and_no_color(runner, small_index, option, env, terminal, coloured):
    # CliRunner's color=True stands for a terminal.
    result = query(runner, small_index, "milik", "--color", option, env=env, color=terminal)
    assert ("\x1b[" in result.output) is coloured
    assert "memiliki" in result.output


def test_one_result_is_one_result(runner, small_index):
    output = query(runner, small_index, "kominfo").output
    assert output.startswith("1 result (") and "1 results" not in output


def test_an_ellipsis_only_where_the_text_was_cut(runner, tmp_path):
    seeds = tmp_path / "s"
    seeds.mkdir()
    records = [
        {"id": "short", "title": "Banjir di Bekasi", "body": "Banjir merendam rumah warga."},
        {"id": "long", "title": "Kabar banjir kota", "body": "Kalimat pertama artikel. " * 30},
    ]
    (seeds / "a.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    ix = str(tmp_path / "ix")
    assert runner.invoke(main, ["index", str(seeds), "--index", ix]).exit_code == 0
    result = runner.invoke(main, ["query", "banjir", "--index", ix])
    lines = result.output.splitlines()
    assert "   Banjir merendam rumah warga." in lines
    assert "\u2026\u2026" not in result.output and " \u2026\u2026" not in result.output
    opening = next(line for line in lines if line.startswith("   Kalimat pertama"))
    assert opening.count("\u2026") <= 1


def test_facets_come_after_the_hits_with_months_in_date_order(runner, small_index):
    lines = query(runner, small_index, "pemerintah", "--facets", "-n", "3",
                  env={"COLUMNS": "500"}).output.splitlines()
    month = next(n for n, line in enumerate(lines) if line.startswith("month: "))
    assert month > max(n for n, line in enumerate(lines) if line.startswith("3. "))
    months = [item.split(" (")[0] for item in lines[month][len("month: "):].split(", ")]
    assert len(months) > 3 and months == sorted(months)
    counts = json.loads(query(runner, small_index, "pemerintah", "--facets", "--json").output)
    assert list(counts["facets"]["month"]) != months  # the library's order is by count


def test_a_page_past_the_end_names_the_last_page(runner, small_index):
    total = json.loads(query(runner, small_index, "pemerintah", "--json").output)["total"]
    output = query(runner, small_index, "pemerintah", "-n", "3", "-p", "9").output
    assert output == f"Page 9 is past the end: {total} results, the last page is {-(-total // 3)}.\n"


def test_export_every_matching_article_as_json_lines(runner, small_index):
    total = json.loads(query(runner, small_index, "pemerintah", "--json", "-n", "1").output)["total"]
    output = query(runner, small_index, "pemerintah", "--all", "--format", "jsonl", "-n", "1").output
    rows = [json.loads(line) for line in output.splitlines()]
    assert len(rows) == total > 5
    assert list(rows[0]) == ["id", "title", "date", "source", "category", "url", "score", "snippet"]
    assert len({row["id"] for row in rows}) == total
    assert "\\u" not in output and "<mark>" not in output  # UTF-8 as is, plain text
    by_date = query(runner, small_index, "pemerintah", "--all", "--format", "jsonl", "--sort", "date").output
    dates = [json.loads(line)["date"] for line in by_date.splitlines()]
    assert len(dates) == total and dates == sorted(dates)


def test_export_every_matching_article_as_csv(runner, small_index):
    import csv
    import io
    total = json.loads(query(runner, small_index, "pemerintah", "--json").output)["total"]
    output = query(runner, small_index, "pemerintah", "--all", "--format", "csv").output
    rows = list(csv.reader(io.StringIO(output)))
    assert rows[0] == ["id", "title", "date", "source", "category", "url", "score", "snippet"]
    assert len(rows) == total + 1 and all(len(row) == 8 for row in rows)
    page = list(csv.reader(io.StringIO(query(runner, small_index, "pemerintah", "--format", "csv",
                                             "-n", "2").output)))
    assert page == rows[:3]  # without --all, one page


def test_format_json_is_json_and_bad_combinations_are_usage_errors(runner, small_index):
    assert (query(runner, small_index, "kominfo", "--format", "json").output
            == query(runner, small_index, "kominfo", "--json").output)
    assert (query(runner, small_index, "kominfo", "--format", "text").output.split("(")[0]
            == query(runner, small_index, "kominfo").output.split("(")[0])
    for args in (["--all"], ["--all", "--json"], ["--json", "--format", "csv"],
                 ["--format", "jsonl", "--facets"]):
        result = runner.invoke(main, ["query", "kominfo", *args, "--index", str(small_index)])
        assert result.exit_code == 2, args


def test_export_of_a_query_of_filters_only_lists_every_article_newest_first(runner, small_index):
    result = runner.invoke(main, ["query", "", "--from", "2017-03", "--to", "2017-04", "--all",
                                  "--format", "jsonl", "--index", str(small_index)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 2 and rows[0]["date"] > rows[1]["date"]
    assert all(row["score"] is None for row in rows)


def _readme_queries():
    """The `search query` examples of the README's code blocks, and its query-language table's."""
    import re
    import shlex

    from conftest import PROJECT
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    queries = [shlex.split(line.split("#")[0] if " #" in line else line)[2]
               for line in text.splitlines() if line.startswith("search query ")]
    table = text[text.index("### Query language"):text.index("A clause aimed at a field")]
    queries += [cell for row in table.splitlines() if row.startswith("| `")
                for cell in re.findall(r"`([^`]+)`", row.split("|")[1])]
    return queries


@pytest.mark.slow  # builds the seeds' index
@pytest.mark.parametrize("text", _readme_queries())
def test_every_query_the_readme_shows_finds_articles_in_the_seeds(runner, seeds_index, text):
    result = runner.invoke(main, ["query", text, "--json", "-n", "1", "--index", str(seeds_index)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["total"] > 0, text


def test_timeline_prints_each_query_per_period_as_a_table_csv_and_json(runner, seeds_index):
    ix = ["--index", str(seeds_index)]
    table = runner.invoke(main, ["timeline", "banjir", "kebakaran hutan", "--by", "year", *ix])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].split() == ["period", "articles", "banjir", "kebakaran", "hutan"]
    assert lines[1].startswith("2016") and lines[-1].startswith("total")
    data = json.loads(runner.invoke(main, ["timeline", "banjir", "--by", "month", "--format", "json", *ix]).output)
    assert data["interval"] == "month" and len(data["periods"]) == len(data["lines"][0]["counts"])
    query = json.loads(runner.invoke(main, ["query", "banjir", "--json", *ix]).output)
    assert data["lines"][0]["total"] == query["total"]
    csv_text = runner.invoke(main, ["timeline", "banjir", "--by", "year", "--format", "csv", *ix]).output
    assert csv_text.splitlines()[0] == "period,start,end,archive,banjir count,banjir share"
    assert csv_text.splitlines()[1].startswith("2016,2016-01-01,2016-12-31,")


@pytest.mark.parametrize(("arguments", "message"), [
    (["--by", "decade"], "'decade' is not one of"),
    (["--filter", "gempa"], "filters only"),
    (["--from", "2017-13"], "2017-13"),
])
def test_a_timeline_asked_wrongly_is_one_line_and_a_non_zero_exit(runner, seeds_index, arguments, message):
    result = runner.invoke(main, ["timeline", "banjir", *arguments, "--index", str(seeds_index)])
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output


def test_words_of_a_query_and_its_outlets(runner, seeds_index):
    ix = ["--index", str(seeds_index)]
    result = runner.invoke(main, ["words", "banjir", "-n", "10", *ix])
    assert result.exit_code == 0, result.output
    assert "hujan" in result.output and "Outlets" in result.output
    data = json.loads(runner.invoke(main, ["words", "banjir", "--json", *ix]).output)
    assert len(data["words"]) == 20 and data["total"] == data["sample"]
    assert {"text", "stems", "phrase", "articles", "archive", "score"} <= set(data["words"][0])
    assert data["sources"][0]["share"] >= data["sources"][-1]["share"]
