"""The timeline page (``/timeline?q=…&q=…``): attention over time for several queries, as a chart and a table.

Why a page of its own: a researcher compares how much several subjects were
covered and when (Media Cloud's attention over time). The chart is SVG
written by the server (:mod:`search.web.chart`), so it works without
JavaScript; each point links to that period's results, the numbers are
below it as a table, and the same numbers download as CSV from
``/api/timeline``. Counts or shares of the archive's articles, switchable
by a link.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from ...errors import QueryError
from .. import chart, labels, render
from ..params import MAX_TIMELINE_QUERIES, BadRequest, text_param, timeline_request

SHOWN = ("count", "share")


def _state(params) -> dict:
    """The page's state from its URL, for its links: everything but the queries (a list) and the view."""
    state = {name: params[name] for name in ("interval", "filter", "from", "to", "show") if params.get(name)}
    lang = labels.language(params.get("lang"))
    if lang != labels.DEFAULT:
        state["lang"] = lang
    return state


def _query_string(path: str, queries: list[str], state: dict, **changes) -> str:
    """``path`` with the queries as repeated ``q`` and the page's state, changed (None removes)."""
    merged = {**state, **changes}
    pairs = [("q", text) for text in queries] + [(k, v) for k, v in merged.items() if v not in (None, "")]
    return f"{path}?{urlencode(pairs)}"


async def timeline_page(request: Request):
    params = request.query_params
    state = _state(params)
    queries = [text for text in params.getlist("q") if text.strip()][:MAX_TIMELINE_QUERIES]
    show = params.get("show", "") or "count"
    if show not in SHOWN:
        raise BadRequest("show must be count or share")
    context: dict[str, Any] = {
        "queries": queries, "boxes": queries + [""] * (MAX_TIMELINE_QUERIES - len(queries)),
        "interval": params.get("interval", "") or "month", "filter_text": text_param(params, "filter", max_chars=200),
        "date_from": text_param(params, "from", max_chars=40), "date_to": text_param(params, "to", max_chars=40),
        "show": show, "timeline": None,
    }
    if not queries:
        return render.page(request, "timeline.html", context)
    try:
        asked = timeline_request(params)
        timeline = await request.app.state.index.run(lambda index: index.timeline(asked))
    except QueryError as error:
        return render.page(request, "timeline.html", {**context, "error": str(error)}, status=400)
    series = [[100 * share for share in line.shares] if show == "share" else line.counts for line in timeline.lines]
    kept = {key: value for key, value in state.items() if key == "lang"}

    def results_link(line: int, period: int) -> str:
        found = timeline.periods[period]
        text = " ".join(part for part in (timeline.lines[line].query, timeline.filters) if part)
        return render.link("/", kept, q=text, **{"from": found.date_from, "to": found.date_to})

    context.update({
        "timeline": timeline, "chart": chart.line_chart(series),
        "results_link": results_link,
        "show_link": lambda value: _query_string("/timeline", queries, state, show=value),
        "suggestion_link": lambda typed, better: _query_string(
            "/timeline", [better if text == typed else text for text in queries], state),
        "csv_link": _query_string("/api/timeline", queries, state, show=None, lang=None, format="csv"),
    })
    return render.page(request, "timeline.html", context)
