"""Write multilingual-e5-small as an ONNX folder (int8; `--fp32` adds model.onnx and its
weights, model.onnx.data), offline.

    python scripts/export_onnx.py models/e5-onnx [--fp32]
    VANKIEN_MODEL=models/e5-onnx vankien build corpus/      # the int8 model, onnxruntime

Needs the `onnx` extra (`pip install -e '.[onnx]'`); takes 20–140 s and up to ≈ 2.2 GB of
disk while it works (the fp32 graph is quantised, then dropped unless `--fp32`; with `--fp32`
the new files are written beside the old ones before they replace them).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from indexer.errors import VankienError
from indexer.export_onnx import export

if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--fp32"]
    if len(args) != 1:
        sys.exit(__doc__)
    started = time.perf_counter()
    try:
        model = export(Path(args[0]), fp32="--fp32" in sys.argv)
    except VankienError as exc:
        sys.exit(f"error: {exc}")
    print(f"wrote {model} in {time.perf_counter() - started:.0f} s; VANKIEN_MODEL={model}")
