"""The request handlers, one module per group of views.

Why a package: each kind of answer has its own module, so that where a
change belongs is plain: :mod:`.pages` (the search page and the article
page, HTML), :mod:`.timeline` (attention over time, HTML), :mod:`.api` (the
JSON API), :mod:`.export` (every match as CSV or JSON Lines, streamed),
:mod:`.feed` (the newest matches as an Atom feed). Views import the pool, the parameters and the
rendering; :mod:`search.web.app` imports the views, never the reverse.
"""
