"""A post the server refuses for good is answered by its client id (`data-client` on the error), so the
phone can take it out of the queue it resends on every reconnect; a refusal that may pass later, and an
error about a message that is not a post, name none."""

import uuid

import pytest
from django.test import override_settings

from ..support import Screen

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("text", "code"),
    [("\u200b", "empty_text"), ("\u200b \u2060\ufeff", "empty_text"), ("x" * 281, "text_too_long")],
)
async def test_a_post_refused_for_its_text_names_its_client_id(inquiry, carol, text, code):
    screen = await Screen(inquiry.code, carol).connect()
    client_id = await screen.post(text)
    frame = await screen.reply()
    assert (frame.error, frame.refused_client) == (code, client_id)
    assert "write something first" in frame.error_message or "limit is 280" in frame.error_message
    await screen.close()


async def test_a_post_to_a_closed_round_names_its_client_id(inquiry, carol, alice):
    carol_screen = await Screen(inquiry.code, carol).connect()
    alice_screen = await Screen(inquiry.code, alice).connect()
    await alice_screen.send(type="round", op="phase", round=inquiry.current_round_id, phase="closed")
    await carol_screen.until(lambda s: s.find("round-banner").get("data-open") == "0")
    client_id = await carol_screen.post("Written offline before the round closed")
    frame = await carol_screen.reply()
    assert (frame.error, frame.refused_client) == ("round_closed", client_id)
    # An error about a message that is not a post names no post.
    await carol_screen.send(type="card", op="delete", card=999)
    frame = await carol_screen.reply()
    assert frame.error and frame.refused_client is None
    await carol_screen.close()
    await alice_screen.close()


async def test_a_post_while_paused_names_its_client_id(inquiry, carol, alice):
    carol_screen = await Screen(inquiry.code, carol).connect()
    alice_screen = await Screen(inquiry.code, alice).connect()
    await alice_screen.send(type="room", op="pause", paused=True)
    await carol_screen.until(lambda s: s.find("room-state").get("data-paused") == "1")
    client_id = await carol_screen.post("While paused")
    frame = await carol_screen.reply()
    assert (frame.error, frame.refused_client) == ("paused", client_id)
    await carol_screen.close()
    await alice_screen.close()


async def test_a_post_with_a_bad_client_id_names_none(inquiry, carol):
    screen = await Screen(inquiry.code, carol).connect()
    await screen.send(type="card", op="add", client_id="not-a-uuid", text="Hello")
    frame = await screen.reply()
    assert (frame.error, frame.refused_client) == ("invalid_field", None)
    await screen.close()


async def test_a_post_refused_for_coming_too_fast_names_none_so_it_is_sent_again(inquiry, carol):
    with override_settings(RATE_LIMITS={"message": (1, 60)}):
        screen = await Screen(inquiry.code, carol).connect()
        await screen.post("First")
        await screen.reply()
        await screen.post("Second", str(uuid.uuid4()))
        frame = await screen.reply()
    assert (frame.error, frame.refused_client) == ("rate_limited", None)
    await screen.close()
