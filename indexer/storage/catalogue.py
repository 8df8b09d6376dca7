"""catalogue.sqlite: documents, blocks, footnotes, passages, cited numbers and vectors by hash.

The SQL that reads and writes it lives here (the Milvus backend's own tables, `lexicon`,
`lexicon_levels` and `milvus_pending`, stay with that backend in milvus_write.py and sparse.py).
Rows are written by column name, from the records' fields.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from ..errors import IndexCorrupt
from ..model import Block, DocInfo, Document, Footnote, Passage, ScannedPage
from ..vietnamese.refs import normalise_ref

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source TEXT UNIQUE NOT NULL, name TEXT NOT NULL, format TEXT,
    content_hash TEXT NOT NULL, title TEXT, doc_type TEXT, number TEXT, issuer TEXT, date TEXT,
    place TEXT, draft INTEGER, period TEXT, year INTEGER, access INTEGER NOT NULL DEFAULT 0,
    indexed_at REAL
);
CREATE TABLE IF NOT EXISTS blocks (
    doc_id TEXT NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL,
    section TEXT NOT NULL, footnote_refs TEXT NOT NULL, rows TEXT NOT NULL, page INTEGER,
    PRIMARY KEY (doc_id, idx)
);
CREATE TABLE IF NOT EXISTS footnotes (
    doc_id TEXT NOT NULL, number INTEGER NOT NULL, text TEXT NOT NULL, block_idx INTEGER,
    sentence TEXT, PRIMARY KEY (doc_id, number)
);
CREATE TABLE IF NOT EXISTS passages (
    pid INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, doc_id TEXT NOT NULL,
    kind TEXT NOT NULL, text TEXT NOT NULL, embed_text TEXT NOT NULL, embed_hash TEXT NOT NULL,
    section TEXT NOT NULL, paragraph INTEGER NOT NULL, footnote INTEGER, part INTEGER NOT NULL,
    context TEXT, page INTEGER, refs TEXT NOT NULL, lexical_text TEXT NOT NULL,
    accented TEXT NOT NULL, folded TEXT NOT NULL,
    words BLOB  -- where the text's words are (vietnamese/wordspans.py); NULL: segment when shown
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages (doc_id);
CREATE TABLE IF NOT EXISTS refs (ref TEXT NOT NULL, pid INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS refs_ref ON refs (ref);
CREATE TABLE IF NOT EXISTS embeddings (hash TEXT PRIMARY KEY, vector BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS lexicon (
    stream TEXT NOT NULL, key TEXT NOT NULL, df INTEGER NOT NULL, PRIMARY KEY (stream, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lexicon_levels (
    stream TEXT NOT NULL, key TEXT NOT NULL, level INTEGER NOT NULL, df INTEGER NOT NULL,
    PRIMARY KEY (stream, key, level)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS milvus_pending (pid INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS scanned_pages (
    doc_id TEXT NOT NULL, page INTEGER NOT NULL, confidence REAL NOT NULL, unsure TEXT NOT NULL,
    PRIMARY KEY (doc_id, page)
);
"""

DOC_FIELDS = ("doc_id", "name", "format", "title", "doc_type", "number", "issuer", "date",
              "place", "draft", "period", "year", "access")  # fmt: skip


def connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        db = sqlite3.connect(path)
        db.executescript(SCHEMA)
        if not stores_words(db):  # a catalogue from before words were kept: its rows say NULL
            db.execute("ALTER TABLE passages ADD COLUMN words BLOB")
    db.row_factory = sqlite3.Row
    return db


def stores_words(db: sqlite3.Connection) -> bool:
    """Whether the catalogue keeps where its passages' words are (a column added later)."""
    return any(row[1] == "words" for row in db.execute("PRAGMA table_info(passages)"))


def select_in(db: sqlite3.Connection, sql: str, values: list, size: int = 900) -> Iterator:
    """Rows of `sql` ending in "... IN" for every value, in chunks under SQLite's limit."""
    for start in range(0, len(values), size):
        chunk = values[start : start + size]
        yield from db.execute(f"{sql} ({','.join('?' * len(chunk))})", chunk)


