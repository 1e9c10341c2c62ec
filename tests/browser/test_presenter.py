"""The presenter view is a screen shared into the call, not a page: at 1280x720 and at 1920x1080 it never
scrolls, shows every theme at once, enough contributions to read from across the room, the join panel
and the timer in places of their own. Asserted by geometry (where things are on the screen, how large),
at event size (100 participants, 300 cards, 12 themes)."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from inquiry import actions as inquiry_actions
from inquiry.access import FACILITATOR, Actor

from ..conftest import PASSWORD
from .axe import assert_accessible
from .conftest import FULL_HD, SHARED_SCREEN, in_thread
from .pages import SCREEN_GEOMETRY, post, snap

pytestmark = pytest.mark.django_db(transaction=True)

THEMES = 12
NEWEST = "A single number residents can ring, answered by someone who knows them."

# What a person sees on the screen, measured in the page: whether it scrolls; the theme names in view
# and whole; the cards whose text is wholly in view (inside the window, not cut off by their column, not
# covered by anything) with their text size; and any visible element that overlaps the QR code or the
# round's question.
MEASURE = (
    """() => {"""
    + SCREEN_GEOMETRY
    + """
  const vw = window.innerWidth, vh = window.innerHeight, d = document.documentElement;
  const screen = { left: 0, top: 0, right: vw, bottom: vh };
  const seen = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const onTop = el => onTopWithin(el, 0.1);
  const whole = el => seen(el) && inside(el.getBoundingClientRect(), screen) && !clipped(el)
    && el.scrollHeight <= el.clientHeight + 1 && el.scrollWidth <= el.clientWidth + 1 && onTop(el);
  const names = [...document.querySelectorAll('#themes > .theme .theme-name')];
  const cards = [...document.querySelectorAll('#board .card-text')].filter(whole);
  const overlaps = [];
  for (const target of ['.presenter-join img', '#round-question']) {
    const t = document.querySelector(target);
    if (!t || !seen(t)) { continue; }
    const box = t.getBoundingClientRect();
    for (const el of document.querySelectorAll('body *')) {
      if (!seen(el) || el.contains(t) || t.contains(el)) { continue; }
      if (getComputedStyle(el).display === 'contents') { continue; }
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) { continue; }
      const cross = Math.min(r.right, box.right) - Math.max(r.left, box.left) > 0.5
        && Math.min(r.bottom, box.bottom) - Math.max(r.top, box.top) > 0.5;
      if (cross) { overlaps.push(target + ' <- ' + el.tagName + '#' + el.id + '.' + el.className); }
    }
  }
  const small = [];
  for (const el of document.querySelectorAll('main *')) {
    if (!seen(el) || el.closest('.visually-hidden')) { continue; }
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) { continue; }
    if (parseFloat(getComputedStyle(el).fontSize) < 15.95) { small.push(el.tagName + '.' + el.className); }
  }
  return {
    scrolls: d.scrollWidth > vw || d.scrollHeight > vh,
    names: names.length, namesInView: names.filter(whole).length,
    cards: cards.length, smallestCard: Math.min(...cards.map(c => parseFloat(getComputedStyle(c).fontSize))),
    overlaps, small: small.slice(0, 10),
  };
}"""
)


def measure(page):
    return page.evaluate(MEASURE)


def facilitator_of(inquiry):
    return Actor(FACILITATOR, inquiry.pk, user_id=inquiry.created_by_id)


def people_have_joined(inquiry):
    """Before any screen opens: the facilitator has moved the join panel to its corner."""
    in_thread(inquiry_actions.place_join_panel, facilitator_of(inquiry), True)


class Steering:
    """A facilitator's own socket (a browser context logged in as alice, on a light page of the site),
    sending protocol messages the way the facilitator's page does: the server acts on them and every
    screen hears the result."""

    def __init__(self, screens, username="alice"):
        client = Client()
        assert client.login(username=username, password=PASSWORD)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context = screens.context(SHARED_SCREEN)
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": screens.base_url}])
        self.page = screens.page(context)
        self.page.goto("/")
        self.path = f"/ws/i/{screens.inquiry.code}/"
        self.page.evaluate(
            """path => new Promise((resolve, reject) => {
                 window.steer = new WebSocket(new URL(path, location.href).href.replace(/^http/, 'ws'));
                 window.steer.onopen = resolve; window.steer.onerror = reject;
               })""",
            self.path,
        )

    def send(self, **message):
        self.page.evaluate("message => window.steer.send(JSON.stringify(message))", message)


def settled(page):
    """The wall is laid out for what the page shows now: presenter.js has marked the stage, the fonts are
    in, and two frames have passed since (it fits the wall in the frame after a change)."""
    expect(page.locator("#live:not([aria-busy])")).to_have_count(1)
    expect(page.locator("body[data-stage]")).to_have_count(1)
    page.evaluate("document.fonts.ready")
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def assert_one_readable_screen(page, size, context):
    found = measure(page)
    assert not found["scrolls"], f"{context}: the presenter scrolls"
    assert found["names"] == THEMES and found["namesInView"] == THEMES, (context, found)
    assert found["cards"] >= 20, (context, found)
    assert found["smallestCard"] >= 16, (context, found)
    assert not found["overlaps"], (context, found["overlaps"])
    if size == SHARED_SCREEN:
        assert not found["small"], (context, "text under 16 px", found["small"])
    return found


@pytest.mark.parametrize("event_inquiry", ["gather", "vote"], indirect=True)
@pytest.mark.parametrize("size", [SHARED_SCREEN, FULL_HD], ids=["1280x720", "1920x1080"])
def test_the_presenter_shows_every_theme_and_readable_cards_on_one_screen(event_screens, event_inquiry, size):
    people_have_joined(event_inquiry)
    presenter = event_screens.presenter(viewport=size)
    phase = event_inquiry.current_round.phase
    wall = "gather" if phase == "gather" else "themes"
    expect(presenter.locator("body")).to_have_attribute("data-wall", wall)
    settled(presenter)
    assert_one_readable_screen(presenter, size, f"{phase} at {size['width']}x{size['height']}")
    snap(presenter, f"presenter-{phase}-{size['width']}")
    assert_accessible(presenter, f"presenter, {phase}, {size['width']}x{size['height']}")


def test_the_join_panel_is_large_until_the_facilitator_says_people_have_joined(event_screens, event_inquiry):
    presenter = event_screens.presenter(viewport=SHARED_SCREEN)
    qr = presenter.get_by_role("img", name="QR code to join this inquiry")
    settled(presenter)
    large = qr.bounding_box()
    assert large["height"] >= 0.4 * SHARED_SCREEN["height"], large
    found = measure(presenter)
    assert not found["scrolls"] and not found["overlaps"], found

    alice = event_screens.facilitator()
    alice.get_by_role("button", name="Code to the corner of the presenter view: people have joined").click()
    expect(presenter.locator("body")).to_have_class("page-presenter join-corner")
    expect(alice.get_by_role("button", name="Code large on the presenter view")).to_be_visible()
    settled(presenter)
    small = qr.bounding_box()
    assert small["height"] <= 0.2 * SHARED_SCREEN["height"], small
    # In the top right-hand corner, and the wall has the room it gave up.
    assert small["x"] + small["width"] >= SHARED_SCREEN["width"] * 0.75 and small["y"] <= 40, small
    assert_one_readable_screen(presenter, SHARED_SCREEN, "after people joined")
    expect(presenter.locator(".presenter-join")).to_contain_text(event_inquiry.code)


def test_the_newest_contribution_shows_on_the_wall_as_it_is_posted(event_screens, event_inquiry):
    people_have_joined(event_inquiry)
    presenter = event_screens.presenter(viewport=SHARED_SCREEN)
    settled(presenter)
    before = presenter.locator("#presenter-count").inner_text()
    assert before == "310 contributions"
    carol = event_screens.participant("Carol")
    post(carol, NEWEST)
    newest = presenter.locator("#cards-unsorted .card-text").get_by_text(NEWEST, exact=True)
    expect(newest).to_be_visible()
    expect(presenter.locator("#presenter-count")).not_to_have_text(before)
    settled(presenter)
    box = newest.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= SHARED_SCREEN["height"], box
    assert newest.evaluate("el => parseFloat(getComputedStyle(el).fontSize)") >= 16
    assert_one_readable_screen(presenter, SHARED_SCREEN, "after a new post")

    # Its author edits it: the card is swapped in place on the wall (the screens fixture fails the test
    # on any Content-Security-Policy violation, such as a style attribute carried across the swap).
    card_id = int(presenter.locator("#cards-unsorted .card", has_text=NEWEST).get_attribute("data-card"))
    edited = NEWEST.replace("A single number", "One number")
    carol.evaluate(
        "m => window.LinewalkSender.send(m)", {"type": "card", "op": "edit", "card": card_id, "text": edited}
    )
    expect(presenter.locator(f"#card-{card_id} .card-text")).to_have_text(edited)
    settled(presenter)
    assert_one_readable_screen(presenter, SHARED_SCREEN, "after an edit")


def test_the_timer_has_a_place_of_its_own_and_time_is_up_clears_with_the_next_round(screens):
    inquiry = screens.inquiry
    presenter = screens.presenter(viewport=SHARED_SCREEN)
    alice = Steering(screens)
    alice.send(type="timer", op="start", seconds=1)
    # The facilitator's socket closes the round's time when it is up; the presenter says so.
    up = presenter.locator("#timer .timer-up")
    expect(up).to_have_text("Time is up")
    found = measure(presenter)
    assert not found["scrolls"] and not found["overlaps"], found
    timer = presenter.locator("#timer").bounding_box()
    for other in (".presenter-head h1", ".presenter-join img", "#round-question"):
        box = presenter.locator(other).bounding_box()
        apart = (
            timer["x"] >= box["x"] + box["width"]
            or box["x"] >= timer["x"] + timer["width"]
            or timer["y"] >= box["y"] + box["height"]
            or box["y"] >= timer["y"] + timer["height"]
        )
        assert apart, (other, timer, box)
    snap(presenter, "presenter-time-is-up")

    rounds = list(inquiry.rounds.order_by("position").values_list("pk", flat=True))
    alice.send(type="round", op="activate", round=rounds[1])
    expect(presenter.locator("#round-question")).to_have_text("What would you try first?")
    expect(up).to_have_count(0)
    expect(presenter.locator("#timer")).to_have_attribute("data-ends-at", "")

    # A countdown still running when the room moves on goes with the round it was set in.
    alice.send(type="timer", op="start", seconds=300)
    expect(presenter.locator("#timer .timer-clock")).to_be_visible()
    alice.send(type="round", op="activate", round=rounds[0])
    expect(presenter.locator("#round-question")).to_have_text("What gets in the way today?")
    expect(presenter.locator("#timer .timer-clock")).to_have_count(0)


def test_a_spotlit_theme_fills_the_screen_without_scrolling(event_screens, event_inquiry):
    people_have_joined(event_inquiry)
    presenter = event_screens.presenter(viewport=SHARED_SCREEN)
    theme = event_inquiry.themes.order_by("position").first()
    alice = Steering(event_screens)
    alice.send(type="spotlight", op="set", theme=theme.pk, card=None)
    spotlight = presenter.locator("#spotlight")
    expect(spotlight).to_contain_text(theme.name)
    settled(presenter)
    box = spotlight.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= SHARED_SCREEN["height"], box
    assert not measure(presenter)["scrolls"]
    name = presenter.locator(".spotlight-theme")
    assert name.evaluate("el => parseFloat(getComputedStyle(el).fontSize)") >= 32
    shown = presenter.locator(".spotlight-cards li:not(.wall-off)")
    assert shown.count() >= 3
    for index in range(shown.count()):
        item = shown.nth(index).bounding_box()
        assert item["y"] + item["height"] <= box["y"] + box["height"] + 1, item
    snap(presenter, "presenter-spotlight-theme")
    assert_accessible(presenter, "presenter, a theme in the spotlight")
    alice.send(type="spotlight", op="clear")
    expect(spotlight).to_be_hidden()
