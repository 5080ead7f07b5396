"""PowerShell's missing-mandatory-parameter error names only the parameters that are missing."""

import pytest

from connectors.exchange import ems

from .orgs import template

MISSING = "Cannot process command because of one or more missing mandatory parameters: {0}."


@pytest.mark.parametrize(
    ("script", "missing"),
    [
        ("New-AcceptedDomain -Name Fabrikam", "DomainName"),
        ("New-AcceptedDomain -DomainName fabrikam.com", "Name"),
        ("New-AcceptedDomain", "Name DomainName"),
        ('Add-ADPermission "Default Frontend EX01" -ExtendedRights ms-Exch-SMTP-Submit', "User"),
        ('Add-ADPermission "Default Frontend EX01" -User "NT AUTHORITY\\ANONYMOUS LOGON"', "ExtendedRights"),
        ("New-ReceiveConnector -Name P -Partner -Bindings 0.0.0.0:2500 -Server EX01", "RemoteIPRanges"),
    ],
)
def test_only_the_missing_mandatory_parameters_are_named(script, missing):
    assert ems.run_script(template(), script).error == MISSING.format(missing)
