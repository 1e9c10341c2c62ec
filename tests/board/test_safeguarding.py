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
