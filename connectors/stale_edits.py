"""Saving a whole-value tab (General, Authentication, Settings, Permission Groups) that was shown before someone
else saved: each such form carries a fingerprint of the values it showed (`based_on`), and `reconcile` keeps what the
others saved meanwhile or reports the conflict, so no change is overwritten unseen (docs/decisions.md, "Concurrent
edits")."""

from __future__ import annotations

import hashlib
import json

# Tabs whose forms set whole values (texts, numbers, sets of boxes) rather than add or remove one entry.
WHOLE_VALUE_TABS = ("general", "auth", "settings", "groups")


def _fingerprint(value) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        value = sorted(str(item) for item in value)
    return hashlib.sha256(json.dumps(value, default=str).encode()).hexdigest()[:12]


def based_on(values: dict) -> str:
    return ",".join(f"{field}={_fingerprint(value)}" for field, value in values.items())


def reconcile(form, shown_fingerprints: str, now: dict) -> list[tuple[str, str]]:
    """Reconcile a whole-value form posted from a view fingerprinted `shown_fingerprints` (its based_on) with the
    values stored `now`. A field the user left as shown takes the stored value (so what someone else saved meanwhile
    stays); a field the user changed that someone else changed differently meanwhile is a conflict. Returns the
    conflicts as (label, value stored now); when there are any, nothing may be saved."""
    shown = dict(item.split("=", 1) for item in shown_fingerprints.split(",") if "=" in item)
    conflicts = []
    for field, current in now.items():
        if field not in shown or field not in form.cleaned_data:
            continue
        mine = form.cleaned_data[field]
        if _fingerprint(mine) == shown[field]:
            form.cleaned_data[field] = current
        elif _fingerprint(current) not in (shown[field], _fingerprint(mine)):
            conflicts.append((form[field].label, _display(form.fields[field], current)))
    return conflicts


def _display(field, value) -> str:
    """A form value as the form shows it: choices by their labels, booleans as on/off."""
    labels = {key: label for key, label in getattr(field, "choices", ())}
    if isinstance(value, list | tuple):
        return ", ".join(str(labels.get(item, item)) for item in value) or "(none)"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(labels.get(value, value)) if value not in ("", None) else "(empty)"
