"""A 1-2-4-All round at tables, from the facilitator opening it to the picks wall on the shared screen:
eight phones at two tables of four, each phone seeing its own table only, hosts picking and sending what their
table noticed back to the room (issue 15)."""

import pytest
from playwright.sync_api import expect

from .pages import card, snap

pytestmark = pytest.mark.django_db(transaction=True)


def table_post(page, text):
    page.locator("#table-view textarea").fill(text)
    page.get_by_role("button", name="Post to the table").click()


def test_a_124all_round_at_two_tables_ends_on_the_plenary_wall(screens):
    alice = screens.facilitator()
    presenter = screens.presenter()
    sectors = ["NHS", "Local authority", "Voluntary and community sector", "Other"] * 2
    names = ["Carol", "Dave", "Erin", "Femi", "Gus", "Hana", "Ivo", "Jo"]
    phones = {name: screens.participant(name, sector) for name, sector in zip(names, sectors, strict=True)}

    alice.get_by_label("Seat people").select_option("mixed")
    alice.get_by_label("Table size (2–8)").fill("4")
    alice.get_by_label("Recipe").select_option("124all")
    alice.get_by_role("button", name="Open tables").click()
    for page in [*phones.values(), presenter, alice]:
        expect(page.locator("#step-title")).to_contain_text("On your own")
    for page in phones.values():
        expect(page.locator("#table-view h2")).to_contain_text("Table")
    tables = {name: page.locator("#table-view h2").inner_text() for name, page in phones.items()}
    # At a table the phone posts to the table: the room's post box steps aside.
    expect(phones["Carol"].locator("#compose-form")).to_be_hidden()
    assert sorted(set(tables.values())) == ["Table 1", "Table 2"]
    # Mixed by sector: every table has someone from each of the four sectors.
    for page in phones.values():
        for sector in sectors[:4]:
            expect(page.locator("#table-view .table-people")).to_contain_text(f"({sector})")

    for name, page in phones.items():
        table_post(page, f"{name}'s idea")
    for name, page in phones.items():
        mates = [other for other, t in tables.items() if t == tables[name]]
        strangers = [other for other, t in tables.items() if t != tables[name]]
        for other in mates:
            expect(page.locator("#table-view")).to_contain_text(f"{other}'s idea")
        for other in strangers:
            expect(page.locator("#table-view")).not_to_contain_text(f"{other}'s idea")
            expect(page.locator("body")).not_to_contain_text(f"{other}'s idea")
    expect(alice.locator("#tables-rows tr")).to_have_count(2)
    snap(phones["Carol"], "tables-phone")

    for step in ("In pairs", "In fours", "Back to the room"):
        alice.get_by_role("button", name="Next step", exact=True).click()
        for page in [*phones.values(), presenter]:
            expect(page.locator("#step-title")).to_contain_text(step)
        if step == "In pairs":  # each phone shows its table two by two
            expect(phones["Carol"].locator("#table-view .table-group")).to_have_count(2)
    # The last step has no next one: the button says so where it is.
    expect(alice.get_by_role("button", name="Next step", exact=True)).to_be_disabled()

    for number in ("Table 1", "Table 2"):
        host = next(
            page
            for name, page in phones.items()
            if tables[name] == number and page.locator("#table-view .table-view.is-host").count()
        )
        idea = next(name for name, t in tables.items() if t == number)
        host.locator("#table-view .tcard").filter(has_text=f"{idea}'s idea").get_by_role(
            "button", name="Pick", exact=True
        ).click()
        expect(host.locator("#table-view .tcard.is-picked")).to_have_count(1)
        host.get_by_label("What we noticed").fill(f"{number} noticed trust")
        host.get_by_role("button", name="Send our picks to the room").click()
        expect(presenter.locator("#picks-wall")).to_contain_text(f"{number} noticed trust")
        expect(card(presenter, f"{idea}'s idea")).to_contain_text(f"From {number}")
        expect(card(alice, f"{idea}'s idea")).to_contain_text(f"From {number}")
    # A guest cannot pick: the host's tools are not on their phone.
    guest = next(
        page for page in phones.values() if not page.locator("#table-view .table-view.is-host").count()
    )
    expect(guest.get_by_role("button", name="Pick", exact=True)).to_have_count(0)
    expect(presenter.locator("#picks-wall .wall-table")).to_have_count(2)
    snap(presenter, "tables-wall")


def test_the_facilitators_move_list_follows_every_seat_and_keeps_who_they_chose(screens):
    """The form to move someone lists who sits where: it is drawn again as anyone is seated or moved,
    keeping whom the facilitator had chosen to move, and where to."""
    alice = screens.facilitator()
    phones = {name: screens.participant(name, "NHS") for name in ("Carol", "Dave", "Erin")}
    alice.get_by_label("Seat people").select_option("random")
    alice.get_by_label("or number of tables").fill("2")
    alice.get_by_role("button", name="Open tables").click()
    for page in phones.values():
        expect(page.locator("#table-view h2")).to_contain_text("Table")
    carol_at = phones["Carol"].locator("#table-view h2").inner_text()
    other = "Table 2" if carol_at == "Table 1" else "Table 1"
    who, to = alice.get_by_label("Move", exact=True), alice.get_by_label("to", exact=True)
    expect(who.locator("option")).to_have_count(3)
    who.select_option(label=f"Carol (NHS) · {carol_at}")
    to.select_option(label=other)

    # Someone joins meanwhile and is seated: the list names them, and Carol and the table stay chosen.
    late = screens.participant("Femi", "NHS")
    expect(late.locator("#table-view h2")).to_contain_text("Table")
    expect(who.locator("option")).to_have_count(4)
    expect(who.locator("option:checked")).to_have_text(f"Carol (NHS) · {carol_at}")
    expect(to.locator("option:checked")).to_have_text(other)

    alice.get_by_role("button", name="Move", exact=True).click()
    expect(phones["Carol"].locator("#table-view h2")).to_contain_text(other)
    expect(who.locator("option", has_text="Carol (NHS)")).to_have_text(f"Carol (NHS) · {other}")
