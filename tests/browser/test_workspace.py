"""The facilitator's workspace at event size (100 people, 300 cards, 12 themes): select several cards and
move them with one action, reach any card with a few key presses, filter, gather cards like one card,
duplicates stacked, themes collapsed and in distinct colours, and nothing axe-core objects to."""

import re

import pytest
from playwright.sync_api import expect

from board.models import Theme
from inquiry import actions as inquiry_actions
from inquiry.models import Inquiry

from .axe import assert_accessible
from .conftest import FULL_HD, SHARED_SCREEN, in_thread, seed
from .pages import card, snap, theme
from .test_presenter import Steering
from .test_presenter_head import connect

pytestmark = pytest.mark.django_db(transaction=True)

# The cards a person sees on the board, in board order, and where each is: [[column, index in it, id]].
SHOWN = """() => {
  const shown = c => c.getClientRects().length > 0;
  const lists = [...document.querySelectorAll('#board ol.cards')].filter(l => [...l.children].some(shown));
  const out = [];
  lists.forEach((list, column) => {
    [...list.querySelectorAll(':scope > .card')].filter(shown).forEach((c, i) => out.push([column, i, c.id]));
  });
  return out;
}"""


# How many of the unsorted cards' texts a person sees whole, without scrolling: inside the window and
# inside the column's own scrolling box, not cut off (line-clamped or clipped) inside the card.
WHOLE_UNSORTED = """() => {
  const within = (r, box) => r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5 &&
    r.left >= box.left - 0.5 && r.right <= box.right + 0.5;
  const view = {top: 0, left: 0, bottom: innerHeight, right: innerWidth};
  const list = document.getElementById('cards-unsorted');
  const column = list.getBoundingClientRect();
  return [...list.querySelectorAll(':scope > .card .card-text')].filter(text => {
    const r = text.getBoundingClientRect();
    return r.height > 0 && within(r, view) && within(r, column) &&
      within(r, text.closest('.card').getBoundingClientRect()) &&
      text.scrollHeight <= text.clientHeight + 1 && parseFloat(getComputedStyle(text).fontSize) >= 12;
  }).length;
}"""


def test_at_1280x720_the_workspace_shows_at_least_20_unsorted_cards_whole_without_scrolling(event_screens):
    alice = event_screens.facilitator("alice", viewport=SHARED_SCREEN)
    unsorted = alice.locator("#cards-unsorted > .card")
    assert unsorted.count() >= 20
    assert alice.evaluate(WHOLE_UNSORTED) >= 20
    # Compact: a card's buttons stay out of the way until it is opened, and it shows no counts of nothing.
    first = unsorted.first
    expect(first.locator(".card-tools")).to_be_hidden()
    zero = re.compile(r"^\s*0 find")
    expect(alice.locator("#cards-unsorted .card-votes:visible", has_text=zero)).to_have_count(0)
    first.get_by_role("button", name=re.compile("^Actions for the card")).click()
    expect(first.get_by_role("button", name=re.compile("^Move card"))).to_be_visible()
    assert_accessible(alice, "the workspace at 1280x720 with a card's actions open")


def test_at_1280x720_who_is_connected_and_the_timer_are_on_screen(event_screens):
    """What a facilitator glances at through the event, in the side panel under the round, not below the
    tables' set-up form (it pushed them out of view at 1280x720 and at 1920x1080)."""
    alice = event_screens.facilitator("alice", viewport=SHARED_SCREEN)
    for part in ("#presence", "#timer-minutes"):
        expect(alice.locator(part)).to_be_in_viewport(ratio=1)
    expect(alice.get_by_role("heading", name="Tables")).to_be_attached()


def test_at_1280x720_pause_the_room_is_on_screen_with_who_is_connected_and_the_timer(event_screens):
    """Pausing is for an emergency: with the event's room connected (100 people in four sectors), the
    button is in view without scrolling, and so are who is connected and the timer (it was below the fold,
    behind the timer's form; the sectors pushed the timer out of view too)."""
    room = {"NHS": 34, "Local authority": 30, "Voluntary and community sector": 28, "Other": 8}
    connected = connect(event_screens.inquiry, room)
    alice = event_screens.facilitator("alice", viewport=SHARED_SCREEN)
    expect(alice.locator("#presence")).to_contain_text(f"{connected} participants connected")
    expect(alice.locator("#presence")).to_contain_text("Voluntary and community sector 28")
    snap(alice, "workspace-1280x720-room")
    pause = alice.get_by_role("button", name="Pause the room")
    start = alice.get_by_role("button", name="Start timer")
    for part in (pause, alice.locator("#presence"), alice.locator("#timer-minutes"), start):
        expect(part).to_be_in_viewport(ratio=1)
    assert alice.evaluate("() => document.scrollingElement.scrollTop") == 0
    carol = event_screens.participant("Carol")
    pause.click()
    expect(carol.get_by_text("The facilitator has paused the room.")).to_be_visible()
    resume = alice.get_by_role("button", name="Resume the room")
    expect(resume).to_be_in_viewport(ratio=1)
    expect(resume).to_have_attribute("aria-pressed", "true")
    snap(alice, "workspace-1280x720-paused")


