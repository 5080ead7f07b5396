"""Creating labs and what they start from: from a template, an engine Organization, a lab file, a copy of another
lab, the demo and generated labs; names and slugs; renaming; the baseline a lab's plan starts from.
The organisations themselves are connectors/labtemplates.py, the file format connectors/labfile.py; loading and saving
a lab's content, under its write lock, is connectors/store.py."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from . import baselines, history, models
from .exchange.errors import ExchangeError
from .exchange.model import Organization
from .labfile import data_to_org, parse_lab_file
from .labtemplates import CURRENT_TEMPLATE, DEMO_RELAY_IP, demo_org, generated_org, template_org
from .store import lab_to_org, write_org

logger = logging.getLogger(__name__)


def unique_slug(text: str) -> str:
    base = slugify(text)[:56] or "lab"
    taken = set(models.Lab.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


SLUG_RULES = "letters, digits, hyphens and underscores, at most 64 characters"
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,64}")
NAME_LENGTH = models.Lab._meta.get_field("name").max_length


def slug_error(slug: str) -> ExchangeError | None:
    """Why `slug` can't name a lab (it is the lab's address, /labs/SLUG/), or None."""
    if _SLUG.fullmatch(slug):
        return None
    return ExchangeError(f"'{slug}' can't be a lab's slug: use only {SLUG_RULES}, e.g. relay-2007.", "slug")


def _name_taken(owner, name: str, exclude: models.Lab | None = None) -> bool:
    labs = models.Lab.objects.filter(owner=owner, name__iexact=name)
    return (labs.exclude(pk=exclude.pk) if exclude else labs).exists()


def _name_taken_error(name: str) -> ExchangeError:
    return ExchangeError(
        f"You already have a lab called '{name}'. Choose another name, or rename or delete that lab first.", "Name"
    )


def _numbered(name: str, number: int) -> str:
    suffix = f" ({number})" if number > 1 else ""
    return name[: NAME_LENGTH - len(suffix)] + suffix


def free_lab_name(owner, name: str) -> str:
    """`name`, or "name (2)", "name (3)"…: the first that `owner` has no lab called (case aside)."""
    taken = {
        n.casefold()
        for n in models.Lab.objects.filter(owner=owner, name__istartswith=name[: NAME_LENGTH - 8]).values_list(
            "name", flat=True
        )
    }
    number = 1
    while _numbered(name, number).casefold() in taken:
        number += 1
    return _numbered(name, number)


def _new_lab(slug: str | None, name: str | None, default_name: str, *, owner=None, **fields) -> models.Lab:
    """The Lab row. A `name` the user typed is refused when the owner already has a lab so named; without one,
    `default_name` gets the first free number ("Relay lab (2)"). The database's constraint settles a race."""
    if slug is not None and (error := slug_error(slug)):
        raise error
    if slug and models.Lab.objects.filter(slug=slug).exists():
        raise ExchangeError(f"A lab with the slug '{slug}' already exists.", "slug")
    if name:
        if len(name) > NAME_LENGTH:
            raise ExchangeError(f"A lab's name can be at most {NAME_LENGTH} characters long.", "Name")
        if _name_taken(owner, name):
            raise _name_taken_error(name)
    else:
        name = free_lab_name(owner, default_name)
    try:
        with transaction.atomic():
            return models.Lab.objects.create(slug=slug or unique_slug(name), name=name, owner=owner, **fields)
    except IntegrityError:
        if slug and models.Lab.objects.filter(slug=slug).exists():
            raise ExchangeError(f"A lab with the slug '{slug}' already exists.", "slug") from None
        raise _name_taken_error(name) from None


@transaction.atomic
def rename_lab(lab: models.Lab, name: str) -> None:
    """Rename, refused (nothing saved) when the owner has another lab of that name."""
    if _name_taken(lab.owner, name, exclude=lab):
        raise _name_taken_error(name)
    lab.name = name
    try:
        with transaction.atomic():
            lab.save(update_fields=["name"])
    except IntegrityError:
        raise _name_taken_error(name) from None


def record_baseline(lab: models.Lab, org: Organization, origin: str) -> None:
    """Keep `org` as the state the lab started from (connectors/baselines.py); its plan then shows what changed."""
    data = baselines.snapshot_data(org)
    origin = origin[: models.BaselineSnapshot._meta.get_field("origin").max_length]  # it may hold a file's name
    models.BaselineSnapshot.objects.update_or_create(lab=lab, defaults={"origin": origin, "data": data})


def _start_lab(lab: models.Lab, org: Organization, origin: str, change=None, action: str = "create") -> models.Lab:
    """Write a new lab's content, keep it as the baseline and record how the lab came to be (its first entry)."""
    write_org(lab, org)
    record_baseline(lab, org, origin)
    change = change or history.Change()
    history.record_creation(lab, org, replace(change, action=action, note=change.note or origin))
    return lab


@transaction.atomic
def create_lab_from_template(
    template: str, *, slug=None, owner=None, name=None, default_name=None, description="", change=None
) -> models.Lab:
    """A new lab holding the template's organisation, which stays its baseline. The slug defaults to one made from
    the name; `name` is the user's (refused when taken), `default_name` a suggestion (numbered when taken)."""
    org = template_org(template)
    lab = _new_lab(slug, name, default_name or slug or template, owner=owner, description=description)
    return _start_lab(lab, org, f"the {template} template", change)


