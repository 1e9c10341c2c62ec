"""The systems map and what happens next, as people use them: a facilitator links five themes, the
shared screen shows the map and its loop, participants propose actions on their phones and sign up, two
of them share a contact and see each other's, and the third, who did not, is seen by nobody."""

import re

import pytest
from playwright.sync_api import expect

from .axe import assert_accessible
from .conftest import SHARED_SCREEN, seed
from .pages import card, post, snap

pytestmark = pytest.mark.django_db(transaction=True)

THEMES = ["Workforce pressure", "Waiting lists", "Staff burnout", "Agency spending", "Budget for prevention"]
CAROL = "carol@nhs.example"
DAVE = "dave@council.example"


def link(page, source, kind, target):
    form = page.get_by_role("form", name="Link two themes")
    form.get_by_label("From").select_option(label=source)
    form.get_by_label("Link", exact=True).select_option(label=kind)
    form.get_by_label("To").select_option(label=target)
    form.get_by_role("button", name="Add the link").click()


def test_a_room_maps_its_themes_and_leaves_with_its_own_next_steps(screens):
    seed(screens.inquiry, themes=THEMES)
    alice = screens.facilitator()
    presenter = screens.presenter()
    carol = screens.participant("Carol", "NHS")
    dave = screens.participant("Dave", "Local authority")
    erin = screens.participant("Erin", "Voluntary and community sector")

    # The facilitator links five themes into one loop, with one negative link.
    pairs = list(zip(THEMES, THEMES[1:] + THEMES[:1], strict=True))
    for index, (source, target) in enumerate(pairs):
        link(alice, source, "leads to less (−)" if index == 3 else "leads to more (+)", target)
        expect(alice.locator("#map-svg .map-link")).to_have_count(index + 1)
    expect(alice.locator("#map-svg .map-node")).to_have_count(5)
    # The last link joined two themes already placed: it came on its own, and the page drew it as SVG.
    for page in (alice, presenter):
        assert page.evaluate(
            "[...document.querySelectorAll('#map-svg .map-link')].every(g => g instanceof SVGGElement)"
        )
    expect(alice.locator("ol.loops > li")).to_have_count(1)
    expect(alice.locator("ol.loops > li")).to_contain_text("Balancing")

    # The shared screen shows the map alone, and the loop with the themes it passes through.
    alice.get_by_role("button", name="Show the map on the shared screen").click()
    expect(presenter.locator("body")).to_have_class(re.compile(r"\bmap-mode\b"))
    expect(presenter.locator("#map-svg .map-node")).to_have_count(5)
    loop = presenter.locator("ol.loops > li")
    expect(loop).to_have_count(1)
    for theme in THEMES:
        expect(loop).to_contain_text(theme)
    alice.locator("ol.loops > li").get_by_role("button", name="Pick out on the map").click()
    expect(presenter.locator("#map-svg .map-link.in-focus")).to_have_count(5)
    # Sized for the shared screen: at 1280x720 the whole map is in view, nothing scrolls.
    presenter.set_viewport_size({"width": 1280, "height": 720})
    box = presenter.locator("#map-svg").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 720
    assert presenter.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
    snap(presenter, "presenter-map")
    assert_accessible(presenter, "presenter, map on the shared screen")

    # The closing round: participants propose actions from their phones and sign up to them.
    alice.get_by_role("button", name=re.compile("Make this round the next steps")).click()
    carol.get_by_label("What will happen").fill("Joint workforce plan across NHS and council")
    carol.get_by_label("With whom (optional)").fill("HR leads")
    carol.get_by_label("By when (optional)").fill("June")
    carol.get_by_label("About the theme (optional)").select_option(label="Workforce pressure")
    carol.get_by_role("button", name="Propose this action").click()
    step = "Joint workforce plan across NHS and council"
    for page in (dave, erin):
        action = page.locator("#steps-list > li").filter(has_text=step)
        action.get_by_role("button", name=re.compile("I’m in")).click()
        expect(action.get_by_role("button", name=re.compile("^Leave"))).to_be_visible()
    expect(alice.locator("#steps-list > li").filter(has_text=step).locator(".step-signups")).to_contain_text(
        "3 signed up"
    )
    expect(carol.get_by_role("button", name="Withdraw my proposal")).to_be_visible()
    expect(dave.get_by_role("button", name="Withdraw my proposal")).to_be_hidden()

    # Carol and Dave choose to share a contact with the people of their actions; Erin does not.
    for page, contact in ((carol, CAROL), (dave, DAVE)):
        page.get_by_label("Your contact (an email, a phone number, or any text you choose)").fill(contact)
        page.get_by_label("the people signed up to the same actions as me").check()
        page.get_by_role("button", name="Share my contact").click()
    expect(carol.locator("#my-connections")).to_contain_text(DAVE)
    expect(dave.locator("#my-connections")).to_contain_text(CAROL)
    expect(erin.locator("#my-connections")).to_contain_text(CAROL)
    # Erin, who chose nothing, is seen by nobody; the facilitator sees who chose, never the contacts.
    expect(alice.locator("#steps-consents summary")).to_have_text("2 participants chose to share a contact")
    for page in (carol, dave, alice, presenter):
        expect(page.locator("#my-connections").filter(has_text="Erin")).to_have_count(0)
        expect(page.locator("body")).not_to_contain_text("Erin (Voluntary")
    for page in (alice, presenter):
        expect(page.locator("body")).not_to_contain_text(CAROL)
        expect(page.locator("body")).not_to_contain_text(DAVE)
    expect(erin.locator("body")).not_to_contain_text("You share your contact")

    # Dave withdraws his consent: Carol no longer sees his contact.
    dave.get_by_role("button", name="Stop sharing").click()
    expect(carol.locator("#my-connections")).not_to_contain_text(DAVE)
    # His private page, kept for after the event (no account), still lists his action.
    href = dave.locator("#private-link").get_attribute("href")
    private = screens.page(screens.context({"width": 390, "height": 844}))
    private.goto(href)
    expect(private.get_by_role("heading", name="Your contributions, actions and connections")).to_be_visible()
    expect(private.locator("body")).to_contain_text(step)
    expect(private.locator("body")).to_contain_text(CAROL)
    assert_accessible(private, "the private page")
    snap(carol, "phone-next-steps")
    assert_accessible(carol, "phone, next steps and contacts")
    assert_accessible(alice, "facilitator, map and next steps")


