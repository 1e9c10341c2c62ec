"""Theme names a facilitator would keep: a noun phrase taken from the group's own notes.

For each group, the candidates are (a) the noun phrases of 2-4 words that at least two of its notes
contain (runs of adjectives and nouns within a clause that end in a noun: "car dependence", "mental
health", "TA pay"; ``noun_phrase``, the words' classes from WordNet: ``word_class``; never ending in a
particle or a participle, "Sent round", "Youth clubs closing") and (b) "A & B" pairs
of its six most used nouns (the form facilitators write: "Energy & bills"), never a verb, an adverb or a
plain adjective ("Car & depend", "Year & different"), never two forms of one word ("Children & child") and
never two words a phrase of (a) already joins ("Street & high" where the notes write "high street"). A
candidate must be used more often in its group than in the batch at large, hold no word the notes only
write with a capital inside a sentence (a place or a person: "Manchester"), and a pair's words must tell
the groups apart: a word spread over the batch's groups like the notes themselves ("months" in a school
room, ``_specificity`` below GENERIC) pairs with nothing. A word too general in English to name anything
(``generic``: "year", "time", "way", "call", "name", from WordNet; "vs") is in no pair and no lone name, and
a phrase needs a word that is not ("Phone call", never "Last year"). Each candidate is embedded with the
suggester's encoder and scored by its cosine with the group's centroid (KeyBERT-style), less 0.3 x its best
cosine with another group's centroid (the name says what sets the group apart), plus its class-based TF-IDF
(the share of the group's notes that use it x log(notes in the batch / notes of the batch that use it)),
plus SPEC_WEIGHT x its specificity. The best candidate becomes the name, first letter capitalised, in the
notes' most common spelling; no two themes get the same name. A group with no such candidate is named by a
lone uncommon noun ("EHCP", "retrofit"), else by the noun phrase of its notes (or noun they share) nearest
the centroid, else by a noun of one note, else by any run of its words; there a candidate is one note's
words, and its score also counts how much better it fits the group's notes than the batch's others
(``_fits_the_group``).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path

import numpy as np

from board.text import name_key

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
# Weight of a candidate's specificity (``_specificity``: how much its words say which group a note is in,
# from the batch's own groups; a pair counts its weaker word), added to its score: a word every group uses
# ("year", "people", "school" in a school room) makes a weak name. On the workshop sets' names (10 seeds)
# 0.3 kept the share matching the facilitators' (docs/suggestions.md, "Eighth round").
SPEC_WEIGHT = 0.3
# Word classes (``word_class``) a word of an "A & B" pair may have: a noun ("bus"), a noun used mostly as a
# verb ("pay"), an adjective that is often a noun ("green"); never a verb, an adverb or a plain adjective
# ("built", "now", "different", "first").
PAIR_CLASSES = "nmA"
# A word whose specificity is below this pairs with nothing: it is spread over the batch's groups about as
# the notes are ("months" in half of one group's notes and a third of two others').
GENERIC = 0.1
MODEL = Path(__file__).resolve().parent / "model"

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


def label_groups(
    texts: list[str], groups: list[list[int]], encoder, taken: set[str] | frozenset[str] = frozenset()
) -> list[str]:
    """One name per group (lists of indexes into ``texts``), from the group's own words; none whose
    ``board.text.name_key`` is in ``taken`` (the inquiry's themes' names): "" where every candidate is."""
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

    group_df: list[Counter] = []
    for members in groups:
        df: Counter = Counter()
        for i in members:
            df.update(set(per_text[i]))
        group_df.append(df)
    spec = _specificity(group_df, [len(m) for m in groups])

    # Candidates per group: (key, text shown, support, c-TF-IDF).
    candidates: list[list[tuple[tuple[str, ...], str, float, float]]] = []
    lone_groups: set[int] = set()  # groups whose notes share no candidate: named from one note's words
    for members, df in zip(groups, group_df, strict=True):
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

        phrases_ = [
            k
            for k, c in df.items()
            if len(k) > 1 and telling(k, c) and noun_phrase(k, shown[k]) and not _all_generic(k, shown[k])
        ]
        singles = sorted(
            (
                k
                for k, c in df.items()
                if len(k) == 1 and telling(k, c) and _pair_word(k, shown[k]) and spec[k] >= GENERIC
            ),
            key=lambda k: (-df[k], -ctfidf(df[k] / size, k), k),
        )
        cands = [(k, shown[k], df[k] / size, ctfidf(df[k] / size, k)) for k in phrases_]
        pool = singles[:PAIR_WORDS]
        said = set(phrases_)
        for i, a in enumerate(pool):
            for b in pool[i + 1 :]:
                if generic(a[0], shown[a]) or generic(b[0], shown[b]):
                    continue  # "Months & weeks", "Wait & year": a word that names no topic in any room
                if _same_root(a[0], b[0]):
                    continue  # "Children & child", "Teacher & teaching": one word said twice
                if a + b in said or b + a in said:
                    continue  # "Street & high", "Teacher & new": the notes write "High street"
                support = min(df[a], df[b]) / size
                rarer = a if batch_df[a] <= batch_df[b] else b
                cands.append((a + b, f"{shown[a]} & {shown[b]}", support, ctfidf(support, rarer)))
        if not cands:
            lone_groups.add(len(candidates))
            # No shared noun phrase and no pair: a lone uncommon noun ("EHCP", "retrofit"), else a noun
            # phrase of one note or a noun the group shares (the one nearest the centroid and fitting most
            # of the group's notes wins: _fits_the_group), else any run of words.
            lone = [
                k
                for k in singles
                if noun_phrase(k, shown[k])
                and not _common(k, surface, encoder)
                and not _all_generic(k, shown[k])
            ]
            if not lone:
                lone = [
                    k
                    for k, c in df.items()
                    if len(k) == 1
                    and c >= need
                    and noun_phrase(k, shown[k])
                    and not _common(k, surface, encoder)
                    and not _all_generic(k, shown[k])
                ]
            pool = (
                lone
                or [
                    k
                    for k in df
                    if len(k) <= 3
                    and (len(k) > 1 or df[k] >= need)
                    and noun_phrase(k, shown[k])
                    and not _all_generic(k, shown[k])
                ]
                # a noun of one note ("Communication") before a run that is none ("Told", "People here today")
                or [
                    k
                    for k in df
                    if len(k) == 1 and noun_phrase(k, shown[k]) and not _all_generic(k, shown[k])
                ]
                or [k for k in df if len(k) <= 3]
            )
            cands = [(k, shown[k], df[k] / size, ctfidf(df[k] / size, k)) for k in pool]
        if len(cands) > CANDIDATES:
            cands = _likeliest(cands, members, per_text, vectors, centroids[len(candidates)])
        candidates.append(cands)

    order = sorted({c[1] for cands in candidates for c in cands})
    index = {t: i for i, t in enumerate(order)}
    # Each candidate is run through the model alone, as the notes are: run in batches, the int8 model's
    # activation scale made a phrase's vector depend on the other groups' candidates beside it, and a change
    # anywhere on the board could rename an untouched theme (docs/suggestions.md, "Ninth round").
    emb = (
        encoder.encode([t.replace(" & ", " and ") for t in order])
        if order
        else np.zeros((0, centroids.shape[1]))
    )
    sims = emb @ centroids.T if len(order) else np.zeros((0, len(groups)))

    def score(text: str, g: int, distinct: float, key) -> float:
        row = sims[index[text]]
        other = np.delete(row, g).max() if len(groups) > 1 else 0.0
        specific = SPEC_WEIGHT * _spec_of(key, text, spec)
        fits = _fits_the_group(vectors, groups[g], emb[index[text]]) if g in lone_groups else 0.0
        return float(row[g] - OTHER_WEIGHT * other + CTFIDF_WEIGHT * distinct + specific + fits)

    names: list[str] = [""] * len(groups)
    used: set[tuple[str, ...]] = set()
    for g in sorted(range(len(groups)), key=lambda g: -len(groups[g])):
        options = [
            (score(text, g, ct, key), key, text)
            for key, text, _, ct in candidates[g]
            if key not in used and name_key(text) not in taken
        ]
        if options:
            _, key, name = max(options, key=lambda o: (o[0], o[2]))
            used.add(key)
            names[g] = name[0].upper() + name[1:]
    return names


_INNER = frozenset({"of", "and", "for"})
_PRONOUNS = frozenset({"us", "ourselves", "yourself"})
# Prepositions that are no stop word and that WordNet does not hold (so they read as nouns: "Capital vs",
# "Push towards"): never in a phrase nor a name.
_PREPOSITIONS = frozenset(
    "vs versus towards toward onto unto amid amidst amongst despite till whilst beside besides unlike".split()
)
# Particles WordNet holds as adjectives or adverbs that end a clause, never a noun phrase: "sent round",
# "idling outside" (they may start one: "Outside space", "Round table").
_PARTICLES = frozenset("round outside inside past near behind beyond along alongside ahead".split())
# Irregular past forms WordNet holds as nouns or adjectives that are nouns too ("sent", "left", "led"): a
# participle, an adjective at most ("TA left" is a clause, "Left turn" a phrase).
_PAST_FORMS = frozenset("left sent lent spent bent led fed won found chosen felt meant dealt".split())


def noun_phrase(key: tuple[str, ...], form: str = "") -> bool:
    """A run of adjectives and nouns that ends in a noun ("car dependence", "mental health", "heat pump",
    "TA pay"), nouns joined by "of"/"and"/"for" allowed inside ("cost of living"); one word must be a noun.
    Words are judged by ``word_class``; a word used mostly as a verb ("pay", "wait") is read as a noun only
    after a noun or an adjective, or before a noun that is no verb's form ("Pay rise", not "Stop saying",
    "Starts school"). No run ends in a particle ("Time round") or in a participle WordNet holds as an
    adjective ("Youth clubs closing"), and none says a word twice ("Testing testing")."""
    written = form.split()
    if len(written) != len(key):
        written = key
    classes = [word_class(w if w.isupper() else k) for w, k in zip(written, key, strict=True)]
    if len(key) == 1:
        return classes[0] == "n"
    if classes[-1] not in "nmA" or classes[0] not in "aAnm" or key[0] in _INNER or key[-1] in _INNER:
        return False
    if _clause_end(key[-1], written[-1], classes[-1]) or len(set(key)) < len(key):
        return False
    if classes[0] == "m" and _verb_form(key[0], written[0], written[1]):
        return False
    for i, c in enumerate(classes[1:-1], 1):
        if key[i] in _INNER:
            if classes[i - 1] not in "nm":
                return False  # "cheap of", "new and"
            if key[i] == "for" and generic(key[i + 1], written[i + 1]):
                return False  # a duration: "Emails for weeks", "Suppliers for 5 years"
        elif c == "d":
            if classes[i - 1] not in "nm" or generic(key[i + 1], written[i + 1]):
                return False  # a count or a measure ("Planted 40 saplings", "Reviews 6 months"), not a label
                # ("Year 6 pupils", "Scope 3 emissions")
        elif c not in "aAnm":
            return False
    return classes[-1] == "n" or classes[-2] in ("aAnm" if classes[-1] == "m" else "nm")


def _clause_end(key: str, written: str, cls: str) -> bool:
    """A word that, last after a noun, ends a clause rather than a noun phrase: a particle ("Sent round"), or
    an -ing form WordNet holds as an adjective ("Pump running", "Clubs closing")."""
    return key in _PARTICLES or (cls == "A" and written.lower().endswith("ing"))


def _verb_form(key: str, written: str, following: str) -> bool:
    """A word used mostly as a verb, first in a run, that reads as the verb: written with a verb's -s
    ("Starts school", "Means kids": a noun before a noun is singular), or before an -ing form ("Stop
    saying", "Stop buying")."""
    w = written.lower()
    return (w != key and not written.isupper()) or (following.lower().endswith("ing") and len(following) > 5)


@functools.lru_cache(maxsize=1)
def _wordclass() -> dict[str, str]:
    path = Path(__file__).resolve().parent / "model" / "wordclass.txt"
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        w, c = line.split()
        out[w] = c
    return out


@functools.lru_cache(maxsize=65_536)
def word_class(w: str) -> str:
    """A word's class (n noun, m a noun used mostly as a verb, a adjective, v verb, r adverb, p preposition,
    d number: "6", "40m"),
    for a stem (``stem``) or a written word: from WordNet (model/wordclass.txt lists every word that is not
    a noun); a word it does not know is a noun (jargon, acronyms, names: "EHCP", "retrofit"), unless its
    ending makes it a form of a verb it knows ("helped", "moving"), an adverb ("quickly") or an adjective's
    degree ("hardest", "cheaper"). A preposition no stop word holds ("vs", "towards") is one, and an
    irregular past form ("sent", "left") an adjective at most."""
    table = _wordclass()
    if len(w) > 1 and w.isupper():
        return "n"  # an acronym: "SAG", "EHCP"
    if w[:1].isdigit():
        return "d"  # a number or a sum: "6", "40m", "1960s" (an acronym with a digit, "4G", is one above)
    w = w.lower()
    if w in STOP_WORDS or w in _PRONOUNS:
        return "v"
    if w in _PREPOSITIONS:
        return "p"
    if w in _PAST_FORMS:
        return "a"
    if w in table:
        return table[w] if table[w] == "A" else table[w].lower()
    base = stem(w)
    if base != w and base in table:
        # "buses", "cuts": a plural, or a verb's -s
        c = table[base]
        return ("A" if c == "A" else c.lower()) if c in "nmNA" else "v"
    if w.endswith("ly") and len(w) > 4:
        return "r"
    for end in ("ed", "ing"):
        if w.endswith(end) and len(w) > len(end) + 2:
            root = w[: -len(end)]
            for guess in (root, root + "e", root[:-1] if len(root) > 2 and root[-1] == root[-2] else root):
                if table.get(guess) in ("v", "m", "N"):
                    return "v" if end == "ing" else "a"  # "helped", "built": an adjective at most
    for end in ("est", "er"):
        # "hardest", "cheaper", "biggest", "easiest": an adjective's degree, which WordNet does not list
        root = w[: -len(end)]
        if w.endswith(end) and len(root) > 2:
            doubled = root[:-1] if root[-1] == root[-2] else ""
            y = root[:-1] + "y" if root.endswith("i") else ""
            if any(table.get(g) in ("a", "A") for g in (root, root + "e", doubled, y) if g):
                return "a"
    return "n"


@functools.lru_cache(maxsize=1)
def _generic_words() -> frozenset[str]:
    return frozenset((MODEL / "generic.txt").read_text(encoding="utf-8").split())


def generic(key: str, form: str) -> bool:
    """A word too general in English to name a theme on its own, in any room: one whose commonest sense
    (WordNet's first) is a time ("year", "months", "morning", "deadline"), or that the SemCor corpus uses
    very often in an abstract sense ("time", "way", "call", "name", "thing": model/generic.txt,
    ``bench/export_wordclass.py``); or a token of one or two letters not written as an acronym ("vs",
    "ok"; "TA", "GP" are acronyms). ``key`` is the word's stem, ``form`` as written."""
    if len(form) <= 2 and not form.isupper():
        return True
    words = _generic_words()
    return key in words or form.lower() in words


def _all_generic(key: tuple[str, ...], form: str) -> bool:
    """Every word of a candidate is generic ("Last year", "Hours"): it says nothing of a topic."""
    written = form.split()
    if len(written) != len(key):
        written = list(key)
    return all(generic(k, w) for k, w in zip(key, written, strict=True) if k not in _INNER)


def _specificity(group_df, sizes):
    """How much knowing a note uses a term tells about its group, from the batch itself: the KL divergence
    of the term's notes' spread over the groups from the groups' sizes, over log of the groups' effective
    number, capped at 1. A word every group uses alike ("year", "people", "school" in a school room) ~0."""
    total = float(sum(sizes))
    prior = np.array(sizes, dtype=float) / total
    h = -(prior * np.log(prior)).sum()
    scale = max(h, 1e-9)
    counts: dict = {}
    for g, df in enumerate(group_df):
        for k, c in df.items():
            counts.setdefault(k, {})[g] = c
    out = {}
    for k, per in counts.items():
        n = float(sum(per.values()))
        kl = sum(c / n * np.log(c / n / prior[g]) for g, c in per.items())
        out[k] = min(1.0, kl / scale)
    return out


def _spec_of(key, text, spec):
    """A candidate's specificity: a pair's weaker word's ("Wait & year": "year"'s), a phrase's most telling
    word's ("mental health": "health"'s)."""
    if " & " in text:
        return min(spec.get(key[:1], 0.0), spec.get(key[1:], 0.0))
    return max(spec.get((w,), 0.0) for w in key)


def _fits_the_group(vectors: np.ndarray, members: list[int], vector: np.ndarray) -> float:
    """How much better a candidate fits its group's notes than the batch's other notes: the median of its
    cosines with the group's notes less the median of its cosines with the rest. For a group whose notes
    share no candidate, each candidate is one note's words, and the centroid's cosine favours what fits that
    one note ("Shift workers hardest"); the median asks it to fit half the group, the rest's median that it
    be no phrase that fits every note alike."""
    cos = vectors @ vector
    rest = np.ones(len(cos), dtype=bool)
    rest[members] = False
    return float(np.median(cos[members]) - (np.median(cos[rest]) if rest.any() else 0.0))


def _pair_word(key: tuple[str, ...], form: str) -> bool:
    c = word_class(form if form.isupper() else key[0])
    return c in PAIR_CLASSES and not _clause_end(key[0], form, c)  # not "Youth & closing", "Time & round"


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
