import pytest

from board.safeguarding import nhs_number_is_valid, reasons


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Patient 943 476 5919 was discharged late", ["an NHS number"]),
        ("NHS no 9434765919", ["an NHS number"]),
        ("Call me on 07700 900123 about this", ["a phone number"]),
        ("Ring +44 20 7946 0958", ["a phone number"]),
        ("Our office: (0161) 496 0000", ["a phone number"]),
        ("email jo.bloggs@example.org for the report", ["an email address"]),
        ("Mrs Patel at LS1 4AP has waited months", ["a postcode next to a name"]),
        ("John Smith, SW1A 1AA, needs a carer", ["a postcode next to a name"]),
        ("DOB 12/03/1954 and still waiting", ["a date of birth"]),
        ("born on 3.7.62 in Leeds", ["a date of birth"]),
        ("Her birthday is 01/02/1948", ["a date of birth"]),
    ],
)
def test_it_holds_back_personal_data(text, expected):
    assert reasons(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Hospital discharge waits on social care packages",
        "We saw 943 people in 2023 across 12 sites",
        "Invalid NHS-like number 943 476 5918 in a list",
        "Leeds LS1 has good transport links",  # an outward code alone, no name
        "Services in LS1 4AP are stretched",  # a postcode with no name near it
        "The meeting on 12/03/2025 agreed a pilot",  # a recent date is not a birthday
        "Ratio of 1/2/3 staff",
        "Budget £1,000,000 over 3 years",
        "Use the 111 service more",
    ],
)
def test_it_lets_ordinary_posts_through(text):
    assert reasons(text) == []


def test_it_gives_every_reason_it_finds():
    assert reasons("Mr Jones, LS1 4AP, 07700 900123, jones@example.org") == [
        "an email address",
        "a phone number",
        "a postcode next to a name",
    ]


def test_the_nhs_number_check_digit():
    assert nhs_number_is_valid("9434765919")
    assert not nhs_number_is_valid("9434765918")
    assert not nhs_number_is_valid("1234567890")  # check digit would be 10: never issued


# Evasions (issue 13, finding 9): the same personal data written so that a plain pattern misses it.
ZWSP, WORD_JOINER, SOFT_HYPHEN = "\u200b", "\u2060", "\u00ad"


def wide(text):
    """``text`` in full-width forms (０-９, ＠, ａ-ｚ...), as a phone's East Asian keyboard types it."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def arabic_indic(digits):
    return "".join(chr(0x0660 + int(d)) for d in digits)


@pytest.mark.parametrize(
    "text, expected",
    [
        (f"write to jo.bloggs{ZWSP}@example.org", ["an email address"]),
        (f"write to jo.bloggs@{ZWSP}example{ZWSP}.org", ["an email address"]),
        ("write to jo.bloggs\uff20example.org", ["an email address"]),  # a full-width at sign
        ("write to " + wide("jo@example.org"), ["an email address"]),
        (f"Call me on 077{ZWSP}00 900{WORD_JOINER}123", ["a phone number"]),
        ("Call me on " + wide("07700 900123"), ["a phone number"]),
        ("Call me on 07700.900.123", ["a phone number"]),
        ("Call me on 07700/900/123", ["a phone number"]),
        ("Call me on 07700\u2013900\u2013123", ["a phone number"]),  # en dashes
        ("Call me on 07700\u00a0900\u202f123", ["a phone number"]),  # no-break spaces
        (f"NHS no 943{ZWSP}476{ZWSP}5919", ["an NHS number"]),
        (f"NHS no 9434{SOFT_HYPHEN}765919", ["an NHS number"]),
        ("NHS no " + wide("9434765919"), ["an NHS number"]),
        ("NHS no 943.476.5919", ["an NHS number"]),
        ("NHS no 943 - 476 - 5919", ["an NHS number"]),
        ("NHS no " + arabic_indic("9434765919"), ["an NHS number"]),
    ],
)
def test_it_sees_through_invisible_characters_unicode_digits_and_separators(text, expected):
    assert reasons(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Waiting lists grew 0.5% to 1.2% in a year",
        "Ward 7.3 and ward 12.1 share one discharge team",
        f"Zero{ZWSP}width{ZWSP}joined words are just words",
        wide("Full-width") + " text about 12 services",
    ],
)
def test_normalising_lets_ordinary_posts_through(text):
    assert reasons(text) == []
