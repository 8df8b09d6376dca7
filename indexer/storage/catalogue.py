"""Rows of catalogue.sqlite: documents, blocks, footnotes, passages and cited numbers."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time

from ..model import Document, Passage
from ..vietnamese.refs import normalise_ref


def delete_document(db: sqlite3.Connection, doc_id: str) -> None:
    db.execute(
        "DELETE FROM refs WHERE pid IN (SELECT pid FROM passages WHERE doc_id = ?)", (doc_id,)
    )
    for table in ("passages", "footnotes", "blocks", "scanned_pages", "documents"):
        db.execute(f"DELETE FROM {table} WHERE doc_id = ?", (doc_id,))


def insert_document(db, doc: Document, source: str, digest: str, keyed, access: int) -> None:
    meta = doc.meta
    db.execute(
        "INSERT INTO documents (doc_id, source, name, format, content_hash, title, doc_type,"
        " number,"
        " issuer, date, place, draft, period, year, access, indexed_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            doc.doc_id,
            source,
            doc.source,
            doc.format,
            digest,
            meta.title,
            meta.doc_type,
            meta.number,
            meta.issuer,
            meta.date,
            meta.place,
            int(meta.draft),
            meta.period,
            meta.year,
            access,
            time.time(),
        ),
    )
    db.executemany(
        "INSERT INTO blocks VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                doc.doc_id,
                b.index,
                b.kind,
                b.text,
                json.dumps(b.section, ensure_ascii=False),
                json.dumps(b.footnote_refs),
                json.dumps(b.rows, ensure_ascii=False),
                b.page,
            )
            for b in doc.blocks
        ],
    )
    db.executemany(
        "INSERT OR REPLACE INTO footnotes VALUES (?,?,?,?,?)",
        [(doc.doc_id, f.number, f.text, f.block_index, f.sentence) for f in doc.footnotes],
    )
    db.executemany(  # pages read by OCR: answers citing them say so
        "INSERT OR REPLACE INTO scanned_pages VALUES (?,?,?,?)",
        [(doc.doc_id, s.page, s.confidence, json.dumps(s.unsure, ensure_ascii=False))
         for s in doc.scanned],
    )  # fmt: skip
    for passage, accented, folded in keyed:
        _insert_passage(db, passage, accented, folded)


def _insert_passage(db, p: Passage, accented: list[str], folded: list[str]) -> None:
    embed_hash = hashlib.sha1(p.embed_text.encode("utf-8")).hexdigest()
    cursor = db.execute(
        "INSERT INTO passages (id, doc_id, kind, text, embed_text, embed_hash, section, paragraph,"
        " footnote, part, context, page, refs, lexical_text, accented, folded)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            p.id,
            p.doc_id,
            p.kind,
            p.text,
            p.embed_text,
            embed_hash,
            p.section,
            p.paragraph,
            p.footnote,
            p.part,
            p.context,
            p.page,
            json.dumps(p.refs, ensure_ascii=False),
            p.lexical_text,
            " ".join(accented),
            " ".join(folded),
        ),
    )
    db.executemany(
        "INSERT INTO refs VALUES (?, ?)",
        [(normalise_ref(ref), cursor.lastrowid) for ref in dict.fromkeys(p.refs)],
    )


def count_into(db: sqlite3.Connection, report) -> None:
    """Set the report's document, passage and footnote totals from the catalogue."""
    report.documents = db.execute("SELECT count(*) FROM documents").fetchone()[0]
    report.passages = db.execute("SELECT count(*) FROM passages").fetchone()[0]
    report.footnotes = db.execute("SELECT count(*) FROM footnotes").fetchone()[0]
