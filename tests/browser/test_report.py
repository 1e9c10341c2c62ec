"""The printable report as a person sees it in Chromium, on screen and printed to PDF. The HTML is fetched
with Django's test client and loaded with ``page.set_content``: the report is one self-contained document
(its stylesheet inline), so no server is needed."""

import re

from playwright.sync_api import expect

from ..board.test_exports import make_board


def report_page(browser, client, inquiry):
    response = client.get(f"/i/{inquiry.code}/export/report/")
    assert response.status_code == 200
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    page.set_content(response.content.decode())
    return page


def test_the_report_shows_the_themes_and_their_figures(browser, alice, inquiry, carol, dave):
    make_board(inquiry)
    page = report_page(browser, alice, inquiry)
    try:
        expect(page.get_by_role("heading", name="Wrapping care around residents", level=1)).to_be_visible()
        for name in ("Shared records", "Neighbourhood teams"):
            expect(page.locator(f'.theme-block[data-theme="{name}"] h3')).to_be_visible()
            expect(page.locator(f'figure[data-lens-theme="{name}"]')).to_be_visible()
        block = page.locator('.theme-block[data-theme="Shared records"]')
        expect(block.get_by_text("One record that follows the resident")).to_be_visible()
        expect(block.locator("h3")).to_contain_text("2 contributions · 4 dots")
        records = page.locator('figure[data-lens-theme="Shared records"]')
        expect(records.locator(".lens-row").filter(has_text="Local authority")).to_contain_text("3 from 3")
        expect(
            records.locator(".lens-row").filter(has_text="Voluntary and community sector")
        ).to_contain_text("fewer than 3: withheld")
        widest = records.locator(".lens-fill rect").first.bounding_box()
        assert widest is not None and widest["width"] > 10, "bars are drawn"
        expect(page.get_by_role("button", name="Print or save as PDF")).to_be_visible()
    finally:
        page.context.close()


def test_printing_hides_the_controls_and_makes_a_pdf(browser, alice, inquiry, carol, dave):
    make_board(inquiry)
    page = report_page(browser, alice, inquiry)
    try:
        page.emulate_media(media="print")
        expect(page.get_by_role("button", name="Print or save as PDF")).to_be_hidden()
        expect(page.locator('.theme-block[data-theme="Shared records"]')).to_be_visible()
        pdf = page.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF-") and len(pdf) > 5_000
    finally:
        page.context.close()


def test_the_served_report_and_board_keep_their_styles_under_the_content_security_policy(screens):
    """Served with its Content-Security-Policy, the report's inline stylesheet is allowed by its hash, and
    theme colours and lens bars (no style attributes any more) still show: the screens fixture fails the
    test on any violation the browser reports."""
    make_board(screens.inquiry)
    alice = screens.facilitator()
    column = alice.locator('#themes > .theme[data-colour="sky"] > .column-header').first
    expect(column).to_have_css("background-color", "rgb(165, 216, 255)")
    response = alice.goto(f"/i/{screens.inquiry.code}/export/report/")
    assert "style-src 'self' 'sha256-" in response.headers["content-security-policy"]
    expect(alice.locator(".swatch").first).not_to_have_css("background-color", "rgba(0, 0, 0, 0)")
    expect(alice.locator(".report-page")).to_have_css("max-width", re.compile(r"\d+px"))
    bar = alice.locator(".lens-fill rect").first.bounding_box()
    assert bar is not None and bar["width"] > 10
