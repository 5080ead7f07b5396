# A duplicate ACE row becomes impossible. Labs saved concurrently before the lab lock (issue 10) may hold thousands of
# copies of the same ACE: keep the first of each (lowest position, then id) before adding the constraint.

import django.db.models.functions.text
from django.db import migrations, models


def drop_duplicate_aces(apps, schema_editor):
    ace = apps.get_model("connectors", "AccessControlEntry")
    seen, duplicates = set(), []
    rows = ace.objects.order_by("connector_id", "position", "id").values_list(
        "id", "connector_id", "principal", "right", "deny", "inherited"
    )
    for pk, connector_id, principal, right, deny, inherited in rows.iterator(chunk_size=5000):
        key = (connector_id, principal.lower(), right, deny, inherited)
        if key in seen:
            duplicates.append(pk)
        else:
            seen.add(key)
    for start in range(0, len(duplicates), 5000):
        ace.objects.filter(pk__in=duplicates[start : start + 5000]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0004_labsplan_baseline_unique_names"),
    ]

    operations = [
        migrations.RunPython(drop_duplicate_aces, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="accesscontrolentry",
            constraint=models.UniqueConstraint(
                models.F("connector"),
                django.db.models.functions.text.Lower("principal"),
                models.F("right"),
                models.F("deny"),
                models.F("inherited"),
                name="unique_ace_per_connector",
                violation_error_message="This access control entry is already on the connector.",
            ),
        ),
    ]
