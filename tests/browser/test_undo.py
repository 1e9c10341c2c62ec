"""Undo on the facilitator's workspace at 1280x720: after moving selected cards the status line says so
with an Undo button, in view, announced and reachable from the keyboard; pressing it puts the cards back
on every screen; Ctrl+Z undoes the facilitator's last change (even one made from another of their
screens), but not while they type in a text field."""

import pytest
from playwright.sync_api import expect

from board.models import Theme

from .axe import assert_accessible
from .conftest import SHARED_SCREEN, seed
from .pages import snap
from .test_presenter import Steering

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = ["Rents take half of a carer's pay", "Damp flats make asthma worse", "No bus after 7 pm"]


def test_the_undo_button_and_ctrl_z_put_the_board_back(screens):
    inquiry = screens.inquiry
    cards, themes = seed(inquiry, cards=TEXTS, themes=["Housing", "Transport"])
    alice = screens.facilitator("alice", viewport=SHARED_SCREEN)
    priya = screens.participant("Priya")
    housing = themes["Housing"]
    ids = [cards[text] for text in TEXTS[:2]]

    for index, card_id in enumerate(ids):
        alice.locator(f"#card-{card_id} .card-text").click(modifiers=["ControlOrMeta"] if index else [])
    alice.get_by_label("Move the selected cards to").select_option(label="Housing")
    alice.get_by_role("button", name="Move selected").click()
    for page in (alice, priya):
        for card_id in ids:
            expect(page.locator(f"#cards-theme-{housing} > #card-{card_id}")).to_have_count(1)
    status = alice.locator("#lw-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text("Moved 2 cards to “Housing”. Undo")
    undo = status.get_by_role("button", name="Undo")
    expect(undo).to_be_in_viewport(ratio=1)
    snap(alice, "undo-line", full_page=False)
    assert_accessible(alice, "the workspace with the Undo line")

    # From the keyboard: focus it and press Enter.
    undo.focus()
    alice.keyboard.press("Enter")
    expect(status).to_have_text("2 cards moved back.")
    for page in (alice, priya):
        for card_id in ids:
            expect(page.locator(f"#cards-unsorted > #card-{card_id}")).to_have_count(1)

    # A theme deleted from another of Alice's screens: Ctrl+Z here undoes it (her steps are kept on the
    # server, not in one page).
    alice.locator(f"#card-{cards[TEXTS[2]]} .card-text").click()
    alice.get_by_label("Move the selected cards to").select_option(label="Transport")
    alice.get_by_role("button", name="Move selected").click()
    expect(status).to_have_text("Moved a card to “Transport”. Undo")
    transport = themes["Transport"]
    Steering(screens, "alice").send(type="theme", op="delete", theme=transport)
    expect(alice.locator(f"#theme-{transport}")).to_have_count(0)
    expect(priya.locator(f"#cards-unsorted > #card-{cards[TEXTS[2]]}")).to_have_count(1)

    # Not while typing: Ctrl+Z in a text field is the field's own (had it undone the delete, the Ctrl+Z
    # below would undo the move before it, and say so).
    box = alice.get_by_label("New theme")
    box.fill("Jobs")
    box.press("ControlOrMeta+z")
    box.fill("Jobs")
    box.press("Enter")
    expect(alice.locator("#themes .theme-name")).to_have_text(["Housing", "Jobs"])

    alice.evaluate("document.activeElement.blur()")
    alice.keyboard.press("ControlOrMeta+z")
    expect(status).to_have_text(
        "Restored the theme “Transport”: 1 card moved back. Undo “Moved a card to “Transport””"
    )
    restored = Theme.objects.get(inquiry=inquiry, name="Transport")
    for page in (alice, priya):
        expect(page.locator(f"#cards-theme-{restored.pk} > #card-{cards[TEXTS[2]]}")).to_have_count(1)
    expect(alice.locator("#themes .theme-name")).to_have_text(["Housing", "Transport", "Jobs"])
    assert_accessible(alice, "the workspace after an undo")
