import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models

NAME_LENGTH = 200


def _numbered(name: str, number: int) -> str:
    suffix = f" ({number})"
    return name[: NAME_LENGTH - len(suffix)] + suffix


def rename_clashing_labs(apps, schema_editor):
    """Before the constraint: an owner's second (third, …) lab of the same name, case aside, becomes "Name (2)"
    (the first free number); the oldest keeps its name. Written here rather than imported, as a migration must not
    change when the app's code does."""
    Lab = apps.get_model("connectors", "Lab")
    taken_by_owner: dict = {}
    for lab in Lab.objects.order_by("owner_id", "pk"):
        taken = taken_by_owner.setdefault(lab.owner_id, set())
        if lab.name.casefold() not in taken:
            taken.add(lab.name.casefold())
            continue
        number = 2
        while _numbered(lab.name, number).casefold() in taken:
            number += 1
        lab.name = _numbered(lab.name, number)
        taken.add(lab.name.casefold())
        lab.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0003_constraint_messages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BaselineSnapshot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "origin",
                    models.CharField(
                        help_text="Where the lab started, in words: 'the exchange2007 template'", max_length=300
                    ),
                ),
                ("data", models.JSONField()),
                ("created", models.DateTimeField(auto_now_add=True)),
                (
                    "lab",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="baseline_snapshot",
                        to="connectors.lab",
                    ),
                ),
            ],
        ),
        migrations.RunPython(rename_clashing_labs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="lab",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("name"),
                models.F("owner"),
                name="unique_lab_name_per_owner",
                violation_error_message="You already have a lab with this name.",
            ),
        ),
    ]
