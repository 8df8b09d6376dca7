"""Encoding a list of texts in batches, in the callers' order or grouped by length."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Progress = Callable[[int], None]


def batched(
    texts: list[str],
    size: int,
    encode: Callable[[list[str]], np.ndarray],
    dim: int,
    progress: Progress | None,
) -> np.ndarray:
    """Encode in batches, reporting each batch's size so a build can drive a progress bar."""
    parts = [np.empty((0, dim), np.float32)]
    for start in range(0, len(texts), size):
        batch = texts[start : start + size]
        parts.append(np.asarray(encode(batch), dtype=np.float32).reshape(len(batch), dim))
        if progress is not None:
            progress(len(batch))
    return np.concatenate(parts)


def length_order(lengths: list[int]) -> list[int]:
    """Indexes of the texts from shortest to longest (stable), for batches of similar length:
    a padded batch costs its longest text times its size.

    >>> length_order([5, 2, 9, 2])
    [1, 3, 0, 2]
    """
    return sorted(range(len(lengths)), key=lengths.__getitem__)


def length_groups(lengths: list[int], spread: float, budget: float = float("inf")
                  ) -> list[list[int]]:  # fmt: skip
    """Indexes of the texts in groups of similar length, shortest first, each group's longest
    at most `spread` times its shortest: texts run together padded to their longest, so a
    group wastes at most that share of its run. A group of several holds at most `budget`
    padded tokens (its size times its longest).

    >>> length_groups([10, 30, 12, 14, 16], 1.5)
    [[0, 2, 3], [4], [1]]
    >>> length_groups([10, 30, 12, 14, 16], 1.5, budget=30)
    [[0, 2], [3], [4], [1]]
    """
    groups: list[list[int]] = []
    for i in length_order(lengths):
        group = groups[-1] if groups else []
        if group and lengths[i] <= spread * lengths[group[0]] and \
                (len(group) + 1) * lengths[i] <= budget:  # fmt: skip
            group.append(i)
        else:
            groups.append([i])
    return groups


def halved(groups: list[list[int]], least: int) -> list[list[int]]:
    """`groups` with the largest halved (first half, second half) until there are `least` of
    them or none holds two: a group runs as one, so more groups than threads idles none.

    >>> halved([[0, 2, 3], [1]], 3)
    [[1], [0], [2, 3]]
    """
    groups = list(groups)
    while len(groups) < least and any(len(group) > 1 for group in groups):
        largest = groups.pop(groups.index(max(groups, key=len)))
        groups += [largest[: len(largest) // 2], largest[len(largest) // 2 :]]
    return groups


def bucketed(
    texts: list[str],
    size: int,
    encode: Callable[[list[str]], np.ndarray],
    dim: int,
    progress: Progress | None,
    lengths: list[int] | None = None,
) -> np.ndarray:
    """`batched` over the texts sorted by length (`lengths`, default characters), returned
    in the callers' order."""
    order = length_order(lengths if lengths is not None else [len(t) for t in texts])
    vectors = batched([texts[i] for i in order], size, encode, dim, progress)
    out = np.empty_like(vectors)
    out[order] = vectors
    return out
