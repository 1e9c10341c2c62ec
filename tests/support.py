"""Test clients that use Linewalk the way its pages do: over HTTP with Django's client, and over the
websocket with a Screen that applies every pushed frame (htmx out-of-band swaps) to its own copy of the
page, so tests can read what a person would see and compare it with a fresh snapshot."""

import asyncio
import json
import re
import uuid

import lxml.html
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from asgi import application

ORIGIN = b"http://127.0.0.1"


def login_as(username, password):
    client = Client()
    assert client.login(username=username, password=password)
    return client


def is_participant_page(status, content, code):
    """Whether an answer is a participant's page of inquiry ``code``: what joining answers with (no redirect),
    the page that names its own address for the address bar."""
    text = content.decode() if isinstance(content, bytes) else content
    page_of_code = f'ws-connect="/ws/i/{code}/"' in text and f'rel="canonical" href="/i/{code}/"' in text
    return status == 200 and page_of_code


def joined(response, inquiry):
    """Whether a test client's join POST let the phone in: the answer is the participant's page."""
    return is_participant_page(response.status_code, response.content, inquiry.code)


def join_as(inquiry, name, sector):
    """Join through the real join flow: the join page's POST, which keeps the participant in the session."""
    client = Client()
    response = client.post(f"/i/{inquiry.code}/join/", {"display_name": name, "sector": sector})
    assert joined(response, inquiry), (response.status_code, response.content[:500])
    return client


def session_cookie(client):
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


def communicator(code, client=None, query="", origin=ORIGIN):
    headers = [(b"host", b"127.0.0.1")]
    if origin is not None:
        headers.append((b"origin", origin))
    if client is not None and settings.SESSION_COOKIE_NAME in client.cookies:
        headers.append((b"cookie", session_cookie(client)))
    path = f"/ws/i/{code}/" + (f"?{query}" if query else "")
    return WebsocketCommunicator(application, path, headers=headers)


# The frames that tell a sender its message was stored, naming the message's client id.
ANSWERS = ("lw-ack", "lw-step-ack", "lw-tack")


class Frame:
    def __init__(self, text):
        self.text = text
        self.elements = lxml.html.fragments_fromstring(text) if text.strip() else []
        header = self.first("lw-seq")
        self.seq = int(header.get("data-seq")) if header is not None else None
        self.snapshot = header is not None and header.get("data-snapshot") == "1"
        ack = self.first("lw-ack")
        self.ack = ack.get("data-ack") if ack is not None else None
        status = self.first("lw-status")
        error = status.find(".//p[@class='error']") if status is not None else None
        self.error = error.get("data-code") if error is not None else None
        self.error_message = error.text_content() if error is not None else None
        self.refused_client = error.get("data-client") if error is not None else None
        # The client id of the message this frame answers, where it names one: a post's ack or refusal,
        # an action's (lw-step-ack), a table post's (lw-tack).
        self.answers = self.refused_client or next(
            (el.get("data-ack") for el in map(self.first, ANSWERS) if el is not None), None
        )
        self.index = None  # its place among the frames the screen received (Screen.receive)

    def first(self, dom_id):
        return next(
            (el for el in self.elements if isinstance(el, lxml.html.HtmlElement) and el.get("id") == dom_id),
            None,
        )

    def __repr__(self):
        return f"<Frame seq={self.seq} ack={self.ack} error={self.error} {self.text[:120]!r}>"


EMPTY_PAGE = (
    '<div id="page"><div id="lw-seq"></div><div id="lw-ack"></div><div id="lw-mine"></div>'
    '<div id="lw-status"></div><span id="inquiry-title"></span>'
    '<section id="suggestions" hidden></section><div id="live"></div></div>'
)


