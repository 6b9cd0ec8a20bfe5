"""The API's OpenAPI description, published at ``GET /api/openapi.json``.

Starlette's :class:`~starlette.schemas.SchemaGenerator` walks the routes and
reads each endpoint's docstring after its ``---`` as YAML (the operation:
parameters and responses); what the operations share (the shapes of the
answers, the error) is written once here, under ``components``. The page
routes and the static files are not part of the API and are left out.
"""

from __future__ import annotations

from starlette.schemas import SchemaGenerator

from ..results import QueryNoteKind

NOTE_KINDS = [kind.name.lower() for kind in QueryNoteKind]
_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": "string", "nullable": True}
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}

COMPONENTS = {
    "schemas": {
        "Error": {
            "type": "object", "required": ["error", "status"],
            "properties": {"error": _STRING, "status": {"type": "integer"}},
        },
        "Hit": {
            "type": "object",
            "properties": {
                "id": _STRING, "title": _STRING,
                "title_highlight": {**_NULLABLE_STRING,
                                    "description": "HTML: matches in <mark>, all article text escaped"},
                "date": {**_NULLABLE_STRING, "format": "date-time"},
                "source": _STRING, "category": _STRING, "url": _STRING,
                "score": {"type": "number", "nullable": True,
                          "description": "null when listed by date"},
                "highlights": {"type": "array", "items": _STRING,
                               "description": "HTML snippets: matches in <mark>, all article text escaped"},
                "forms": {
                    "type": "object",
                    "description": "each query word the article has, by its stem: the forms (lowercased) it "
                                   "wrote it in, with counts, in the title and the body; empty without highlights",
                    "additionalProperties": {
                        "type": "object", "properties": {"title": _COUNTS, "body": _COUNTS},
                    },
                },
            },
        },
        "QueryWords": {
            "type": "object",
            "description": "how the engine read the query's words (of the query searched, when corrected)",
            "properties": {
                "words": {
                    "type": "array", "description": "the words that rank, as typed (lowercased), in order",
                    "items": {"type": "object", "properties": {
                        "text": _STRING, "stem": _STRING,
                        "field": {"type": "string", "enum": ["", "judul", "isi"],
                                  "description": "the field the query aimed the word at; empty for both"},
                        "prefix": {"type": "string", "description": "the word's beginning typed with '*' "
                                   "(banj*) that this word is one of; absent for a word typed whole"},
                    }},
                },
                "stop_words": {"type": "array", "items": _STRING, "description": "common words not searched"},
                "excluded": {"type": "array", "items": _STRING,
                             "description": "the words of NOT, BUKAN and - clauses"},
            },
        },
        "SearchResults": {
            "type": "object",
            "properties": {
                "query": _STRING, "total": {"type": "integer"}, "page": {"type": "integer"},
                "limit": {"type": "integer"}, "suggestion": _NULLABLE_STRING,
                "words": {"$ref": "#/components/schemas/QueryWords"},
                "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                "notes": {"type": "array", "items": _STRING, "description": "how the query was read, in English"},
                "note_details": {
                    "type": "array",
                    "description": "the same notes typed: each note's kind, its English text and its values",
                    "items": {"type": "object", "required": ["kind", "text"],
                              "properties": {"kind": {"type": "string", "enum": NOTE_KINDS}, "text": _STRING},
                              "additionalProperties": _STRING},
                },
                "facets": {
                    "type": "object",
                    "description": "with facets=true: counts by category, source, author, location, month",
                    "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer"}},
                },
            },
        },
        "Article": {
            "type": "object",
            "properties": {
                **{name: _STRING for name in ("id", "title", "body", "category", "source", "location",
                                              "author", "editor", "url", "summary", "path")},
                "date": {**_NULLABLE_STRING, "format": "date-time"},
                "captured": {**_NULLABLE_STRING, "format": "date-time",
                             "description": "when a web archive captured the page (WARC-Date)"},
            },
        },
        "Similar": {
            "type": "object",
            "properties": {"id": _STRING, "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}}},
        },
        "Stats": {"type": "object", "description": "as search stats --json"},
        "Value": {"type": "object", "properties": {"value": _STRING, "count": {"type": "integer"}}},
        "Timeline": {
            "type": "object",
            "properties": {
                "interval": {"type": "string", "enum": ["day", "week", "month", "year"]},
                "filters": _STRING,
                "periods": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"label": _STRING, "start": {"type": "string", "format": "date"},
                                   "end": {"type": "string", "format": "date"}}}},
                "archive": {"type": "array", "items": {"type": "integer"},
                            "description": "the archive's articles per period (after filter and dates)"},
                "lines": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"query": _STRING, "total": {"type": "integer"}, "undated": {"type": "integer"},
                                   "counts": {"type": "array", "items": {"type": "integer"}},
                                   "shares": {"type": "array", "items": {"type": "number"}},
                                   "notes": {"type": "array", "items": _STRING}}}},
            },
        },
        "Coverage": {
            "type": "object",
            "properties": {
                "query": _STRING, "total": {"type": "integer"},
                "sample": {"type": "integer", "description": "articles read for their words"},
                "words": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"text": _STRING, "stems": {"type": "array", "items": _STRING},
                                   "phrase": {"type": "boolean"}, "articles": {"type": "integer"},
                                   "archive": {"type": "integer"}, "score": {"type": "number"}}}},
                "sources": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"source": _STRING, "matched": {"type": "integer"},
                                   "articles": {"type": "integer"}, "share": {"type": "number"}}}},
                "notes": {"type": "array", "items": _STRING},
            },
        },
    },
    "responses": {
        "BadRequest": {"description": "A bad parameter",
                       "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "NotFound": {"description": "No article with this id",
                     "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "Unavailable": {"description": "The index is missing or gave no answer in time",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    },
}

BASE = {
    "openapi": "3.0.3",
    "info": {
        "title": "Indonesian news search",
        "version": "1.0",
        "description": "The JSON API of `search serve`, in the shapes of the CLI's --json. Read-only.",
    },
    "components": COMPONENTS,
}


def describe(routes) -> dict:
    """The OpenAPI document for ``routes``."""
    return SchemaGenerator(BASE).get_schema(routes=routes)