def test_signing_up_says_you_are_in_and_leaving_says_what_happened(screens):
    screens.inquiry.rounds_in_order().filter(position=0).update(kind="next_steps")
    alice = screens.facilitator()
    carol = screens.participant("Carol", "NHS")
    dave = screens.participant("Dave", "Local authority")
    step = "Joint workforce plan"
    carol.get_by_label("What will happen").fill(step)
    carol.get_by_role("button", name="Propose this action").click()
    # The proposer is signed up: the page says so, and the button says what pressing it does.
    mine = carol.locator("#steps-list > li").filter(has_text=step)
    expect(carol.locator("#lw-status")).to_have_text(
        f"Proposed, and you’re in: “{step}”. Press Leave if you change your mind."
    )
    expect(mine.locator(".step-in")).to_have_text("You’re in ✓")
    leave = mine.get_by_role("button", name=re.compile(f"^Leave ?: {step}"))
    expect(leave).to_be_visible()
    carol.set_viewport_size({"width": 390, "height": 844})
    mine.scroll_into_view_if_needed()
    snap(carol, "phone-next-steps-in")
    leave.click()
    expect(carol.locator("#lw-status")).to_have_text(f"You left “{step}”. Press I’m in to join again.")
    expect(mine.locator(".step-in")).to_be_hidden()
    expect(mine.get_by_role("button", name=re.compile(f"^I’m in ?: {step}"))).to_be_visible()
    theirs = dave.locator("#steps-list > li").filter(has_text=step)
    theirs.get_by_role("button", name=re.compile(f"^I’m in ?: {step}")).click()
    expect(dave.locator("#lw-status")).to_have_text(
        f"You’re in: “{step}”. Press Leave if you change your mind."
    )
    # Each sector has fewer than K people: the count is said once, not twice.
    expect(alice.locator("#steps-list > li").filter(has_text=step).locator(".step-signups")).to_contain_text(
        "1 signed up, all from smaller sectors (fewer than 3 people each)"
    )
    assert_accessible(carol, "phone, next steps signed up")


# What the status line says from now on, as a screen reader hears it (it is a polite live region).
LISTEN_TO_STATUS = """
window.lwSaid = [];
new MutationObserver(() => {
  const said = document.getElementById('lw-status').textContent.trim();
  if (said) { window.lwSaid.push(said); }
}).observe(document.getElementById('lw-status'), { childList: true, subtree: true, characterData: true });
"""


