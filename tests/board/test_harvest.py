"""The harvest: the facilitator's page (featured contributions, a note, publish and unpublish) and the
public read-only page at /h/<token>/."""

from django.test import Client

from board.models import Card
from inquiry.models import AuditEntry, Inquiry, Participant

from .test_exports import UNICODE_POST, board_with_two_steps, make_board, steps_by_when


def manage(client, inquiry):
    return client.get(f"/i/{inquiry.code}/harvest/")


def publish(client, inquiry):
    return client.post(f"/i/{inquiry.code}/harvest/publish/")


def public_url(inquiry):
    inquiry.refresh_from_db()
    return f"/h/{inquiry.harvest_token}/"


def test_publishing_makes_a_public_page_and_unpublishing_takes_it_down(
    alice, anonymous, inquiry, carol, dave
):
    make_board(inquiry)
    assert "Not published" in manage(alice, inquiry).content.decode()
    response = publish(alice, inquiry)
    assert response.status_code == 302 and response["Location"] == f"/i/{inquiry.code}/harvest/"
    url = public_url(inquiry)
    assert len(inquiry.harvest_token) >= 32 and inquiry.harvest_published
    assert url in manage(alice, inquiry).content.decode()
    page = anonymous.get(url)
    assert page.status_code == 200
    assert "How might health and care wrap around each resident?" in page.content.decode()

    assert alice.post(f"/i/{inquiry.code}/harvest/unpublish/").status_code == 302
    assert anonymous.get(url).status_code == 404
    publish(alice, inquiry)
    assert public_url(inquiry) == url, "publishing again brings back the same link"
    assert anonymous.get(url).status_code == 200
    actions = set(AuditEntry.objects.filter(inquiry=inquiry).values_list("action", flat=True))
    assert {"harvest.publish", "harvest.unpublish"} <= actions


def test_an_unknown_or_empty_token_is_not_found(anonymous, inquiry):
    assert anonymous.get("/h/not-a-token/").status_code == 404
    inquiry.harvest_published = True
    inquiry.save()  # published with no token: nothing to find by an empty one
    assert anonymous.get("/h//").status_code == 404


def test_the_public_page_shows_themes_votes_the_lens_the_selection_and_the_note(
    alice, anonymous, inquiry, carol, dave
):
    board = make_board(inquiry)
    chosen = board["cards"]["teams"]
    response = alice.post(
        f"/i/{inquiry.code}/harvest/",
        {
            "featured": [str(chosen.pk), str(board["cards"]["hidden"].pk)],
            "note": "Next: a pilot in <Ward 3>.",
        },
    )
    assert response.status_code == 302
    assert set(Card.objects.filter(inquiry=inquiry, featured=True)) == {chosen}, (
        "a hidden card cannot be featured"
    )
    publish(alice, inquiry)
    page = anonymous.get(public_url(inquiry)).content.decode()
    shown = [
        "What gets in the way today?", "What would you try first?", "Shared records", "Neighbourhood teams",
        "Top voted", "Bridging themes", "The sector lens", "Selected contributions",
        "Teams built around GP neighbourhoods", "One record that follows the resident",
    ]  # fmt: skip
    for text in shown:
        assert text in page, text
    assert "Next: a pilot in &lt;Ward 3&gt;." in page
    assert '<meta name="robots" content="noindex">' in page

    # Saving again with nothing ticked unfeatures it.
    alice.post(f"/i/{inquiry.code}/harvest/", {"note": ""})
    assert not Card.objects.filter(inquiry=inquiry, featured=True).exists()


def test_the_public_page_leaves_out_what_participants_could_not_see(alice, anonymous, inquiry, carol, dave):
    board = make_board(inquiry)
    for card in board["cards"].values():
        card.featured = True
        card.save()
    publish(alice, inquiry)
    page = anonymous.get(public_url(inquiry)).content.decode()
    for key in ("hidden", "held", "pending", "silent"):
        assert board["cards"][key].text not in page, key


def test_the_public_page_shows_names_only_when_the_inquiry_does(alice, anonymous, inquiry, carol, dave):
    board = make_board(inquiry)
    board["cards"]["records"].featured = True
    board["cards"]["records"].save()
    publish(alice, inquiry)
    assert "Dave" in anonymous.get(public_url(inquiry)).content.decode()
    inquiry.show_names = False
    inquiry.save()
    page = anonymous.get(public_url(inquiry)).content.decode()
    for name in ("Carol", "Dave", "Nadia", "Omar", "Lena", "Raj", "Vic"):
        assert name not in page, name


def test_the_harvest_withholds_figures_of_sectors_below_k(alice, anonymous, inquiry, carol, dave):
    make_board(inquiry)
    publish(alice, inquiry)
    page = anonymous.get(public_url(inquiry)).content.decode()
    assert page.count("fewer than 3: withheld") >= 2  # the lens of each theme
    assert '<td class="num withheld">fewer than 3</td><td class="num withheld">withheld</td>' in page
    assert 'class="lens-fill"' in page
    # With a higher K every sector is withheld and nothing is compared.
    inquiry.k_threshold = 4
    inquiry.save()
    page = anonymous.get(public_url(inquiry)).content.decode()
    assert 'class="lens-fill"' not in page
    assert "fewer than 4: withheld" in page
    assert "There is nothing to compare yet" in page
    # A removed participant no longer counts towards their sector.
    inquiry.k_threshold = 3
    inquiry.save()
    Participant.objects.filter(inquiry=inquiry, display_name="Omar").update(removed=True)
    nhs = anonymous.get(public_url(inquiry)).content.decode().split('<th scope="row">NHS</th>')[1][:120]
    assert "fewer than 3</td>" in nhs