def insert(db: sqlite3.Connection, table: str, rows: Iterable[dict], verb: str = "INSERT"
           ) -> int | None:  # fmt: skip
    """Insert rows given as {column: value} (all with the first one's columns); the rowid of
    the first row."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return None
    sql = (f"{verb} INTO {table} ({', '.join(first)})"
           f" VALUES ({', '.join(':' + c for c in first)})")  # fmt: skip
    rowid = db.execute(sql, first).lastrowid
    db.executemany(sql, rows)
    return rowid


# --- writing ----------------------------------------------------------------------------------
def document_row(doc: Document, source: str, digest: str, access: int) -> dict:
    meta = doc.meta
    return {
        "doc_id": doc.doc_id, "source": source, "name": doc.source, "format": doc.format,
        "content_hash": digest, "title": meta.title, "doc_type": meta.doc_type,
        "number": meta.number, "issuer": meta.issuer, "date": meta.date, "place": meta.place,
        "draft": int(meta.draft), "period": meta.period, "year": meta.year, "access": access,
        "indexed_at": time.time(),
    }  # fmt: skip


def block_row(doc_id: str, b: Block) -> dict:
    return {
        "doc_id": doc_id, "idx": b.index, "kind": b.kind, "text": b.text,
        "section": json.dumps(b.section, ensure_ascii=False),
        "footnote_refs": json.dumps(b.footnote_refs),
        "rows": json.dumps(b.rows, ensure_ascii=False), "page": b.page,
    }  # fmt: skip


def footnote_row(doc_id: str, f: Footnote) -> dict:
    return {"doc_id": doc_id, "number": f.number, "text": f.text, "block_idx": f.block_index,
            "sentence": f.sentence}  # fmt: skip


def scanned_row(doc_id: str, s: ScannedPage) -> dict:
    return {"doc_id": doc_id, "page": s.page, "confidence": s.confidence,
            "unsure": json.dumps(s.unsure, ensure_ascii=False)}  # fmt: skip


def embed_hash(text: str) -> str:
    """The key a passage's vector is stored under: the hash of the text that was embedded."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def passage_row(p: Passage, accented: list[str], folded: list[str], words: bytes | None = None
                ) -> dict:  # fmt: skip
    return {
        "id": p.id, "doc_id": p.doc_id, "kind": p.kind, "text": p.text,
        "embed_text": p.embed_text, "embed_hash": embed_hash(p.embed_text), "section": p.section,
        "paragraph": p.paragraph, "footnote": p.footnote, "part": p.part, "context": p.context,
        "page": p.page, "refs": json.dumps(p.refs, ensure_ascii=False),
        "lexical_text": p.lexical_text, "accented": " ".join(accented),
        "folded": " ".join(folded), "words": words,
    }  # fmt: skip


def delete_document(db: sqlite3.Connection, doc_id: str) -> None:
    db.execute(
        "DELETE FROM refs WHERE pid IN (SELECT pid FROM passages WHERE doc_id = ?)", (doc_id,)
    )
    for table in ("passages", "footnotes", "blocks", "scanned_pages", "documents"):
        db.execute(f"DELETE FROM {table} WHERE doc_id = ?", (doc_id,))


def insert_document(db, doc: Document, source: str, digest: str, keyed, access: int) -> None:
    """A document with its blocks, footnotes and passages (`keyed`: (passage, accented keys,
    folded keys, packed words)) and the document numbers each passage cites."""
    insert(db, "documents", [document_row(doc, source, digest, access)])
    insert(db, "blocks", [block_row(doc.doc_id, b) for b in doc.blocks])
    insert(db, "footnotes", [footnote_row(doc.doc_id, f) for f in doc.footnotes],
           verb="INSERT OR REPLACE")  # fmt: skip
    insert(db, "scanned_pages", [scanned_row(doc.doc_id, s) for s in doc.scanned],
           verb="INSERT OR REPLACE")  # pages read by OCR: answers citing them say so
    for passage, accented, folded, words in keyed:
        pid = insert(db, "passages", [passage_row(passage, accented, folded, words)])
        insert(db, "refs", [{"ref": normalise_ref(ref), "pid": pid}
                            for ref in dict.fromkeys(passage.refs)])  # fmt: skip


def set_name_and_access(db: sqlite3.Connection, doc_id: str, name: str, access: int) -> None:
    db.execute("UPDATE documents SET name = ?, access = ? WHERE doc_id = ?",
               (name, access, doc_id))  # fmt: skip


def documents_by_source(db: sqlite3.Connection) -> dict[str, sqlite3.Row]:
    return {row["source"]: row for row in db.execute("SELECT * FROM documents")}