def test_the_reveal_keeps_each_phone_in_the_actions_it_signed_up_to(screens):
    """Revealing a silent round draws every screen's live region afresh; a phone still says "You're in"
    where its person is, without reconnecting."""
    screens.inquiry.rounds_in_order().filter(position=0).update(kind="next_steps")
    alice = screens.facilitator()
    carol = screens.participant("Carol", "NHS")
    dave = screens.participant("Dave", "Local authority")
    erin = screens.participant("Erin", "Other")
    step = "Joint workforce plan"
    carol.get_by_label("What will happen").fill(step)
    carol.get_by_role("button", name="Propose this action").click()
    theirs = dave.locator("#steps-list > li").filter(has_text=step)
    theirs.get_by_role("button", name=re.compile(f"^I’m in ?: {step}")).click()
    for page in (carol, dave):
        expect(page.locator("#steps-list > li").filter(has_text=step).locator(".step-in")).to_be_visible()
    # The room moves on to the next round, written in silence.
    alice.locator("#round-controls").evaluate("agenda => { agenda.open = true; }")
    alice.locator("#round-controls li").filter(has_text="What would you try first?").get_by_role(
        "button", name="Move the room here"
    ).click()
    expect(carol.locator("#round-question")).to_have_text("What would you try first?")
    alice.get_by_role("button", name="Silent", exact=True).click()
    expect(carol.locator("#round-banner")).to_have_attribute("data-phase", "silent")
    post(erin, "Written in silence")
    expect(erin.locator("#own-posts-list .own-post")).to_contain_text("Silent writing")
    expect(card(alice, "Written in silence")).to_contain_text("Silent writing")
    for page in (carol, dave):
        page.evaluate(LISTEN_TO_STATUS)
    alice.get_by_role("button", name="Reveal", exact=True).click()
    for page in (carol, dave):
        expect(card(page, "Written in silence")).to_be_visible()
        mine = page.locator("#steps-list > li").filter(has_text=step)
        expect(mine.locator(".step-in")).to_have_text("You’re in ✓")
        expect(mine.get_by_role("button", name=re.compile(f"^Leave ?: {step}"))).to_be_visible()
        expect(page.locator("#private-link")).to_be_visible()
        # Nobody joined or left anything: the status line (a live region) said nothing of it.
        assert page.evaluate("window.lwSaid") == []
    expect(carol.get_by_role("button", name="Withdraw my proposal")).to_be_visible()
    expect(dave.get_by_role("button", name="Withdraw my proposal")).to_be_hidden()


def test_linking_two_linked_themes_offers_to_change_the_link_and_keeps_what_was_typed(screens):
    seed(screens.inquiry, themes=THEMES[:2])
    alice = screens.facilitator()
    link(alice, THEMES[0], "enables", THEMES[1])
    links = alice.locator("#map-links-ul > li")
    expect(links).to_have_count(1)
    form = alice.get_by_role("form", name="Link two themes")
    note = form.get_by_label("Note (optional)")
    status = alice.locator("#map-form-status")
    expect(status).to_have_text("Linked: the map redraws on every screen.")
    # "Blocks" where "enables" is: asked first; saying no changes nothing and keeps the note.
    note.fill("agency staff leave")
    screens.answer_next_dialog(alice, accept=False)
    link(alice, THEMES[0], "blocks", THEMES[1])
    expect(status).to_have_text("Nothing changed: the link “enables” stays.")
    assert screens.dialogs == [
        f"There is already a link from “{THEMES[0]}” to “{THEMES[1]}” (enables). Change it to “blocks” with "
        "your note?"
    ]
    expect(note).to_have_value("agency staff leave")
    # Saying yes changes that link: still one, now "blocks", with the note.
    screens.answer_next_dialog(alice)
    form.get_by_role("button", name="Add the link").click()
    expect(status).to_have_text("Link changed: the map redraws on every screen.")
    expect(links).to_have_count(1)
    expect(links.first).to_contain_text("blocks")
    expect(links.first).to_contain_text("agency staff leave")
    expect(note).to_have_value("")
    # A link's own Change button: the form shows it, and saves a new kind and note.
    alice.locator("#map-links-list summary").click()
    links.first.get_by_role("button", name=re.compile("^Change")).click()
    expect(form.get_by_label("Link", exact=True)).to_have_value("blocks")
    expect(note).to_have_value("agency staff leave")
    expect(form.get_by_label("From")).to_be_disabled()
    form.get_by_label("Link", exact=True).select_option(label="leads to less (−)")
    note.fill("fewer staff")
    form.get_by_role("button", name="Save the change").click()
    expect(links.first).to_contain_text("more leads to less")
    expect(links.first).to_contain_text("fewer staff")
    expect(form.get_by_role("button", name="Add the link")).to_be_visible()
    snap(alice, "facilitator-map-link-changed")

    # A participant may change only their own links: the refusal shows by the form, the note stays.
    alice.get_by_role("button", name="Let participants link themes in this round").click()
    carol = screens.participant("Carol", "NHS")
    carol_form = carol.get_by_role("form", name="Link two themes")
    carol_form.get_by_label("Note (optional)").fill("my view")
    screens.answer_next_dialog(carol)
    link(carol, THEMES[0], "enables", THEMES[1])
    expect(carol.locator("#map-form-status")).to_have_text("You can only change the links you drew.")
    expect(carol_form.get_by_label("Note (optional)")).to_have_value("my view")


