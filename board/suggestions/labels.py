"""Theme names a facilitator would keep: a short phrase taken from the group's own notes.

For each group, the candidates are (a) the phrases of 2-4 words that at least two of its notes contain
(runs of words within a clause; no candidate starts or ends with a stop word; counted once per note) and
(b) "A & B" pairs of its six most used words (the form facilitators write: "Energy & bills"), never two
forms of one word ("Children & child") and never two words a phrase of (a) already joins ("Street & high"
where the notes write "high street"). A candidate must be used more often in its group than in the
batch at large, and hold no word the notes only write with a capital inside a sentence (a place or a
person: "Manchester"). Each candidate is embedded with the suggester's encoder and scored by its cosine
with the group's centroid (KeyBERT-style), less 0.3 x its best cosine with another group's centroid (the
name says what sets the group apart), plus its class-based TF-IDF: the share of the group's notes that use
it x log(notes in the batch / notes of the batch that use it), so a word many groups use ("people",
"council") does not name one. The best candidate becomes the name, first letter capitalised,
in the notes' most common spelling; no two themes get the same name. A group whose notes share at most
one word is named by that word if it is not a common one ("EHCP", "retrofit"), else by the phrase of its
notes nearest the centroid; a group with no candidate at all by the start of its representative note.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

import numpy as np

MAX_WORDS = 4
# Weight of a candidate's class-based TF-IDF (the share of the group's notes using it x log(N / the notes of
# the batch using it)), against its cosine with the centroid.
CTFIDF_WEIGHT = 1.0
# A name word is used in its group at least this many times as often as in the batch.
LIFT = 1.0
# Weight of a candidate's best cosine with another group's centroid (subtracted).
OTHER_WEIGHT = 0.3
FALLBACK_CHARS = 40
# Candidate names a group's notes give are run through the model this many at most (those likeliest to
# win: _likeliest); 1,000 tweets in 40 groups had ~1,650 candidates, more model time than the notes
# themselves. On the workshop sets' names (10 seeds) keeping 12 changes no figure (docs/suggestions.md).
CANDIDATES = 12
PAIR_WORDS = 6  # "A & B" names are tried from the group's this many most used single words

_WORD = re.compile(r"[^\W_](?:[\w'&+#-]*[\w+#])?", re.UNICODE)
_CLAUSE = re.compile(r"[.,;:!?()\[\]{}\"“”/|=…\n\t]+|\s[-–—]+\s|\s&\s")

STOP_WORDS = frozenset(
    """