def has_passages(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM passages LIMIT 1").fetchone() is not None


def lexical_texts(db: sqlite3.Connection, chunk: int = 10_000) -> Iterator[list[sqlite3.Row]]:
    """(pid, lexical_text, text) of every passage, pids ascending, `chunk` rows at a time (a
    million passages' texts at once would take gigabytes)."""
    last = 0
    while rows := db.execute("SELECT pid, lexical_text, text FROM passages WHERE pid > ?"
                             " ORDER BY pid LIMIT ?", (last, chunk)).fetchall():  # fmt: skip
        yield rows
        last = rows[-1]["pid"]


def set_keys(db: sqlite3.Connection, rows: Iterable[tuple[str, str, bytes | None, int]]) -> None:
    """Replace passages' lexical keys and words: (accented, folded, words, pid) rows."""
    db.executemany("UPDATE passages SET accented = ?, folded = ?, words = ? WHERE pid = ?", rows)


def unembedded(db: sqlite3.Connection) -> list[sqlite3.Row]:
    """(embed_hash, embed_text) of the passages whose text has no vector yet."""
    return db.execute(
        "SELECT DISTINCT embed_hash, embed_text FROM passages"
        " WHERE embed_hash NOT IN (SELECT hash FROM embeddings)"
    ).fetchall()


def add_vectors(db: sqlite3.Connection, hashes: list[str], vectors: np.ndarray) -> None:
    insert(db, "embeddings", [{"hash": h, "vector": v.astype(np.float32).tobytes()}
                              for h, v in zip(hashes, vectors, strict=True)])  # fmt: skip


def drop_unused_vectors(db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM embeddings WHERE hash NOT IN (SELECT embed_hash FROM passages)")


def search_rows(db: sqlite3.Connection, dim: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """What the in-process backend indexes: pids ascending, their vectors (rows × dim) and
    their lexical keys per stream."""
    rows = db.execute(
        "SELECT p.pid, p.accented, p.folded, e.vector FROM passages p"
        " JOIN embeddings e ON e.hash = p.embed_hash ORDER BY p.pid"
    ).fetchall()
    pids = np.array([r["pid"] for r in rows], dtype=np.int64)
    matrix = np.frombuffer(b"".join(r["vector"] for r in rows), dtype=np.float32)
    streams = {"accented": [r["accented"].split() for r in rows],
               "folded": [r["folded"].split() for r in rows]}  # fmt: skip
    return pids, matrix.reshape(len(rows), dim), streams


def row_access(db: sqlite3.Connection) -> np.ndarray:
    """The access level of each passage's document, pids ascending (the search rows)."""
    return levels_of_rows(db, [doc for _, doc in passage_rows(db)])


def levels_of_rows(db: sqlite3.Connection, row_doc: list[str]) -> np.ndarray:
    """`row_access` from rows' documents already read (`passage_rows`): a lookup per row in
    the documents' levels (a join over every passage cost ≈ 0.7 s at 100k passages, this
    ≈ 10 ms)."""
    level_of = dict(db.execute("SELECT doc_id, access FROM documents").fetchall())
    try:
        return np.fromiter((level_of[d] for d in row_doc), dtype=np.int64, count=len(row_doc))
    except KeyError as exc:
        raise IndexCorrupt(f"a passage belongs to no document ({exc}); rebuild the index") from exc


def lexical_streams(db: sqlite3.Connection) -> dict[str, list[list[str]]]:
    """Each passage's lexical keys per stream, pids ascending."""
    rows = db.execute("SELECT accented, folded FROM passages ORDER BY pid").fetchall()
    return {"accented": [r[0].split() for r in rows], "folded": [r[1].split() for r in rows]}


COUNTED = ("documents", "passages", "footnotes")  # the manifest's counts


def counts(db: sqlite3.Connection, tables: tuple[str, ...] = COUNTED) -> dict[str, int]:
    """Rows held by each of `tables`."""
    return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in tables}  # fmt: skip


def count_into(db: sqlite3.Connection, report) -> None:
    """Set the report's document, passage and footnote totals from the catalogue."""
    for name, value in counts(db).items():
        setattr(report, name, value)


# --- reading ----------------------------------------------------------------------------------
def document_rows(db: sqlite3.Connection) -> list[dict]:
    """Every document row as stored (to copy a catalogue's documents)."""
    return [dict(r) for r in db.execute("SELECT * FROM documents")]


def passages_with_vectors(db: sqlite3.Connection) -> list[sqlite3.Row]:
    """(doc_id, text, accented, folded, vector) of every passage, pids ascending."""
    return db.execute(
        "SELECT p.doc_id, p.text, p.accented, p.folded, e.vector FROM passages p"
        " JOIN embeddings e ON e.hash = p.embed_hash ORDER BY p.pid"
    ).fetchall()


def passage_rows(db: sqlite3.Connection) -> list[tuple[int, str]]:
    """(pid, doc_id) of every passage, pids ascending: the rows of the search indexes."""
    return db.execute("SELECT pid, doc_id FROM passages ORDER BY pid").fetchall()


def documents(db: sqlite3.Connection, scans: dict[str, tuple[ScannedPage, ...]] | None = None
              ) -> dict[str, DocInfo]:  # fmt: skip
    """Every document with its passage and footnote counts, by id (`scans`: the pages read by
    OCR, when the caller has read them already)."""
    counts = dict(db.execute("SELECT doc_id, count(*) FROM passages GROUP BY doc_id"))
    notes = dict(db.execute("SELECT doc_id, count(*) FROM footnotes GROUP BY doc_id"))
    scans = scanned_pages(db) if scans is None else scans
    docs = {}
    for row in db.execute(f"SELECT {', '.join(DOC_FIELDS)} FROM documents ORDER BY doc_id"):
        values = dict(row) | {"draft": bool(row["draft"])}
        docs[row["doc_id"]] = DocInfo(
            **values, passages=counts.get(row["doc_id"], 0), footnotes=notes.get(row["doc_id"], 0),
            scanned=tuple(p.page for p in scans.get(row["doc_id"], ())),
        )  # fmt: skip
    return docs


def passage(row: sqlite3.Row) -> Passage:
    return Passage(
        id=row["id"], doc_id=row["doc_id"], kind=row["kind"], text=row["text"],
        embed_text=row["embed_text"], section=row["section"], paragraph=row["paragraph"],
        footnote=row["footnote"], part=row["part"], context=row["context"],
        refs=tuple(json.loads(row["refs"])), page=row["page"],
    )  # fmt: skip


# what a Passage is read from (not the lexical keys: long, and only a rebuild reads them)
PASSAGE_COLUMNS = ("pid, id, doc_id, kind, text, embed_text, section, paragraph, footnote, part,"
                   " context, refs, page")  # fmt: skip


def passages_by_pid(db: sqlite3.Connection, pids: list[int]) -> dict[int, Passage]:
    return {pid: p for pid, (p, _) in passages_and_words(db, pids, words=False).items()}


def passages_and_words(db: sqlite3.Connection, pids: list[int], words: bool
                       ) -> dict[int, tuple[Passage, bytes | None]]:  # fmt: skip
    """Passages by pid, each with its packed words (vietnamese/wordspans.py) when `words`
    (the catalogue `stores_words`), else None."""
    if not pids:
        return {}
    column = ", words" if words else ", NULL AS words"
    rows = select_in(db, f"SELECT {PASSAGE_COLUMNS}{column} FROM passages WHERE pid IN", pids)
    return {row["pid"]: (passage(row), row["words"]) for row in rows}


def texts_by_pid(db: sqlite3.Connection, pids: list[int]) -> dict[int, str]:
    """Each passage's text alone (cheaper than whole passages, for a test on many)."""
    return dict(select_in(db, "SELECT pid, text FROM passages WHERE pid IN", pids))


def passage_by_id(db: sqlite3.Connection, passage_id: str) -> Passage | None:
    row = db.execute(f"SELECT {PASSAGE_COLUMNS} FROM passages WHERE id = ?", (passage_id,)
                     ).fetchone()  # fmt: skip
    return passage(row) if row else None


def citing(db: sqlite3.Connection, refs: tuple[str, ...]) -> list[int]:
    """Pids of the passages citing any of these (normalised) document numbers."""
    marks = ",".join("?" * len(refs))
    return [r[0] for r in db.execute(f"SELECT pid FROM refs WHERE ref IN ({marks})", refs)]


def block_count(db: sqlite3.Connection, doc_id: str) -> int:
    return db.execute("SELECT count(*) FROM blocks WHERE doc_id = ?", (doc_id,)).fetchone()[0]


def blocks(db: sqlite3.Connection, doc_id: str, start: int = 0, limit: int = -1
           ) -> tuple[Block, ...]:  # fmt: skip
    """The document's blocks in order; `limit` of them from the `start`-th (0-based)."""
    rows = db.execute(
        "SELECT idx, kind, text, section, footnote_refs, rows, page FROM blocks"
        " WHERE doc_id = ? ORDER BY idx LIMIT ? OFFSET ?", (doc_id, limit, start))  # fmt: skip
    return tuple(
        Block(index=r["idx"], kind=r["kind"], text=r["text"],
              section=tuple(json.loads(r["section"])),
              footnote_refs=tuple((int(n), int(o)) for n, o in json.loads(r["footnote_refs"])),
              rows=tuple(tuple(row) for row in json.loads(r["rows"])), page=r["page"])
        for r in rows)  # fmt: skip


def footnotes(db: sqlite3.Connection, doc_id: str, blocks: range | None = None,
              unattached: bool = True) -> tuple[Footnote, ...]:  # fmt: skip
    """The document's footnotes; with `blocks`, those cited by the blocks of that (0-based)
    range, and those cited by no block when `unattached`."""
    where, args = "", [doc_id]
    if blocks is not None:
        where = " AND (block_idx BETWEEN ? AND ?" + (" OR block_idx IS NULL)" if unattached
                                                      else ")")  # fmt: skip
        args += [blocks.start, blocks.stop - 1]
    return tuple(
        Footnote(number=r["number"], text=r["text"], block_index=r["block_idx"],
                 sentence=r["sentence"] or "")
        for r in db.execute(
            "SELECT number, text, block_idx, sentence FROM footnotes WHERE doc_id = ?"
            f"{where} ORDER BY number", args))  # fmt: skip


def document_pids(db: sqlite3.Connection, doc_id: str, paragraphs: range | None = None
                  ) -> list[int]:  # fmt: skip
    """Pids of the document's passages; with `paragraphs`, of those in that (1-based) range."""
    where, args = "", [doc_id]
    if paragraphs is not None:
        where, args = " AND paragraph BETWEEN ? AND ?", [doc_id, paragraphs.start,
                                                         paragraphs.stop - 1]  # fmt: skip
    return [r[0] for r in db.execute(
        f"SELECT pid FROM passages WHERE doc_id = ?{where} ORDER BY pid", args)]  # fmt: skip


def passage_lengths(db: sqlite3.Connection) -> Iterator[tuple[str, int]]:
    """(kind, length in characters) of every passage, in passage order."""
    yield from db.execute("SELECT kind, length(text) FROM passages ORDER BY pid")


def cited_refs(db: sqlite3.Connection) -> Iterator[tuple[int, str, list[str]]]:
    """(pid, doc_id, document numbers as written) of every passage."""
    for pid, doc_id, refs in db.execute("SELECT pid, doc_id, refs FROM passages"):
        yield pid, doc_id, json.loads(refs)


def sources(db: sqlite3.Connection) -> list[Path]:
    """The files the documents were read from."""
    return [Path(r[0]) for r in db.execute("SELECT source FROM documents")]


def source_of(db: sqlite3.Connection, doc_id: str) -> Path | None:
    row = db.execute("SELECT source FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
    return Path(row[0]) if row else None


def doc_of_source(db: sqlite3.Connection, source: str) -> str | None:
    row = db.execute("SELECT doc_id FROM documents WHERE source = ?", (source,)).fetchone()
    return row[0] if row else None


def scanned_pages(db: sqlite3.Connection) -> dict[str, tuple[ScannedPage, ...]]:
    """Each document's pages read by OCR (none for an index built before they were recorded)."""
    try:
        rows = db.execute(
            "SELECT doc_id, page, confidence, unsure FROM scanned_pages ORDER BY doc_id, page"
        ).fetchall()
    except sqlite3.OperationalError:
        return {}
    out: dict[str, list[ScannedPage]] = {}
    for row in rows:
        out.setdefault(row[0], []).append(ScannedPage(row[1], row[2], tuple(json.loads(row[3]))))
    return {doc_id: tuple(pages) for doc_id, pages in out.items()}


def access_of_content(db: sqlite3.Connection, digest: str) -> list[int]:
    """The access levels of the documents whose file content has this sha256."""
    rows = db.execute("SELECT DISTINCT access FROM documents WHERE content_hash = ?", (digest,))
    return [int(r[0]) for r in rows]


def file_of(db: sqlite3.Connection, doc_id: str) -> tuple[Path, str] | None:
    """(the indexed file, the hash of its content when indexed) of a document."""
    row = db.execute(
        "SELECT source, content_hash FROM documents WHERE doc_id = ?", (doc_id,)
    ).fetchone()
    return None if row is None else (Path(row["source"]), row["content_hash"])
