"""Evaluation over JSON-lines queries: recall@k, MRR@10, answer and abstention accuracy."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ..query.index import Index
from ..vietnamese.text import nfc

KS = (1, 5, 10)


@dataclass(frozen=True)
class Outcome:
    """One query's result: the rank of the first relevant passage and the answer given."""

    id: str
    kind: str
    query: str
    rank: int | None  # 1-based rank of the first relevant hit in the top 10
    has_evidence: bool
    answer: str | None
    answer_ok: bool | None  # None when the query has no expected answer
    abstain_ok: bool | None  # None unless kind == "no_answer"
    confidence: float = 0.0
    series: float | None = None  # share of the expected periods right, for series queries

    @property
    def judged_answer(self) -> bool | None:
        """Was the short answer given right? None when none was given or none is expected."""
        if self.answer is None:
            return None
        if self.abstain_ok is not None:
            return False  # an answer to a question the documents do not answer
        return self.answer_ok


def norm(text: str) -> str:
    """The comparison form of shared/README.md: NFC, case-folded, spaces collapsed, no ** or \\."""
    text = nfc(text).replace("**", "").replace("\\", "")
    return re.sub(r"\s+", " ", text.casefold()).strip()


def load_queries(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def run_one(index: Index, item: dict) -> Outcome:
    evidence = [norm(e) for e in item.get("evidence", [])]
    hits = index.search(item["query"], k=10).hits
    rank = next(
        (
            i
            for i, h in enumerate(hits, start=1)
            if any(e in norm(h.passage.text) for e in evidence)
        ),
        None,
    )
    reply = index.ask(item["query"])
    expected = item.get("answer")
    answer_ok = None
    if expected:
        answer_ok = (
            bool(reply.answer)
            and len(reply.answer) <= 200
            and any(norm(a) in norm(reply.answer) for a in expected)
        )
    abstain_ok = reply.answer is None if item.get("kind") == "no_answer" else None
    series_score = _series_score(item.get("series"), reply)
    return Outcome(
        item["id"],
        item.get("kind", ""),
        item["query"],
        rank,
        bool(evidence),
        reply.answer,
        answer_ok,
        abstain_ok,
        reply.confidence,
        series_score,
    )


def _series_score(expected: dict | None, reply) -> float | None:
    """Share of the expected periods whose series entry holds the expected value (shared/README:
    labels compared NFC, case-folded, spaces collapsed; a wrong value scores 0)."""
    if not expected:
        return None
    got = {norm(p.period.label): norm(p.answer.answer or "") for p in reply.series}
    return sum(norm(v) in got.get(norm(k), "\0") for k, v in expected.items()) / len(expected)


def summarise(outcomes: list[Outcome]) -> dict:
    """Metrics over all queries and per kind."""
    report = {"all": _metrics(outcomes)}
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.kind].append(outcome)
    report["by_kind"] = {kind: _metrics(items) for kind, items in sorted(by_kind.items())}
    report["calibration"] = calibration(outcomes)
    return report


def calibration(outcomes: list[Outcome], cuts=(0.5, 0.6, 0.7, 0.8, 0.9)) -> list[dict]:
    """For each confidence cut, the answers given at or above it and the share of them right."""
    judged = [(o.confidence, o.judged_answer) for o in outcomes if o.judged_answer is not None]
    rows = []
    for cut in cuts:
        above = [ok for conf, ok in judged if conf >= cut]
        rows.append({"confidence_at_least": cut, "answers": len(above),
                     "right": round(sum(above) / len(above), 4) if above else None})  # fmt: skip
    return rows


def _metrics(outcomes: list[Outcome]) -> dict:
    ranked = [o for o in outcomes if o.has_evidence]
    answered = [o for o in outcomes if o.answer_ok is not None]
    abstained = [o for o in outcomes if o.abstain_ok is not None]
    metrics: dict = {"queries": len(outcomes)}
    if ranked:
        for k in KS:
            metrics[f"recall@{k}"] = _mean(o.rank is not None and o.rank <= k for o in ranked)
        metrics["mrr@10"] = _mean(1 / o.rank if o.rank else 0.0 for o in ranked)
    if answered:
        metrics["answer_accuracy"] = _mean(o.answer_ok for o in answered)
    if abstained:
        metrics["abstention_accuracy"] = _mean(o.abstain_ok for o in abstained)
    series = [o.series for o in outcomes if o.series is not None]
    if series:
        metrics["series_acc"] = _mean(series)
    return metrics


def _mean(values) -> float:
    values = [float(v) for v in values]
    return round(sum(values) / len(values), 4) if values else 0.0


def evaluate(index: Index, path: Path) -> tuple[dict, list[Outcome]]:
    outcomes = [run_one(index, item) for item in load_queries(path)]
    return summarise(outcomes), outcomes
