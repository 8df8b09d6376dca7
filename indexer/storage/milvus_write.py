"""The Milvus backend, write side: a build brings a collection *generation* up to date.

- An incremental build upserts the passages it added into the active generation before the
  new version is published; readers of the older version do not see them (their filter is
  `pid <= max_pid` of their version, and unknown pids are dropped). Passages it removed are
  deleted only after the new version is published: they are listed in the catalogue's
  `milvus_pending` table, so a killed build's deletions are redone by the next one, and rows
  a killed build inserted (pids above the published ones) are deleted first.
- A document whose filter fields changed without its text changing (a new access level)
  gets new pids for its passages, so the change is a plain add + remove: rows are never
  rewritten under a version that still reads them.
- A full build (first build, another text normalisation or dense index type, a collection
  lost or missing rows) fills a new generation; the old one is dropped once no kept version
  names it. The generations a folder created are listed, one per line, in
  INDEX/milvus-collections.txt, so several index folders can share one Milvus (with different
  `VANKIEN_MILVUS_COLLECTION` prefixes) and a killed build's collection is found later.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path

import numpy as np

from ..config import Settings
from ..errors import IndexCorrupt
from ..vietnamese.text import NORMALISATION_VERSION
from . import catalogue, sparse
from . import faiss as vectors
from . import folder as store
from .bm25 import STREAMS
from .manifest import Manifest
from .milvus import FIELD_KEYS, calls, client, count, stored_rows, uri

RECORD = "milvus-collections.txt"
BATCH = 500
FILTER_FIELDS = "doc_id, doc_type, number, year, period, access"


def write(
    db: sqlite3.Connection, index: Path, previous: Path | None, settings: Settings, dim: int
) -> dict:
    """Bring the Milvus side up to date with the staged catalogue; the manifest's section."""
    address = uri(settings, index)
    conn = client(address)
    total = db.execute("SELECT count(*) FROM passages").fetchone()[0]
    dense_index = "HNSW" if total >= settings.approx_threshold else "FLAT"
    with calls(address):
        before = _continuable(conn, address, previous, settings, dense_index)
        if before is None:
            section = _fill(conn, db, index, settings, dim, dense_index)
        else:
            section = _update(conn, db, previous, before)
        stored = count(conn, section["collection"])
    live = total + len(_pending(db))
    if stored != live:
        raise IndexCorrupt(
            f"the Milvus collection {section['collection']} holds {stored} rows after the "
            f"build, {live} were expected; run the build again"
        )
    max_pid = db.execute("SELECT coalesce(max(pid), 0) FROM passages").fetchone()[0]
    return section | {"max_pid": int(max_pid), "dense_index": dense_index}


def after_publish(index: Path, settings: Settings, manifest: Manifest) -> None:
    """Delete what the published version removed and drop generations no version names."""
    address = uri(settings, index)
    conn = client(address)
    folder = store.current_version(index)
    if folder is None:
        return
    db = catalogue.connect(folder / store.CATALOGUE, readonly=True)
    try:
        pending = _pending(db)
    finally:
        db.close()
    with calls(address):
        _delete(conn, manifest.milvus["collection"], pending)
        _drop_unused(conn, index)


def intact(index: Path, settings: Settings, manifest: Manifest) -> bool:
    """Whether the collection a version names still holds all of its passages."""
    section = manifest.milvus
    if not isinstance(section, dict) or "collection" not in section:
        return False
    address = uri(settings, index)
    stored = stored_rows(client(address), address, section)
    return stored is not None and stored >= manifest.passages


def _continuable(conn, address, previous: Path | None, settings: Settings, dense_index: str):
    """The previous version's Milvus section when this build can update its collection."""
    if previous is None:
        return None
    manifest = Manifest.read(previous)
    section = manifest.milvus
    if manifest.backend != "milvus" or not isinstance(section, dict):
        return None
    if (
        section.get("prefix") != settings.milvus_collection
        or section.get("dense_index") != dense_index
        or manifest.normalisation_version != NORMALISATION_VERSION  # other keys
    ):
        return None
    stored = stored_rows(conn, address, section)
    if stored is None or stored < manifest.passages:
        return None  # lost, or lost rows: refill rather than patch
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
    sparse.count_levels(db)
    avgdl = {stream: sparse.average_length(db, stream) for stream in STREAMS}
    pids = [r[0] for r in db.execute("SELECT pid FROM passages ORDER BY pid")]
    _insert(conn, name, db, pids, avgdl, fresh=True)
    db.commit()
    return {"collection": name, "prefix": settings.milvus_collection, "avgdl": avgdl}


def _update(conn, db, previous: Path, section: dict) -> dict:
    """Add new passages to the previous generation; removals wait for the publish."""
    name, avgdl = section["collection"], section["avgdl"]
    old = catalogue.connect(previous / store.CATALOGUE, readonly=True)
    try:
        _delete(conn, name, _pending(old))  # a killed build's leftovers: redo them
        db.execute("DELETE FROM milvus_pending")
        conn.delete(name, filter=f"pid > {int(section['max_pid'])}")  # killed builds' inserts
        _renumber(db, _refiled(old, db))
        before = {r[0] for r in old.execute("SELECT pid FROM passages")}
        after = {r[0] for r in db.execute("SELECT pid FROM passages")}
        added, removed = sorted(after - before), sorted(before - after)
        for stream in STREAMS:
            delta = sparse.count_terms(db, stream, added)
            delta.subtract(sparse.count_terms(old, stream, removed))
            sparse.adjust_lexicon(db, stream, delta)
        sparse.count_levels(db)  # levels also change without passages changing
    finally:
        old.close()
    _insert(conn, name, db, added, avgdl)
    db.executemany("INSERT OR IGNORE INTO milvus_pending VALUES (?)", [(p,) for p in removed])
    db.commit()
    return {"collection": name, "prefix": section["prefix"], "avgdl": avgdl}


