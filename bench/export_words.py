"""Make the word table shipped in ``board/suggestions/model/words.npz``: the sentence encoder's vector of
each everyday English word on its own.

The theme suggester adds to each note's vector the meaning of its own words (``board/suggestions/words.py``):
each word's vector is what the shipped model gives that word alone. Running the model on the 2,000 words of
1,000 notes took as long as running it on the notes themselves, so the vectors of the words the model's
vocabulary holds whole (21,499 of them: letters only, two or more, no stop word) are computed once, here,
with the app's own model (no other software, no network), and shipped:

    .venv/bin/python -m bench.export_words          # rewrites board/suggestions/model/words.npz (~10 s)

To keep the file small (4 MB) the vectors are kept to their first 192 principal components (89 % of their
variance; a word's vector as rebuilt from the file has a cosine of 0.956 on average with the model's),
each rounded to 8 bits with a scale per word. Measured on the themes benchmark: the same as the model's own
vectors within the draws' noise (docs/suggestions.md, "Fifth round").
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from board.suggestions.embed import MODEL_DIR, Encoder
from board.suggestions.labels import STOP_WORDS

COMPONENTS = 192


def vocabulary(encoder: Encoder) -> list[str]:
    return sorted(
        w
        for w in encoder.tokenizer.get_vocab()
        if w.isascii() and w.isalpha() and len(w) >= 2 and w not in STOP_WORDS
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(MODEL_DIR / "words.npz"))
    args = ap.parse_args(argv)
    encoder = Encoder(MODEL_DIR)
    words = vocabulary(encoder)
    t0 = time.perf_counter()
    x = encoder.encode(words).astype(np.float64)
    mean = x.mean(axis=0)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
    comps = vt[:COMPONENTS]
    p = (x - mean) @ comps.T
    scale = np.abs(p).max(axis=1, keepdims=True) / 127.0
    q = np.round(p / np.where(scale > 0, scale, 1.0)).astype(np.int8)
    rebuilt = (q * scale) @ comps + mean
    cosine = (rebuilt * x).sum(axis=1) / np.linalg.norm(rebuilt, axis=1) / np.linalg.norm(x, axis=1)
    np.savez_compressed(
        args.out,
        words=np.array(words),
        q=q,
        scale=scale.astype(np.float32)[:, 0],
        comps=comps.astype(np.float32),
        mean=mean.astype(np.float32),
    )
    explained = float((s[:COMPONENTS] ** 2).sum() / (s**2).sum())
    print(
        f"{len(words):,} words in {time.perf_counter() - t0:.1f} s -> {args.out}; {COMPONENTS} components "
        f"({explained:.0%} of the variance); cosine with the model's vectors mean {cosine.mean():.3f}, "
        f"min {cosine.min():.3f}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
