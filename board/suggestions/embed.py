"""Sentence embeddings for the theme suggester, computed locally with no network access.

The model is the sentence encoder all-MiniLM-L6-v2 (6 transformer layers, 384 dims), shipped in
``board/suggestions/model/`` as an int8-quantised ONNX file (``model.onnx``, 23 MB, made by
``bench/export_model.py``) with its WordPiece tokenizer (``tokenizer.json``), and run by onnxruntime on the
CPU. A text's embedding is the mean of its tokens' output vectors, L2-normalised (as sentence-transformers
pools this model). ``LINEWALK_SUGGESTER_MODEL_DIR`` points it at another directory of the same layout (to
evaluate a candidate with ``bench.themes``).

Each text is run on its own (see ``Encoder._run``: its vector never depends on the other texts), the
candidate names of themes as well as the cards. Recent embeddings are kept (``CACHE_SIZE`` texts): asking
again for fewer or more themes, or for cards like one card, re-uses them, a live board only ever embeds
its new cards, and a name candidate seen before costs nothing. The cache is keyed by a digest of each text
under a key made afresh by each process, never by the text: a card erased or rejected leaves no copy of
its words in the server's memory.

The model is loaded lazily, once per process, under a lock; ``encode`` is thread-safe (onnxruntime's
``InferenceSession.run`` is, and the cache is guarded).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

MODEL_DIR = Path(__file__).resolve().parent / "model"
ENV_MODEL_DIR = "LINEWALK_SUGGESTER_MODEL_DIR"
# Model runs at once: the cores of a small box, never more than 2 (the server has other work). Each run
# is one short text on one thread: two texts at a time on two threads took 1,000 titles from 2.3 s (one
# text at a time, its run split over two threads) to 1.2 s, with less CPU (docs/suggestions.md).
ENV_THREADS = "LINEWALK_SUGGESTER_THREADS"

# Texts are cut to this many characters, then to MAX_TOKENS WordPiece tokens: cards are short (280
# characters), and this bounds the work on a pasted essay.
MAX_CHARS = 2000
MAX_TOKENS = 128
CACHE_SIZE = 20_000  # 384 float32 each: ~31 MB at most


class Encoder:
    """all-MiniLM-L6-v2 (int8 ONNX) with mean pooling."""

    name = "minilm-onnx"

    def __init__(self, model_dir: Path = MODEL_DIR):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        config = json.loads((model_dir / "config.json").read_text())
        self.dim = int(config.get("hidden_dim", 384))
        opts = ort.SessionOptions()
        threads = max(1, int(os.environ.get(ENV_THREADS) or min(2, os.cpu_count() or 1)))
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        # Idle worker threads must not spin on a shared box: they would take a core from the web server.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(
            str(model_dir / "model.onnx"), opts, providers=["CPUExecutionProvider"]
        )
        tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tok.no_padding()
        tok.enable_truncation(MAX_TOKENS)
        self.tokenizer = tok
        self.unk_id = tok.token_to_id("[UNK]")
        self.special = {tok.token_to_id(t) for t in ("[CLS]", "[SEP]", "[PAD]")}
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_key = os.urandom(16)
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="lw-embed") if threads > 1 else None

    def knows(self, word: str) -> bool:
        """Is ``word`` a whole token of the model's WordPiece vocabulary (an everyday word)?"""
        return self.tokenizer.token_to_id(word) is not None

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    def _digest(self, text: str) -> bytes:
        """The cache's key for a text: a keyed digest, so the cache holds no one's words."""
        return hashlib.blake2b(
            text.encode("utf-8", "surrogatepass"), key=self._cache_key, digest_size=16
        ).digest()

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """WordPiece ids of each text, without special or unknown tokens."""
        encs = self.tokenizer.encode_batch([t[:MAX_CHARS] for t in texts], add_special_tokens=False)
        unk = self.unk_id
        return [[i for i in e.ids if i != unk] for e in encs]

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, one row per text; a zero row for a text with no known token (blank, emoji-only)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        keys = {t: self._digest(t) for t in texts}
        with self._cache_lock:
            for i, t in enumerate(texts):
                v = self._cache.get(keys[t])
                if v is None:
                    todo.setdefault(t, []).append(i)
                else:
                    self._cache.move_to_end(keys[t])
                    out[i] = v
        if todo:
            fresh = list(todo)
            vecs = self._run(fresh)
            with self._cache_lock:
                for t, v in zip(fresh, vecs, strict=True):
                    out[todo[t]] = v
                    self._cache[keys[t]] = v
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return out

    def _run(self, texts: list[str]) -> np.ndarray:
        """One model run per text. The int8 model quantises its activations with a scale worked out
        from the whole input, so in a batch a note's vector depended on the notes beside it (cosine
        0.986-0.991 to itself alone): the same cards could be grouped and named differently from one
        request or process to the next. Alone, a text always gets the same vector; measured on the
        workshop sets, grouping and names are as good (docs/suggestions.md), at ~25% more model time."""
        encs = self.tokenizer.encode_batch([t[:MAX_CHARS] for t in texts])
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        known = self._known(encs)  # a text with nothing the model knows keeps a zero row

        def one(i):
            ids = np.array([encs[i].ids], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]
            return hidden[0].mean(axis=0)

        vectors = self._pool.map(one, known) if self._pool else map(one, known)
        for i, vector in zip(known, vectors, strict=True):
            out[i] = vector
        return _normalise(out)

    def _known(self, encs) -> list[int]:
        """Indexes of the encodings with at least one token the model knows (not special, not unknown)."""
        special = self.special | {self.unk_id}
        return [i for i, enc in enumerate(encs) if any(t not in special for t in enc.ids)]


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


_lock = threading.Lock()
_encoder: Encoder | None = None


def model_name() -> str:
    return Encoder.name


def get_encoder() -> Encoder:
    """The encoder, loaded once per process (from ``LINEWALK_SUGGESTER_MODEL_DIR`` if set)."""
    global _encoder
    if _encoder is not None:
        return _encoder
    with _lock:
        if _encoder is None:
            _encoder = Encoder(Path(os.environ.get(ENV_MODEL_DIR) or MODEL_DIR))
    return _encoder
