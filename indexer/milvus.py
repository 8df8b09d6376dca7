"""The Milvus backend: passages served from a Milvus collection instead of in-process files.

One collection per *generation* holds every passage of the index: its pid (primary key), its
dense vector, two sparse BM25 vectors computed by vankien (`indexer.sparse`, accented and
folded keys) and the scalar fields filters use. The catalogue (SQLite, in the version folder)
stays the source of texts, citations and access rules, and every hit is checked against it.

Versions and generations:
- An incremental build upserts the new and changed passages into the active generation before
  the new version is published; readers of the older version do not see them (`pid <= max_pid`
  of their version, and unknown pids are dropped). Passages it removed are deleted only after
  the new version is published (recorded in the catalogue's `milvus_pending` table, so a killed
  build's deletions are redone by the next one).
- A full build (first build, another model or dense index type, a damaged collection) fills a
  new generation; the old one is dropped once no kept version names it. The collections a
  folder created are listed in INDEX/milvus-collections.json, so several index folders can
  share one Milvus with different `VANKIEN_MILVUS_COLLECTION` prefixes.

`VANKIEN_MILVUS_URI` is a Milvus Lite file (default INDEX/milvus.db, one process at a time)
or the address of a Milvus server or cluster (http://host:19530).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from . import sparse, store
from .config import Settings
from .errors import BackendUnavailable, IndexCorrupt
from .refs import normalise_ref
from .retrieval import Ranking, Scope
from .search import period_key
from .text import fold

log = logging.getLogger(__name__)

RECORD = "milvus-collections.json"
BATCH = 500
HNSW = {"M": 32, "efConstruction": 200}
STREAMS = ("accented", "folded")
TEXT_FIELDS = ("doc_id", "doc_type", "number", "period")
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

            # Milvus Lite's in-process server logs a traceback for each call it does not
            # implement (AllocTimestamp, while creating a collection); the call still succeeds
            logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
            # pymilvus logs each failed call with a traceback; vankien reports it once
            logging.getLogger("pymilvus.decorators").setLevel(logging.CRITICAL)
            try:
                _clients[address] = MilvusClient(address)
            except Exception as exc:  # pymilvus raises several unrelated types here
                raise BackendUnavailable(_unavailable(address, exc)) from exc
        return _clients[address]


def release(address: str) -> None:
    """Close this process's client of `address` (a Milvus Lite file is then free for others)."""
    with _clients_lock:
        conn = _clients.pop(address, None)
    if conn is not None:
        with contextlib.suppress(Exception):
            conn.close()
    if not address.startswith(("http://", "https://", "tcp://")):
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(address)  # stops it and frees the file lock


def _unavailable(address: str, exc: Exception) -> str:
    if address.startswith(("http://", "https://", "tcp://")):
        return f"cannot reach Milvus at {address} ({exc}); check VANKIEN_MILVUS_URI"
    return (
        f"cannot open the Milvus Lite file {address} ({exc}). It admits one process at a "
        "time: stop the other vankien process using it (a running `vankien serve` reindexes "
        "through its API), or run `milvus-lite server` and point VANKIEN_MILVUS_URI at it"
    )


@contextlib.contextmanager
def _calls(address: str) -> Iterator[None]:
    """Turn a failing Milvus call into a message for the user."""
    from pymilvus.exceptions import MilvusException

    try:
        yield
    except MilvusException as exc:
        if exc.code == 2:  # pymilvus' "server unavailable"
            raise BackendUnavailable(_unavailable(address, exc)) from exc
        raise BackendUnavailable(f"Milvus at {address} failed: {exc.message}") from exc


def _key(value: str | None) -> str:
    return _CONTROL.sub(" ", value or "")


def _literal(value: str) -> str:
    """A Milvus expression string literal (only \\ and " need escaping once controls are gone)."""
    return json.dumps(_key(value), ensure_ascii=False)


# --- read side ----------------------------------------------------------------------------