class Screen:
    """One screen of an inquiry, connected over the websocket, applying what it receives."""

    def __init__(self, code, client=None, query="", origin=ORIGIN):
        self.code = code
        self.client = client
        self.communicator = communicator(code, client, query, origin)
        self.page = lxml.html.fragment_fromstring(EMPTY_PAGE)
        self.frames = []
        self.seq = 0
        self.asked = []  # every message sent, in order: Asked
        self.answered = 0  # frames before this one were returned by reply() or are too old to be replies

    @property
    def communicator(self):
        return self._communicator

    @communicator.setter
    def communicator(self, socket):
        # Whatever a test sends, through send() or straight to the socket, is noted (RemoteScreen sets
        # its own socket).
        self._communicator = Asking(self, socket)

    def asking(self, text):
        """Note a message sent: its client id, if it carries one, and how many frames were already on
        their way to this screen (sent before the server read it: none of them can answer it)."""
        try:
            data = json.loads(text) if text else None
        except (ValueError, RecursionError):  # what a test sends to see it refused
            data = None
        client_id = data.get("client_id") if isinstance(data, dict) else None
        queued = getattr(self._communicator.wrapped, "output_queue", None)
        waiting = queued.qsize() if queued is not None else 0
        self.asked.append(Asked(str(client_id) if client_id else None, len(self.frames) + waiting))

    async def connect(self, expect_frame=True):
        connected, code = await self.communicator.connect(timeout=5)
        assert connected, code
        if expect_frame:
            await self.receive()
        return self

    async def receive(self, timeout=5):
        output = await self.communicator.receive_output(timeout)
        if output["type"] == "websocket.close":
            self.closed = output.get("code")
            raise ConnectionClosed(output.get("code"))
        frame = Frame(output.get("text") or "")
        frame.index = len(self.frames)
        self.apply(frame)
        self.frames.append(frame)
        return frame

    async def until(self, predicate, timeout=5):
        """Receive frames until what the screen shows satisfies ``predicate``; fail after ``timeout``."""
        async with asyncio.timeout(timeout):
            while not predicate(self):
                await self.receive(timeout)
        return self

    async def reply(self, timeout=5):
        """The answer (an error or an ack) to the message this screen sent last, skipping the live frames
        (events, presence) that may arrive before it and the answers to its earlier messages: an ack or
        refusal naming another message's client id, or any answer already on its way before the message
        was sent. A frame already received (by until(), say) counts too. An answer that names no client
        id (a refusal of a dot, say) is taken as the last message's: the server answers a socket's
        messages in order."""
        return (await self.replies(1, timeout))[0]

    async def replies(self, count, timeout=5):
        """The answers to the last ``count`` messages this screen sent, in order (each must have one)."""
        mine = self.asked[-count:]
        ids = {asked.client_id for asked in mine} - {None}
        start = max(mine[0].after if mine else 0, self.answered)
        found = []
        while len(found) < count:
            frame = self.frames[start] if start < len(self.frames) else await self.receive(timeout)
            start = frame.index + 1
            if not (frame.error or frame.answers):
                continue
            if frame.answers is not None and frame.answers not in ids:
                continue  # an earlier message's
            found.append(frame)
        self.answered = start
        return found

    async def next_event(self, timeout=5):
        """The next frame that carries a sequence number (skipping acks and errors)."""
        while True:
            frame = await self.receive(timeout)
            if frame.seq is not None:
                return frame

    async def send(self, **message):
        await self.communicator.send_to(text_data=json.dumps(message))

    async def post(self, text, client_id=None):
        client_id = client_id or str(uuid.uuid4())
        await self.send(type="card", op="add", client_id=client_id, text=text)
        return client_id

    async def close(self):
        await self.communicator.disconnect()

    # --- applying frames (htmx oob semantics) ---
    def find(self, dom_id):
        found = self.page.xpath("//*[@id=$i]", i=dom_id)
        if not found and self.page.get("id") == dom_id:
            return self.page
        return found[0] if found else None

    def apply(self, frame):
        for element in frame.elements:
            if not isinstance(element, lxml.html.HtmlElement):
                continue
            swap = element.get("hx-swap-oob") or "true"
            strategy, _, selector = swap.partition(":")
            strategy = strategy.removeprefix("lw-")  # the page's own swap styles: static/linewalk/swap.js
            if strategy in ("true", "outer"):
                strategy = "outerHTML"
            target = self.find(selector.lstrip("#") if selector else element.get("id"))
            if target is None:
                self.place_counts(element)
                continue
            element.attrib.pop("hx-swap-oob", None)
            if strategy == "outerHTML":
                element.tail = target.tail
                target.getparent().replace(target, element)
            elif strategy == "innerHTML":
                kept = dict(target.attrib)  # lxml's clear() drops the attributes too (the id with them)
                target.clear()
                target.attrib.update(kept)
                target.text = element.text
                for child in list(element):
                    target.append(child)
            elif strategy == "beforeend":
                for child in list(element):
                    target.append(self.arriving(child))
            elif strategy == "beforebegin":
                for child in list(element):
                    target.addprevious(self.arriving(child))
            elif strategy == "delete":
                target.getparent().remove(target)
            else:
                raise AssertionError(f"unexpected swap {swap}")
        if frame.seq is not None:
            self.seq = frame.seq

    def arriving(self, element):
        """An element that comes in with the id of one the page shows takes its place (swap.js)."""
        dom_id = element.get("id")
        for shown in self.page.xpath("//*[@id=$i]", i=dom_id) if dom_id else []:
            shown.getparent().remove(shown)
        return element

    def place_counts(self, element):
        """The counts of a participant's card that had none yet go into the card, as the page does
        (static/linewalk/cards.js, htmx:oobErrorNoTarget)."""
        match = re.fullmatch(r"card-(\d+)-votes", element.get("id") or "")
        card = self.find(f"card-{match.group(1)}") if match else None
        if card is not None and element.get("hx-swap-oob") != "lw-delete":
            element.attrib.pop("hx-swap-oob", None)
            element.tail = None
            card.append(element)

    # --- reading what a person sees ---
    def cards(self):
        """{card id: text} for every card on the board (not the facilitators' review queue)."""
        return {
            int(li.get("id")[5:]): card_text(li)
            for li in self.page.xpath("//div[@id='board']//li[starts-with(@id, 'card-')]")
        }

    def texts(self):
        return sorted(self.cards().values())

    def theme_of(self, card_id):
        card = self.find(f"card-{card_id}")
        section = card.xpath("ancestor::section[@data-theme]")[0]
        return int(section.get("data-theme")) if section.get("data-theme") else None

    def themes(self):
        """[(theme id, name, colour, [card ids in order])] in board order."""
        return [
            (
                int(section.get("data-theme")),
                section.find_class("theme-name")[0].text_content(),
                section.get("data-colour"),
                [int(li.get("id")[5:]) for li in section.xpath(".//li[starts-with(@id, 'card-')]")],
            )
            for section in self.page.xpath("//div[@id='themes']/section")
        ]

    def unsorted(self):
        return [int(li.get("id")[5:]) for li in self.page.xpath("//ol[@id='cards-unsorted']/li")]

    def round_question(self):
        found = self.find("round-question")
        return found.text_content().strip() if found is not None else None

    def board(self):
        """Everything a person reads off the board, for comparing two screens."""
        return {
            "round": self.round_question(),
            "unsorted": [(pk, self.cards()[pk]) for pk in self.unsorted()],
            "themes": self.themes(),
            "cards": self.cards(),
            "counts": [
                el.text_content()
                for el in self.page.xpath(
                    "//div[@id='board']//*[contains(concat(' ', @class, ' '), ' count ')]"
                )
            ],
        }


