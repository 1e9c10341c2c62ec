"""The phone is for posting and voting (issue 11, part 3): on a 390x844 phone at event size the box to post
in is on screen without scrolling; one's own posts come above the room's board; the board is newest first
and a theme collapses; the vote lists only what can be voted on and counts a dot placed there; "Posted."
goes; a post held for review says so at the box; one's own cards have no "This resonates"; and a dropped
connection says "Offline - will send when back" within 3 s and sends the post kept meanwhile once back."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from inquiry.models import Participant

from .axe import assert_accessible
from .conftest import CONTROLLED_SOCKET, PHONE, SHARED_SCREEN, in_thread, seed
from .pages import MINE, card, open_card, open_vote_dialog, post, snap, theme
from .test_presenter import Steering

pytestmark = pytest.mark.django_db(transaction=True)


def in_view(page, locator):
    """Whether all of ``locator`` is inside the viewport (no scrolling needed to see it)."""
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


def test_the_box_to_post_in_is_on_screen_and_the_board_compact_at_event_size(event_screens):
    phone = event_screens.participant("Priya")
    expect(phone.locator("#board .card").first).to_be_visible()
    box = phone.get_by_label("Your contribution", exact=True)
    assert in_view(phone, box), box.bounding_box()
    assert in_view(phone, phone.get_by_role("button", name="Post", exact=True))
    # A big board's themes come collapsed to their names and counts: every one of the 12 is a tap away.
    toggles = phone.locator("#themes button.column-toggle")
    expect(toggles).to_have_count(12)
    expect(phone.locator("#themes .theme:not(.is-collapsed)")).to_have_count(0)
    snap(phone, "phone-event")
    assert_accessible(phone, "the phone at event size")


def test_own_posts_come_above_the_board_newest_first_and_a_theme_collapses(screens):
    seed(screens.inquiry, cards=["First from Dave", "Second from Dave"], themes=["Housing"])
    carol = screens.participant("Carol")
    post(carol, "Carol's first")
    expect(carol.locator("#own-posts-list .own-post")).to_have_count(1)
    post(carol, "Carol's second")
    own = carol.locator("#own-posts-list .own-post .card-text")
    expect(own).to_have_text(["Carol's second", "Carol's first"])
    # Above the room's board, which is newest first too.
    assert carol.locator("#own-posts").bounding_box()["y"] < carol.locator("#board").bounding_box()["y"]
    expect(carol.locator("#cards-unsorted > .card .card-text")).to_have_text(
        ["Carol's second", "Carol's first", "Second from Dave", "First from Dave"]
    )
    # One's own cards on the board say so, and have no "This resonates"; other people's do.
    expect(card(carol, "Carol's first")).to_have_class(MINE)
    expect(card(carol, "Carol's first").get_by_role("button", name="This resonates")).to_have_count(0)
    expect(card(carol, "First from Dave").get_by_role("button", name="This resonates")).to_have_count(1)

    # A theme: the facilitator moves a card into it; the phone shows it collapsed, opens and closes it.
    alice = screens.facilitator()
    move_to_theme(alice, "First from Dave", "Housing")
    toggle = carol.get_by_role("button", name="Housing")
    expect(toggle).to_have_attribute("aria-expanded", "true")  # a small board starts open
    expect(card(carol, "First from Dave")).to_be_visible()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(card(carol, "First from Dave")).to_be_hidden()
    expect(card(carol, "Second from Dave")).to_be_visible()  # the other column stays as it was
    toggle.click()
    expect(card(carol, "First from Dave")).to_be_visible()


def move_to_theme(page, text, name):
    """The facilitator moves the card ``text`` into the theme ``name`` with the card's Move dialog."""
    open_card(page, text).get_by_role("button", name=re.compile("^Move card")).click()
    page.get_by_role("radio", name=name).check()
    page.get_by_role("button", name="Move", exact=True).click()


