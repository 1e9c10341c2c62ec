"""Fixtures shared by the board's test modules."""

import pytest
from channels.db import database_sync_to_async

from ..support import Screen, everyone, join_as


@pytest.fixture
async def steps_room(room, inquiry):
    """The room, with a third participant (Erin, NHS) and the current round set up for next steps."""
    erin = await database_sync_to_async(join_as)(inquiry, "Erin", "NHS")
    room["erin"] = await Screen(inquiry.code, erin).connect()
    await room["alice"].send(type="round", op="kind", round=inquiry.current_round_id, kind="next_steps")
    await everyone(
        room, lambda s: s.find("steps-view").get("data-steps-rounds") == str(inquiry.current_round_id)
    )
    yield room
    await room.pop("erin").close()
