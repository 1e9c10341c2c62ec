import pytest
from asgiref.sync import sync_to_async

from .tables_support import TableScreen, join_many

pytestmark = pytest.mark.django_db(transaction=True)


async def test_smoke(inquiry, alice):
    people = await sync_to_async(join_many)(inquiry, ["NHS", "NHS", "Local authority", "Other"])
    fac = await TableScreen(inquiry.code, alice).connect()
    phones = [await TableScreen(inquiry.code, c).connect() for c in people]
    try:
        await fac.send(type="tables", op="open", mode="mixed", size=2, recipe="124all")
        for n, p in enumerate(phones):
            try:
                await p.until(lambda s: s.table() is not None)
            except TimeoutError:
                print(n, [f.text[:150] for f in p.frames])
                raise
    finally:
        for s in phones + [fac]:
            await s.close()
