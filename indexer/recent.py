"""The last few values by key, for concurrent readers: the service's kept query vectors and
rankings (an office asks the same questions all day)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    """The last `size` values by key, the least recently used dropped first (size 0: none).

    >>> recent = Recent(1)
    >>> made = []
    >>> recent.get_or_make("k", lambda: made.append(1) or "r"), recent.get("k"), len(made)
    ('r', 'r', 1)
    >>> _ = recent.get_or_make("other", lambda: "s")
    >>> recent.get("k") is None  # pushed out by "other"
    True
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found

    def keep(self, items: Mapping[K, V]) -> None:
        with self._lock:
            self._kept.update(items)
            for key in items:
                self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The kept value, or `make()` kept; made outside the lock (two threads may both make
        it, and agree)."""
        found = self.get(key)
        if found is None:
            found = make()
            self.keep({key: found})
        return found
