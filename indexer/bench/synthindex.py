"""Write an index folder for a synthetic corpus with precomputed vectors.

Composes the same pieces `build_index` publishes (catalogue, pids.npy, vectors.faiss, bm25-*,
manifest) without parsing or embedding, so a million-passage index takes minutes, not hours.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..config import Settings
from ..storage import bm25 as lexical
from ..storage import faiss as vectors
from ..storage import folder as store
from ..vietnamese.refs import extract_refs, normalise_ref
from ..vietnamese.text import NORMALISATION_VERSION
from .corpus import Pool, Synthetic, passage_text, prefix, source_doc


def _documents(pool: Pool, synthetic: Synthetic) -> Iterator[tuple]:
    for d in range(synthetic.docs):
        doc = source_doc(pool, d)
        m = doc.meta
        yield (
            f"b{d:05d}-{doc.doc_id}",
            f"bench/{d}",
            f"{d}-{doc.source}",
            doc.format,
            f"h{d}",
            m.title,
            m.doc_type,
            m.number,
            m.issuer,
            m.date,
            m.place,
            int(m.draft),
            m.period,
            m.year,
            0,
            time.time(),
        )


def _passages(pool: Pool, synthetic: Synthetic, cited: list[tuple[str, int]]) -> Iterator[tuple]:
    for row, parts in enumerate(synthetic.parts):
        d = int(synthetic.doc_of[row])
        doc_id = f"b{d:05d}-{source_doc(pool, d).doc_id}"
        text, head = passage_text(pool, parts), prefix(pool, parts)
        embed = " | ".join(p for p in (head, text) if p)
        section = pool.sentences[parts[0]].section
        refs = extract_refs(text) if "/" in text else []
        cited += [(normalise_ref(r), row + 1) for r in dict.fromkeys(refs)]
        # accented/folded stay empty: only a rebuild reads them, the lexical index is written
        yield (
            row + 1,
            f"{doc_id}:p{row}",
            doc_id,
            "paragraph",
            text,
            embed,
            f"e{row}",
            section,
            row % 200 + 1,
            None,
            0,
            None,
            None,
            _json_list(refs),
            embed,
            "",
            "",
        )


def _json_list(items: list[str]) -> str:
    return json.dumps(items, ensure_ascii=False)


def write_catalogue(staging: Path, pool: Pool, synthetic: Synthetic) -> None:
    db = store.connect(staging / store.CATALOGUE)
    cited: list[tuple[str, int]] = []
    try:
        db.executemany(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            _documents(pool, synthetic),
        )
        db.executemany(
            "INSERT INTO passages (pid, id, doc_id, kind, text, embed_text, embed_hash, section,"
            " paragraph, footnote, part, context, page, refs, lexical_text, accented, folded)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            _passages(pool, synthetic, cited),
        )
        db.executemany("INSERT INTO refs VALUES (?, ?)", cited)
        db.commit()
    finally:
        db.close()


def write_index(
    index: Path,
    pool: Pool,
    synthetic: Synthetic,
    streams: dict[str, list[list[str]]],
    matrix: np.ndarray,
    settings: Settings,
    model_name: str,
) -> tuple[Path, object, lexical.Lexical, dict[str, float]]:
    """Publish the index; returns its folder, the FAISS and lexical objects, and timings."""
    seconds: dict[str, float] = {}
    with store.build_lock(index):
        staging = store.stage(index, None)
        started = time.perf_counter()
        write_catalogue(staging, pool, synthetic)
        np.save(staging / "pids.npy", np.arange(1, len(matrix) + 1, dtype=np.int64))
        seconds["catalogue"] = time.perf_counter() - started
        started = time.perf_counter()
        faiss_index = vectors.build(matrix, settings.approx_threshold)
        vectors.save(faiss_index, staging)
        seconds["faiss"] = time.perf_counter() - started
        started = time.perf_counter()
        lex = lexical.Lexical({})
        for name in list(streams):
            lex.retrievers |= lexical.Lexical.build({name: streams.pop(name)}).retrievers
        lex.save(staging)
        seconds["lexical"] = time.perf_counter() - started
        manifest = {
            "format_version": store.FORMAT_VERSION,
            "normalisation_version": NORMALISATION_VERSION,
            "model": settings.model,
            "model_name": model_name,
            "dim": int(matrix.shape[1]),
            "faiss": type(faiss_index).__name__,
            "counts": {"documents": synthetic.docs, "passages": len(matrix), "footnotes": 0},
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "bench": True,
        }
        folder = store.publish(index, staging, manifest)
    return folder, faiss_index, lex, seconds