def card_text(li):
    """A card's text: a facilitator's card holds it in p.card-text, a participant's compact card (board.html,
    card-participant) as its own first text."""
    found = li.find_class("card-text")
    return found[0].text_content() if found else (li.text or "")


def counts(screen, card_id):
    """(reactions, dots) a screen shows on a card: None where it shows no such count."""
    element = screen.find(f"card-{card_id}-votes")
    text = " ".join(element.text_content().split()) if element is not None else ""
    reactions = re.search(r"(\d+) (?:person finds|people find) this resonates|Resonates with (\d+)", text)
    dots = re.search(r"(\d+) dots?\b", text)
    return (
        int(next(g for g in reactions.groups() if g)) if reactions else None,
        int(dots.group(1)) if dots else None,
    )


class Asked:
    __slots__ = ("client_id", "after")

    def __init__(self, client_id, after):
        self.client_id, self.after = client_id, after


class Asking:
    """A screen's socket (Channels' communicator, or servers.RealSocket) that notes what is sent on it."""

    def __init__(self, screen, wrapped):
        self.screen, self.wrapped = screen, wrapped

    def __getattr__(self, name):
        return getattr(self.wrapped, name)

    async def send_to(self, text_data=None, **more):
        self.screen.asking(text_data)
        await self.wrapped.send_to(text_data=text_data, **more)


class ConnectionClosed(Exception):
    def __init__(self, code):
        super().__init__(f"socket closed with code {code}")
        self.code = code


async def everyone(room, predicate, names=None):
    """Wait until every screen of ``room`` (or the ones named) shows what ``predicate`` asks."""
    for name, screen in room.items():
        if names is None or name in names:
            await screen.until(predicate)


def attr(screen, dom_id, name):
    element = screen.find(dom_id)
    return element.get(name) if element is not None else None


def text(screen, dom_id):
    """The text a person reads in one element, whitespace folded ("" when it is not there)."""
    element = screen.find(dom_id)
    return " ".join(element.text_content().split()) if element is not None else ""


