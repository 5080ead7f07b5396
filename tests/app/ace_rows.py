"""What the ACE row tests (test_ace_rows, test_ace_option_rows) share: the demo lab's relay connector, given a new
ACL in the lab's organisation (the `demo_lab` fixture is conftest's)."""

from connectors.store import lab_to_org

RELAY = "Anonymous Relay"


def with_relay_acl(lab, change):
    """The lab's organisation with the relay connector's ACL replaced by change(acl), and the relay as it was."""
    org = lab_to_org(lab)
    relay = org.connector("EX01", RELAY)
    connectors = tuple(c.with_changes(acl=change(c.acl)) if c is relay else c for c in org.connectors)
    return org.with_changes(connectors=connectors), relay
