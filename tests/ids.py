"""The id vankien gives a file (its name's slug and a hash of its content), for expectations."""

from __future__ import annotations

import hashlib
from pathlib import Path

from indexer.build.build import make_doc_id


def doc_id(path: Path | str, content: bytes | str | None = None) -> str:
    """The id of the file at `path`, or of a file of that name holding `content`."""
    data = Path(path).read_bytes() if content is None else content
    data = data.encode("utf-8") if isinstance(data, str) else data
    return make_doc_id(Path(path).name, hashlib.sha256(data).hexdigest(), str(path), set())


DATA = Path(__file__).parent / "data"
# the two documents of the `corpus` fixture (tests/conftest.py)
BAO_CAO = doc_id("bao-cao.txt", (DATA / "word_export.txt").read_bytes())
KET_LUAN = doc_id("ket-luan.md", (DATA / "sample.md").read_bytes())
