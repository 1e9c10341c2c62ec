"""Every page is served with a strict Content-Security-Policy, and nothing on the pages needs more: no
inline script (only files, and JSON data blocks), no inline event handler, no style attribute or element
(the printable report's own stylesheet excepted, allowed by its hash). The browser tests check the same
from Chromium's side (tests/browser/conftest.py reports every violation)."""

import lxml.html
import pytest

from board.harvest import report_css, report_style_source
from board.models import THEME_COLOURS
from board.systemmap.svg import STYLE, style_source
from tests.board.test_exports import make_board

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    # The systems map's pictures carry their own fixed stylesheet, allowed by its hash alone.
    "style-src": f"'self' {style_source()}",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def directives(response):
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def inline_code(html):
    """What on a page a strict policy would refuse: inline scripts, handlers, style attributes and
    elements."""
    found = []
    for element in lxml.html.document_fromstring(html).iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "script" and not element.get("src") and element.get("type") != "application/json":
            found.append("inline <script>")
        if element.tag == "style" and element.text != STYLE:
            found.append("<style>")
        found += [
            f"{name}= on <{element.tag}>"
            for name in element.attrib
            if name == "style" or name.startswith("on")
        ]
    return found


def test_every_page_has_the_policy_and_needs_nothing_inline(anonymous, alice, carol, inquiry, dave):
    make_board(inquiry)
    code = inquiry.code
    alice.post(f"/i/{code}/harvest/publish/")
    inquiry.refresh_from_db()
    pages = [
        (anonymous, "/"),
        (anonymous, "/accounts/login/"),
        (anonymous, f"/i/{code}/join/"),
        (carol, f"/i/{code}/"),
        (alice, "/inquiries/"),
        (alice, "/inquiries/new/"),
        (alice, "/inquiries/import/"),
        (alice, f"/i/{code}/facilitate/"),
        (alice, f"/i/{code}/present/"),
        (alice, f"/i/{code}/harvest/"),
        (alice, f"/i/{code}/audit/"),
        (alice, f"/i/{code}/data/"),
        (alice, f"/i/{code}/delete/"),
        (carol, f"/i/{code}/erase/"),
        (anonymous, f"/h/{inquiry.harvest_token}/"),
    ]
    for who, path in pages:
        response = who.get(path)
        assert response.status_code == 200, path
        policy = directives(response)
        for name, value in POLICY.items():
            assert policy[name] == value, (path, name, policy.get(name))
        assert "unsafe" not in response["Content-Security-Policy"]
        assert inline_code(response.content.decode()) == [], path


def test_the_printable_report_allows_only_its_own_stylesheet(alice, inquiry, carol, dave):
    make_board(inquiry)
    response = alice.get(f"/i/{inquiry.code}/export/report/")
    assert directives(response)["style-src"] == f"'self' {style_source()} {report_style_source()}"
    assert directives(response)["script-src"] == "'self'"
    assert inline_code(response.content.decode()) == ["<style>"]


def test_theme_colours_come_from_the_stylesheets(inquiry):
    """No style attributes: each colour is a rule of its own, the same as the model's, in the stylesheet
    every page links and the report inlines."""
    css = open("static/linewalk/colours.css").read()
    for key, hex_value in THEME_COLOURS.items():
        assert f'[data-colour="{key}"] {{ --theme-colour: {hex_value}; }}' in css, key
    assert css in report_css()


def test_the_header_follows_the_settings_it_is_built_from(anonymous, settings):
    """The header is built once and kept (inquiry/security_headers.py), but never kept past a change of
    the settings: a deployment's own policy is the one served."""
    assert directives(anonymous.get("/"))["img-src"] == "'self' data:"
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "https:"]}
    }
    assert directives(anonymous.get("/")) == {"default-src": "'self'", "img-src": "'self' https:"}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    response = anonymous.get("/")
    assert response["Content-Security-Policy-Report-Only"] == "default-src 'none'"
