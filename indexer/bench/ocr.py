"""How well and how fast a scanned PDF is read: character error rate of the recognised
document against its source text, footnotes found, OCR seconds per page, and OCR's share of
a real build. Run as

    python -m indexer.bench.ocr SCAN.pdf SOURCE.docx [--build FOLDER ...] [--threads N]

It prints one JSON object. The CER compares the two documents as the index holds them (each
through its own reader, assembly included): body blocks in order, then footnotes by number,
whitespace collapsed, NFC; so it counts recognition errors and reading-order or footnote
splitting errors alike.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ..ingest import ocr
from ..ingest.assemble import assemble
from ..ingest.parsers import read
from ..model import Document
from ..vietnamese.text import nfc


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one row at a time in numpy (insertions as a running minimum).

    >>> edit_distance("kỷ luật 100", "kỷ luậl 10")
    2
    """
    if not a or not b:
        return max(len(a), len(b))
    codes_b = np.array([ord(c) for c in b], dtype=np.int64)
    offsets = np.arange(len(b) + 1, dtype=np.int64)
    row = offsets.copy()
    for i, char in enumerate(a, start=1):
        cost = (codes_b != ord(char)).astype(np.int64)
        best = np.empty_like(row)
        best[0] = i
        best[1:] = np.minimum(row[1:] + 1, row[:-1] + cost)
        row = np.minimum.accumulate(best - offsets) + offsets
    return int(row[-1])


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edits over the reference's length (whitespace collapsed)."""
    ref, hyp = _norm(reference), _norm(hypothesis)
    return round(edit_distance(ref, hyp) / max(len(ref), 1), 4)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", nfc(text)).strip()


def texts(doc: Document) -> tuple[str, str]:
    """(body, footnotes) of a document as compared: blocks in order, notes by number."""
    body = "\n".join(b.text for b in doc.blocks)
    notes = "\n".join(f"{n.number} {n.text}" for n in sorted(doc.footnotes, key=lambda n: n.number))
    return body, notes


def figures(text: str) -> list[str]:
    return re.findall(r"\d[\d.,/%]*\d%?|\d", text)


def measure_quality(scan: Path, source: Path, cache: Path | None) -> dict:
    """CER, footnotes and figures of the scan read against the source document."""
    started = time.perf_counter()
    hyp = assemble(read(scan, ocr_cache=cache), "scan", scan.name)
    seconds = time.perf_counter() - started
    ref = assemble(read(source), "source", source.name)
    (ref_body, ref_notes), (hyp_body, hyp_notes) = texts(ref), texts(hyp)
    ref_figures, hyp_figures = figures(ref_body + ref_notes), set(figures(hyp_body + hyp_notes))
    return {
        "pages": len(hyp.scanned),
        "read_seconds": round(seconds, 1),
        "ocr_seconds_per_page": [p.seconds for p in hyp.scanned],
        "cer_body": cer(ref_body, hyp_body),
        "cer_footnotes": cer(ref_notes, hyp_notes),
        "cer_all": cer(ref_body + "\n" + ref_notes, hyp_body + "\n" + hyp_notes),
        "footnotes": {"source": len(ref.footnotes), "scan": len(hyp.footnotes),
                      "linked": sum(bool(b.footnote_refs) for b in hyp.blocks)},
        "figures_found": round(
            sum(f in hyp_figures for f in ref_figures) / max(len(ref_figures), 1), 4),
        "unsure_figures": sum(len(p.unsure) for p in hyp.scanned),
        "mean_word_confidence": round(
            sum(p.confidence for p in hyp.scanned) / max(len(hyp.scanned), 1), 1),
        "meta": {"title": hyp.meta.title, "period": hyp.meta.period, "issuer": hyp.meta.issuer,
                 "date": hyp.meta.date},
    }  # fmt: skip


def measure_build(folders: list[Path], threads: int) -> dict:
    """A fresh build of `folders` (empty index, empty OCR cache): OCR's share of its time."""
    from ..build import build_index
    from ..config import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index=Path(tmp) / "index", threads=threads)
        started = time.perf_counter()
        report = build_index(folders, settings.index, settings)
        total = time.perf_counter() - started
    stages = {k: round(v, 1) for k, v in report.seconds.items()}
    return {"total_seconds": round(total, 1), "stages": stages,
            "ocr_pages": report.ocr_pages,
            "ocr_share": round(report.seconds.get("ocr", 0.0) / total, 3),
            "skipped": report.skipped}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scan", type=Path)
    parser.add_argument("source", type=Path)
    parser.add_argument("--build", type=Path, nargs="*", default=[])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    reason = ocr.unavailable()
    if reason:
        sys.exit(reason)
    with tempfile.TemporaryDirectory() as tmp:  # no cache: every page is recognised
        result = {"quality": measure_quality(args.scan, args.source, Path(tmp))}
    if args.build:
        result["build"] = measure_build(args.build, args.threads)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
