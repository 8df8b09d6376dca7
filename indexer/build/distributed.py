"""A build's reading, segmentation and embedding spread over a Ray cluster (Ray Data).

`vankien build FOLDERS --ray [ADDRESS]`: the driver (this process) decides what to read and
embed and writes the catalogue and the search backend, exactly as a local build; Ray runs the
work in between:

- reading: each file's bytes go to a Ray task running `workers.parse_job` (parse, assemble,
  chunk, underthesea segmentation), so workers need no shared file system;
- embedding: `map_batches` over an actor pool; each actor loads the embedder once.

Without an address Ray starts on this machine, with one embedding actor per CPU, each
embedding on one thread (what the tests and the overhead measurement use). With an address,
the `indexer` package is shipped to the cluster with the job; its dependencies (underthesea,
the embedding model's package) must be installed on the workers.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Iterable, Iterator
from itertools import islice

import numpy as np

from ..config import process_environment
from ..embed import Progress
from ..errors import VankienError
from .workers import ParseJob, ParseResult, parse_job

FILES_PER_ROUND = 256  # files (with their bytes) handed to Ray at a time
EMBED_BATCH = 64


class RayWorkers:
    # passages per Ray Data run: each run starts an actor pool that loads the model once per
    # actor, so a build embeds in one run up to this size
    embed_window = 1_000_000

    def __init__(self, address: str | None, model: str, actors: int | None = None):
        try:
            import ray
        except ImportError as exc:
            raise VankienError(
                "--ray needs Ray: pip install 'vankien[ray]' (ray[data])"
            ) from exc
        self.ray = ray
        self.started = not ray.is_initialized()
        if self.started:
            import indexer

            # local workers import indexer from this checkout; a cluster gets it shipped
            env = process_environment()  # Ray's workers load the embedder too
            runtime_env = (
                {"py_modules": [indexer], "env_vars": env} if address
                else {"env_vars": env | {"PYTHONPATH": _project_root()}}
            )  # fmt: skip
            try:
                ray.init(
                    address=address or None,
                    include_dashboard=False,
                    log_to_driver=False,
                    logging_level="warning",
                    configure_logging=True,
                    runtime_env=runtime_env,
                )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = address or "local"
                raise VankienError(f"cannot start or reach Ray at {where}: {exc}") from exc
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.actors = actors or max(1, cpus)
        self.model = model

    def parse(
        self, jobs: Iterable[ParseJob], max_chars: int, overlap: int
    ) -> Iterator[ParseResult]:
        jobs = iter(jobs)
        while batch := list(islice(jobs, FILES_PER_ROUND)):
            rows = [{"job": pickle.dumps(job)} for job in batch]
            ds = self.ray.data.from_items(rows).map(
                _parse_row, fn_kwargs={"max_chars": max_chars, "overlap": overlap}
            )
            try:
                results = [pickle.loads(row["result"]) for row in ds.iter_rows()]
            except self.ray.exceptions.RayError as exc:
                raise VankienError(f"reading on Ray failed: {_first_line(exc)}") from exc
            yield from results

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        """The whole window on the cluster; `progress` is not called (the window is counted)."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        ds = self.ray.data.from_items([{"key": i, "text": t} for i, t in enumerate(texts)])
        ds = ds.map_batches(
            _Embed,
            fn_constructor_kwargs={"model": self.model},
            batch_size=EMBED_BATCH,
            compute=self.ray.data.ActorPoolStrategy(min_size=1, max_size=self.actors),
            num_cpus=1,
        )
        out: list[np.ndarray | None] = [None] * len(texts)
        try:
            for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
                for key, vector in zip(batch["key"], batch["vector"], strict=True):
                    out[int(key)] = vector
        except self.ray.exceptions.RayError as exc:
            raise VankienError(f"embedding on Ray failed: {_first_line(exc)}") from exc
        return np.stack(out).astype(np.float32)

    def close(self) -> None:
        if self.started:  # a session the caller started is the caller's to end
            self.ray.shutdown()


def _first_line(exc: Exception) -> str:
    return next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)


def _project_root() -> str:
    """The folder holding the `indexer` package (this file is indexer/build/distributed.py)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _parse_row(row: dict, max_chars: int, overlap: int) -> dict:
    job = pickle.loads(row["job"])
    return {"result": pickle.dumps(parse_job(job, max_chars, overlap))}


class _Embed:
    """One embedder per actor, loaded once, on one thread (the actor owns one CPU)."""

    def __init__(self, model: str):
        from ..embed import load_embedder

        self.embedder = load_embedder(model, threads=1)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.embedder.embed_passages([str(t) for t in batch["text"]])
        return {"key": batch["key"], "vector": np.asarray(vectors, dtype=np.float32)}
