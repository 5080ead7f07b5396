"""The hashtables in -Property (Select-Object, Format-*, Sort-Object, Group-Object): keys read as PowerShell reads
them, and a hashtable that can't be read refused in words rather than objects silently dropped."""

from connectors.exchange import ems

from .orgs import template


def run(script):
    return ems.run_script(template(), script)


def out(script) -> list[str]:
    result = run(script)
    assert result.error is None, result.error
    return result.output


def test_it_refuses_a_sort_key_without_an_expression_instead_of_dropping_objects():
    result = run("3, 1, 2 | Sort-Object @{Descending=$true}")
    assert not {"1", "2", "3"} & set(result.output)
    assert "Sort-Object: a -Property hashtable needs an Expression key" in result.error


def test_it_takes_any_unambiguous_prefix_of_a_key():
    assert out("'bb', 'a', 'ccc' | Sort-Object @{Expr={$_.Length}; desc=$true}") == ["ccc", "bb", "a"]
    assert out("'bb', 'a' | Select-Object @{Lab='Len'; Ex={$_.Length}} | % Len") == ["2", "1"]


def test_it_refuses_a_key_the_cmdlet_does_not_take():
    result = run("'a' | Select-Object @{Name='x'; Expression={1}; Colour='red'}")
    assert 'the "Colour" key is not valid' in result.error
    assert "Name, Label, Expression" in result.error


def test_a_sort_key_giving_ascending_and_descending_alike_leaves_the_switch_in_charge():
    # PowerShell ignores an Ascending and a Descending that agree (OrderByProperty's "conflict" rule)
    assert out("1, 3, 2 | Sort-Object @{e={$_}; Ascending=$true; Descending=$true} -Descending") == ["3", "2", "1"]
    assert out("1, 3, 2 | Sort-Object @{e={$_}; Ascending=$false; Descending=$true}") == ["3", "2", "1"]
    assert out("1, 3, 2 | Sort-Object @{e={$_}; Ascending=$true} -Descending") == ["1", "2", "3"]


def test_sort_unique_compares_by_a_hashtable_key():
    assert out("'a', 'B', 'b', 'c' | Sort-Object @{e={$_.ToUpper()}} -Unique") == ["a", "B", "c"]


def test_group_object_groups_by_a_hashtable_expression():
    script = "Get-ReceiveConnector | Group-Object @{Expression={$_.TransportRole}} | % { $_.Name + '=' + $_.Count }"
    assert out(script) == ["FrontendTransport=3", "HubTransport=2"]


def test_format_table_accepts_width_and_alignment_keys_and_prints_as_without_them():
    plain = out("'bb', 'a' | Format-Table @{Label='Len'; Expression={$_.Length}}")
    keyed = out("'bb', 'a' | Format-Table @{Label='Len'; Expression={$_.Length}; Width=10; Alignment='Right'}")
    assert keyed == plain  # accepted, not simulated (decisions.md)
    assert [line.strip() for line in plain if line.strip()] == ["Len", "---", "2", "1"]


def test_each_cmdlet_takes_the_keys_its_own_parameter_definition_has():
    # Select-Object takes Expression and Name/Label only; Format-List adds FormatString; Format-Table also Width and
    # Alignment; ConvertTo-Html Width and Alignment (SelectObjectExpressionParameterDefinition and its siblings)
    result = run("[pscustomobject]@{A=1} | Select-Object @{e='A'; Width=5}")
    assert result.error.startswith('Select-Object: the "Width" key is not valid')
    result = run("[pscustomobject]@{A=1} | Format-List @{e='A'; Alignment='Left'}")
    assert result.error.startswith('Format-List: the "Alignment" key is not valid')
    assert "A : 1" in out("[pscustomobject]@{A=1} | Format-List @{e='A'; FormatString='N0'}")
    assert "A" in out("[pscustomobject]@{A=1} | Format-Table @{e='A'; Width=5; Alignment='Left'}")[1]
    assert "<tr><td>1</td></tr>" in out("[pscustomobject]@{A=1} | ConvertTo-Html @{e='A'; Width=5} -Fragment")
    result = run("[pscustomobject]@{A=1} | ConvertTo-Html @{e='A'; FormatString='N0'}")
    assert result.error.startswith('ConvertTo-Html: the "FormatString" key is not valid')
