"""BM25 as sparse vectors, from vankien's own lexical keys, for search engines that store them.

A passage's vector holds, for each of its keys, BM25's term-frequency component; a query's
vector holds each key's inverse document frequency. Their inner product is the BM25 score
bm25s computes ("lucene" variant, k1 = 1.5, b = 0.75), so a backend that ranks by inner
product ranks as the in-process BM25 does, whatever analyzers that engine ships.

Document frequencies live in the catalogue (`lexicon` table) and are kept exact by
incremental builds. The average passage length is fixed when a collection is first filled
(recorded in the manifest), so stored vectors never need rewriting when the corpus grows; the
scores equal bm25s' right after a fill and drift with the average length afterwards (a full
rebuild realigns them). Keys are hashed to 32-bit ids: two keys of one query sharing an id
(about one key in 4,000 for a million-key vocabulary) are scored as one.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
from collections import Counter
from collections.abc import Iterable

from . import catalogue
from .bm25 import STREAMS

K1 = 1.5
B = 0.75


def _column(stream: str) -> str:
    """The catalogue column holding a stream's keys (named after the stream)."""
    if stream not in STREAMS:
        raise ValueError(f"unknown lexical stream {stream!r}")
    return stream


def term_id(stream: str, key: str) -> int:
    """A stable 32-bit id for a key of a stream (the sparse vector's dimension)."""
    digest = hashlib.blake2b(f"{stream}\x00{key}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "little") % 0xFFFFFFFF  # Milvus reserves 2**32 - 1


def idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _components(keys: list[str], avgdl: float) -> dict[str, float]:
    """BM25's term-frequency component of each key of one passage (an empty passage counts
    one empty key, as bm25s indexes it)."""
    counts = Counter(keys or [""])
    norm = K1 * ((1 - B) + B * sum(counts.values()) / avgdl)
    return {key: tf / (norm + tf) for key, tf in counts.items()}


def _by_id(stream: str, weights: dict[str, float]) -> dict[int, float]:
    vector: dict[int, float] = {}
    for key, weight in weights.items():
        tid = term_id(stream, key)
        vector[tid] = vector.get(tid, 0.0) + weight
    return vector


def passage_vector(stream: str, keys: list[str], avgdl: float) -> dict[int, float]:
    return _by_id(stream, _components(keys, avgdl))


def query_vector(stream: str, weights: dict[str, float]) -> dict[int, float]:
    """A query given as {key: idf} as a sparse vector."""
    return _by_id(stream, weights)


def score(keys: list[str], query: dict[str, float], avgdl: float) -> float:
    """BM25 of one passage (its keys) for a query given as {key: idf}."""
    parts = _components(keys, avgdl)
    return sum(weight * parts[key] for key, weight in query.items() if key in parts)


def average_length(db: sqlite3.Connection, stream: str) -> float:
    """Mean number of keys per passage in the catalogue (1.0 for an empty one)."""
    total, n = 0, 0
    for (text,) in db.execute(f"SELECT {_column(stream)} FROM passages"):
        total += max(len(text.split()), 1)
        n += 1
    return total / n if n else 1.0


def count_terms(db: sqlite3.Connection, stream: str, pids: Iterable[int] | None) -> Counter:
    """Document frequency of every key among the passages `pids` (all when None)."""
    column = _column(stream)
    counts: Counter = Counter()
    if pids is None:
        rows = db.execute(f"SELECT {column} FROM passages")
    else:
        rows = catalogue.select_in(db, f"SELECT {column} FROM passages WHERE pid IN", list(pids))
    for (text,) in rows:
        counts.update(set(text.split() or [""]))
    return counts


def adjust_lexicon(db: sqlite3.Connection, stream: str, delta: Counter) -> None:
    """Add `delta` to the stored document frequencies, dropping keys that reach zero."""
    db.executemany(
        "INSERT INTO lexicon (stream, key, df) VALUES (?, ?, ?)"
        " ON CONFLICT (stream, key) DO UPDATE SET df = df + excluded.df",
        [(stream, key, n) for key, n in delta.items() if n],
    )
    db.execute("DELETE FROM lexicon WHERE stream = ? AND df <= 0", (stream,))


def count_levels(db: sqlite3.Connection) -> None:
    """Rewrite `lexicon_levels`: each key's document frequency among the passages of the
    documents at each level above 0 (usually few: it is recounted on every build)."""
    db.execute("DELETE FROM lexicon_levels")
    for stream in STREAMS:
        counts: dict[int, Counter] = {}
        rows = db.execute(f"SELECT d.access, p.{_column(stream)} FROM passages p JOIN documents d"
                          " ON d.doc_id = p.doc_id WHERE d.access > 0")  # fmt: skip
        for level, text in rows:
            counts.setdefault(int(level), Counter()).update(set(text.split() or [""]))
        db.executemany(
            "INSERT INTO lexicon_levels (stream, key, level, df) VALUES (?, ?, ?, ?)",
            [(stream, key, level, n) for level, c in counts.items() for key, n in c.items()],
        )


def _above(db: sqlite3.Connection, stream: str, keys: list[str], level: int) -> dict[str, int]:
    """Document frequencies of the keys among passages above `level` ({} for a catalogue
    written before levels were counted)."""
    marks = ",".join("?" * len(keys))
    try:
        rows = db.execute(
            "SELECT key, sum(df) FROM lexicon_levels WHERE stream = ? AND level > ?"
            f" AND key IN ({marks}) GROUP BY key", [stream, level, *keys],
        )
        return dict(rows.fetchall())
    except sqlite3.OperationalError:  # no such table: an older catalogue, opened read-only
        return {}


def query_weights(db: sqlite3.Connection, stream: str, keys: Iterable[str], n: int,
                  level: int | None = None) -> dict:  # fmt: skip
    """{key: idf} of the query keys the corpus knows (unknown keys cannot match anything).

    With `level`, the frequencies are those among the passages of documents at or below it
    (`n` is then their number), so a caller's weights do not depend on what it cannot see."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    marks = ",".join("?" * len(keys))
    rows = db.execute(
        f"SELECT key, df FROM lexicon WHERE stream = ? AND key IN ({marks})", [stream, *keys]
    ).fetchall()
    above = _above(db, stream, keys, level) if level is not None else {}
    found = {key: df - above.get(key, 0) for key, df in rows}
    return {key: idf(df, n) for key, df in found.items() if df > 0}

