"""What a participant's phone receives when it opens an inquiry with a big board: ``python -m bench.phone``.

The phone gets the participant page (the frame around the board) over HTTP, then the board as the first
frame of its websocket (the snapshot every phone shares, with the participant's own part). This prints
the bytes of both, before compression, for the event-size demo grown to ``--cards`` cards (its 300
realistic texts repeated: same lengths, same themes), while gathering and while a vote on cards is open.

    .venv/bin/python -m bench.phone                 # 1,000 cards; target: page + first frame <= 150 KB
    .venv/bin/python -m bench.phone --cards 300

In one process: Django's test client for the page and the join, channels' WebsocketCommunicator on the
real ASGI application for the socket; a throwaway SQLite file. Nothing else is touched."""

import argparse
import asyncio
import copy
import gzip
import tempfile

from .actions import setup_django

TARGET_KB = 150


def grown(document, cards):
    """``document`` with its visible cards repeated until it holds ``cards`` cards (new refs, same texts,
    themes and rounds; later copies are newer)."""
    originals = [c for c in document["cards"] if c["status"] == "visible"]
    out = copy.deepcopy(document)
    n = 0
    while len(out["cards"]) < cards:
        card = copy.deepcopy(originals[n % len(originals)])
        card["ref"] = f"x{n}"
        card["position"] = 10_000 + n
        card["edited"] = None
        card["featured"] = False
        out["cards"].append(card)
        n += 1
    return out


def build(cards, phase):
    from django.contrib.auth import get_user_model

    from board import exports
    from board.sample import event_document

    user, _ = get_user_model().objects.get_or_create(username="bench")
    return exports.import_inquiry(user, grown(event_document(phase=phase), cards))


async def first_frame(code, client):
    from tests.support import communicator

    screen = communicator(code, client)
    connected, _ = await screen.connect(timeout=60)
    assert connected, "the socket was refused"
    frame = await screen.receive_from(timeout=60)
    await screen.disconnect()
    return frame


def join(inquiry):
    """A phone joining through the join form: a client holding the participant's session."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    response = client.post(
        f"/i/{inquiry.code}/join/", {"display_name": "Priya", "sector": inquiry.sectors[0]}
    )
    assert response.status_code == 302, response.status_code
    return client


def measure(cards, phase):
    from board.models import Card

    inquiry = build(cards, phase)
    client = join(inquiry)
    page = client.get(f"/i/{inquiry.code}/").content
    frame = asyncio.run(first_frame(inquiry.code, client)).encode()
    shown = Card.objects.filter(inquiry=inquiry, status=Card.VISIBLE, silent=False).count()
    return shown, len(page), len(frame), len(gzip.compress(page + frame))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000, help="cards on the board (default 1,000)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        setup_django(directory)
        columns = f"{'phase':<8} {'cards shown':>11} {'page':>9} {'first frame':>12} {'total':>9}"
        print(f"{columns} {'gzip':>8}  target")
        for phase in ("gather", "vote"):
            shown, page, frame, packed = measure(args.cards, phase)
            total = (page + frame) / 1000
            verdict = "met" if total <= TARGET_KB else "missed"
            print(
                f"{phase:<8} {shown:>11,} {page / 1000:>7.1f}KB {frame / 1000:>10.1f}KB {total:>7.1f}KB"
                f" {packed / 1000:>6.1f}KB  <= {TARGET_KB} KB: {verdict}"
            )


if __name__ == "__main__":
    main()
