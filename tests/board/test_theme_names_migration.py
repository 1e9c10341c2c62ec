"""board 0009: theme names once per inquiry, case and spacing aside. Themes stored alike before it keep
their cards, and every one after the first is told apart by a number; the database then refuses another."""

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from board.models import Card, Theme
from inquiry.models import Participant

from .test_import import exported

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("board", "0008_vote_presenter_lens")]
AFTER = [("board", "0009_theme_name_once_per_inquiry")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture(autouse=True)
def latest_schema_after():
    """Each test leaves the database at the latest migration of every app, as the tests after it expect
    (migrating to AFTER alone would leave out every later migration: their tables missing)."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_themes_named_alike_are_numbered_in_board_order_and_keep_their_cards(alice, inquiry, other_inquiry):
    migrate(BEFORE)
    try:
        names = ["housing", "Transport", "Housing", "HOUSING (2)", "ＨＯＵＳＩＮＧ"]
        themes = [Theme.objects.create(inquiry=inquiry, name=n, position=i) for i, n in enumerate(names)]
        elsewhere = Theme.objects.create(inquiry=other_inquiry, name="Housing")
        card = Card.objects.create(
            inquiry=inquiry,
            round=inquiry.current_round,
            author=Participant.objects.create(inquiry=inquiry, display_name="Carol", sector="NHS"),
            client_id=uuid.uuid4(),
            text="Damp flats",
            theme=themes[2],
        )
    finally:
        migrate(AFTER)

    data = exported(alice, inquiry)
    assert [t["name"] for t in data["themes"]] == [
        "housing",
        "Transport",
        "Housing (2)",
        "HOUSING (2) (2)",
        "ＨＯＵＳＩＮＧ (3)",
    ]
    assert [c["theme"] for c in data["cards"] if c["text"] == "Damp flats"] == [data["themes"][2]["ref"]]
    assert Card.objects.get(pk=card.pk).theme_id == themes[2].pk
    elsewhere.refresh_from_db()
    assert elsewhere.name == "Housing"
    with pytest.raises(IntegrityError), transaction.atomic():
        Theme.objects.create(inquiry=inquiry, name="TRANSPORT")
