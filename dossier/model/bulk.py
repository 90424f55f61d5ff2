"""Bulk work over many records: parsing, validating, rendering thousands at once."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from typing import Any


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic collector for bulk work (parsing, validating, rendering).

    Bulk steps build millions of objects and no cycles worth collecting; a
    collection pass would only walk them. Nests: an outer pause is kept.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def can_fork() -> bool:
    """Whether work can go to a forked child on another core: Linux (macOS system libraries
    are not fork-safe, Windows has no fork), more than one core, no other thread (a fork
    copies only the calling thread, and any lock another thread holds stays held)."""
    import os
    import sys
    import threading

    return (sys.platform.startswith("linux") and len(os.sched_getaffinity(0)) > 1
            and threading.active_count() == 1)


def worth_a_child(count: int, minimum: int) -> bool:
    """Whether ``count`` items are split with a forked child (``can_fork``): ``minimum`` or
    more, the threshold of that kind of work below which a second process costs more than
    it saves."""
    return count >= minimum and can_fork()


def in_parallel(work: Callable[[], Any], *, lines: bool = False) -> Callable[[], Any]:
    """Start ``work`` in a forked child on another core; the function returned waits for it
    and gives its result (JSON-able; ``lines``: bytes, given back as their lines, newline
    kept, read one by one from the pipe rather than as one copy of them all). Where a fork
    is not allowed, ``work`` runs when the result is asked for (``lines``: split). A child
    that fails gives None."""
    import os

    import orjson

    if not can_fork():
        return (lambda: work().splitlines(keepends=True)) if lines else work
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: work, send the result, leave
        code = 1
        try:
            os.close(read_fd)
            with os.fdopen(write_fd, "wb") as pipe:
                done = work()
                pipe.write(done if lines else orjson.dumps(done))
            code = 0
        finally:
            os._exit(code)  # no atexit handlers, no flushing of the parent's buffers
    os.close(write_fd)

    def result() -> Any:
        with os.fdopen(read_fd, "rb") as pipe:
            data: list[bytes] | bytes = pipe.readlines() if lines else pipe.read()
        _, status = os.waitpid(pid, 0)
        if status != 0 or not data:
            return None
        return data if isinstance(data, list) else orjson.loads(data)

    return result
