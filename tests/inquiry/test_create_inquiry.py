from django.test import Client

from inquiry.models import CODE_ALPHABET, Inquiry


def test_it_needs_a_facilitator_login(anonymous, db):
    response = anonymous.get("/inquiries/new/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_it_creates_an_inquiry_with_rounds_sectors_and_anonymity(alice, users):
    response = alice.post(
        "/inquiries/new/",
        {
            "title": "Neighbourhood care",
            "question": "How might health and care wrap around each resident?",
            "rounds": "What gets in the way?\n\nWhat would you try first?\n",
            "sectors": "NHS\nLocal authority\nNHS\nHousing",
        },
    )
    inquiry = Inquiry.objects.get(title="Neighbourhood care")
    assert response.status_code == 302 and response["Location"] == f"/i/{inquiry.code}/facilitate/"
    assert [r.question for r in inquiry.rounds_in_order()] == [
        "What gets in the way?",
        "What would you try first?",
    ]
    assert inquiry.current_round.question == "What gets in the way?"
    assert inquiry.sectors == ["NHS", "Local authority", "Housing"]
    assert inquiry.show_names is False
    assert list(inquiry.facilitators.all()) == [users["alice"]]


def test_a_sector_listed_twice_in_other_capitals_is_one_sector_in_its_first_spelling(alice, anonymous):
    alice.post(
        "/inquiries/new/",
        {
            "title": "T",
            "question": "Q?",
            "sectors": "NHS\nHousing\nNHS\nnhs\n  Nhs \nhousing\nLocal  authority\nlocal authority",
        },
    )
    inquiry = Inquiry.objects.get(title="T")
    assert inquiry.sectors == ["NHS", "Housing", "Local  authority"]
    page = anonymous.get(f"/i/{inquiry.code}/join/").content.decode()
    assert page.count('name="sector"') == 3
    assert 'value="nhs"' not in page and 'value="Nhs"' not in page and 'value="housing"' not in page


def test_the_form_offers_the_default_sectors(alice):
    page = alice.get("/inquiries/new/").content.decode()
    for sector in ("NHS", "Local authority", "Voluntary and community sector", "Other"):
        assert sector in page


def test_one_round_on_the_framing_question_when_none_are_listed(alice):
    alice.post(
        "/inquiries/new/",
        {"title": "T", "question": "Q?", "rounds": "", "sectors": "NHS", "show_names": "on"},
    )
    inquiry = Inquiry.objects.get(title="T")
    assert [r.question for r in inquiry.rounds_in_order()] == ["Q?"]
    assert inquiry.show_names is True


def test_it_refuses_a_form_without_title_or_sectors(alice):
    response = alice.post("/inquiries/new/", {"title": "", "question": "Q?", "sectors": "  \n "})
    assert response.status_code == 400
    assert response.content.count(b"This field is required.") == 2  # the title and the sectors
    assert not Inquiry.objects.exists()


def test_it_refuses_a_post_without_a_csrf_token(users):
    client = Client(enforce_csrf_checks=True)
    client.login(username="alice", password="a-long-test-password-1")
    response = client.post("/inquiries/new/", {"title": "T", "question": "Q?", "sectors": "NHS"})
    assert response.status_code == 403
    assert not Inquiry.objects.exists()


def test_join_codes_are_short_and_unambiguous(inquiry, other_inquiry):
    for code in (inquiry.code, other_inquiry.code):
        assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    assert not set("0O1IL2Z5S8B") & set(CODE_ALPHABET)


def test_a_facilitator_lists_only_their_inquiries(alice, eve, inquiry, other_inquiry):
    assert inquiry.title.encode() in alice.get("/inquiries/").content
    assert other_inquiry.title.encode() not in alice.get("/inquiries/").content
    assert inquiry.title.encode() not in eve.get("/inquiries/").content


def test_the_new_inquiry_form_says_small_sectors_are_not_shown_apart(alice):
    page = alice.get("/inquiries/new/").content.decode()
    assert "A sector with fewer than 3 participants is not shown apart in counts by sector" in page
