"""``search serve``: the search page and the JSON API over one index.

Most people this engine is for do not work in a terminal; this package puts
the library behind a web page (search, filters, a month histogram, why each
article matched, the article itself) and a JSON API with the same shapes as
the CLI's ``--json``. It imports the library, never the CLI; Starlette,
Jinja2 and uvicorn come with the ``web`` extra, and ``search.cli`` imports this
package only when ``search serve`` runs.
"""

from .app import create_app
from .server import serve

__all__ = ["create_app", "serve"]