a about above after again against all also am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers
herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more
most mustn't my myself no nor not of off on once only or other ought our ours ourselves out over own same
shan't she she'd
she'll she's should shouldn't so some such than that that's the their theirs them themselves then there
there's these they they'd they'll they're they've this those through to too under until up very was wasn't we
we'd we'll we're we've were weren't what what's when when's where where's which while who who's whom why why's
will with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves
get gets got getting use used using uses via etc just like really much many lot lots need needs want wants
one two way ways thing things make makes made still even well yes ok okay im dont cant wont isnt pls please
amp rt http https www com among across within without around upon per since yet may might must shall every
actually basically literally honestly anyone everyone someone nobody anything everything something nothing
know think said says say go goes going went take takes took put puts come comes came keep kept let lets
less fewer better worse
""".split()
)


def words(text: str) -> list[str]:
    """Content words of a text (stop words, digits and one-letter tokens left out), in their original case."""
    out = []
    for m in _WORD.finditer(text):
        w = m.group(0).strip("-'&")
        if len(w) < 2 or w.lower() in STOP_WORDS or w.isdigit():
            continue
        out.append(w)
    return out


@functools.lru_cache(maxsize=65_536)
def stem(w: str) -> str:
    """Crude plural folding: "buses" -> "bus", "homes" -> "home", "policies" -> "policy", "council's" ->
    "council"."""
    if len(w) > 2 and w[-1] == "s" and w[:-1].isupper():
        w = w[:-1]  # an acronym's plural: "TAs" -> "ta", "GPs" -> "gp"
    w = w.lower().removesuffix("'s").removesuffix("’s")
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith("es") and w[:-2].endswith(("s", "x", "z", "ch", "sh")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def phrases(text: str, max_words: int = MAX_WORDS) -> list[tuple[tuple[str, ...], str]]:
    """Runs of 1..max_words words within one clause of ``text``, starting and ending with no stop word: each
    as its key (the words' stems) and its written form."""
    out = []
    for clause in _CLAUSE.split(text):
        toks = [t for t in (m.group(0).strip("-'&") for m in _WORD.finditer(clause)) if t]
        weak = [_weak(t) for t in toks]
        stems = [stem(t) for t in toks]
        for i in range(len(toks)):
            if weak[i]:
                continue
            for j in range(i, min(i + max_words, len(toks))):
                if not weak[j]:
                    out.append((tuple(stems[i : j + 1]), " ".join(toks[i : j + 1])))
    return out


def _weak(w: str) -> bool:
    return len(w) < 2 or w.lower() in STOP_WORDS or w.isdigit()


def label_groups(texts: list[str], groups: list[list[int]], encoder) -> list[str]:
    """One name per group (lists of indexes into ``texts``), from the group's own words."""
    if not groups:
        return []
    per_text: list[Counter] = []
    surface: dict[tuple[str, ...], Counter] = {}
    batch_df: Counter = Counter()
    for t in texts:
        keys: Counter = Counter()
        for key, form in phrases(t):
            keys[key] += 1
            surface.setdefault(key, Counter())[form] += 1
        per_text.append(keys)
        batch_df.update(keys.keys())
    n_texts = max(len(texts), 2)
    names_of_places = _proper_nouns(texts)
    vectors = encoder.encode(texts)
    centroids = np.stack([_unit(vectors[g].sum(axis=0)) for g in groups])
    shown = _Shown(surface)

    # Candidates per group: (key, text shown, support, c-TF-IDF).
    candidates: list[list[tuple[tuple[str, ...], str, float, float]]] = []
    for members in groups:
        df: Counter = Counter()
        for i in members:
            df.update(set(per_text[i]))
        need = 2 if len(members) >= 3 else 1
        size = len(members)

        def ctfidf(support: float, key: tuple[str, ...]) -> float:
            return support * float(np.log(n_texts / max(batch_df[key], 1)))

        def telling(k: tuple[str, ...], c: int, need: int = need, size: int = size) -> bool:
            # Used by enough of the group's notes, more often than in the batch at large (a word every
            # group uses says nothing about one), and no place or person.
            return (
                c >= need and c / size > LIFT * batch_df[k] / n_texts and not names_of_places.intersection(k)
            )

        phrases_ = [k for k, c in df.items() if len(k) > 1 and telling(k, c)]
        singles = sorted(
            (k for k, c in df.items() if len(k) == 1 and telling(k, c)),
            key=lambda k: (-df[k], -ctfidf(df[k] / size, k), k),
        )
        cands = [(k, shown[k], df[k] / size, ctfidf(df[k] / size, k)) for k in phrases_]
        pool = singles[:PAIR_WORDS]
        said = set(phrases_)
        for i, a in enumerate(pool):
            for b in pool[i + 1 :]:
                if _same_root(a[0], b[0]):
                    continue  # "Children & child", "Teacher & teaching": one word said twice
                if a + b in said or b + a in said:
                    continue  # "Street & high", "Teacher & new": the notes write "High street"
                support = min(df[a], df[b]) / size
                rarer = a if batch_df[a] <= batch_df[b] else b
                cands.append((a + b, f"{shown[a]} & {shown[b]}", support, ctfidf(support, rarer)))
        if not cands:
            # One shared word at most: a lone uncommon word, else any phrase of the notes (the one nearest
            # the centroid wins).
            lone = [k for k in singles if not _common(k, surface, encoder)]
            if not lone:
                lone = [
                    k for k, c in df.items() if len(k) == 1 and c >= need and not _common(k, surface, encoder)
                ]
            pool = lone or [k for k in df if len(k) <= 3]
            cands = [(k, shown[k], df[k] / size, ctfidf(df[k] / size, k)) for k in pool]
        if len(cands) > CANDIDATES:
            cands = _likeliest(cands, members, per_text, vectors, centroids[len(candidates)])
        candidates.append(cands)

    order = sorted({c[1] for cands in candidates for c in cands})
    index = {t: i for i, t in enumerate(order)}
    emb = (
        encoder.encode_phrases([t.replace(" & ", " and ") for t in order])
        if order
        else np.zeros((0, centroids.shape[1]))
    )
    sims = emb @ centroids.T if len(order) else np.zeros((0, len(groups)))

    def score(text: str, g: int, distinct: float) -> float:
        row = sims[index[text]]
        other = np.delete(row, g).max() if len(groups) > 1 else 0.0
        return float(row[g] - OTHER_WEIGHT * other + CTFIDF_WEIGHT * distinct)

    names: list[str] = [""] * len(groups)
    used: set[tuple[str, ...]] = set()
    for g in sorted(range(len(groups)), key=lambda g: -len(groups[g])):
        options = [(score(text, g, ct), key, text) for key, text, _, ct in candidates[g] if key not in used]
        if options:
            _, key, name = max(options, key=lambda o: (o[0], o[2]))
            used.add(key)
            names[g] = name[0].upper() + name[1:]
    return names


def _likeliest(cands, members, per_text, vectors, centroid):
    """The CANDIDATES of a group's candidate names likeliest to win, judged without running the model on
    them: a candidate's c-TF-IDF plus how near its group's centre the notes that use it are (the notes'
    vectors are at hand; each candidate's own would cost a model run). Ties go to the text, so the same
    groups keep the same candidates whatever order their cards came in."""
    near = {i: float(vectors[i] @ centroid) for i in members}
    users: dict[tuple[str, ...], list[int]] = {}  # each key's members, in the members' order
    for i in members:
        for key in per_text[i]:
            users.setdefault(key, []).append(i)
    position = {i: p for p, i in enumerate(members)}

    def likely(cand):
        key, text, _, distinct = cand
        if " & " in text:
            either = set(users.get(key[:1], ())) | set(users.get(key[1:], ()))
            using_ = sorted(either, key=position.__getitem__)
        else:
            using_ = users.get(key, [])
        using = [near[i] for i in using_]
        return (CTFIDF_WEIGHT * distinct + (sum(using) / len(using) if using else 0.0), text)

    return sorted(cands, key=likely, reverse=True)[:CANDIDATES]


def _proper_nouns(texts: list[str]) -> set[str]:
    """Stems of words the notes only write with a capital inside a clause ("Manchester", "Nottingham"): a
    place or a person, which a facilitator does not name a theme by. Acronyms ("EHCP") are not among them."""
    capital: Counter = Counter()
    lower: Counter = Counter()
    for text in texts:
        for clause in _CLAUSE.split(text):
            for pos, m in enumerate(_WORD.finditer(clause)):
                w = m.group(0)
                if w[:1].islower():
                    lower[stem(w)] += 1
                elif pos > 0 and w[1:].islower():
                    capital[stem(w)] += 1
    return {w for w in capital if not lower[w]}


def _same_root(a: str, b: str) -> bool:
    """Two forms of one word: one starts the other ("ta" / "tas"), or they share their first 5 letters."""
    return a.startswith(b) or b.startswith(a) or (len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5])


