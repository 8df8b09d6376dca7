"""The bench report: a markdown table and a chart (latency by size with floors, indexing split)."""

from __future__ import annotations

from pathlib import Path


def markdown(result: dict) -> str:
    """One row per size: latency, floors, overhead ratio, memory, FAISS type."""
    lines = [
        "| passages | FAISS | search p50/p95/p99 ms (1 client) | search p95 (N clients) "
        "| ask p50/p95/p99 (1) | floors embed+faiss+bm25 p50 ms | ratio (≤1.3) "
        "| RSS MB / sum MB (≤1.5×) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in result["sizes"]:
        lat, fl, mem = s["latency"], s["floors"], s["memory"]
        most = max(lat["search"], key=int)
        one, many, ask = lat["search"]["1"], lat["search"][most], lat["ask"]["1"]
        floors = (
            f"{fl['embed_query_ms']['p50']:.1f}+{fl['faiss_ms']['p50']:.2f}+"
            f"{fl['lexical_ms']['p50']:.2f} = {fl['sum_p50_ms']:.1f}"
        )
        lines.append(
            f"| {s['passages']:,} | {s['faiss']} | {one['p50']:.1f} / {one['p95']:.1f} / "
            f"{one['p99']:.1f} | {many['p95']:.1f} (×{most}) | {ask['p50']:.1f} / "
            f"{ask['p95']:.1f} / {ask['p99']:.1f} | {floors} | {s['overhead']['ratio']:.2f} | "
            f"{mem['rss_mb']:.0f} / {mem['sum_mb']:.0f} ({mem['ratio']:.2f}×) |"
        )
    return "\n".join(lines)


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
