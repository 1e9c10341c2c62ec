"""Short theme labels from a group's distinctive words (class-based TF-IDF, as in BERTopic).

A word's score in a group is ``df_in_group * log(1 + A / df_overall)``, where df counts texts containing
the word
and A is the mean number of texts per group: words that many of the group's texts share, and that are rare
elsewhere, win. Stop words and very short tokens are skipped; of words sharing a crude stem ("bus"/"buses")
only
the best is kept. The label joins up to three words with " · ", e.g. "Workforce · staff · shortages".
"""

from __future__ import annotations

import math
import re
from collections import Counter

SEPARATOR = " · "

_WORD = re.compile(r"[^\W_](?:[\w'+#&.-]*[\w+#])?", re.UNICODE)

STOP_WORDS = frozenset(
    """
a about above after again against all also am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
few
for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him
himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my
myself no nor not of off on once only or other ought our ours ourselves out over own same shan't she she'd
she'll she's should shouldn't so some such than that that's the their theirs them themselves then there
there's
these they they'd they'll they're they've this those through to too under until up very was wasn't we we'd
we'll we're we've were weren't what what's when when's where where's which while who who's whom why why's will
with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves
get gets got getting use used using uses via etc just like really much many lot lots need needs want wants
one two way ways thing things make makes made also still even well yes ok okay im dont cant wont isnt
amp rt http https www com among across within without around upon per since yet may might must shall
""".split()
)


def words(text: str) -> list[str]:
    """Candidate label words of a text, in their original case."""
    out = []
    for m in _WORD.finditer(text):
        w = m.group(0).strip(".-'&")
        if len(w) < 2 or w.lower() in STOP_WORDS or w.isdigit():
            continue
        out.append(w)
    return out


def stem(w: str) -> str:
    w = w.lower()
    for suffix in ("ies", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return w


def label_groups(texts: list[str], groups: list[list[int]], n_words: int = 3) -> list[str]:
    """One label per group (lists of indexes into ``texts``), from the words that distinguish it."""
    if not groups:
        return []
    per_text: list[set[str]] = []
    surface: dict[str, Counter] = {}
    for t in texts:
        ws = words(t)
        keys = set()
        for w in ws:
            key = w.lower()
            keys.add(key)
            surface.setdefault(key, Counter())[w] += 1
        per_text.append(keys)
    df_all: Counter = Counter()
    for keys in per_text:
        df_all.update(keys)
    avg = max(1.0, len(texts) / len(groups))
    labels = []
    for members in groups:
        df: Counter = Counter()
        for i in members:
            df.update(per_text[i])
        scored = sorted(
            ((c * math.log(1.0 + avg / df_all[w]), c, w) for w, c in df.items()),
            key=lambda s: (-s[0], -s[1], s[2]),
        )
        # In groups of 3+, a word only one text uses is an anecdote, not a theme; fall back to it if
        # nothing else.
        shared = [s for s in scored if s[1] >= 2] if len(members) >= 3 else scored
        chosen: list[str] = []
        stems: set[str] = set()
        for _, _, w in shared or scored:
            st = stem(w)
            if st in stems:
                continue
            stems.add(st)
            chosen.append(_display(w, surface[w]))
            if len(chosen) == n_words:
                break
        if chosen:
            first = chosen[0]
            chosen[0] = first[0].upper() + first[1:] if first[0].islower() else first
            labels.append(SEPARATOR.join(chosen))
        else:
            labels.append("")
    return labels


def _display(key: str, forms: Counter) -> str:
    """The most common written form; "Title" case (often just a sentence start) is shown in lower case."""
    form, _ = max(forms.items(), key=lambda kv: (kv[1], kv[0].islower()))
    if form[:1].isupper() and form[1:].islower():
        return key
    return form
