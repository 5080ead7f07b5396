"""Loading and saving labs, one writer at a time.

lab_to_org loads a lab (or some of its servers) as one engine Organization in a constant number of queries; save_org
stores an edited one.

Every write to a lab happens inside `locked_lab(lab)`: one transaction that first takes the lab's write lock (SELECT …
FOR UPDATE on PostgreSQL; on SQLite every transaction begins IMMEDIATE, which takes the database's write lock), then
reads what it changes, changes it and saves it. Writers of one lab therefore run one after the other and each works on
what the previous one committed, so no change is lost (docs/decisions.md, "Concurrent edits"). A writer that can't get
the lock within settings.EXCHSIM_LOCK_TIMEOUT seconds gets LabBusy, which the dashboard answers with 503 "busy, try
again" (BusyMiddleware) rather than a 500.

save_org stores an edited engine Organization, touching only the rows that differ; the ACL is written as the
difference to the stored ACEs (a unique constraint makes a duplicate ACE row impossible).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction
from django.http import Http404

from . import models
from .convert import (
    accepted_domain_fields,
    accepted_domain_value,
    ace_fields,
    ace_options,
    ace_value,
    connector_fields,
    connector_value,
    lab_fields,
    lab_settings,
    principal_fields,
    principal_value,
    recipient_fields,
    recipient_value,
    server_fields,
    server_value,
    split_list,
)
from .exchange.acl import ace_identity
from .exchange.domains import validate_accepted_domains
from .exchange.emsscope import Directory
from .exchange.errors import ExchangeError, ValidationFailed
from .exchange.limits import lab_wide_text_errors
from .exchange.model import ACE, FieldError, Organization, ReceiveConnector
from .exchange.receive import validate_receive_connector
from .exchange.servers import validate_server
from .exchange.syntax import validate_recipient

# --- The lab's write lock ------------------------------------------------------------------------------------------

BUSY_MESSAGE = "Someone else is changing this lab right now, so your change was not saved. Try again in a moment."


class LabBusy(Exception):
    """Another writer held the lab's lock for longer than EXCHSIM_LOCK_TIMEOUT; nothing was saved."""

    def __init__(self, message: str = BUSY_MESSAGE):
        super().__init__(message)
        self.message = message


class LabGone(ExchangeError, Http404):
    """The lab was deleted while the request waited for it: a form shows it as an error, a page answers 404."""


# SQLite: "database is locked" (busy timeout ran out); PostgreSQL: lock_timeout ran out (55P03) or a deadlock (40P01).
_BUSY_SQLSTATES = {"55P03", "40P01"}


def is_busy_error(error: BaseException) -> bool:
    """Is this database error "another writer holds the lock", which is worth retrying, rather than a fault?"""
    if isinstance(error, LabBusy):
        return True
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    return "database is locked" in str(error) or getattr(cause, "sqlstate", None) in _BUSY_SQLSTATES


