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
from ..storage import catalogue
from ..storage import faiss as vectors
from ..storage import folder as store
from ..storage.manifest import Manifest
from ..vietnamese.refs import extract_refs, normalise_ref
from .corpus import Pool, Synthetic, passage_text, passage_words, prefix, source_doc


def _documents(pool: Pool, synthetic: Synthetic) -> Iterator[dict]:
    for d in range(synthetic.docs):
        doc = source_doc(pool, d)
        m = doc.meta
        yield {
            "doc_id": f"b{d:05d}-{doc.doc_id}", "source": f"bench/{d}",
            "name": f"{d}-{doc.source}", "format": doc.format, "content_hash": f"h{d}",
            "title": m.title, "doc_type": m.doc_type, "number": m.number, "issuer": m.issuer,
            "date": m.date, "place": m.place, "draft": int(m.draft), "period": m.period,
            "year": m.year, "access": 0, "indexed_at": time.time(),
        }  # fmt: skip


def _passages(pool: Pool, synthetic: Synthetic, cited: list[dict]) -> Iterator[dict]:
    for row, parts in enumerate(synthetic.parts):
        d = int(synthetic.doc_of[row])
        doc_id = f"b{d:05d}-{source_doc(pool, d).doc_id}"
        text, head = passage_text(pool, parts), prefix(pool, parts)
        embed = " | ".join(p for p in (head, text) if p)
        section = pool.sentences[parts[0]].section
        refs = extract_refs(text) if "/" in text else []
        cited += [{"ref": normalise_ref(r), "pid": row + 1} for r in dict.fromkeys(refs)]
        # accented/folded stay empty: only a rebuild reads them, the lexical index is written
        yield {
            "pid": row + 1, "id": f"{doc_id}:p{row}", "doc_id": doc_id, "kind": "paragraph",
            "text": text, "embed_text": embed, "embed_hash": f"e{row}", "section": section,
            "paragraph": row % 200 + 1, "footnote": None, "part": 0, "context": None,
            "page": None, "refs": _json_list(refs), "lexical_text": embed, "accented": "",
            "folded": "", "words": passage_words(pool, parts),
        }  # fmt: skip


def _json_list(items: list[str]) -> str:
    return json.dumps(items, ensure_ascii=False)


def write_catalogue(staging: Path, pool: Pool, synthetic: Synthetic) -> None:
    db = catalogue.connect(staging / store.CATALOGUE)
    cited: list[dict] = []
    try:
        catalogue.insert(db, "documents", _documents(pool, synthetic))
        catalogue.insert(db, "passages", _passages(pool, synthetic, cited))
        catalogue.insert(db, "refs", cited)
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
        counts = {"documents": synthetic.docs, "passages": len(matrix), "footnotes": 0}
        manifest = Manifest.new(settings, model_name, int(matrix.shape[1]), counts,
                                faiss=type(faiss_index).__name__, extra={"bench": True})
        folder = store.publish(index, staging, manifest)
    return folder, faiss_index, lex, seconds
