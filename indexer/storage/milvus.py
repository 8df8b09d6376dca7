"""The Milvus backend, read side: passages served from a Milvus collection.

One collection per *generation* (see `milvus_write`) holds every passage of the index:
its pid (primary key), its dense vector, two sparse BM25 vectors computed by vankien
(`sparse`, accented and folded keys) and the scalar fields filters use. The catalogue
(SQLite, in the version folder) stays the source of texts, citations and access rules, and
every hit is checked against it: a version only returns its own passages (`pid <= max_pid`,
unknown pids dropped) and only those its catalogue allows the caller.

`VANKIEN_MILVUS_URI` is a Milvus Lite file (default INDEX/milvus.db, one process at a time)
or the address of a Milvus server or cluster (http://host:19530).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..config import Settings
from ..errors import BackendUnavailable, IndexCorrupt
from ..vietnamese.keys import period_key
from ..vietnamese.refs import normalise_ref
from ..vietnamese.text import fold
from . import catalogue, sparse
from . import faiss as vectors
from .manifest import MANIFEST, Manifest
from .retrieval import Ranking, Scope

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


def uri(settings: Settings, index: Path) -> str:
    """The configured Milvus address, or the Milvus Lite file inside the index folder."""
    return settings.milvus_uri or str(Path(index) / "milvus.db")


def client(address: str):
    """One shared client per address in this process (Milvus Lite files admit one process)."""
    with _clients_lock:
        if address not in _clients:
            from pymilvus import MilvusClient

            try:
                _clients[address] = MilvusClient(address)
            except Exception as exc:  # pymilvus raises several unrelated types here
                raise BackendUnavailable(_unavailable(address, exc)) from exc
        return _clients[address]


def remote(address: str) -> bool:
    return address.startswith(("http://", "https://", "tcp://"))


def release(address: str) -> None:
    """Close this process's client of `address` (a Milvus Lite file is then free for others)."""
    with _clients_lock:
        conn = _clients.pop(address, None)
    if conn is not None:
        with contextlib.suppress(Exception):
            conn.close()
    if not remote(address):
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(address)  # stops it and frees the file lock


def _unavailable(address: str, exc: Exception) -> str:
    if remote(address):
        return f"cannot reach Milvus at {address} ({exc}); check VANKIEN_MILVUS_URI"
    return (
        f"cannot open the Milvus Lite file {address} ({exc}). It admits one process at a "
        "time: stop the other vankien process using it (a running `vankien serve` reindexes "
        "through its API), or run `milvus-lite server` and point VANKIEN_MILVUS_URI at it"
    )


@contextlib.contextmanager
def calls(address: str) -> Iterator[None]:
    """Turn a failing Milvus call into a message for the user."""
    from pymilvus.exceptions import MilvusException

    try:
        yield
    except MilvusException as exc:
        if exc.code == 2:  # pymilvus' "server unavailable"
            raise BackendUnavailable(_unavailable(address, exc)) from exc
        raise BackendUnavailable(f"Milvus at {address} failed: {exc.message}") from exc


def key(value: str | None) -> str:
    """A text field as stored: control characters (which filter literals cannot hold) dropped."""
    return _CONTROL.sub(" ", value or "")


# The text fields filters compare, each in the form both sides are compared in (a document's
# value when written, a filter's value when searching); as `index._doc_allowed` compares them.
FIELD_KEYS = {
    "doc_id": lambda v: key(v),
    "doc_type": lambda v: key(fold(v or "")),
    "number": lambda v: key(normalise_ref(v or "")),
    "period": lambda v: key(period_key(v) or ""),
}


def _literal(value: str) -> str:
    """A Milvus expression string literal (only \\ and " need escaping once controls are gone)."""
    return json.dumps(key(value), ensure_ascii=False)


# --- read side ----------------------------------------------------------------------------