@transaction.atomic
def create_lab(
    org: Organization, origin: str, *, slug=None, owner=None, default_name="lab", description="", change=None
) -> models.Lab:
    """A new lab holding `org` (validated by the caller); `change.action` says how it came to be (history)."""
    lab = _new_lab(slug, None, default_name, owner=owner, description=description)
    action = change.action if change and change.action in history.CREATIONS else "create"
    return _start_lab(lab, org, origin, change, action)


@transaction.atomic
def copy_lab(source: models.Lab, slug=None, *, owner=None, name=None, change=None) -> models.Lab:
    """A copy of `source` whose baseline is `source` (so plans show what changed). The source as it is now is
    kept too, so the copy's plan still works once the source is deleted."""
    lab = _new_lab(
        slug,
        name,
        f"{source.name[: NAME_LENGTH - 12]} (copy)",  # room for " (2)"
        owner=owner or source.owner,
        baseline=source,
        description=source.description,
    )
    origin = f"lab {source.name} ({source.slug}) when it was copied"
    return _start_lab(lab, lab_to_org(source), origin, change, "copy")


def baseline_snapshot(lab: models.Lab) -> models.BaselineSnapshot | None:
    """Where the lab started and when, without the (possibly large) snapshot itself."""
    return models.BaselineSnapshot.objects.filter(lab=lab).defer("data").first()


def baseline_org(lab: models.Lab) -> Organization:
    """What the lab's plan starts from: the lab it was copied from while that exists, else the state the lab
    started in (its template, lab file, scenario or deleted source); an empty org with the lab's domain for a lab
    that has neither (made before baselines were kept)."""
    if lab.baseline_id is not None:
        return lab_to_org(lab.baseline)
    data = models.BaselineSnapshot.objects.filter(lab=lab).values_list("data", flat=True).first()
    if data is not None:
        try:
            return baselines.snapshot_org(data) if baselines.is_snapshot(data) else data_to_org(data)
        except (KeyError, TypeError, ValueError, ExchangeError):  # from a later exchsim's schema, or hand-edited
            logger.warning("The baseline of lab %s doesn't read; its plan starts from an empty organisation.", lab)
    return Organization(name=lab.organization_name, domain_netbios=lab.domain_netbios)


def baseline_name(lab: models.Lab) -> str:
    """The baseline in words, for plan titles: the source lab's name, or where the lab started."""
    if lab.baseline_id is not None:
        return lab.baseline.name
    snapshot = baseline_snapshot(lab)
    return f"{lab.name} as it started ({snapshot.origin})" if snapshot else "(an empty organisation)"


# --- The demo lab and generated labs (benchmarks) ---------------------------------------------------------------------


@transaction.atomic
def create_demo_lab(slug: str = "demo", owner=None) -> models.Lab:
    """(Re)create the demo lab: the SE template with an anonymous relay connector for 10.0.0.50."""
    models.Lab.objects.filter(slug=slug).delete()
    lab = _new_lab(
        slug,
        None,
        "Demo: Contoso with an anonymous relay",
        owner=owner,
        description=f"Exchange Server SE with Setup's connectors plus an anonymous relay for {DEMO_RELAY_IP}.",
    )
    # The baseline is the template, so the demo's plan is the script that builds its anonymous relay.
    org = demo_org()
    write_org(lab, org)
    record_baseline(lab, template_org(CURRENT_TEMPLATE), f"the {CURRENT_TEMPLATE} template, without the relay")
    history.record_creation(lab, org, history.Change(action="create", note="the demo lab"))
    return lab


@transaction.atomic
def generate_lab(
    slug: str, servers: int, connectors_per_server: int, ranges_per_connector: int, seed: int = 1, owner=None
) -> models.Lab:
    org = generated_org(servers, connectors_per_server, ranges_per_connector, seed)
    lab = _new_lab(
        slug,
        None,
        f"Generated: {servers} servers × {connectors_per_server} connectors × {ranges_per_connector} ranges"
        f" (seed {seed})",
        owner=owner,
    )
    return _start_lab(lab, org, f"generatelab with seed {seed}")


@transaction.atomic
def create_imported_lab(
    org: Organization, origin: str, *, slug=None, owner=None, name=None, baseline=None, description="", change=None
) -> models.Lab:
    """A new lab holding an imported organisation (connectors/imports.py has validated it). Its baseline is
    `baseline` when given (an earlier import or lab, so the plan shows what changed in production since: drift; that
    lab's state now is kept too, for when it is deleted), else the import itself."""
    lab = _new_lab(slug, name, f"Imported: {org.name}", owner=owner, baseline=baseline, description=description)
    write_org(lab, org)
    if baseline is not None:
        record_baseline(lab, lab_to_org(baseline), f"lab {baseline.name} ({baseline.slug}) when this was imported")
    else:
        record_baseline(lab, org, origin)
    change = change or history.Change()
    history.record_creation(lab, org, replace(change, action="load", note=change.note or origin))
    return lab


@transaction.atomic
def load_lab(
    text: str, slug: str | None = None, *, owner=None, origin: str = "the lab file", change=None
) -> models.Lab:
    """Create a lab from lab-file text, all or nothing; the file's state stays its baseline. LabFileError (a
    ValueError) names each offending path. The file's lab name gets a number when the owner has one so named."""
    data = parse_lab_file(text)
    org = data_to_org(data)
    lab = _new_lab(slug, None, data.get("name") or slug or "lab", owner=owner, description=data.get("description", ""))
    return _start_lab(lab, org, origin, change, "load")