@pytest.mark.parametrize("pointer", ["finger", "mouse"])
def test_a_tap_on_a_theme_holds_while_a_card_leaving_the_column_above_moves_it(screens, pointer):
    """The phone's finger (or a mouse) goes down on a theme's toggle; a facilitator moves a card out of the
    column above, so the theme jumps up under the finger before it lifts: the tap still collapses the
    theme (the browser gives the click to what is now under the finger: it was lost)."""
    seed(screens.inquiry, cards=["First from Dave", "Second from Dave"], themes=["Housing"])
    carol = screens.participant("Carol")
    alice = screens.facilitator()
    toggle = carol.get_by_role("button", name="Housing")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.scroll_into_view_if_needed()
    box = toggle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    if pointer == "finger":
        touch = carol.context.new_cdp_session(carol)
        touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    else:
        carol.mouse.move(x, y)
        carol.mouse.down()
    move_to_theme(alice, "Second from Dave", "Housing")
    expect(card(theme(carol, "Housing"), "Second from Dave")).to_be_attached()
    assert toggle.bounding_box()["y"] < box["y"] - box["height"] / 2  # it moved from under the finger
    if pointer == "finger":
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    else:
        carol.mouse.up()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(card(carol, "Second from Dave")).to_be_hidden()
    expect(card(carol, "First from Dave")).to_be_visible()


def test_posted_goes_after_a_moment_and_as_soon_as_one_types(screens):
    carol = screens.participant("Carol")
    post(carol, "A first thought")
    status = carol.locator("#lw-status")
    expect(status).to_have_text("Posted.")
    expect(status).to_have_text("")  # after a moment, by itself
    post(carol, "A second thought")
    expect(status).to_have_text("Posted.")
    carol.get_by_label("Your contribution", exact=True).press_sequentially("A")
    expect(status).to_have_text("")


def test_a_post_held_for_review_says_so_at_the_box(screens):
    carol = screens.participant("Carol")
    post(carol, "Call me on 07700 900123 about my mum")
    status = carol.locator("#lw-status")
    expect(status).to_contain_text("Held back for review")
    own = carol.locator("#own-posts-list .own-post")
    expect(own).to_have_count(1)
    expect(own).to_contain_text("Held back:")
    # Not on the room's board, not even the author's copy of it.
    expect(carol.locator("#board .card:visible")).to_have_count(0)


# Every message a phone shows about not being able to post now, as a person reads them.
NO_POSTING = re.compile(r"paused|Posting is closed|Posting is back|round is closed", re.I)


def test_a_paused_room_says_so_once_and_the_box_comes_back_on_resume(screens):
    inquiry = screens.inquiry
    carol = screens.participant("Carol")
    carol.get_by_label("Your contribution", exact=True).fill("Half a thought")
    alice = Steering(screens)
    alice.send(type="room", op="pause", paused=True)
    notice = carol.get_by_text(NO_POSTING).filter(visible=True)
    expect(notice).to_have_count(1)
    expect(notice).to_have_text("The facilitator has paused the room. Posting is back when they resume.")
    expect(carol.get_by_label("Your contribution", exact=True)).to_be_hidden()
    expect(carol.get_by_role("button", name="Post", exact=True)).to_be_hidden()
    assert in_view(carol, notice)
    snap(carol, "phone-paused")
    assert_accessible(carol, "a paused phone")

    # Voting while paused: still the one message, not "Posting is closed" as well.
    round_id = in_thread(lambda: inquiry.rounds.order_by("position").first().pk)
    alice.send(type="round", op="phase", round=round_id, phase="vote")
    expect(carol.locator("#round-banner")).to_have_attribute("data-phase", "vote")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("paused the room")

    # Resumed: the box's own note says the room is voting, and nothing says the room is paused.
    alice.send(type="room", op="pause", paused=False)
    expect(notice).to_have_count(1)
    expect(notice).to_have_text(VOTING)
    alice.send(type="round", op="phase", round=round_id, phase="gather")
    expect(notice).to_have_count(0)
    expect(carol.get_by_label("Your contribution", exact=True)).to_have_value("Half a thought")
    expect(carol.get_by_label("Your contribution", exact=True)).to_be_enabled()


VOTING = "Voting now: posting is paused until the facilitator opens it again."


def test_the_closed_box_says_why_in_plain_words_for_each_phase(screens):
    carol = screens.participant("Carol")
    alice = Steering(screens)
    round_id = in_thread(lambda: screens.inquiry.rounds.order_by("position").first().pk)
    notice = carol.get_by_text(NO_POSTING).filter(visible=True)
    expect(notice).to_have_count(0)
    alice.send(type="round", op="phase", round=round_id, phase="vote")
    expect(notice).to_have_text(VOTING)
    alice.send(type="round", op="phase", round=round_id, phase="closed")
    expect(notice).to_have_text("This round is closed: nothing more can be posted in it.")
    assert in_view(carol, notice)
    alice.send(type="round", op="phase", round=round_id, phase="gather")
    expect(notice).to_have_count(0)