def _refiled(old: sqlite3.Connection, new: sqlite3.Connection) -> list[str]:
    """Documents kept by the build whose filter fields changed (a new access level)."""
    before = {r[0]: tuple(r) for r in old.execute(f"SELECT {FILTER_FIELDS} FROM documents")}
    return [
        r[0]
        for r in new.execute(f"SELECT {FILTER_FIELDS} FROM documents")
        if r[0] in before and before[r[0]] != tuple(r)
    ]


def _renumber(db: sqlite3.Connection, doc_ids: list[str]) -> None:
    """Give the passages of `doc_ids` new pids (AUTOINCREMENT never reuses one)."""
    for doc_id in doc_ids:
        rows = db.execute("SELECT * FROM passages WHERE doc_id = ? ORDER BY pid", (doc_id,))
        for row in rows.fetchall():
            values = dict(row)
            old_pid = values.pop("pid")
            db.execute("DELETE FROM passages WHERE pid = ?", (old_pid,))
            columns = ", ".join(values)
            cursor = db.execute(
                f"INSERT INTO passages ({columns}) VALUES ({', '.join('?' * len(values))})",
                list(values.values()),
            )
            db.execute("UPDATE refs SET pid = ? WHERE pid = ?", (cursor.lastrowid, old_pid))


def _create(conn, name: str, dim: int, dense_index: str) -> None:
    from pymilvus import DataType

    schema = conn.create_schema(auto_id=False)
    schema.add_field("pid", DataType.INT64, is_primary=True)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    for stream in STREAMS:
        schema.add_field(f"sparse_{stream}", DataType.SPARSE_FLOAT_VECTOR)
    for field in FIELD_KEYS:
        schema.add_field(field, DataType.VARCHAR, max_length=65535)
    schema.add_field("year", DataType.INT64)
    schema.add_field("access", DataType.INT64)
    params = conn.prepare_index_params()
    if dense_index == "HNSW":  # the settings measured for FAISS (indexer/storage/faiss.py)
        hnsw = {"M": vectors.HNSW_M, "efConstruction": vectors.EF_CONSTRUCTION}
        params.add_index("dense", index_type="HNSW", metric_type="IP", params=hnsw)
    else:
        params.add_index("dense", index_type="FLAT", metric_type="IP")
    for stream in STREAMS:
        params.add_index(
            f"sparse_{stream}", index_type="SPARSE_INVERTED_INDEX", metric_type="IP"
        )
    conn.create_collection(name, schema=schema, index_params=params)


def _insert(conn, name: str, db, pids: list[int], avgdl: dict, fresh: bool = False) -> None:
    """Write the passages `pids` (into an existing collection as upserts: a pid a killed
    build left behind is overwritten)."""
    write = conn.insert if fresh else conn.upsert
    sql = (
        "SELECT p.pid, p.accented, p.folded, e.vector, d.doc_id, d.doc_type, d.number, d.year,"
        " d.period, d.access FROM passages p JOIN embeddings e ON e.hash = p.embed_hash"
        " JOIN documents d ON d.doc_id = p.doc_id WHERE p.pid IN"
    )
    for start in range(0, len(pids), BATCH):
        chunk = pids[start : start + BATCH]
        write(name, [_entity(r, avgdl) for r in catalogue.select_in(db, sql, chunk)])


def _entity(row: sqlite3.Row, avgdl: dict) -> dict:
    sparse_fields = {
        f"sparse_{s}": sparse.passage_vector(s, row[s].split(), float(avgdl[s])) for s in STREAMS
    }
    text_fields = {field: stored(row[field]) for field, stored in FIELD_KEYS.items()}
    return sparse_fields | text_fields | {
        "pid": int(row["pid"]),
        "dense": np.frombuffer(row["vector"], dtype=np.float32).tolist(),
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
    """Note a generation before creating it (appended: a damaged line loses only itself)."""
    with open(Path(index) / RECORD, "a", encoding="utf-8") as record:
        record.write(name + "\n")


def remembered(index: Path) -> list[str]:
    try:
        lines = (Path(index) / RECORD).read_text(encoding="utf-8").split()
    except FileNotFoundError:
        return []
    return list(dict.fromkeys(lines))


def _drop_unused(conn, index: Path) -> None:
    """Drop the generations this folder created that no kept version serves from."""
    used = set()
    for folder in (Path(index) / "versions").glob("v*"):
        with contextlib.suppress(IndexCorrupt):
            section = Manifest.read(folder).milvus
            used.add(section.get("collection") if isinstance(section, dict) else None)
    names = remembered(index)
    for name in names:
        if name not in used and conn.has_collection(name):
            conn.drop_collection(name)
    kept = [n for n in names if n in used]
    if kept != names:
        path = Path(index) / RECORD
        path.with_suffix(".tmp").write_text("".join(n + "\n" for n in kept), encoding="utf-8")
        path.with_suffix(".tmp").replace(path)
