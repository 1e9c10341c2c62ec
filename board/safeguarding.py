"""A safeguarding check: does a post look like it carries someone's personal data?

Posts that match are held back for a facilitator to review, with the reason shown. It is a net, not a
guarantee: it looks for NHS numbers (with a valid check digit), email addresses, UK phone numbers,
UK postcodes next to a name, and dates of birth.

Every check reads the text as ``board.text.normalised`` gives it, so the usual ways of writing the same
thing differently do not slip past: zero-width and other format characters inside a number or an address,
full-width or other Unicode digits and ``＠``, any dash, and dots or slashes between the groups of a
number (``07700.900.123``)."""

import re
from datetime import date

from .text import normalised

# Between the groups of a number: spaces, dashes, dots or slashes (a few of them, "943 - 476 - 5919").
_GAP = r"[ .\-/]{0,3}"
NHS_NUMBER = re.compile(rf"(?<![\d])(\d{{3}}){_GAP}(\d{{3}}){_GAP}(\d{{4}})(?![\d])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# UK numbers: +44 or 0, then 9 or 10 more digits, spaces, dashes, dots, slashes or brackets between groups.
PHONE = re.compile(r"(?<![\w+])(?:\+44\s?\(?0?\)?|\(?0)(?:[\s\-()./]*\d){9,10}(?![\d])")
POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.IGNORECASE)
TITLE_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z'-]+")
FULL_NAME = re.compile(r"\b[A-Z][a-z'-]{1,20}\s+[A-Z][a-z'-]{1,20}\b")
DATE = re.compile(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})\b")
DOB_WORDS = re.compile(r"\b(?:d\.?o\.?b\.?|date of birth|born(?: on)?)\b", re.IGNORECASE)
NAME_NEAR = 60  # characters between a postcode and a name for them to count as "next to" each other


def nhs_number_is_valid(digits):
    """The NHS number's modulus 11 check digit."""
    total = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _near_a_name(text, start, end):
    window = text[max(0, start - NAME_NEAR) : end + NAME_NEAR]
    return bool(TITLE_NAME.search(window) or FULL_NAME.search(window))


def _looks_like_birth_date(text, match):
    day, month, year = (int(part) for part in match.groups())
    if len(match.group(3)) == 2:
        year += 1900 if year > date.today().year % 100 else 2000
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return False
    window = text[max(0, match.start() - 30) : match.end() + 5]
    if DOB_WORDS.search(window):
        return True
    # A full date more than ten years ago is most likely somebody's birthday, not a meeting.
    return 1900 <= year <= date.today().year - 10


def reasons(text):
    """Why this text may carry personal data: a list of short reasons (empty if none)."""
    text = normalised(text)
    found = []
    if any(nhs_number_is_valid("".join(m.groups())) for m in NHS_NUMBER.finditer(text)):
        found.append("an NHS number")
    if EMAIL.search(text):
        found.append("an email address")
    if PHONE.search(text):
        found.append("a phone number")
    if any(_near_a_name(text, m.start(), m.end()) for m in POSTCODE.finditer(text)):
        found.append("a postcode next to a name")
    if any(_looks_like_birth_date(text, m) for m in DATE.finditer(text)):
        found.append("a date of birth")
    return found