def test_the_vote_lists_only_what_can_be_voted_on_and_counts_a_dot(screens):
    seed(screens.inquiry, cards=["Shared care records", "One key worker per family"])
    alice = screens.facilitator()
    carol = screens.participant("Carol")
    post(carol, "Carol's own idea")
    expect(carol.locator("#own-posts-list .own-post")).to_have_count(1)
    vote = open_vote_dialog(alice)
    vote.get_by_role("radio", name="The cards of this round").check()
    vote.get_by_label("Dots each").fill("2")
    vote.get_by_role("button", name="Open the vote").click()

    view = carol.locator("#vote-view")
    expect(view).to_be_visible()
    items = view.locator(".vote-item-text")
    expect(items).to_have_text(["One key worker per family", "Shared care records"])  # not Carol's own
    expect(view.locator("#vote-view-left")).to_contain_text("You have 2 dots left")
    item = view.locator(".vote-item").filter(has_text="One key worker per family")
    item.get_by_role("button", name="Add a dot").click()
    expect(item.locator(".my-dots")).to_have_text("Your dots: 1")
    expect(view.locator("#vote-view-left")).to_contain_text("You have 1 dot left")
    expect(card(alice, "One key worker per family").locator(".dot-count")).to_have_text("1 dot")
    # The board itself carries no dot controls on the phone.
    expect(carol.locator("#board").get_by_role("button", name="Add a dot")).to_have_count(0)
    assert_accessible(carol, "the phone's vote")