def select_unsorted(page, n):
    """Click ``n`` unsorted cards one by one, none of them a stack of duplicates: the first with a click,
    the rest with Ctrl+click (a click alone selects just the card clicked; Shift+click would also take the
    ones between); their ids."""
    cards = page.locator("#cards-unsorted > .card:not(.is-stacked):not([data-stack])")
    ids = [cards.nth(i).get_attribute("data-card") for i in range(n)]
    for i, card_id in enumerate(ids):
        page.locator(f"#card-{card_id} .card-text").click(modifiers=["ControlOrMeta"] if i else [])
    expect(page.locator("#ws-selected")).to_have_text(f"{n} cards selected")
    return ids


def seq_of(inquiry):
    return Inquiry.objects.get(pk=inquiry.pk).seq


def test_ten_selected_cards_move_with_one_action_and_every_screen_shows_them_moved(event_screens):
    inquiry = event_screens.inquiry
    in_thread(inquiry_actions.add_cofacilitator, inquiry.created_by, inquiry, "bob")
    alice = event_screens.facilitator("alice", viewport=FULL_HD)
    bob = event_screens.facilitator("bob", viewport=SHARED_SCREEN)
    presenter = event_screens.presenter()
    priya = event_screens.participant("Priya")
    target = Theme.objects.get(inquiry=inquiry, name="Digital inclusion")

    ids = select_unsorted(alice, 10)
    expect(alice.locator("#board .card.is-selected")).to_have_count(10)
    expect(alice.locator("#board [role=gridcell][aria-selected=true]")).to_have_count(10)

    count = int(alice.locator(f"#theme-{target.pk}-count").inner_text())
    before = seq_of(inquiry)
    alice.get_by_label("Move the selected cards to").select_option(label="Digital inclusion")
    alice.get_by_role("button", name="Move selected").click()
    for page in (alice, bob, presenter, priya):
        column = page.locator(f"#cards-theme-{target.pk}")
        for card_id in ids:
            expect(column.locator(f"#card-{card_id}")).to_have_count(1)
        expect(page.locator(f"#cards-unsorted > #card-{ids[0]}")).to_have_count(0)
    assert seq_of(inquiry) == before + 1  # one event for the ten
    expect(alice.locator("#ws-selected")).to_have_text("No cards selected")
    expect(alice.locator(f"#theme-{target.pk}-count")).to_have_text(str(count + 10))


def test_a_move_waits_for_a_new_choice_when_another_facilitator_deletes_the_chosen_theme(event_screens):
    inquiry = event_screens.inquiry
    in_thread(inquiry_actions.add_cofacilitator, inquiry.created_by, inquiry, "bob")
    bob = event_screens.facilitator("bob", viewport=SHARED_SCREEN)
    doomed = Theme.objects.get(inquiry=inquiry, name="Workforce and roles")
    kept = Theme.objects.get(inquiry=inquiry, name="Digital inclusion")
    ids = select_unsorted(bob, 3)
    menu = bob.get_by_label("Move the selected cards to")
    menu.select_option(label="Workforce and roles")

    # Alice deletes that theme (the message her screen's Delete sends).
    Steering(event_screens, "alice").send(type="theme", op="delete", theme=doomed.pk)
    expect(bob.locator(f"#theme-{doomed.pk}")).to_have_count(0)
    # Bob is told, and his menu names no other target in its place.
    expect(bob.locator("#lw-status")).to_contain_text("“Workforce and roles”, was deleted")
    expect(menu).to_have_value("gone")
    expect(menu.locator("option:checked")).to_have_text("“Workforce and roles” was deleted: choose again")
    snap(bob, "workspace-target-deleted")

    # Move selected moves nothing until he chooses again.
    before = seq_of(inquiry)
    bob.get_by_role("button", name="Move selected").click()
    expect(bob.locator("#lw-status")).to_contain_text("choose where to move the selected cards first")
    assert seq_of(inquiry) == before
    expect(bob.locator("#ws-selected")).to_have_text("3 cards selected")
    for card_id in ids:
        expect(bob.locator(f"#cards-unsorted > #card-{card_id}")).to_have_count(1)

    # He chooses another: the "deleted" line goes, the cards move, and the status says they have.
    menu.select_option(label="Digital inclusion")
    expect(menu.locator("option[data-gone]")).to_have_count(0)
    bob.get_by_role("button", name="Move selected").click()
    for card_id in ids:
        expect(bob.locator(f"#cards-theme-{kept.pk} > #card-{card_id}")).to_have_count(1)
    expect(bob.locator("#lw-status")).to_have_text("Moved 3 cards to “Digital inclusion”. Undo")
    assert seq_of(inquiry) == before + 1


