"""Speed tricks that change no result, each behind one named function (BENCHMARKS.md
says what each pays)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector, and restore it after.

    Loading and evaluating build many small objects with no cycles among them; the
    collector would only rescan them again and again (about half the time of a
    100,000-layer spec, BENCHMARKS.md). Reference counting frees them as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
