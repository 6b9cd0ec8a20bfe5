"""Answering a query: parse, filter, first-stage BM25F, re-rank, snippets."""
