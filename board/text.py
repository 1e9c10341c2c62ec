"""What people type, as the checks must read it: characters that show nothing, and the many Unicode
spellings of one digit, letter or separator.

A post can look empty or ordinary on screen and still be built to slip past a check: a zero-width space
inside an email address, full-width digits (０７７００), dots between the groups of a phone number. The
checks read the text through ``normalised``; what is stored and shown stays as it was written (less any
invisible characters at either end)."""

import re
import unicodedata

# Characters that are not format characters (Unicode category Cf) yet draw nothing: Hangul fillers,
# the braille blank, the combining grapheme joiner.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")


def invisible(ch):
    """Whether a character shows nothing on its own: white space, format characters (zero-width
    space, joiners, direction marks, soft hyphen...), controls, and a few letters drawn as blanks."""
    return ch.isspace() or ch in _BLANK_LETTERS or unicodedata.category(ch) in ("Cf", "Cc", "Zs", "Zl", "Zp")


def strip_invisible(text):
    """``text`` without what shows nothing at either end (``str.strip`` leaves zero-width characters)."""
    start, end = 0, len(text)
    while start < end and invisible(text[start]):
        start += 1
    while end > start and invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def is_blank(text):
    """True when nothing in ``text`` would show: only white space, format characters or combining marks
    with nothing to combine with."""
    return all(invisible(ch) or unicodedata.category(ch) in ("Mn", "Me") for ch in text)


def first_visible(text):
    """The first character of ``text`` that shows, or ''."""
    return next((ch for ch in text if not invisible(ch)), "")


_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")


def normalised(text):
    """``text`` for matching: compatibility forms folded (NFKC: full-width ０-９ and ＠ become 0-9 and @,
    ligatures and circled digits their letters), format characters and combining marks dropped, every
    decimal digit as ASCII, every dash as "-" and every space as " "."""
    folded = unicodedata.normalize("NFKC", text)
    out = []
    for ch in folded:
        category = unicodedata.category(ch)
        if category in ("Cf", "Mn", "Me") or ch in _BLANK_LETTERS:
            continue
        if category == "Nd":
            ch = str(unicodedata.digit(ch))
        elif category in ("Zs", "Zl", "Zp") or ch in "\t\r\n\v\f":
            ch = " "
        out.append(ch)
    return _DASHES.sub("-", "".join(out))


def name_key(name):
    """A name as a duplicate check reads it: ``normalised``, any run of white space one space, ends
    trimmed, case folded ("housing", " Housing " and "HOUSING" are one name)."""
    return " ".join(normalised(name).split()).casefold()


def distinct_name(name, taken, limit):
    """``name``, or ``name (2)``, ``name (3)``... the first whose ``name_key`` is not in ``taken`` (a set
    of keys), cut to fit ``limit`` characters."""
    candidate, number = name, 1
    while name_key(candidate) in taken:
        number += 1
        suffix = f" ({number})"
        candidate = name[: limit - len(suffix)].rstrip() + suffix
    return candidate
