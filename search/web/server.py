"""Running the application: ``search serve``'s worker processes and their supervisor.

Why a module of its own: how the server is launched (its socket, bound
before anything says it is serving; uvicorn; the worker processes, as many
as ``search serve --workers`` asks, each handed the application's factory; one line
when a worker dies) is apart from what it answers; :mod:`search.web.app`
builds the application, this runs it.
"""

from __future__ import annotations

import errno
import functools
import ipaddress
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from ..errors import PortInUseError, ServeError
from .app import create_app
from .pool import READERS


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port``, before the server says it is serving:
    :class:`~search.errors.PortInUseError` when another process holds the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on connections of a socket that says it
    # is TCP; without it Nagle's algorithm held each answer's body behind its head (about 2,000
    # answers a second from the cache instead of 4,000-6,000; benchmarks/HISTORY.md, issue 34).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: not past a listener
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise PortInUseError(f"port {port} is in use") from None
        raise ServeError(f"cannot listen on {host} port {port}: {error.strerror or error}") from None
    sock.set_inheritable(True)
    return sock


def beyond_loopback(host: str) -> bool:
    """Whether a server bound to ``host`` can be reached from other machines (a name other
    than localhost counts as reachable: it is not resolved here)."""
    if host == "localhost":
        return False
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return True
    return not address.is_loopback


def serve(index_dir: str | Path, sock: socket.socket, advice: str = "", ray_address: str | None = None,
          ray_timeout: float | None = None, token: str | None = None, readers: int = READERS,
          workers: int = 1) -> None:
    """Run the application on uvicorn until interrupted, on ``sock`` (from :func:`listen`), in
    ``workers`` processes sharing it (the GIL lets one process use about one core), each with
    ``readers`` open indexes, watched by this one; ``token``, if given, is asked of every request.

    A worker that dies is replaced, and the death is one line on stderr (with
    ``advice`` after it): the index's files are memory-mapped, so a file cut
    short under a running worker kills it with SIGBUS; its replacement opens
    the index afresh, finds the damage, and answers 503 with what is wrong.
    """
    import uvicorn

    # No limit_concurrency: past it uvicorn answers plain text. The application's own
    # admission (search.web.admission) queues requests and answers 503 in JSON or a page.
    options: dict[str, Any] = dict(log_level="warning", access_log=False, server_header=False,
                                   timeout_keep_alive=5, lifespan="on", backlog=4096)
    # Each worker is a fresh process (spawned) that builds its own application and
    # opens its own indexes from this factory, handed to it pickled (the token with
    # it, never through the environment); the supervisor stops them on SIGINT or SIGTERM.
    factory = functools.partial(create_app, Path(index_dir).resolve(), readers=readers,
                                ray_address=ray_address, ray_timeout=ray_timeout, token=token)
    config = uvicorn.Config(factory, factory=True, workers=workers, **options)
    _supervisor(config, sock, Path(index_dir), advice).run()


def _supervisor(config, sock: socket.socket, index_dir: Path, advice: str):
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

    return Supervisor(config, sockets=[sock])


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