class MilvusRetriever:
    backend = "milvus"

    def __init__(self, address, conn, section, db, pids, access=None):
        self.address, self.conn, self.db, self.pids = address, conn, db, pids
        self.collection = section["collection"]
        self.max_pid = int(section["max_pid"])
        self.avgdl = section["avgdl"]
        # each row's level: per-level IDF
        self.row_access = catalogue.row_access(db) if access is None else access
        self._visible: dict[int, int] = {}  # passages at or below each level asked about
        self.search_params = {"metric_type": "IP"}
        if section["dense_index"] == "HNSW":
            self.search_params["params"] = {"ef": vectors.EF_SEARCH}

    @classmethod
    def open(cls, folder: Path, manifest: Manifest, settings: Settings, db, pids,
             access=None) -> MilvusRetriever:  # fmt: skip
        section = manifest.milvus
        if not isinstance(section, dict) or "collection" not in section:
            raise IndexCorrupt(f"{folder / MANIFEST} lacks its Milvus section; rebuild")
        address = uri(settings, folder.parent.parent)
        conn, name = client(address), section["collection"]
        stored = stored_rows(conn, address, section)
        if stored is None:
            raise IndexCorrupt(
                f"the Milvus collection {name} is missing at {address}; rebuild the index"
            )
        if stored < len(pids):
            raise IndexCorrupt(
                f"the Milvus collection {name} at {address} holds {stored} of the "
                f"{len(pids)} passages of this index; rebuild the index"
            )
        return cls(address, conn, section, db, pids, access)

    def _rows(self, hits, scope: Scope) -> Ranking:
        found = np.fromiter((h["pid"] for h in hits), dtype=np.int64, count=len(hits))
        at = np.searchsorted(self.pids, found)
        rows, scores = [], []
        for hit, pid, row in zip(hits, found, at, strict=True):
            if row >= len(self.pids) or self.pids[row] != pid:
                continue  # written by a newer build, not part of this version
            if scope.mask is not None and not scope.mask[row]:
                continue  # the catalogue has the last word on filters and access
            rows.append(int(row))
            scores.append(float(hit["distance"]))
        return Ranking(rows, scores)

    def _expr(self, scope: Scope) -> str | None:
        """The scope as a Milvus filter; None when no document can match."""
        f = scope.filters
        parts = [f"pid <= {self.max_pid}"]
        if f.access is not None:
            parts.append(f"access <= {int(f.access)}")
        if f.year is not None:
            parts.append(f"year == {int(f.year)}")
        for field, stored in FIELD_KEYS.items():  # compared as they were stored
            value = getattr(f, field)
            if value is not None:
                parts.append(f"{field} == {_literal(stored(value))}")
        if f.issuer is not None:  # a substring test: sent as the documents it selects
            if not scope.allowed_docs:
                return None
            listed = ", ".join(_literal(d) for d in sorted(scope.allowed_docs))
            parts.append(f"doc_id in [{listed}]")
        return " and ".join(parts)

    def _weights(self, stream: str, keys: list[str], level: int | None) -> dict[str, float]:
        """IDF of the query keys among the passages a caller seeing up to `level` may see."""
        if level is None:
            n = len(self.pids)
        elif (n := self._visible.get(level)) is None:
            n = self._visible[level] = int((self.row_access <= level).sum())
        return sparse.query_weights(self.db, stream, keys, n, level)

    def _sparse_query(self, stream: str, keys: list[str], level: int | None) -> dict[int, float]:
        return sparse.query_vector(stream, self._weights(stream, keys, level))

    def lexical(self, stream: str, keys: list[str], n: int, scope: Scope) -> Ranking:
        level = scope.filters.access
        query, expr = self._sparse_query(stream, keys, level), self._expr(scope)
        if not query or expr is None or n <= 0:
            return Ranking([], [], lambda more: self._bm25(stream, keys, more, level))
        with calls(self.address):
            found = self.conn.search(
                self.collection, data=[query], anns_field=f"sparse_{stream}", limit=n,
                filter=expr, search_params={"metric_type": "IP"}, output_fields=["pid"],
            )
        ranked = self._rows(found[0], scope)
        return Ranking(ranked.rows, ranked.scores,
                       lambda more: self._bm25(stream, keys, more, level))  # fmt: skip

    def keys_held(self, stream: str, keys: list[str], rows: list[int], scope: Scope
                  ) -> list[int]:  # fmt: skip
        """How many of the distinct `keys` each row holds (where that key alone scores), from
        the rows' keys in the catalogue, read once for all the keys."""
        weights = self._weights(stream, keys, scope.filters.access)
        scoring = {k for k, w in weights.items() if w > 0}
        if not rows or not scoring:
            return [0] * len(rows)
        pids = [int(self.pids[r]) for r in rows]
        sql = f"SELECT pid, {stream} FROM passages WHERE pid IN"
        tokens = dict(catalogue.select_in(self.db, sql, pids))
        mask = scope.mask
        return [len(scoring.intersection(tokens[p].split())) if mask is None or mask[r] else 0
                for r, p in zip(rows, pids, strict=True)]  # fmt: skip

    def _bm25(self, stream: str, keys: list[str], rows: list[int],
              level: int | None) -> list[float]:  # fmt: skip
        """BM25 of rows outside the sparse search's results, from their keys in the catalogue."""
        if not rows:
            return []
        weights = self._weights(stream, keys, level)
        pids = [int(self.pids[r]) for r in rows]
        sql = f"SELECT pid, {stream} FROM passages WHERE pid IN"
        tokens = dict(catalogue.select_in(self.db, sql, pids))
        avgdl = float(self.avgdl[stream])
        return [sparse.score(tokens[p].split(), weights, avgdl) for p in pids]

    def dense(self, vector: np.ndarray, n: int, scope: Scope) -> Ranking:
        expr = self._expr(scope)
        if expr is None or n <= 0:
            return Ranking([], [])
        with calls(self.address):
            found = self.conn.search(
                self.collection, data=[vector.astype(np.float32).tolist()], anns_field="dense",
                limit=n, filter=expr, search_params=self.search_params, output_fields=["pid"],
            )
        ranked = self._rows(found[0], scope)
        return Ranking(ranked.rows, ranked.scores, lambda more: self._cosines(vector, more))

    def _cosines(self, vector: np.ndarray, rows: list[int]) -> list[float]:
        """Inner products with rows outside the dense search's results (catalogue vectors)."""
        if not rows:
            return []
        pids = [int(self.pids[r]) for r in rows]
        stored = dict(
            catalogue.select_in(
                self.db,
                "SELECT p.pid, e.vector FROM passages p JOIN embeddings e"
                " ON e.hash = p.embed_hash WHERE p.pid IN",
                pids,
            )
        )
        query = vector.astype(np.float32)
        return [float(np.frombuffer(stored[p], dtype=np.float32) @ query) for p in pids]

    def hybrid_rrf(
        self, stream: str, keys: list[str], vector: np.ndarray, n: int, k: int, scope: Scope
    ) -> dict[int, float]:
        """Dense and sparse searches fused by Milvus itself (RRF ranker); up to 2n passages,
        the union of both rankings, as the in-process backend fuses."""
        from pymilvus import AnnSearchRequest, RRFRanker

        expr = self._expr(scope)
        if expr is None or n <= 0:
            return {}
        requests = [
            AnnSearchRequest(
                [vector.astype(np.float32).tolist()], "dense", self.search_params, n, expr=expr
            )
        ]
        query = self._sparse_query(stream, keys, scope.filters.access)
        if query:
            requests.append(
                AnnSearchRequest(
                    [query], f"sparse_{stream}", {"metric_type": "IP"}, n, expr=expr
                )
            )
        with calls(self.address):
            found = self.conn.hybrid_search(
                self.collection, requests, RRFRanker(k), limit=2 * n, output_fields=["pid"]
            )
        return self._rows(found[0], scope).as_dict()

    def close(self) -> None:
        pass  # the client is shared by every version opened in this process


def stored_rows(conn, address: str, section: dict) -> int | None:
    """Rows of a version's collection with pids up to its `max_pid`; None if it is gone."""
    name = section["collection"]
    with calls(address):
        if not conn.has_collection(name):
            return None
        conn.load_collection(name)  # a fresh process finds it released
        return count(conn, name, f"pid <= {int(section['max_pid'])}")


def count(conn, name: str, expr: str = "") -> int:
    """Rows matching `expr`, after every write so far (Strong consistency)."""
    rows = conn.query(
        name, filter=expr, output_fields=["count(*)"], consistency_level="Strong"
    )
    return int(rows[0]["count(*)"])
