"""Write board/suggestions/model/wordclass.txt: the class of English words (noun, verb, adjective, adverb).

The theme names (``labels.py``) are noun phrases: runs of adjectives and nouns that end in a noun ("car
dependence", "mental health"), or "A & B" of two nouns. A word's class comes from WordNet 3.0 (Princeton,
its licence in model/LICENSE.md), read from the Debian package ``wordnet-base`` (``index.*``, ``verb.exc``
and ``cntlist.rev``: how often the SemCor corpus used each sense of each lemma). The file lists the words
that are not plain nouns (a word it does not list is taken for a noun: jargon, acronyms, names) and the
nouns a suffix rule would take for a verb form ("funding", "building")::

    .venv/bin/python -m bench.export_wordclass /usr/share/wordnet   # or where the .deb was unpacked

One line per word: the word, a space, its class (a adjective, v verb, r adverb, n noun, m a noun used
mostly as a verb, N a noun that is also a verb, A an adjective that is often a noun).

It also writes ``model/generic.txt``, the words too general to name a theme alone ("year", "time", "way",
"call", "name"; ``labels.generic``), one a line: a word whose commonest noun sense (WordNet's first) is in
the lexicographer file ``noun.time`` ("month", "morning", "winter", "deadline"), or a word SemCor uses at
least GENERIC_USES times (in any class) whose commonest noun sense is in one of the abstract files
GENERIC_FILES ("way": noun.attribute, "call", "name": noun.communication, "thing": noun.state).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "board" / "suggestions" / "model" / "wordclass.txt"
POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
# A word that is a noun at least this often, for each use as a verb, is a noun ("help", "plan", "need");
# from 0.02 to 0.1 times, "m": mostly a verb ("pay", "wait", "cut"), read as a noun only after a noun or
# an adjective. A word used mostly as an adjective or adverb is one ("first", "local", "now").
NOUN_SHARE = 0.1
VERB_NOUN_SHARE = 0.02  # "feel", "leave" (a noun once for 70-140 uses as a verb) are verbs
_LEMMA = re.compile(r"^[a-z][a-z-]*[a-z]$")
GENERIC_OUT = OUT.with_name("generic.txt")
# WordNet's lexicographer files (``lexnames``) of abstract nouns, by number; noun.time (28) is generic at any
# count. The names: docs/suggestions.md, "Eleventh round" (50 uses: more topic words, "policy", "price";
# 100: "morning" is not among them).
GENERIC_FILES = {
    3: "noun.Tops",
    7: "noun.attribute",
    9: "noun.cognition",
    10: "noun.communication",
    11: "noun.event",
    23: "noun.quantity",
    24: "noun.relation",
    26: "noun.state",
    28: "noun.time",
}
TIME_FILE = 28
GENERIC_USES = 75
_WORD_ONLY = re.compile(r"^[a-z]+$")


def read_index(folder: Path) -> dict[str, dict[str, float]]:
    counts: dict[str, dict[str, float]] = {}
    # How often SemCor used each sense (``cntlist.rev``: sense key, sense number, count), summed per class.
    used: dict[tuple[str, str], int] = {}
    for line in (folder / "cntlist.rev").read_text(encoding="utf-8").splitlines():
        key, _, n = line.split()
        lemma, rest = key.split("%")
        pos = "nvara"[int(rest[0]) - 1]  # 5: an adjective satellite
        used[lemma, pos] = used.get((lemma, pos), 0) + int(n)
    for name, pos in POS.items():
        for line in (folder / f"index.{name}").read_text(encoding="utf-8").splitlines():
            if line.startswith(" "):
                continue  # the licence at the head of the file
            f = line.split()
            lemma, p_cnt = f[0], int(f[3])
            senses = int(f[4 + p_cnt])
            if _LEMMA.match(lemma):
                # Uses in SemCor first; the number of senses breaks ties (most lemmas are never used there).
                counts.setdefault(lemma, {})[pos] = used.get((lemma, pos), 0) + 0.01 * senses
    return counts


def generic_words(folder: Path) -> list[str]:
    """Words whose commonest noun sense is a time, or an abstract sense of a word SemCor uses often."""
    uses: dict[str, int] = {}
    for line in (folder / "cntlist.rev").read_text(encoding="utf-8").splitlines():
        key, _, n = line.split()
        lemma = key.split("%")[0]
        uses[lemma] = uses.get(lemma, 0) + int(n)
    lexfile = {}
    for line in (folder / "data.noun").read_text(encoding="utf-8").splitlines():
        if not line.startswith(" "):
            offset, filenum = line.split()[:2]
            lexfile[offset] = int(filenum)
    out = []
    for line in (folder / "index.noun").read_text(encoding="utf-8").splitlines():
        if line.startswith(" "):
            continue
        f = line.split()
        lemma, p_cnt = f[0], int(f[3])
        first = lexfile[f[6 + p_cnt]]  # synsets follow the pointer symbols, commonest sense first
        if _WORD_ONLY.match(lemma) and (
            first == TIME_FILE or (first in GENERIC_FILES and uses.get(lemma, 0) >= GENERIC_USES)
        ):
            out.append(lemma)
    return sorted(out)


def word_class(c: dict[str, float]) -> str:
    n, v, a, r = (c.get(p, 0.0) for p in "nvar")
    if r > max(n, v, a):
        return "r"
    if a > n and a >= v:
        return "A" if n >= NOUN_SHARE * a else "a"  # A: a noun after a noun ("Doritos commercial")
    if "n" in c and n >= NOUN_SHARE * v:
        return "N" if "v" in c else "n"  # N: a verb too, so "helped", "planning" are its forms
    if "n" in c and n >= VERB_NOUN_SHARE * v:
        return "m"  # mostly a verb, a noun after a noun or an adjective: "TA pay", "assessment waits"
    return "v" if v else ("a" if a else "n")


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "/usr/share/wordnet")
    counts = read_index(folder)
    classes = {w: word_class(c) for w, c in counts.items()}
    out = {w: k for w, k in classes.items() if k != "n" or w.endswith(("ed", "ing", "ly"))}
    # Irregular verb forms ("paid", "thrown", "told"), unless the form is itself a word of another class.
    for line in (folder / "verb.exc").read_text(encoding="utf-8").splitlines():
        form = line.split()[0]
        if _LEMMA.match(form) and form not in classes:
            out[form] = "v"
    OUT.write_text("".join(f"{w} {k}\n" for w, k in sorted(out.items())), encoding="utf-8")
    print(f"{OUT}: {len(out)} words ({sum(k == 'n' for k in out.values())} nouns)")
    generic = generic_words(folder)
    GENERIC_OUT.write_text("".join(f"{w}\n" for w in generic), encoding="utf-8")
    print(f"{GENERIC_OUT}: {len(generic)} words")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