class MilvusRetriever:
    backend = "milvus"

    def __init__(self, address, conn, section, db, pids):
        self.address, self.conn, self.db, self.pids = address, conn, db, pids
        self.collection = section["collection"]
        self.max_pid = int(section["max_pid"])
        self.avgdl = section["avgdl"]
        self.search_params = {"metric_type": "IP"}
        if section["dense_index"] == "HNSW":
            self.search_params["params"] = {"ef": 256}

    @classmethod
    def open(cls, folder: Path, manifest: dict, settings: Settings, db, pids) -> MilvusRetriever:
        section = manifest.get("milvus")
        if not isinstance(section, dict) or "collection" not in section:
            raise IndexCorrupt(f"{folder / store.MANIFEST} lacks its Milvus section; rebuild")
        address = uri(settings, folder.parent.parent)
        conn = client(address)
        name = section["collection"]
        with _calls(address):
            if not conn.has_collection(name):
                raise IndexCorrupt(
                    f"the Milvus collection {name} is missing at {address}; rebuild the index"
                )
            conn.load_collection(name)
            stored = _count(conn, name, f"pid <= {int(section['max_pid'])}")
        if stored < len(pids):
            raise IndexCorrupt(
                f"the Milvus collection {name} at {address} holds {stored} of the "
                f"{len(pids)} passages of this index; rebuild the index"
            )
        return cls(address, conn, section, db, pids)

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
        if f.doc_type is not None:
            parts.append(f"doc_type == {_literal(fold(f.doc_type))}")
        if f.number is not None:
            parts.append(f"number == {_literal(normalise_ref(f.number))}")
        if f.period is not None:
            parts.append(f"period == {_literal(period_key(f.period) or '')}")
        if f.doc_id is not None:
            parts.append(f"doc_id == {_literal(f.doc_id)}")
        if f.issuer is not None:  # a substring test: sent as the documents it selects
            if not scope.allowed_docs:
                return None
            listed = ", ".join(_literal(d) for d in sorted(scope.allowed_docs))
            parts.append(f"doc_id in [{listed}]")
        return " and ".join(parts)

    def _weights(self, stream: str, keys: list[str]) -> dict[str, float]:
        return sparse.query_weights(self.db, stream, keys, len(self.pids))

    def lexical(self, stream: str, keys: list[str], n: int, scope: Scope) -> Ranking:
        weights, expr = self._weights(stream, keys), self._expr(scope)
        if not weights or expr is None or n <= 0:
            return Ranking([], [])
        query = {sparse.term_id(stream, k): w for k, w in weights.items()}
        with _calls(self.address):
            found = self.conn.search(
                self.collection, data=[query], anns_field=f"sparse_{stream}", limit=n,
                filter=expr, search_params={"metric_type": "IP"}, output_fields=["pid"],
            )
        return self._rows(found[0], scope)

    def lexical_at(self, stream: str, keys: list[str], rows: list[int]) -> list[float]:
        if not rows:
            return []
        weights = self._weights(stream, keys)
        pids = [int(self.pids[r]) for r in rows]
        column = sparse.STREAM_COLUMNS[stream]
        sql = f"SELECT pid, {column} FROM passages WHERE pid IN"
        tokens = dict(store.select_in(self.db, sql, pids))
        avgdl = float(self.avgdl[stream])
        return [sparse.score(tokens[p].split(), weights, avgdl) for p in pids]

    def dense(self, vector: np.ndarray, n: int, scope: Scope) -> Ranking:
        expr = self._expr(scope)
        if expr is None or n <= 0:
            return Ranking([], [])
        with _calls(self.address):
            found = self.conn.search(
                self.collection, data=[vector.astype(np.float32).tolist()], anns_field="dense",
                limit=n, filter=expr, search_params=self.search_params, output_fields=["pid"],
            )
        return self._rows(found[0], scope)

    def dense_at(self, vector: np.ndarray, rows: list[int]) -> list[float]:
        if not rows:
            return []
        pids = [int(self.pids[r]) for r in rows]
        stored = dict(
            store.select_in(
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
        """Dense and sparse searches fused by Milvus itself (RRF ranker)."""
        from pymilvus import AnnSearchRequest, RRFRanker

        expr = self._expr(scope)
        if expr is None or n <= 0:
            return {}
        requests = [
            AnnSearchRequest(
                [vector.astype(np.float32).tolist()], "dense", self.search_params, n, expr=expr
            )
        ]
        weights = self._weights(stream, keys)
        if weights:
            query = {sparse.term_id(stream, key): w for key, w in weights.items()}
            requests.append(
                AnnSearchRequest(
                    [query], f"sparse_{stream}", {"metric_type": "IP"}, n, expr=expr
                )
            )
        with _calls(self.address):
            found = self.conn.hybrid_search(
                self.collection, requests, RRFRanker(k), limit=n, output_fields=["pid"]
            )
        return self._rows(found[0], scope).as_dict()

    def close(self) -> None:
        pass  # the client is shared by every version opened in this process


def intact(index: Path, settings: Settings, manifest: dict) -> bool:
    """Whether the collection a version names still holds all of its passages."""
    section = manifest.get("milvus")
    if not isinstance(section, dict) or "collection" not in section:
        return False
    address = uri(settings, index)
    conn = client(address)
    with _calls(address):
        if not conn.has_collection(section["collection"]):
            return False
        conn.load_collection(section["collection"])  # a fresh process finds it released
        stored = _count(conn, section["collection"], f"pid <= {int(section['max_pid'])}")
    return stored >= int(manifest["counts"]["passages"])


def _count(conn, name: str, expr: str = "") -> int:
    rows = conn.query(name, filter=expr, output_fields=["count(*)"])
    return int(rows[0]["count(*)"])


# --- write side ---------------------------------------------------------------------------


def write(
    db: sqlite3.Connection, index: Path, previous: Path | None, settings: Settings, dim: int
) -> dict:
    """Bring the Milvus side up to date with the staged catalogue; the manifest's section.

    Incremental when the previous version was served from the same collection prefix with
    the same dense index type, else a new generation filled from scratch.
    """
    address = uri(settings, index)
    conn = client(address)
    total = db.execute("SELECT count(*) FROM passages").fetchone()[0]
    max_pid = db.execute("SELECT coalesce(max(pid), 0) FROM passages").fetchone()[0]
    dense_index = "HNSW" if total >= settings.approx_threshold else "FLAT"
    with _calls(address):
        before = _continuable(conn, previous, settings, dense_index)
        if before is None:
            section = _fill(conn, db, index, settings, dim, dense_index)
        else:
            section = _update(conn, db, previous, before)
        stored = _count(conn, section["collection"])
    live = total + len(_pending(db))
    if stored != live:
        raise IndexCorrupt(
            f"the Milvus collection {section['collection']} holds {stored} rows after the "
            f"build, {live} were expected; run the build again"
        )
    return section | {"max_pid": int(max_pid), "dense_index": dense_index}


def after_publish(index: Path, settings: Settings, manifest: dict) -> None:
    """Delete what the published version removed and drop generations no version names."""
    address = uri(settings, index)
    conn = client(address)
    folder = store.current_version(index)
    if folder is None:
        return
    db = store.connect(folder / store.CATALOGUE, readonly=True)
    try:
        pending = _pending(db)
    finally:
        db.close()
    collection = manifest["milvus"]["collection"]
    with _calls(address):
        _delete(conn, collection, pending)
        _drop_unused(conn, index)


def _continuable(conn, previous: Path | None, settings: Settings, dense_index: str):
    """The previous version's Milvus section when this build can update its collection."""
    if previous is None:
        return None
    manifest = store.read_manifest(previous)
    section = manifest.get("milvus")
    if manifest.get("backend") != "milvus" or not isinstance(section, dict):
        return None
    if (
        section.get("prefix") != settings.milvus_collection
        or section.get("dense_index") != dense_index
        or not conn.has_collection(section["collection"])
    ):
        return None
    conn.load_collection(section["collection"])  # a fresh process finds it released
    return section


def _fill(conn, db, index: Path, settings: Settings, dim: int, dense_index: str) -> dict:
    """A new generation holding every passage of the catalogue."""
    stamp = time.strftime("%Y%m%d%H%M%S") + f"{time.time_ns() % 10**6:06d}"
    name = f"{settings.milvus_collection}_g{stamp}"
    _remember(index, name)
    _create(conn, name, dim, dense_index)
    db.execute("DELETE FROM lexicon")
    db.execute("DELETE FROM milvus_pending")
    for stream in STREAMS:
        sparse.adjust_lexicon(db, stream, sparse.count_terms(db, stream, None))
    avgdl = {stream: sparse.average_length(db, stream) for stream in STREAMS}
    pids = [r[0] for r in db.execute("SELECT pid FROM passages ORDER BY pid")]
    _upsert(conn, name, db, pids, avgdl, insert=True)
    db.commit()
    return {"collection": name, "prefix": settings.milvus_collection, "avgdl": avgdl}


def _update(conn, db, previous: Path, section: dict) -> dict:
    """Upsert new and changed passages into the previous generation; removals wait."""
    name, avgdl = section["collection"], section["avgdl"]
    old = store.connect(previous / store.CATALOGUE, readonly=True)
    try:
        _delete(conn, name, _pending(old))  # a killed build's leftovers: redo them
        db.execute("DELETE FROM milvus_pending")
        conn.delete(name, filter=f"pid > {int(section['max_pid'])}")  # killed builds' inserts
        before = {r[0] for r in old.execute("SELECT pid FROM passages")}
        after = {r[0] for r in db.execute("SELECT pid FROM passages")}
        added, removed = sorted(after - before), sorted(before - after)
        for stream in STREAMS:
            delta = sparse.count_terms(db, stream, added)
            delta.subtract(sparse.count_terms(old, stream, removed))
            sparse.adjust_lexicon(db, stream, delta)
        moved = _refiled(old, db)
    finally:
        old.close()
    sql = "SELECT pid FROM passages WHERE doc_id IN"
    changed = [r[0] for r in store.select_in(db, sql, moved)]
    _upsert(conn, name, db, sorted(set(added) | set(changed)), avgdl, insert=False)
    db.executemany("INSERT OR IGNORE INTO milvus_pending VALUES (?)", [(p,) for p in removed])
    db.commit()
    return {"collection": name, "prefix": section["prefix"], "avgdl": avgdl}


def _refiled(old: sqlite3.Connection, new: sqlite3.Connection) -> list[str]:
    """Documents kept by the build whose filter fields changed (a new access level)."""
    fields = "doc_id, doc_type, number, year, period, access"
    before = {r[0]: tuple(r) for r in old.execute(f"SELECT {fields} FROM documents")}
    return [
        r[0]
        for r in new.execute(f"SELECT {fields} FROM documents")
        if r[0] in before and before[r[0]] != tuple(r)
    ]


def _create(conn, name: str, dim: int, dense_index: str) -> None:
    from pymilvus import DataType

    schema = conn.create_schema(auto_id=False)
    schema.add_field("pid", DataType.INT64, is_primary=True)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    for stream in STREAMS:
        schema.add_field(f"sparse_{stream}", DataType.SPARSE_FLOAT_VECTOR)
    for field in TEXT_FIELDS:
        schema.add_field(field, DataType.VARCHAR, max_length=2048)
    schema.add_field("year", DataType.INT64)
    schema.add_field("access", DataType.INT64)
    params = conn.prepare_index_params()
    if dense_index == "HNSW":
        params.add_index("dense", index_type="HNSW", metric_type="IP", params=HNSW)
    else:
        params.add_index("dense", index_type="FLAT", metric_type="IP")
    for stream in STREAMS:
        params.add_index(
            f"sparse_{stream}", index_type="SPARSE_INVERTED_INDEX", metric_type="IP"
        )
    conn.create_collection(name, schema=schema, index_params=params)


def _upsert(conn, name: str, db, pids: list[int], avgdl: dict, insert: bool) -> None:
    sql = (
        "SELECT p.pid, p.accented, p.folded, e.vector, d.doc_id, d.doc_type, d.number, d.year,"
        " d.period, d.access FROM passages p JOIN embeddings e ON e.hash = p.embed_hash"
        " JOIN documents d ON d.doc_id = p.doc_id WHERE p.pid IN"
    )
    write = conn.insert if insert else conn.upsert
    for start in range(0, len(pids), BATCH):
        rows = [_entity(r, avgdl) for r in store.select_in(db, sql, pids[start : start + BATCH])]
        write(name, rows)


def _entity(row: sqlite3.Row, avgdl: dict) -> dict:
    return {
        "pid": int(row["pid"]),
        "dense": np.frombuffer(row["vector"], dtype=np.float32).tolist(),
        "sparse_accented": sparse.passage_vector(
            "accented", row["accented"].split(), float(avgdl["accented"])
        ),
        "sparse_folded": sparse.passage_vector(
            "folded", row["folded"].split(), float(avgdl["folded"])
        ),
        "doc_id": _key(row["doc_id"]),
        "doc_type": _key(fold(row["doc_type"] or "")),
        "number": _key(normalise_ref(row["number"] or "")),
        "period": _key(period_key(row["period"]) or ""),
        "year": int(row["year"] or 0),
        "access": int(row["access"]),
    }


def _pending(db: sqlite3.Connection) -> list[int]:
    try:
        return [r[0] for r in db.execute("SELECT pid FROM milvus_pending")]
    except sqlite3.OperationalError:  # a catalogue from before the table existed
        return []


def _delete(conn, name: str, pids: list[int]) -> None:
    for start in range(0, len(pids), BATCH):
        conn.delete(name, ids=pids[start : start + BATCH])


def _remember(index: Path, name: str) -> None:
    """Note a generation before creating it, so a killed build's collection is found later."""
    names = _remembered(index)
    path = Path(index) / RECORD
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(sorted({*names, name}), indent=1), encoding="utf-8")
    tmp.replace(path)


def _remembered(index: Path) -> list[str]:
    try:
        return list(json.loads((Path(index) / RECORD).read_text(encoding="utf-8")))
    except (FileNotFoundError, json.JSONDecodeError):
        return []


def _drop_unused(conn, index: Path) -> None:
    """Drop the generations this folder created that no kept version serves from."""
    used = set()
    for folder in (Path(index) / "versions").glob("v*"):
        with contextlib.suppress(IndexCorrupt):
            used.add(store.read_manifest(folder).get("milvus", {}).get("collection"))
    names = _remembered(index)
    for name in names:
        if name not in used and conn.has_collection(name):
            conn.drop_collection(name)
    kept = [n for n in names if n in used]
    if kept != names:
        path = Path(index) / RECORD
        path.with_suffix(".tmp").write_text(json.dumps(kept, indent=1), encoding="utf-8")
        path.with_suffix(".tmp").replace(path)
