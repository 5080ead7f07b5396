"""A parameter name may hold a digit, as -SmtpUtf8Enabled does: the grammar ends a name at a digit (and reads the rest
as a redirection), so the console spells such digits before parsing and reads the name back (psrewrites)."""

import pytest

from connectors.exchange import ems, psparse
from connectors.exchange.psparse import Parameter
from tests.powershell.orgs import template


@pytest.mark.parametrize("text", ["-SmtpUtf8Enabled $false", "-SmtpUtf8Enabled:$false"])
def test_it_reads_a_parameter_name_with_a_digit(text):
    (call,) = psparse.parse_script(f"Set-ReceiveConnector 'EX01\\Default EX01' {text}")[0]
    names = [element.name for element in call.elements if isinstance(element, Parameter)]
    assert names == ["SmtpUtf8Enabled"]


def test_it_sets_smtp_utf8_enabled():
    result = ems.run_script(template("exchangese"), "Set-ReceiveConnector 'EX01\\Default EX01' -SmtpUtf8Enabled $false")
    assert result.error is None
    assert result.org.connector("EX01", "Default EX01").smtp_utf8_enabled is False


def test_a_digit_in_a_quoted_argument_is_left_as_written():
    (call,) = psparse.parse_script("Set-ReceiveConnector 'EX01\\Default EX01' -Comment 'see -Smtp8 and Zqi'")[0]
    assert call.elements[-1] == "see -Smtp8 and Zqi"
