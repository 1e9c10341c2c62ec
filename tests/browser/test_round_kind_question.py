"""Changing what a round asks the room to do brings its question along while the question is still the
default of the kind it was: the close of an event-size inquiry asks "What will you do next, and with
whom?" in a next-steps round; made a systems-map round, every screen asks the map's question under
"Systems map" (the walk-through found the next steps' question kept there), and made a round of
contributions, the inquiry's own. A question the facilitator wrote stays whatever the kind."""

import pytest
from playwright.sync_api import expect

from inquiry import actions as inquiry_actions
from inquiry.models import Round

from .conftest import in_thread
from .pages import snap
from .test_presenter import facilitator_of

pytestmark = pytest.mark.django_db(transaction=True)

NEXT_QUESTION, NEXT_GUIDANCE = Round.DEFAULT_WORDS[Round.NEXT_STEPS]
MAP_QUESTION, MAP_GUIDANCE = Round.DEFAULT_WORDS[Round.MAPPING]
OURS = "Which of these could we start on Monday?"


def says(page, label, question, guidance=None):
    banner = page.locator("#round-banner")
    expect(banner).to_contain_text(label)
    expect(banner.locator("#round-question")).to_have_text(question)
    if guidance is None:
        expect(banner.locator("#round-guidance")).to_have_count(0)
    else:
        expect(banner.locator("#round-guidance")).to_have_text(guidance)


@pytest.mark.parametrize("event_inquiry", ["map"], indirect=True)
def test_a_rounds_default_question_follows_its_kind_on_every_screen(event_screens, event_inquiry):
    alice = event_screens.facilitator()
    phone = event_screens.participant("Priya")
    for page in (alice, phone):
        says(page, "Next steps", NEXT_QUESTION, NEXT_GUIDANCE)

    alice.get_by_role("button", name="Let participants link themes in this round").click()
    for page in (alice, phone):
        says(page, "Systems map", MAP_QUESTION, MAP_GUIDANCE)
    snap(phone, "phone-map-question", full_page=False)

    alice.get_by_role("button", name="Stop participants linking in this round").click()
    for page in (alice, phone):
        expect(page.locator("#round-banner")).to_have_attribute("data-kind", "contributions")
        says(page, "Gather", event_inquiry.question)


@pytest.mark.parametrize("event_inquiry", ["map"], indirect=True)
def test_a_question_the_facilitator_wrote_stays_when_the_kind_changes(event_screens, event_inquiry):
    in_thread(
        inquiry_actions.edit_round, facilitator_of(event_inquiry), event_inquiry.current_round_id, OURS,
        NEXT_GUIDANCE,
    )  # fmt: skip
    alice = event_screens.facilitator()
    phone = event_screens.participant("Priya")
    says(phone, "Next steps", OURS, NEXT_GUIDANCE)
    alice.get_by_role("button", name="Let participants link themes in this round").click()
    for page in (alice, phone):
        says(page, "Systems map", OURS, MAP_GUIDANCE)  # the guidance was still the default: it follows
