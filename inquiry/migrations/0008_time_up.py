from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inquiry", "0007_participant_last_seen"),
    ]

    operations = [
        migrations.AddField(
            model_name="inquiry",
            name="time_up",
            field=models.BooleanField(default=False),
        ),
    ]