def test_a_post_joins_the_link_forms_choices_and_what_was_chosen_stays(screens):
    seed(screens.inquiry, cards=["Agency staff cost more"], themes=THEMES[:2])
    alice = screens.facilitator()
    carol = screens.participant("Carol", "NHS")
    source = alice.get_by_role("form", name="Link two themes").get_by_label("From")
    cards = source.locator("optgroup[label='Single contributions'] > option")
    expect(cards).to_have_text(["Agency staff cost more"])
    source.select_option(label=THEMES[1])
    alice.evaluate("() => { window.lwShown = new Set(document.querySelectorAll('#map-source option')); }")
    width = source.bounding_box()["width"]

    # A post adds its own choice after the others, which stay as they were, and the form keeps its shape
    # (on a board of thousands of cards, drawing every choice again, or measuring them all for the
    # select's width, on every post kept the page minutes behind: docs/benchmarks.md).
    post(carol, "Waiting lists grow in winter")
    expect(cards).to_have_text(["Agency staff cost more", "Waiting lists grow in winter"])
    post(carol, "Winter pressures on discharge from the acute wards to community beds, every year")
    expect(cards).to_have_count(3)
    assert source.bounding_box()["width"] == width
    added = "() => [...document.querySelectorAll('#map-source option')].filter(o => !window.lwShown.has(o))"
    assert alice.evaluate(added + ".map(o => o.textContent)") == [
        "Waiting lists grow in winter",
        "Winter pressures on discharge from the acute wards to commu…",  # labels end at 60 characters
    ]
    assert source.evaluate("s => s.selectedOptions[0].textContent") == THEMES[1]

    # A new theme: the choices are drawn again, with it among the themes; the choice made stays.
    alice.get_by_label("New theme").fill("Prevention")
    alice.get_by_role("button", name="Add theme").click()
    expect(source.locator("optgroup[label='Themes'] > option")).to_have_text([*THEMES[:2], "Prevention"])
    expect(cards).to_have_count(3)
    assert source.evaluate("s => s.selectedOptions[0].textContent") == THEMES[1]


# Where the shared screen's map ends and what lies under it: the picture's and the legend's boxes, the
# window's height, and whether the page scrolls.
MAP_ON_SCREEN = """() => {
  const svg = document.getElementById('map-svg').getBoundingClientRect();
  const legend = document.querySelector('#systems-map .map-legend').getBoundingClientRect();
  const nodes = [...document.querySelectorAll('#map-svg .map-node')].map(n => n.getBoundingClientRect());
  return {svgTop: svg.top, svgBottom: svg.bottom, legendBottom: legend.bottom, height: innerHeight,
          nodesInside: nodes.every(r => r.top >= svg.top - 1 && r.bottom <= svg.bottom + 1),
          scrolls: document.documentElement.scrollHeight > innerHeight + 1
                   || document.documentElement.scrollWidth > innerWidth + 1};
}"""


@pytest.mark.parametrize("event_inquiry", ["map"], indirect=True)
@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 720}, {"width": 1920, "height": 1080}])
def test_the_shared_screens_map_takes_the_height_of_the_screen_with_its_legend_in_view(
    event_screens, viewport
):
    """The event's map on the shared screen left ~165px empty under it at 1280x720 (it was as tall as its
    width allowed): it takes the screen's height, its legend still in view, without scrollbars."""
    from .test_presenter import settled

    presenter = event_screens.presenter(viewport=viewport)
    expect(presenter.locator("body")).to_have_class(re.compile(r"\bmap-mode\b"))
    settled(presenter)
    expect(presenter.locator("#systems-map .map-legend")).to_be_in_viewport(ratio=1)
    snap(presenter, f"presenter-map-{viewport['width']}")
    found = presenter.evaluate(MAP_ON_SCREEN)
    assert not found["scrolls"] and found["nodesInside"], found
    assert found["height"] - found["legendBottom"] <= 24, found  # no band left empty under the map
    assert found["svgBottom"] - found["svgTop"] >= 0.8 * found["height"], found