def test_the_public_themes_table_has_its_header_over_its_rows(alice, anonymous, inquiry, carol, dave):
    make_board(inquiry)
    publish(alice, inquiry)
    page = anonymous.get(public_url(inquiry)).content.decode()
    table = page.split('<section aria-labelledby="themes-heading">')[1].split("</table>")[0]
    # Not the board's "themes" class, whose columns lay a table's header out beside its rows.
    assert '<table class="theme-table">' in table and 'class="themes"' not in page
    head, body = table.split("<tbody>")
    assert head.count('<th scope="col"') == 3 and body.count("<tr>") == 3  # two themes, the unsorted


def test_who_took_part_puts_each_withheld_figure_under_its_own_column(alice, anonymous, inquiry, carol, dave):
    make_board(inquiry)
    publish(alice, inquiry)
    for url in (public_url(inquiry), f"/i/{inquiry.code}/export/report/"):
        client = anonymous if url.startswith("/h/") else alice
        page = client.get(url).content.decode()
        table = page.split('id="sectors-heading"')[1].split("</table>")[0]
        row = table.split('<th scope="row">Voluntary and community sector</th>')[1].split("</tr>")[0]
        cells = [cell.split(">", 1)[1] for cell in row.split("</td>")[:-1]]
        assert cells == ["fewer than 3", "withheld"], (url, cells)
        assert "colspan" not in table


def test_the_lens_says_why_it_is_empty_and_what_would_fill_it(alice, anonymous, inquiry, carol, dave):
    make_board(inquiry)
    publish(alice, inquiry)
    page = anonymous.get(public_url(inquiry)).content.decode()
    assert 'class="lens-empty"' not in page  # two sectors of three or more: the lens compares them
    inquiry.k_threshold = 4
    inquiry.save()
    page = anonymous.get(public_url(inquiry)).content.decode()
    assert "Every sector has fewer than 4 participants, so the lens" in page
    assert "once 4 or more of its people have joined" in page
    markdown = alice.get(f"/i/{inquiry.code}/export/report.md").content.decode()
    assert "No sector has 4 or more participants" in markdown
    assert "Not enough sectors with at least 4 participants to compare" in markdown
    assert " K " not in markdown and "**K**" not in markdown
    Participant.objects.filter(inquiry=inquiry).exclude(sector="NHS").update(removed=True)
    inquiry.k_threshold = 3
    inquiry.save()
    page = anonymous.get(public_url(inquiry)).content.decode()
    assert "Only one sector has 3 or more participants" in page


def test_the_harvest_page_lists_visible_contributions_to_choose_from(alice, inquiry, carol, dave):
    board = make_board(inquiry)
    page = manage(alice, inquiry).content.decode()
    assert f'value="{board["cards"]["records"].pk}"' in page
    assert "Café — naïve 🙂" in page and UNICODE_POST.splitlines()[1].replace('"', "&quot;") in page
    assert f'value="{board["cards"]["hidden"].pk}"' not in page
    assert "csrfmiddlewaretoken" in page
    for name in ("report/", "report.md", "contributions.csv", "comments.csv", "inquiry.json"):
        assert f"/i/{inquiry.code}/export/{name}" in page


def test_only_facilitators_of_the_inquiry_manage_the_harvest(bob, eve, carol, inquiry):
    assert manage(bob, inquiry).status_code == 200
    assert manage(eve, inquiry).status_code == 404
    assert publish(eve, inquiry).status_code == 404
    assert eve.post(f"/i/{inquiry.code}/harvest/", {"note": "mine now"}).status_code == 404
    response = publish(carol, inquiry)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    inquiry.refresh_from_db()
    assert not inquiry.harvest_published and inquiry.harvest_note == ""


def test_publishing_needs_a_post_with_the_csrf_token(users, inquiry):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["alice"])
    assert client.get(f"/i/{inquiry.code}/harvest/publish/").status_code == 405
    assert client.post(f"/i/{inquiry.code}/harvest/publish/").status_code == 403
    inquiry.refresh_from_db()
    assert not inquiry.harvest_published


def test_a_selection_that_is_not_card_ids_is_refused_with_a_clear_message(alice, inquiry, carol, dave):
    board = make_board(inquiry)
    chosen = board["cards"]["teams"]
    for bad in (["²"], ["9" * 5000], [str(chosen.pk), "-1"], ["1e3"]):
        response = alice.post(f"/i/{inquiry.code}/harvest/", {"featured": bad, "note": "Kept?"})
        assert response.status_code == 400, bad
        assert "That selection could not be read: nothing was saved." in response.content.decode()
    assert not Card.objects.filter(inquiry=inquiry, featured=True).exists()
    assert Inquiry.objects.get(pk=inquiry.pk).harvest_note == ""


def test_the_public_harvest_says_by_when_as_the_live_screens_do(alice, anonymous, inquiry, carol, dave):
    board_with_two_steps(inquiry)
    publish(alice, inquiry)
    shown = steps_by_when(anonymous.get(public_url(inquiry)).content.decode())
    assert shown == {"Shared induction": "HR leads · By June", "Monthly huddle": "When: Ongoing"}
