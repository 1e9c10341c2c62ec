"""Screens with the tables' placeholders (templates/board/tables.html), and people to seat."""

import uuid

import lxml.html
from asgiref.sync import sync_to_async

from tests.support import EMPTY_PAGE, Screen, join_as

TABLES_PAGE = EMPTY_PAGE.replace(
    '<div id="live"></div>',
    '<div id="live"></div><div id="tables-step"></div><div id="tables-market"></div>'
    '<div id="table-view"></div><div id="tables-panel"></div><div id="picks-wall"></div>',
)


class TableScreen(Screen):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = lxml.html.fragment_fromstring(TABLES_PAGE)

    def table(self):
        """The table this phone shows: (number, {card id: text}) or None."""
        view = self.page.xpath("//div[@id='table-view']/div[@data-table]")
        if not view:
            return None
        return int(view[0].get("data-number")), self.table_cards(view[0])

    @staticmethod
    def table_cards(element):
        return {
            int(li.get("data-tcard")): li.find_class("card-text")[0].text_content()
            for li in element.xpath(".//li[@data-tcard]")
        }

    def table_id(self):
        view = self.page.xpath("//div[@id='table-view']/div[@data-table]")
        return int(view[0].get("data-table")) if view else None

    def board_of(self, table_id):
        """A facilitator's view of one table's board: {card id: text}."""
        element = self.find(f"table-{table_id}")
        return self.table_cards(element) if element is not None else None

    def raw(self):
        return "".join(frame.text for frame in self.frames)

    async def table_post(self, text, client_id=None):
        client_id = client_id or str(uuid.uuid4())
        await self.send(type="table", op="post", client_id=client_id, text=text)
        return client_id


def join_many(inquiry, sectors):
    """Participants joined through the real join flow, one per sector given: [client]."""
    return [join_as(inquiry, f"P{n}", sector) for n, sector in enumerate(sectors)]


async def open_room(inquiry, alice, sectors, **options):
    """People of ``sectors`` joined and on their phones, the facilitator's screen, and tables opened with
    ``options`` (mode, size or count, recipe): (facilitator, phones), once every phone shows its table.
    A phone's participant is ``phone.client``."""
    people = await sync_to_async(join_many)(inquiry, sectors)
    fac = await TableScreen(inquiry.code, alice).connect()
    phones = [await TableScreen(inquiry.code, c).connect() for c in people]
    await fac.until(lambda s: s.find("tables-open") is not None)  # the form that opens tables
    await fac.send(type="tables", op="open", **options)
    for phone in phones:
        await phone.until(lambda s: s.table() is not None)
    return fac, phones


def tack(frame):
    element = frame.first("lw-tack")
    return element.get("data-ack") if element is not None else None