# Where the phone's parts are: the top of the systems map, of the box to post in and of the room's board,
# and each field of the form to link under its label.
PHONE_MAP = """() => {
  const top = el => el.getBoundingClientRect().top + scrollY;
  const form = document.getElementById('map-form');
  const fields = [...form.querySelectorAll('select, input')].map(field => {
    const label = form.querySelector(`label[for="${field.id}"]`).getBoundingClientRect();
    const box = field.getBoundingClientRect();
    return {field: field.id, under: label.bottom <= box.top + 1 && Math.abs(label.left - box.left) < 2};
  });
  const byId = id => document.getElementById(id);
  return {map: top(byId('systems-map')), form: top(form), compose: top(byId('compose-form')),
          board: top(byId('unsorted')), fields};
}"""


@pytest.mark.parametrize("event_inquiry", ["map"], indirect=True)
def test_in_a_map_round_the_phone_shows_the_map_and_the_form_to_link_first(event_screens):
    """When the facilitator lets the room link themes (event size: 300 cards, 12 themes on the map), a
    390 px phone has the systems map under the round's question, on its first screen, and the form to link
    two themes under it, before the box to post in and the room's board; each of the form's fields is
    under its label."""
    alice = event_screens.facilitator()
    alice.get_by_role("button", name="Let participants link themes in this round").click()
    phone = event_screens.participant("Priya")
    form = phone.get_by_role("form", name="Link two themes")
    expect(form).to_be_visible()
    expect(form.get_by_label("From").locator("option")).not_to_have_count(1)  # filled with the themes
    where = phone.evaluate(PHONE_MAP)
    assert where["map"] < phone.viewport_size["height"], where
    assert where["map"] < where["form"] < where["compose"] < where["board"], where
    assert all(f["under"] for f in where["fields"]), where["fields"]
    links = phone.locator("#map-svg .map-link")
    before = links.count()
    link(phone, "Digital inclusion", "leads to more (+)", "Mental health and wellbeing")
    expect(links).to_have_count(before + 1)
    snap(phone, "phone-map-round", full_page=True)
    assert_accessible(phone, "the phone in a systems-map round")


# How the phone draws the map: the smallest theme label as it comes out on the screen (its font size times
# the picture's scale), whether the picture's box scrolls sideways and the page itself does not.
PHONE_MAP_TEXT = """() => {
  const svg = document.getElementById('map-svg');
  const sizes = [...svg.querySelectorAll('.map-node text')].map(
    t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
  const box = svg.closest('.map-scroll');
  return {smallest: Math.min(...sizes), labels: sizes.length,
          boxScrolls: box.scrollWidth > box.clientWidth + 1,
          pageScrolls: document.documentElement.scrollWidth > innerWidth + 1,
          boxRight: box.getBoundingClientRect().right};
}"""


@pytest.mark.parametrize("event_inquiry", ["map"], indirect=True)
def test_a_phone_draws_the_map_at_a_size_its_labels_can_be_read_and_scrolls_it_sideways(event_screens):
    """The event's map (12 themes) on a 390 px phone: every theme's label is at least 12 px on the
    screen (fitted to the screen's width they were 5-6 px); the picture scrolls sideways in its own box,
    which is in the keyboard's reach and says so, and the page does not scroll sideways."""
    alice = event_screens.facilitator()
    alice.get_by_role("button", name="Let participants link themes in this round").click()
    phone = event_screens.participant("Priya")
    expect(phone.locator("#map-svg .map-node")).not_to_have_count(0)
    expect(phone.get_by_text("Swipe sideways to see the whole map.")).to_be_visible()
    region = phone.get_by_role("region", name="The map picture")
    region.scroll_into_view_if_needed()
    snap(phone, "phone-map-legible", full_page=False)
    drawn = phone.evaluate(PHONE_MAP_TEXT)
    assert drawn["labels"] >= 12 and drawn["smallest"] >= 12, drawn
    assert drawn["boxScrolls"] and not drawn["pageScrolls"], drawn
    assert drawn["boxRight"] <= phone.viewport_size["width"], drawn
    region.focus()
    expect(region).to_be_focused()
    assert_accessible(phone, "the phone's map, drawn at a legible size")