async def fresh_board(code, client, query=""):
    """What a screen that connects now sees."""
    screen = await Screen(code, client, query).connect()
    board = screen.board()
    await screen.close()
    return board


def rows_quoting(*needles):
    """Every stored row, of every model, with a field holding one of ``needles``: [(model name, row)]."""
    from django.apps import apps

    return [
        (model.__name__, row)
        for model in apps.get_models()
        for row in model.objects.values()
        if any(needle in str(value) for value in row.values() for needle in needles)
    ]


def long_cards(author, count, text, theme=None):
    """``count`` cards of ``text`` (numbered) by ``author`` in the inquiry's first round, stored directly
    (no events): a big board or theme, for tests of large frames and snapshots. Returns the round."""
    from board.models import Card

    first = author.inquiry.rounds_in_order()[0]
    Card.objects.bulk_create(
        Card(
            inquiry=author.inquiry,
            round=first,
            author=author,
            theme=theme,
            client_id=uuid.uuid4(),
            text=f"Card {n}: {text}",
            position=n,
        )
        for n in range(count)
    )
    return first


def one_of_each(inquiry, owner, other=None):
    """One of each thing a message names by id, stored directly in ``inquiry``: two cards and two themes,
    an action, a link on the map between them, a table hosted by ``owner`` (a participant, the author of
    what has one; ``other`` sits at the table too) with a card, two themes and an Open Space topic, and a
    change of the inquiry's creator to undo.
    Returns {name: id} ("participant": ``owner``); the attacker tests name them in their messages."""
    from board.models import Card, Theme
    from board.nextsteps.models import NextStep
    from board.systemmap.models import MapLink, MapNode
    from board.tables.models import Breakout, Seat, Table, TableCard, TableTheme, Topic
    from board.undo.models import UndoStep
    from inquiry.models import Round

    here = {"inquiry": inquiry}
    current = inquiry.current_round or Round.objects.filter(inquiry=inquiry).first()
    card = Card.objects.create(**here, round=current, author=owner, client_id=uuid.uuid4(), text="A card")
    card2 = Card.objects.create(**here, round=current, author=owner, client_id=uuid.uuid4(), text="Card 2")
    theme = Theme.objects.create(**here, name="Theme one", position=0)
    theme2 = Theme.objects.create(**here, name="Theme two", position=1)
    step = NextStep.objects.create(**here, author=owner, client_id=uuid.uuid4(), what="An action")
    link = MapLink.objects.create(
        **here,
        source=MapNode.objects.create(**here, theme=theme),
        target=MapNode.objects.create(**here, card=card),
        kind="influences",
        participant=owner,
    )
    breakout = Breakout.objects.create(**here, mode="random")
    table = Table.objects.create(breakout=breakout, number=1, host=owner)
    for person in (owner, other):
        if person is not None:
            Seat.objects.create(breakout=breakout, table=table, participant=person)
    table_card = TableCard.objects.create(
        table=table, author=owner, client_id=uuid.uuid4(), text="At the table", position=0
    )
    table_theme = TableTheme.objects.create(table=table, name="Table theme", position=0)
    table_theme2 = TableTheme.objects.create(table=table, name="Table theme 2", position=1)
    topic = Topic.objects.create(breakout=breakout, author=owner, title="A topic")
    # A change of the inquiry's creator to undo (board.undo names it by id).
    undo = UndoStep.objects.create(
        **here,
        user_id=inquiry.created_by_id,
        kind="move",
        label="Moved a card to “Theme one”",
        data={"cards": [[card.pk, None, 0, theme.pk, False]]},
    )
    return {
        "card": card.pk,
        "card2": card2.pk,
        "theme": theme.pk,
        "theme2": theme2.pk,
        "round": current.pk,
        "step": step.pk,
        "link": link.pk,
        "node": link.source_id,
        "table": table.pk,
        "table_card": table_card.pk,
        "table_theme": table_theme.pk,
        "table_theme2": table_theme2.pk,
        "topic": topic.pk,
        "participant": owner.pk,
        "breakout": breakout.pk,
        "undo": undo.pk,
    }


# Tests of a closing or seating message the channel layer lost, made good by the re-check of open sockets
# (sessions/revocation.py): each runs with both fan-outs (the ``fanout`` fixture, tests/conftest.py) and a
# short re-check.
RECHECK = 0.3  # seconds (settings.LIVE_RECHECK_SECONDS, 5 by default)
SLACK = 3  # seconds for the action itself on a busy test machine