def test_offline_within_three_seconds_of_a_silent_drop_and_the_kept_post_arrives(screens):
    alice = screens.facilitator()
    context = screens.context({"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.add_init_script(CONTROLLED_SOCKET)
    carol = screens.page(context)
    carol.goto(f"/i/{screens.inquiry.code}/join/")
    carol.get_by_label("Your name (optional)").fill("Carol")
    carol.get_by_role("radio", name="NHS").check()
    carol.get_by_role("button", name="Join the inquiry").click()
    screens.live(carol)

    carol.evaluate("lwTest.silence()")
    expect(carol.locator("#lw-connection")).to_have_text("Offline - will send when back", timeout=3000)
    post(carol, "Written while offline")
    expect(carol.locator("#pending")).to_contain_text("Written while offline")
    # The heartbeat gives up on the silent socket and opens another: the kept post goes, once.
    expect(carol.locator("#lw-connection")).to_have_text("Live", timeout=20_000)
    expect(card(alice, "Written while offline")).to_have_count(1)
    expect(carol.locator("#pending")).to_be_empty()


def test_an_idle_phone_whose_connection_went_silently_says_offline_as_soon_as_it_is_touched(screens):
    """A phone nobody has used for 10 s asks the server only every 30 s (10,000 idle phones
    asking every second would cost the server a third of a core); touched again, it asks at once."""
    context = screens.context({"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.add_init_script(CONTROLLED_SOCKET)
    carol = screens.page(context)
    carol.clock.install()
    carol.goto(f"/i/{screens.inquiry.code}/join/")
    carol.get_by_role("radio", name="NHS").check()
    carol.get_by_role("button", name="Join the inquiry").click()
    screens.live(carol)
    carol.clock.fast_forward(11_000)  # untouched for 11 s: the phone is idle
    expect(carol.locator("#lw-connection")).to_have_text("Live")

    carol.evaluate("lwTest.silence()")
    carol.get_by_label("Your contribution", exact=True).focus()
    expect(carol.locator("#lw-connection")).to_have_text("Offline - will send when back", timeout=3000)


def test_offline_at_once_when_the_socket_drops(screens):
    carol = screens.participant("Carol", droppable=True)
    carol.evaluate("lwTest.dropSocket()")
    expect(carol.locator("#lw-connection")).to_have_text("Offline - will send when back", timeout=3000)
    expect(carol.locator("#lw-connection")).to_have_text("Live", timeout=20_000)


@pytest.mark.parametrize("event_inquiry", ["map"], indirect=True)
def test_in_the_next_steps_round_the_phone_proposes_an_action_first(event_screens):
    """At the close (a next-steps round, event size) the form to propose an action is where the box to
    post in was, on screen without scrolling; what the phone proposes is listed with the room's."""
    phone = event_screens.participant("Priya")
    what = phone.get_by_label("What will happen")
    expect(what).to_be_visible()
    assert in_view(phone, what), what.bounding_box()
    expect(phone.get_by_label("Your contribution", exact=True)).to_be_hidden()
    what.fill("A shared induction day for new care coordinators")
    phone.get_by_role("button", name="Propose this action").click()
    expect(phone.locator("#steps-list .step-what", has_text="A shared induction day")).to_have_count(1)
    assert_accessible(phone, "the phone in the next-steps round")


SLOW = 30_000  # ms: the reveal redraws every theme of the event-size board, on a loaded box

# Each theme's name on the phone (its toggle): how many lines it takes, and its share of its header's width.
NAME_LINES = """() => [...document.querySelectorAll('#themes .column-header')].map(header => {
  const toggle = header.querySelector('button.column-toggle');
  const tops = new Set();
  for (const node of toggle.childNodes) {
    if (node.nodeType !== Node.TEXT_NODE || !node.textContent.trim()) { continue; }
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) { if (r.width > 0) { tops.add(Math.round(r.top)); } }
  }
  return { name: toggle.textContent.trim(), lines: tops.size,
           share: toggle.getBoundingClientRect().width / header.getBoundingClientRect().width };
})"""


@pytest.mark.parametrize("event_inquiry", ["vote"], indirect=True)
def test_revealed_dots_leave_each_themes_name_the_width_of_its_header(event_screens):
    """When the facilitator reveals the results, each of the event's 12 themes on a 390 px phone shows
    its dots beside its count, and its name still reads across most of the header, on at most one line
    more than before: not squeezed into a narrow column of three or four lines beside empty space."""
    phone = event_screens.participant("Priya")
    before = {n["name"]: n["lines"] for n in phone.evaluate(NAME_LINES)}
    assert len(before) == 12, before
    alice = event_screens.facilitator(viewport=SHARED_SCREEN)
    alice.get_by_role("button", name="Close the vote").click()
    alice.get_by_role("button", name="Reveal the results").click()
    expect(phone.locator("#themes .theme-votes .dot-count")).to_have_count(12, timeout=SLOW)
    expect(phone.locator("#themes .column-header").first).to_contain_text(re.compile(r"\d+ dots?"))
    after = phone.evaluate(NAME_LINES)
    squeezed = [n for n in after if n["lines"] > before[n["name"]] + 1 or n["share"] < 0.6]
    assert not squeezed, (squeezed, before)
    snap(phone, "phone-revealed-themes", full_page=True)
    assert_accessible(phone, "the phone with the vote's results shown")


def test_joining_answers_with_the_phones_own_page_and_a_reload_asks_for_it_again(screens):
    code = screens.inquiry.code
    answers = []
    context = screens.context(PHONE, is_mobile=True, has_touch=True)
    phone = screens.page(context)
    phone.on("response", lambda r: answers.append((r.request.method, urlsplit(r.url).path, r.status)))
    phone.goto(f"/i/{code}/join/")
    phone.get_by_label("Your name (optional)").fill("Gita")
    phone.get_by_role("radio", name="NHS").check()
    phone.get_by_role("button", name="Join the inquiry").click()
    screens.live(phone)
    # The form's answer is the page itself (no redirect: one round trip less on a phone's network), and
    # the address bar shows the page's own address.
    assert ("POST", f"/i/{code}/join/", 200) in answers
    assert not [a for a in answers if a[2] in (301, 302, 303)]
    assert urlsplit(phone.url).path == f"/i/{code}/"
    # A reload asks for that address: the form is not sent again, and nobody joins twice.
    answers.clear()
    phone.reload()
    screens.live(phone)
    assert ("GET", f"/i/{code}/", 200) in answers and not [a for a in answers if a[0] == "POST"]
    expect(phone.get_by_text("You: Gita (NHS)")).to_be_visible()
    assert Participant.objects.filter(inquiry=screens.inquiry, display_name="Gita").count() == 1