# What the phone's map box shows: the themes whole in it as it is scrolled, the themes with the most links
# (counted from the links listed in words), and where it is scrolled to.
PHONE_MAP_VIEW = """() => {
  const box = document.querySelector('#map-view .map-scroll');
  const b = box.getBoundingClientRect();
  const whole = [...box.querySelectorAll('.map-node')].filter(n => {
    const r = n.getBoundingClientRect();
    return r.left >= b.left - 0.5 && r.right <= b.right + 0.5;
  }).map(n => n.querySelector('title').textContent);
  const links = {};
  document.querySelectorAll('#map-links-ul > li').forEach(li => {
    for (const end of li.querySelectorAll('.link-from, .link-to')) {
      links[end.textContent] = (links[end.textContent] || 0) + 1;
    }
  });
  const most = Math.max(...Object.values(links));
  return {whole, busiest: Object.keys(links).filter(k => links[k] === most),
          scroll: box.scrollLeft, end: box.scrollWidth - box.clientWidth};
}"""


@pytest.mark.parametrize("event_inquiry", ["map"], indirect=True)
def test_a_phone_opens_the_map_where_its_links_are_and_lists_them_in_words(event_screens):
    """The event's map (12 themes, 13 links) on a 390 px phone opens scrolled to where the map is busiest,
    not at its left edge: a theme with the most links is whole in view, with others around it; the links
    are listed open in words under it, each readable; where the person scrolls to stays when the map is
    drawn again."""
    alice = event_screens.facilitator()
    alice.get_by_role("button", name="Let participants link themes in this round").click()
    phone = event_screens.participant("Priya")
    expect(phone.locator("#map-svg .map-node")).not_to_have_count(0)
    region = phone.get_by_role("region", name="The map picture")
    region.scroll_into_view_if_needed()
    snap(phone, "phone-map-opens-busiest", full_page=False)
    shown = phone.evaluate(PHONE_MAP_VIEW)
    assert set(shown["whole"]) & set(shown["busiest"]), shown
    assert len(shown["whole"]) >= 4, shown

    links = phone.locator("#map-links-ul > li")
    expect(links).to_have_count(13)
    expect(phone.locator("#map-links-list")).to_have_attribute("open", "")
    last = links.last
    last.scroll_into_view_if_needed()
    expect(last).to_be_visible()
    expect(last).to_contain_text("enables")
    assert_accessible(phone, "the phone's map, opened where its links are, and its links in words")

    # The person scrolls to the map's right end; the map drawn again (the facilitator puts it on the
    # shared screen) stays there.
    region.evaluate("box => { box.dataset.old = '1'; box.scrollLeft = box.scrollWidth; }")
    expect(region).to_have_js_property("scrollLeft", shown["end"])
    alice.locator("#map-show").click()
    expect(phone.locator("#map-view .map-scroll:not([data-old])")).to_have_count(1)
    again = phone.evaluate(PHONE_MAP_VIEW)
    assert again["scroll"] >= again["end"] - 2, again


def heading_in_view(page, name):
    box = page.get_by_role("heading", name=name, exact=True).bounding_box()
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= page.viewport_size["height"]


@pytest.mark.parametrize("event_inquiry", ["map"], indirect=True)
def test_the_facilitators_round_links_to_the_actions_and_the_map_under_the_board(event_screens):
    """At the close of an event-size inquiry on a 1280x720 laptop, the room's actions and the systems map
    are under the board, out of sight: the round in the side panel links to the one the room works on
    (the actions in a next-steps round, the map once the room links themes), and the link shows it."""
    alice = event_screens.facilitator(viewport=SHARED_SCREEN)
    banner = alice.locator("#round-banner")
    assert not heading_in_view(alice, "What happens next")
    banner.get_by_role("link", name="The room's actions").click()
    expect(alice.get_by_role("heading", name="What happens next", exact=True)).to_be_in_viewport()
    assert heading_in_view(alice, "What happens next")

    alice.get_by_role("button", name="Let participants link themes in this round").click()
    expect(banner.get_by_role("link", name="The room's actions")).to_have_count(0)
    alice.evaluate("window.scrollTo(0, 0)")
    assert not heading_in_view(alice, "Systems map")
    banner.get_by_role("link", name="The systems map").click()
    expect(alice.get_by_role("heading", name="Systems map", exact=True)).to_be_in_viewport()
    assert heading_in_view(alice, "Systems map")
    assert_accessible(alice, "the facilitator's workspace in a systems-map round")
