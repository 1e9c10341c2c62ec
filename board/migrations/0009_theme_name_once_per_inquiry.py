"""A theme name once per inquiry, case and spacing aside. Themes already named alike ("Housing" and
"housing") keep their cards; every one after the first (in board order: position, then creation) takes
the first free "name (2)", "name (3)"..."""

import unicodedata

import django.db.models.functions.text
from django.db import migrations, models

LIMIT = 80  # board.models.THEME_NAME_LIMIT when this was written


def _key(name):
    # board.text.name_key as it stood: a migration keeps its own copy, so it never changes under it.
    folded = "".join(
        " " if unicodedata.category(ch) in ("Zs", "Zl", "Zp") else ch
        for ch in unicodedata.normalize("NFKC", name)
        if unicodedata.category(ch) not in ("Cf", "Mn", "Me")
    )
    return " ".join(folded.split()).casefold()


def rename_alike(apps, schema_editor):
    Theme = apps.get_model("board", "Theme")
    taken, renamed = {}, []
    for theme in Theme.objects.order_by("inquiry_id", "position", "pk").only("pk", "inquiry_id", "name"):
        keys = taken.setdefault(theme.inquiry_id, set())
        name, number = theme.name, 1
        while _key(name) in keys or name.lower() in keys:
            number += 1
            suffix = f" ({number})"
            name = theme.name[: LIMIT - len(suffix)].rstrip() + suffix
        keys |= {_key(name), name.lower()}
        if name != theme.name:
            theme.name = name
            renamed.append(theme)
    Theme.objects.bulk_update(renamed, ["name"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0008_vote_presenter_lens"),
        ("inquiry", "0009_account_password_to_change"),
    ]

    operations = [
        migrations.RunPython(rename_alike, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="theme",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("name"),
                models.F("inquiry"),
                name="theme_name_once_per_inquiry",
            ),
        ),
    ]
