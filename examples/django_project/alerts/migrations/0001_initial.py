"""The Alert table."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies: tuple[tuple[str, str], ...] = ()

    operations = (
        migrations.CreateModel(
            name="Alert",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text", models.TextField()),
                ("recipient", models.CharField(blank=True, max_length=255)),
                ("source", models.CharField(
                    choices=[("form", "form"), ("webhook", "webhook"), ("chat", "chat")], max_length=16)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
    )
