"""How an answer is rendered: JSON, or a page from a template in the page's language.

Why a module of its own: the views and the error responses both render
pages (the same templates, the same language, links that keep the page's
state) and JSON; this is that shared part, with no view in it.

Nothing from a URL reaches the file system here: templates and their words
come from this package. Pages are Jinja2 templates with autoescape on; the
only HTML that is not escaped is the engine's own ``<mark>`` markup, whose
article text is escaped already.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.templating import Jinja2Templates

from ..results import QueryNoteKind
from . import labels, present

HERE = Path(__file__).parent


def json(data, status: int = 200, headers=None) -> JSONResponse:
    """``data`` as a JSON response."""
    return JSONResponse(data, status_code=status, headers=headers)


SAID_APART = frozenset({QueryNoteKind.CORRECTED, QueryNoteKind.LEFT_OUT, QueryNoteKind.NO_WORDS})
"""The engine's notes that the page says beside the results in its own words, not among its notes."""


def templates() -> Jinja2Templates:
    """The pages' templates (this package's ``templates/``), autoescaped, with the helpers they call."""
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(article_path=article_path, safe_url=present.safe_url, snippet_html=present.snippet_html,
                       date_range_label=present.date_range_label,
                       html=lambda text, *args, **values: Markup(text).format(*args, **values))
    # Notes the page already says in its own words (the correction, stop words, exclusions).
    env.tests["said_apart"] = lambda note: note.kind in SAID_APART
    env.globals["note_text"] = labels.note_text
    return Jinja2Templates(env=env)


def link(path: str, state: dict[str, str], **changes) -> str:
    """``path`` with the state, changed: a value of None removes a parameter. Changing
    anything but the page goes back to page 1."""
    merged = dict(state)
    if any(name != "page" for name in changes):
        merged.pop("page", None)
    for name, value in changes.items():
        if value is None or value == "":
            merged.pop(name, None)
        else:
            merged[name] = str(value)
    if merged.get("sort") == "relevansi":
        merged.pop("sort")
    if merged.get("page") == "1":
        merged.pop("page")
    return path + ("?" + urlencode(merged) if merged else "")


def article_path(article_id: str) -> str:
    """The article page's path; the id quoted whole (it may hold "/", "?", "#")."""
    return "/articles/" + quote(article_id, safe="")


def _language_context(request: Request) -> dict:
    """The page's words, dates and numbers in its language, and links that keep it."""
    params = request.query_params
    lang = labels.language(params.get("lang"))
    words = labels.LABELS[lang]
    kept = {"lang": lang} if lang != labels.DEFAULT else {}
    switched = {key: value for key, value in params.items() if key != "lang"}
    if lang == labels.DEFAULT:
        switched["lang"] = "en"
    return {
        "lang": lang, "t": words,
        "date": lambda moment, with_time=True: present.indonesian_date(moment, with_time, words["days"],
                                                                       words["months"]),
        "month_label": lambda key: present.month_label(key, words["months"]),
        "number": lambda value: present.number(value, words["thousands"]),
        "seconds": lambda value: present.seconds(value, words["decimal"]),
        "percent": lambda share: present.percent(share, words["decimal"]),
        "axis_number": lambda value, show: (present.percent(value / 100, words["decimal"], places=_places(value))
                                            if show == "share" else present.number(int(value), words["thousands"])),
        "period_label": lambda period, interval: present.period_label(period, interval, words),
        "home": lambda **query: link("/", kept, **query),
        "timeline_home": lambda: link("/timeline", kept),
        # The path as requested, quoted again: an article id may hold "?", "#" or a space.
        "other_language": quote(request.scope["path"], safe="/") + ("?" + urlencode(switched) if switched else ""),
    }


def _places(value: float) -> int:
    """Decimals an axis's share needs: none for whole per cents."""
    return 0 if float(value).is_integer() else 1 if float(value * 10).is_integer() else 2


def page(request: Request, name: str, context: dict, status: int = 200):
    """The template ``name`` rendered with ``context`` and the page's language."""
    context = {**_language_context(request), **context}
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)