def fallback_label(text: str) -> str:
    """The start of a note, for a group with no shared phrase: at most MAX_WORDS words."""
    t = " ".join(text.split()[:MAX_WORDS])
    return t if len(t) <= FALLBACK_CHARS else t[: FALLBACK_CHARS - 1].rstrip() + "…"


def _common(key: tuple[str, ...], surface: dict, encoder) -> bool:
    """A lone everyday word: one whole token of the encoder's vocabulary, written in lower case."""
    form = _display(surface[key])
    if form.isupper() and len(form) > 1:
        return False  # an acronym: "EHCP", "LTN"
    knows = getattr(encoder, "knows", None)
    return knows is None or knows(form.lower())


class _Shown(dict):
    """Each phrase's written form (``_display``), worked out when first asked for: only candidates are."""

    def __init__(self, surface):
        super().__init__()
        self.surface = surface

    def __missing__(self, key):
        self[key] = form = _display(self.surface[key])
        return form


def _display(forms: Counter) -> str:
    """The most common written form; a capital that only starts a sentence is shown in lower case."""
    # Ties go to the shorter form, then the first in alphabetical order: never to the order the cards came in.
    form, _ = max(
        forms.items(), key=lambda kv: (kv[1], kv[0].islower(), -len(kv[0]), [-ord(c) for c in kv[0]])
    )
    ws = form.split()
    ws = [w.lower() if (w[:1].isupper() and w[1:].islower() and i == 0) else w for i, w in enumerate(ws)]
    return " ".join(ws)


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v
