"""Bulk work over many records: parsing, validating, rendering thousands at once."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


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
