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
    >>> heavy = Recent(10, weight=len, budget=5)
    >>> heavy.keep({"a": "xx", "b": "yyy"}); heavy.keep({"c": "z"})  # 6 > 5: "a" goes
    >>> heavy.get("a"), heavy.get("b"), heavy.get("c")
    (None, 'yyy', 'z')
    >>> heavy.keep({"d": "w" * 9}); heavy.get("b"), heavy.get("d") is not None  # newest stays
    (None, True)
    """

    def __init__(self, size: int, weight: Callable[[V], int] | None = None,
                 budget: int = 0) -> None:  # fmt: skip
        """`weight` and `budget`: also drop the oldest while the kept values weigh more than
        `budget` in all (the newest value is kept whatever it weighs)."""
        self.size, self.weight, self.budget = size, weight, budget
        self._kept: OrderedDict[K, V] = OrderedDict()
        self._weights: dict[K, int] = {}
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found

    def keep(self, items: Mapping[K, V]) -> None:
        with self._lock:
            for key, value in items.items():
                self._kept[key] = value
                self._kept.move_to_end(key)
                if self.weight is not None:
                    weight = self.weight(value)
                    self._total += weight - self._weights.get(key, 0)
                    self._weights[key] = weight
            while len(self._kept) > self.size or (
                    self.weight is not None and self._total > self.budget
                    and len(self._kept) > 1):  # fmt: skip
                old, _ = self._kept.popitem(last=False)
                self._total -= self._weights.pop(old, 0)

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The kept value, or `make()` kept; made outside the lock (two threads may both make
        it, and agree)."""
        found = self.get(key)
        if found is None:
            found = make()
            self.keep({key: found})
        return found
