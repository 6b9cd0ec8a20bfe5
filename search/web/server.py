"""Running the application: ``search serve``'s worker processes and their supervisor.

Why a module of its own: how the server is launched (uvicorn, how many
worker processes from ``SEARCH_SERVE_WORKERS``, what each worker reads from
the environment, one line when a worker dies) is apart from what it
answers; :mod:`search.web.app` builds the application, this runs it.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from .app import create_app


def workers_from_environment() -> int:
    """``SEARCH_SERVE_WORKERS`` (1-16): processes answering, each with its own pool; 1 by default."""
    raw = os.environ.get("SEARCH_SERVE_WORKERS", "").strip() or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= 16:
        raise ValueError(f"SEARCH_SERVE_WORKERS must be a whole number from 1 to 16, not {raw!r}")
    return int(raw)


def app_from_environment() -> Starlette:
    """The application of one worker process, as :func:`serve` handed it down (a spawned worker
    gets no arguments, only its environment): the index ``SEARCH_SERVE_INDEX``, and the Ray
    cluster ``SEARCH_SERVE_RAY_ADDRESS`` with its timeout ``SEARCH_SERVE_RAY_TIMEOUT``, if any."""
    timeout = os.environ.get("SEARCH_SERVE_RAY_TIMEOUT")
    return create_app(os.environ["SEARCH_SERVE_INDEX"], ray_address=os.environ.get("SEARCH_SERVE_RAY_ADDRESS"),
                      ray_timeout=float(timeout) if timeout else None)


def serve(index_dir: str | Path, host: str = "127.0.0.1", port: int = 8000, advice: str = "",
          ray_address: str | None = None, ray_timeout: float | None = None) -> None:
    """Run the application on uvicorn until interrupted, in ``SEARCH_SERVE_WORKERS`` worker
    processes sharing one socket (the GIL lets one process use about one core), watched
    by this one.

    A worker that dies is replaced, and the death is one line on stderr (with
    ``advice`` after it): the index's files are memory-mapped, so a file cut
    short under a running worker kills it with SIGBUS; its replacement opens
    the index afresh, finds the damage, and answers 503 with what is wrong.
    """
    import uvicorn

    options: dict[str, Any] = dict(host=host, port=port, log_level="warning", access_log=False,
                                   server_header=False, limit_concurrency=200, timeout_keep_alive=5,
                                   lifespan="on")
    try:
        workers = workers_from_environment()
        create_app(index_dir, ray_address=ray_address, ray_timeout=ray_timeout)  # checks SEARCH_SERVE_READERS
    except ValueError as error:  # one line, not a traceback
        raise SystemExit(f"Error: {error}") from None
    # Each worker is a fresh process (spawned) that builds its own application
    # and opens its own indexes; the supervisor stops them on SIGINT or SIGTERM.
    # (The environment is the only way to them: uvicorn starts each from an import string.)
    os.environ["SEARCH_SERVE_INDEX"] = str(Path(index_dir).resolve())
    if ray_address:
        os.environ["SEARCH_SERVE_RAY_ADDRESS"] = ray_address
    if ray_timeout is not None:
        os.environ["SEARCH_SERVE_RAY_TIMEOUT"] = str(ray_timeout)
    config = uvicorn.Config("search.web.server:app_from_environment", factory=True, workers=workers, **options)
    _supervisor(config, Path(index_dir), advice).run()


def _supervisor(config, index_dir: Path, advice: str):
    """uvicorn's supervisor of worker processes, saying in one line why one had to be replaced."""
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess

    class Supervisor(Multiprocess):
        def keep_subprocess_alive(self) -> None:
            # uvicorn replaces a worker that died, and kills and replaces one that stopped
            # answering its health check: each replaced worker is named with how it ended.
            before = list(self.processes)
            super().keep_subprocess_alive()
            for old, new in zip(before, self.processes, strict=True):
                code = old.exitcode
                if new is not old and code is not None and code not in (0, STARTUP_FAILURE):
                    print(worker_death(old.pid, code, index_dir) + advice, file=sys.stderr, flush=True)

    return Supervisor(config, sockets=[config.bind_socket()])


def worker_death(pid: int | None, exitcode: int, index_dir: Path) -> str:
    """One line on a worker that died: by which signal (or with which status), serving which index."""
    if exitcode < 0:
        try:
            how = f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"was killed by signal {-exitcode}"
    else:
        how = f"exited with status {exitcode}"
    cause = " (a file of the index changed under it?)" if exitcode == -signal.SIGBUS else ""
    return f"the server process {pid} serving the index at {index_dir} {how}{cause}; another was started"
