"""The sector lens on a phone: left out while it has nothing to show (no theme with support yet), then
shown under a heading a participant reads at once; the facilitator's board keeps its own wording."""

import pytest
from playwright.sync_api import expect

from .conftest import seed
from .pages import card
from .test_presenter import Steering

pytestmark = pytest.mark.django_db(transaction=True)

HEADING = "Which sectors back each theme"


def test_a_phone_shows_the_lens_once_a_theme_has_support(screens):
    cards, themes = seed(screens.inquiry, cards=["Shared care records"], themes=["Records"])
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    expect(carol.locator("#board")).to_contain_text("Shared care records")
    expect(carol.locator("#lens")).to_be_hidden()
    expect(carol.get_by_text(HEADING)).to_be_hidden()
    expect(carol.get_by_text("Sector lens: support")).to_have_count(0)
    # The facilitator's board has it from the start, in their words.
    expect(alice.locator("#lens summary")).to_have_text(
        "Sector lens: support for each theme from each sector"
    )

    Steering(screens).send(type="card", op="move", card=cards["Shared care records"], theme=themes["Records"])
    expect(carol.locator(f"#theme-{themes['Records']}")).to_contain_text("Shared care records")
    expect(carol.locator("#lens")).to_be_hidden()  # a theme, but nobody has backed it yet
    card(carol, "Shared care records").get_by_role("button", name="This resonates").click()
    expect(carol.locator("#board")).to_contain_text("1 person finds this resonates")
    expect(carol.locator("#lens summary")).to_have_text(HEADING)
    expect(carol.locator("#lens")).to_be_visible()
