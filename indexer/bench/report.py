"""The bench report: a markdown table and a chart (latency by size with floors, indexing split)."""

from __future__ import annotations

from pathlib import Path


def markdown(result: dict) -> str:
    """One row per size: latency at 1 and N clients, floors, overhead ratios, memory; then the
    ANN sweep (recall@10 against exact search and latency by efSearch or nprobe)."""
    lines = [
        "| passages | FAISS | search p50/p95/p99 ms (1 client) | search p50/p95/p99 (N clients) "
        "| ask p50/p95/p99 (1) | ask p50/p95/p99 (N) | floors embed+faiss+bm25 p50 ms "
        "| ratio p95/floors (≤1.3) | p50/p50, p95/p95 | HTTP round trip p50 "
        "| RSS MB / sum MB (≤1.5×) | cold start s: first answer, healthy (≤5) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in result["sizes"]:
        lat, fl, mem, over = s["latency"], s["floors"], s["memory"], s["overhead"]
        most = max(lat["search"], key=int)
        floors = (
            f"{fl['embed_query_ms']['p50']:.1f}+{fl['faiss_ms']['p50']:.2f}+"
            f"{fl['lexical_ms']['p50']:.2f} = {fl['sum_p50_ms']:.1f}"
        )
        http = lat.get("healthz", {}).get("1", {}).get("p50")
        lines.append(
            f"| {s['passages']:,} | {s['faiss']} | {_three(lat['search']['1'])} "
            f"| {_three(lat['search'][most])} (×{most}) | {_three(lat['ask']['1'])} "
            f"| {_three(lat['ask'][most])} (×{most}) | {floors} | {over['ratio']:.2f} "
            f"| {over.get('ratio_p50_p50')}, {over.get('ratio_p95_p95')} "
            f"| {'' if http is None else f'{http:.1f}'} "
            f"| {mem['rss_mb']:.0f} / {mem['sum_mb']:.0f} ({mem['ratio']:.2f}×) "
            f"| {_cold(lat.get('cold_start', {}))} |"
        )
    lines += ["", "| passages | exact p50 ms | approximate index (as served above the "
              "threshold) | recall@10 (tie-aware), p50 ms by search effort |", "|---|---|---|---|"]
    for s in result["sizes"]:
        ann = s["ann"]
        knob = ann["knob"]
        lines.append(
            f"| {ann['rows']:,} | {ann['flat_ms']['p50']:.2f} | {ann['index']} | "
            + ", ".join(f"{knob} {r[knob]}: {r['recall_at_10']:.3f} in "
                        f"{r['latency_ms']['p50']:.2f}" for r in ann["sweep"])  # fmt: skip
            + " |"
        )
    return "\n".join(lines)


def _cold(start: dict) -> str:
    first, healthy = start.get("first_answer_s"), start.get("healthy_s")
    return "" if healthy is None else f"{first:.1f}, {healthy:.1f}"


def _three(stats: dict) -> str:
    return f"{stats['p50']:.1f} / {stats['p95']:.1f} / {stats['p99']:.1f}"


def chart(result: dict, path: Path) -> None:
    """Latency (p50/p95 of /api/search and /api/ask, 1 client) against the floors, by size;
    and where indexing time goes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = result["sizes"]
    n = [s["passages"] for s in sizes]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for route, style in (("search", "-"), ("ask", "--")):
        for q, marker in (("p50", "o"), ("p95", "^")):
            left.plot(
                n,
                [s["latency"][route]["1"][q] for s in sizes],
                style,
                marker=marker,
                label=f"/api/{route} {q}",
            )
    left.plot(
        n,
        [s["floors"]["sum_p50_ms"] for s in sizes],
        "k:",
        marker="s",
        label="floor: embed + FAISS + BM25 (p50)",
    )
    left.plot(
        n,
        [s["floors"]["embed_query_ms"]["p50"] for s in sizes],
        ":",
        marker=".",
        label="query embedding alone",
    )
    left.axhline(40, color="red", linewidth=0.8, label="40 ms target")
    left.set(
        xscale="log",
        yscale="log",
        xlabel="passages",
        ylabel="ms (1 client, warm)",
        title="Query latency over HTTP",
    )
    left.legend(fontsize=7)
    indexing = result.get("indexing")
    if indexing:
        stages = indexing["stage_seconds"]
        bottom = 0.0
        for stage, seconds in stages.items():
            right.bar(["build"], [seconds], bottom=bottom, label=f"{stage} {seconds:.1f} s")
            bottom += seconds
        right.set(
            ylabel="seconds",
            title=f"Indexing {indexing['passages']} passages "
            f"({indexing['passages_per_s']:.1f}/s end to end)",
        )
        right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
