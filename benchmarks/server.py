"""Starting a real ``search serve`` on a free loopback port, and stopping it by its process id.

Why here: ``benchmarks.serve_load`` loads a real server, and the browser tests
(``tests/webserver.py``, ``tests/test_web.py``) and ``tools/screenshots.py``
need the same one; this module is the one place that starts it, so none of
them edits ``sys.path`` to reach another folder's helper. Each process is
stopped within a bounded time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen, grace: float = 10.0) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(grace)


@contextlib.contextmanager
def running_server(index_dir: Path, port: int | None = None, startup: float = 60.0):
    """``search serve`` over ``index_dir`` on a free loopback port; yields its base URL."""
    port = port or free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "search", "serve", "--index", str(index_dir), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"search serve exited with {process.returncode}: "
                                   f"{log.read().decode('utf-8', 'replace')[-2000:]}")
            try:
                with urllib.request.urlopen(base + "/api/stats", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"search serve did not answer within {startup:g} s")
            time.sleep(0.1)
        yield base
    finally:
        stop_process(process)
        log.close()