def test_the_50th_card_is_reached_with_the_keyboard_in_at_most_15_key_presses(event_screens):
    alice = event_screens.facilitator("alice", viewport=FULL_HD)
    alice.locator("#board .card .cell[tabindex='0']").wait_for(state="attached")
    column, index, dom_id = alice.evaluate(SHOWN)[49]
    keys = ["Tab", "Enter", "Tab", "Enter"]  # skip to main content, then skip to the cards
    keys += ["Control+ArrowDown"] * column + ["PageDown"] * (index // 10) + ["ArrowDown"] * (index % 10)
    assert len(keys) <= 15, keys
    for key in keys:
        alice.keyboard.press(key)
    expect(alice.locator(f"#{dom_id} > .cell")).to_be_focused()
    # One Tab stop in the whole board: the focused card's cell, no other.
    assert alice.locator("#board [tabindex='0']").count() == 1
    # Its buttons are a key press away, and Escape comes back to the card.
    alice.keyboard.press("Enter")
    expect(alice.locator(f"#{dom_id} .card-move")).to_be_focused()
    alice.keyboard.press("Escape")
    expect(alice.locator(f"#{dom_id} > .cell")).to_be_focused()
    # Space selects it; Shift+ArrowDown takes the next one too.
    alice.keyboard.press(" ")
    alice.keyboard.press("Shift+ArrowDown")
    expect(alice.locator("#ws-selected")).to_have_text("2 cards selected")


def test_cards_are_filtered_by_text_sector_and_round(event_screens):
    alice = event_screens.facilitator("alice", viewport=FULL_HD)
    shown = alice.locator("#board .card:not(.is-filtered)")
    total = alice.locator("#board .card").count()
    alice.get_by_label("Filter cards by text").fill("pharmac")
    expect(alice.locator("#ws-filter-count")).to_have_text(re.compile(rf"^\d+ of {total} cards match$"))
    texts = shown.locator(".card-text").all_text_contents()
    assert texts and all("pharmac" in t.lower() for t in texts)

    alice.get_by_label("Filter cards by text").fill("")
    alice.get_by_label("Filter by sector").select_option("NHS")
    sectors = shown.locator(".sector").all_text_contents()
    assert sectors and set(sectors) == {"NHS"}
    assert len(sectors) < total

    alice.get_by_label("Filter by sector").select_option("")
    alice.get_by_label("Filter by round").select_option(label="Round 1")
    rounds = set(shown.evaluate_all("cards => cards.map(c => c.dataset.round)"))
    assert len(rounds) == 1
    alice.get_by_label("Filter by round").select_option("")
    expect(alice.locator("#ws-filter-count")).to_have_text("")
    expect(alice.locator("#board .card.is-filtered")).to_have_count(0)


def test_cards_like_this_one_are_selected_to_gather_a_theme(event_screens):
    alice = event_screens.facilitator("alice", viewport=FULL_HD)
    alice.get_by_label("New theme").fill("Pharmacy")
    alice.get_by_role("button", name="Add theme").click()
    expect(theme(alice, "Pharmacy")).to_be_visible()
    seed_card = card(
        alice.locator("#cards-unsorted"), "Pharmacists could do far more if they could see the records."
    )
    seed_card.get_by_role("button", name=re.compile("^Actions for the card")).click()
    seed_card.get_by_role("button", name="Like this").click()
    expect(alice.locator("#lw-status")).to_contain_text("like it")
    selected = int(alice.locator("#ws-selected").inner_text().split()[0])
    assert selected >= 2
    expect(seed_card).to_have_class(re.compile(r"\bis-selected\b"))
    alice.get_by_label("Move the selected cards to").select_option(label="Pharmacy")
    alice.get_by_role("button", name="Move selected").click()
    expect(theme(alice, "Pharmacy").locator(".count")).to_have_text(str(selected))
    expect(
        card(theme(alice, "Pharmacy"), "Pharmacists could do far more if they could see the records.")
    ).to_be_visible()


def test_duplicates_stack_as_one_card_with_a_count(screens):
    seed(
        screens.inquiry,
        cards=["Buses stop at six.", "buses stop at six!", "BUSES  stop at six", "Something else entirely"],
    )
    alice = screens.facilitator(viewport=FULL_HD)
    unsorted = alice.locator("#cards-unsorted")
    expect(unsorted.locator(".card:visible")).to_have_count(2)
    count = unsorted.locator(".stack-count")
    expect(count).to_have_text("×3 the same: show all 3")
    expect(count).to_have_attribute("aria-expanded", "false")
    # Selecting the stack selects all three.
    card(unsorted, "Buses stop at six.").locator(".card-text").click()
    expect(alice.locator("#ws-selected")).to_have_text("3 cards selected")
    # Opened, all three show.
    count.click()
    expect(unsorted.locator(".card:visible")).to_have_count(4)
    expect(count).to_have_attribute("aria-expanded", "true")


def test_a_theme_collapses_and_stays_collapsed_on_this_screen(event_screens):
    alice = event_screens.facilitator("alice", viewport=FULL_HD)
    digital = theme(alice, "Digital inclusion")
    button = digital.get_by_role("button", name="Collapse")
    button.click()
    expect(digital.locator(".cards")).to_be_hidden()
    expect(digital.get_by_role("button", name="Expand")).to_have_attribute("aria-expanded", "false")
    alice.reload()
    event_screens.live(alice)
    expect(theme(alice, "Digital inclusion").locator(".cards")).to_be_hidden()
    theme(alice, "Digital inclusion").get_by_role("button", name="Expand").click()
    expect(theme(alice, "Digital inclusion").locator(".cards")).to_be_visible()


# Each theme's name as a person sees it: [name, on screen (inside the window and the themes' own scrolling
# box), whole (not cut off by its limit of lines)].
THEME_NAMES = """() => {
  const box = document.getElementById('themes').getBoundingClientRect();
  const top = Math.max(0, box.top) - 0.5, bottom = Math.min(innerHeight, box.bottom) + 0.5;
  return [...document.querySelectorAll('#themes > .theme .theme-name')].map(name => {
    const r = name.getBoundingClientRect();
    return [name.textContent, r.height > 0 && r.top >= top && r.bottom <= bottom,
      name.scrollHeight <= name.clientHeight + 1];
  });
}"""


def test_at_1280x720_collapse_all_puts_every_theme_on_screen_to_drop_cards_on(event_screens):
    alice = event_screens.facilitator("alice", viewport=SHARED_SCREEN)
    expanded = alice.evaluate(THEME_NAMES)
    assert len(expanded) == 12 and sum(on for _, on, _ in expanded) <= 4, expanded
    alice.get_by_role("button", name="Collapse all").click()
    expect(alice.locator("#themes .cards:visible")).to_have_count(0)
    assert all(on and whole for _, on, whole in alice.evaluate(THEME_NAMES)), alice.evaluate(THEME_NAMES)
    assert_accessible(alice, "the workspace at 1280x720 with every theme collapsed")

    # A card dropped on a collapsed theme goes into it, for every screen.
    moved = alice.locator("#cards-unsorted > .card:not(.is-stacked):not([data-stack])").first
    text = moved.locator(".card-text").text_content()
    target = theme(alice, "Residents' voice")
    count = int(target.locator(".count").text_content())
    moved.drag_to(target.locator(".column-header"))
    expect(target.locator(".count")).to_have_text(str(count + 1))
    expect(card(alice.locator("#cards-unsorted"), text)).to_have_count(0)
    presenter = event_screens.presenter()
    expect(card(theme(presenter, "Residents' voice"), text)).to_have_count(1)

    # Collapsed on this screen until expanded again, all at once.
    alice.reload()
    event_screens.live(alice)
    expect(alice.locator("#themes .cards:visible")).to_have_count(0)
    alice.get_by_role("button", name="Expand all").click()
    expect(alice.locator("#themes > .theme > .cards:visible")).to_have_count(12)
    expect(card(theme(alice, "Residents' voice"), text)).to_be_visible()


# Each theme column as this screen shows it: its name, whether its list of cards takes any room, and what
# its collapse button says (aria-expanded).
COLUMNS = """() => [...document.querySelectorAll('#themes > .theme')].map(t => [
  t.querySelector('.theme-name').textContent,
  t.querySelector(':scope > .cards').getBoundingClientRect().height > 0,
  t.querySelector('.theme-collapse').getAttribute('aria-expanded')])"""


def test_collapse_all_and_expand_all_hold_through_a_live_frame_that_redraws_every_column(event_screens):
    """At event size on a 1280x720 laptop, Collapse all folds every theme to its header and a live frame
    that draws every column again (another facilitator moves a theme) leaves them folded, their buttons
    still saying so; Expand all opens every one, with its cards, and the next such frame leaves them open."""
    alice = event_screens.facilitator("alice", viewport=SHARED_SCREEN)
    alice.get_by_role("button", name="Collapse all").click()
    expect(alice.locator("#themes .cards:visible")).to_have_count(0)
    names = alice.locator("#themes .theme-name")
    first = names.nth(0).text_content()
    moved = Theme.objects.get(inquiry=event_screens.inquiry, name=first)

    bob = Steering(event_screens)
    bob.send(type="theme", op="move", theme=moved.pk, position=1)
    expect(names.nth(1)).to_have_text(first)
    columns = alice.evaluate(COLUMNS)
    assert len(columns) == 12 and all(not shown and said == "false" for _, shown, said in columns), columns
    assert_accessible(alice, "the workspace, every theme collapsed, after a frame re-drew the columns")

    alice.get_by_role("button", name="Expand all").click()
    expect(alice.locator("#themes > .theme > .cards:visible")).to_have_count(12)
    expect(theme(alice, first).locator(".card").first).to_be_visible()
    bob.send(type="theme", op="move", theme=moved.pk, position=0)
    expect(names.nth(0)).to_have_text(first)
    columns = alice.evaluate(COLUMNS)
    assert all(shown and said == "true" for _, shown, said in columns), columns


@pytest.mark.parametrize("event_inquiry", ["vote"], indirect=True)
def test_at_1280x720_while_voting_every_theme_name_is_whole_beside_its_dots(event_screens):
    """While the room votes, each theme's header holds its dots too ("19 dots"): its name still shows
    whole ("Getting there: transport and access" was cut after two lines), expanded and collapsed, and
    Collapse all still puts every theme on screen."""
    alice = event_screens.facilitator("alice", viewport=SHARED_SCREEN)
    expect(alice.locator("#themes .theme-votes .dot-count")).to_have_count(12)
    names = alice.evaluate(THEME_NAMES)
    assert len(names) == 12 and all(whole for _, _, whole in names), names
    alice.get_by_role("button", name="Collapse all").click()
    expect(alice.locator("#themes .cards:visible")).to_have_count(0)
    collapsed = alice.evaluate(THEME_NAMES)
    assert [n for n in collapsed if not (n[1] and n[2])] == [], collapsed


def test_every_theme_has_its_own_colour(event_screens):
    alice = event_screens.facilitator("alice", viewport=FULL_HD)
    colours = alice.locator("#themes > .theme > .column-header").evaluate_all(
        "els => els.map(e => getComputedStyle(e).backgroundColor)"
    )
    assert len(colours) == 12 and len(set(colours)) == 12, colours
    # A new theme takes a colour no theme uses yet, while there is one.
    in_thread(Theme.objects.filter(inquiry=event_screens.inquiry, name="Digital inclusion").delete)
    alice.get_by_label("New theme").fill("Pharmacy")
    alice.get_by_role("button", name="Add theme").click()
    expect(theme(alice, "Pharmacy")).to_have_attribute("data-colour", "sand")


def test_the_workspace_at_event_size_has_no_accessibility_violations(event_screens):
    alice = event_screens.facilitator("alice", viewport=FULL_HD)
    assert_accessible(alice, "the facilitator's workspace at event size")
    # With a selection, a theme's menu open and a card's buttons reached.
    alice.locator("#cards-unsorted > .card .card-text").first.click()
    theme(alice, "Digital inclusion").locator("summary").click()
    assert_accessible(alice, "the workspace with a selection and a theme menu open")
