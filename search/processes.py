"""Worker processes that die with their parent.

A build starts worker processes twice over: the writer's (``search.store.writers``)
and the page readers' (``search.ingest.pool``). Both ask the kernel to kill
them when the build's process dies, so a killed build leaves no process
behind, and both leave Ctrl-C to the parent.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Make the calling process die when its parent does (Linux); ignore Ctrl-C, the parent's to handle."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: a killed build may leave a worker waiting
        pass
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:
        os._exit(1)  # the parent died before the request above was made: nothing would kill this worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