def _held() -> set[int]:
    """The labs whose lock the current transaction of this thread's connection holds."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    if not wrapper.in_atomic_block or not hasattr(wrapper, "exchsim_locked_labs"):
        wrapper.exchsim_locked_labs = set()
    return wrapper.exchsim_locked_labs


@contextmanager
def locked_lab(lab: models.Lab) -> Iterator[models.Lab]:
    """A transaction holding `lab`'s write lock; yields the lab's row as committed now (re-read under the lock).
    Load what you change inside the block (lab_to_org), change it, save it (save_org). Re-entrant: inside a
    block that already holds the lock it yields `lab` as given. LabBusy when the lock isn't had in time; LabGone
    when the lab no longer exists."""
    if lab.pk in _held():
        with transaction.atomic():
            yield lab
        return
    try:
        with transaction.atomic():
            try:
                fresh = models.Lab.objects.select_for_update().get(pk=lab.pk)
            except models.Lab.DoesNotExist:
                raise LabGone(f"The lab '{lab.slug}' was deleted meanwhile; nothing was saved.") from None
            held, pk = _held(), fresh.pk  # (fresh.pk is None once the block deletes the lab)
            held.add(pk)
            try:
                yield fresh
            finally:
                held.discard(pk)
    except OperationalError as error:
        if is_busy_error(error):
            raise LabBusy() from error
        raise


def edit_lab(
    lab: models.Lab,
    change: Callable[[Organization], Organization],
    servers: Iterable[str] | None = None,
    *,
    record=None,
):
    """Read-modify-write in one call: under the lab's lock load it (only `servers` of it, when given), apply
    `change(org)` and save the result (ValidationFailed: nothing saved), recorded as `record` (a history.Change).
    Returns (the org before, the org after)."""
    names = None if servers is None else list(servers)
    with locked_lab(lab) as fresh:
        before = lab_to_org(fresh, names)
        after = change(before)
        if after != before:
            save_org(fresh, after, names, change=record)
        return before, after


# --- Loading a lab as an engine Organization --------------------------------------------------------------------------


def _connector_rows(lab: models.Lab, server_names: Iterable[str] | None):
    rows = models.ReceiveConnector.objects.filter(server__lab=lab).select_related("server")
    if server_names is not None:
        rows = rows.filter(server__name__in=list(server_names))
    return rows.order_by("server__name", "id")


def _acls(lab: models.Lab, server_names: Iterable[str] | None) -> dict[int, list[ACE]]:
    """The ACLs of the lab's (or the named servers') connectors in one query, by connector id, in ACL order.
    Plain tuples rather than model instances: a large server has thousands of ACEs."""
    rows = models.AccessControlEntry.objects.filter(connector__server__lab=lab)
    if server_names is not None:
        rows = rows.filter(connector__server__name__in=list(server_names))
    acls: dict[int, list[ACE]] = defaultdict(list)
    columns = ("connector_id", "principal", "right", "deny", "inherited", "group", "properties")
    for connector_id, principal, right, deny, inherited, group, options in rows.order_by(
        "connector_id", "position", "id"
    ).values_list(*columns):
        extra = ace_options(options) if options else {}
        acls[connector_id].append(ACE(principal, right, deny, inherited, group or None, **extra))
    return acls


def _connectors(lab: models.Lab, server_names: Iterable[str] | None) -> tuple[ReceiveConnector, ...]:
    rows = _connector_rows(lab, server_names)
    acls = _acls(lab, server_names)
    return tuple(connector_value(row, row.server.name, acls.get(row.pk, ())) for row in rows)


def lab_to_org(lab: models.Lab, servers: Iterable[str] | None = None) -> Organization:
    """The lab as one engine Organization, in six queries whatever its size. `servers` limits which servers (and so
    which connectors) are loaded; domains, recipients and principals are always loaded, as a simulation needs them.
    Server rows the caller has already read (models.Server) are used as they are, not read again."""
    servers = None if servers is None else list(servers)
    names = None if servers is None else [s.name if isinstance(s, models.Server) else s for s in servers]
    if servers is not None and all(isinstance(s, models.Server) for s in servers):
        server_rows = sorted(servers, key=lambda row: row.name)
    else:
        rows = lab.servers.all() if names is None else lab.servers.filter(name__in=names)
        server_rows = rows.order_by("name")
    servers = tuple(server_value(row) for row in server_rows)
    return Organization(
        name=lab.organization_name,
        domain_netbios=lab.domain_netbios,
        servers=servers,
        connectors=_connectors(lab, names),
        accepted_domains=tuple(map(accepted_domain_value, lab.accepted_domains.order_by("id"))),
        recipients=tuple(map(recipient_value, lab.recipients.order_by("id"))),
        principals=tuple(map(principal_value, lab.principals.order_by("id"))),
        recipient_validation_enabled=lab.recipient_validation_enabled,
        tls_receive_domain_secure_list=split_list(lab.tls_receive_domain_secure_list),
        # a setting an old lab lacks has the default of all its servers' versions, not only of those loaded
        **lab_settings(lab, servers if names is None else lambda: tuple(map(server_value, lab.servers.all()))),
    )


def lab_directory(lab: models.Lab) -> Directory:
    """The names of the lab's servers and of their connectors, in one query (no values, no ACLs): what a scoped console
    run predicts and checks the servers a script names against (exchange/emsscope.py)."""
    rows = lab.servers.order_by("name", "receive_connectors__id").values_list("name", "receive_connectors__name")
    return Directory.from_rows(rows)


# --- Saving an engine Organization ---------------------------------------------------------------------------------


def organization_errors(org: Organization, connectors: Iterable[ReceiveConnector] | None = None) -> list[FieldError]:
    """Every rule the engine checks, for the whole org or only `connectors` of it (each against its own server)."""
    by_server: dict[str, list[ReceiveConnector]] = {}
    for connector in org.connectors:
        by_server.setdefault(connector.server.casefold(), []).append(connector)
    errors = [error for server in org.servers for error in validate_server(server)]
    for connector in org.connectors if connectors is None else connectors:
        server_org = org.with_changes(connectors=tuple(by_server.get(connector.server.casefold(), ())))
        errors += validate_receive_connector(server_org, connector)
    return errors + validate_accepted_domains(org.accepted_domains)


def _only_servers(org: Organization, names: Iterable[str]) -> Organization:
    """The part of `org` on the named servers (their Server values and connectors); lab-wide parts stay whole."""
    wanted = {name.casefold() for name in names}
    return org.with_changes(
        servers=tuple(s for s in org.servers if s.name.casefold() in wanted),
        connectors=tuple(c for c in org.connectors if c.server.casefold() in wanted),
    )


def save_org(lab: models.Lab, org: Organization, servers: Iterable[str] | None = None, *, change=None, loaded=None):
    """Store an edited Organization as the lab's content, under the lab's lock, touching only what changed, and
    record it as one history entry in the same transaction (`change`, a history.Change, says who and from where).
    Returns the entry, None when nothing changed. Raise ValidationFailed (nothing saved) if a changed connector or
    the accepted domains break a rule.

    `org` must have been computed from what was read inside the same locked_lab block: an org read before the lock
    would overwrite what others saved meanwhile. (Called outside a block, save_org takes the lock itself, which
    serialises the write but can't make a stale org fresh.)

    `servers` limits the save to those servers and their connectors (plus the lab-wide domains, recipients and
    principals): `org` may then hold only them, as lab_to_org(lab, servers) loads it, and the other servers are
    neither read nor touched, so an edit costs the same on a 1-server and a 100-server lab. A connector's rules only
    involve its own server's connectors, so validating the loaded servers is validating the change.

    `loaded` is what lab_to_org gave for these servers (or more) inside the same locked_lab block, if the caller has
    it: then it isn't read again."""
    names = None if servers is None else list(servers)
    with locked_lab(lab) as lab:
        if names is not None:
            org = _only_servers(org, names)
        if loaded is None:
            current = lab_to_org(lab, names)
        else:
            current = loaded if names is None else _only_servers(loaded, names)
        stored = set(current.connectors)
        changed = [c for c in org.connectors if c not in stored]
        if set(org.servers) != set(current.servers):  # a server's version or roles decide what its connectors may be
            errors = organization_errors(org)
        elif changed:
            errors = organization_errors(org, changed)
        elif org.accepted_domains != current.accepted_domains:
            errors = validate_accepted_domains(org.accepted_domains)
        else:
            errors = []
        if org.recipients != current.recipients:
            stored_recipients = set(current.recipients)
            errors += [e for r in org.recipients if r not in stored_recipients for e in validate_recipient(r)]
        errors += lab_wide_text_errors(org)  # no object validator reads the org's settings, recipients or principals
        if errors:
            raise ValidationFailed(errors)
        write_org(lab, org, names, stored=current)
        from . import history  # history imports this module (it loads and locks labs)

        return history.record(lab, current, org, change or history.Change())


def _sync(rows, row_key: Callable, values, value_key: Callable, fields: Callable, make: Callable):
    """Make the rows match the values: delete the missing, update the changed, create the new (bulk, so a few
    queries whatever the number of rows). Returns (key -> row for every value, the keys of created rows)."""
    rows_by_key = {row_key(row): row for row in rows}
    wanted = {value_key(value): value for value in values}
    gone = [row.pk for k, row in rows_by_key.items() if k not in wanted]
    if gone:
        type(next(iter(rows_by_key.values()))).objects.filter(pk__in=gone).delete()
    updates, creates, created, result, update_fields = [], [], set(), {}, set()
    for k, value in wanted.items():
        new = fields(value)
        row = rows_by_key.get(k)
        if row is None:
            row = make(value, new)
            creates.append(row)
            created.add(k)
        else:
            changed = {field: v for field, v in new.items() if getattr(row, field) != v}
            for field, v in changed.items():
                setattr(row, field, v)
            if changed:
                updates.append(row)
                update_fields |= changed.keys()
        result[k] = row
    if creates:
        type(creates[0]).objects.bulk_create(creates, batch_size=500)
    if updates:
        type(updates[0]).objects.bulk_update(updates, sorted(update_fields), batch_size=500)
    return result, created


def _name_key(item) -> str:
    return item.name.casefold()


def write_org(
    lab: models.Lab, org: Organization, servers: list[str] | None = None, *, stored: Organization | None = None
) -> None:
    """The unvalidated writer behind save_org, load_lab and generate_lab (their callers have validated). With
    `servers`, only those servers' rows and connectors are compared and written (org holds only them). `stored` is
    the same part of the lab as read in this transaction: then the ACLs and lab-wide tables equal to it are neither
    read nor compared (a one-property edit writes one row in a few queries)."""
    new_lab_fields = lab_fields(org)
    if any(getattr(lab, field) != value for field, value in new_lab_fields.items()):
        for field, value in new_lab_fields.items():
            setattr(lab, field, value)
        lab.save(update_fields=[*new_lab_fields, "updated"])
    server_rows = lab.servers.all()
    connector_rows = models.ReceiveConnector.objects.filter(server__lab=lab)
    if servers is not None:
        wanted = {name.casefold() for name in servers}
        server_rows = [row for row in server_rows if row.name.casefold() in wanted]
        connector_rows = connector_rows.filter(server__in=server_rows)
    servers_by_key, _ = _sync(
        server_rows,
        _name_key,
        org.servers,
        _name_key,
        server_fields,
        lambda value, fields: models.Server(lab=lab, **fields),
    )
    connectors, created = _sync(
        connector_rows.select_related("server"),
        lambda row: (row.server.name.casefold(), row.name.casefold()),
        org.connectors,
        _connector_key,
        connector_fields,
        lambda value, fields: models.ReceiveConnector(server=servers_by_key[value.server.casefold()], **fields),
    )
    stored_acls = {} if stored is None else {_connector_key(c): c.acl for c in stored.connectors}
    changed_acls = [c for c in org.connectors if stored is None or stored_acls.get(_connector_key(c)) != c.acl]
    _sync_aces(changed_acls, connectors, created)
    for part, rows, fields, model in (
        ("accepted_domains", lab.accepted_domains.all(), accepted_domain_fields, models.AcceptedDomain),
        ("recipients", lab.recipients.all(), recipient_fields, models.Recipient),
        ("principals", lab.principals.all(), principal_fields, models.Principal),
    ):
        values = getattr(org, part)
        if stored is not None and values == getattr(stored, part):
            continue
        _sync(rows, _name_key, values, _name_key, fields, lambda value, fields, model=model: model(lab=lab, **fields))


def _connector_key(connector: ReceiveConnector) -> tuple[str, str]:
    return connector.server.casefold(), connector.name.casefold()


def _ace_row_key(row: models.AccessControlEntry) -> tuple:
    return ace_identity(ace_value(row))


def _unique_acl(acl: Iterable[ACE]) -> list[ACE]:
    """The ACL without repeats of an identical ACE (they grant nothing more; a lab file may hold some)."""
    seen, result = set(), []
    for ace in acl:
        key = ace_identity(ace)
        if key not in seen:
            seen.add(key)
            result.append(ace)
    return result


def _positions(kept: list[int | None]) -> list[int] | None:
    """The stored positions kept as they are, when the ACL's order allows: `kept` holds, in the new ACL's order, each
    ACE's stored position (None for a new ACE). Kept positions must rise, and new ACEs come after the last kept one
    (they are numbered on from it). None when the order changed otherwise: then the ACL is renumbered."""
    result, last, seen_new = [], -1, False
    for position in kept:
        if position is None:
            seen_new = True
            last += 1
            result.append(last)
        elif seen_new or position <= last:
            return None
        else:
            last = position
            result.append(position)
    return result


def _sync_aces(connectors: Iterable[ReceiveConnector], rows_by_key: dict, created: set) -> None:
    """Write each connector's ACL as the difference to its stored ACEs: delete the ones no longer there, insert the
    new ones, update an ACE whose position or writing group changed. Adding or removing one ACE writes one row, in
    a few queries for all connectors together."""
    gone, fresh, moved = [], [], []
    connectors = list(connectors)
    read = [rows_by_key[_connector_key(c)].pk for c in connectors if _connector_key(c) not in created]
    aces_by_connector: dict[int, list[models.AccessControlEntry]] = defaultdict(list)
    if read:
        for ace_row in models.AccessControlEntry.objects.filter(connector_id__in=read).order_by("position", "id"):
            aces_by_connector[ace_row.connector_id].append(ace_row)
    for connector in connectors:
        key = _connector_key(connector)
        row = rows_by_key[key]
        stored_rows = [] if key in created else aces_by_connector[row.pk]
        stored: dict[tuple, models.AccessControlEntry] = {}
        for ace_row in stored_rows:
            stored.setdefault(_ace_row_key(ace_row), ace_row)
        acl = _unique_acl(connector.acl)
        matches = [stored.get(ace_identity(a)) for a in acl]
        positions = _positions([None if match is None else match.position for match in matches])
        if positions is None:
            positions = list(range(len(acl)))
        kept = set()
        for ace, match, position in zip(acl, matches, positions, strict=True):
            wanted = ace_fields(ace, position)
            if match is None:
                fresh.append(models.AccessControlEntry(connector_id=row.pk, **wanted))
                continue
            kept.add(match.pk)
            changed = {field: value for field, value in wanted.items() if getattr(match, field) != value}
            if changed:
                for field, value in changed.items():
                    setattr(match, field, value)
                moved.append(match)
        gone += [ace_row.pk for ace_row in stored_rows if ace_row.pk not in kept]
    if gone:
        models.AccessControlEntry.objects.filter(pk__in=gone).delete()
    if moved:
        models.AccessControlEntry.objects.bulk_update(
            moved, ["position", "principal", "group", "properties"], batch_size=500
        )
    if fresh:
        models.AccessControlEntry.objects.bulk_create(fresh, batch_size=1000)
