"""Labs a newcomer can find: whose a command-line lab is and where it opens, the slug rules, one name per owner."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command, load_command_class
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from connectors import labfile, labs
from connectors.models import Lab

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- owner and address ---------------------------------------------------------------------------------------------


def test_createlab_without_owner_gives_the_lab_to_the_local_trainer_and_says_where_it_opens():
    assert not User.objects.filter(username="local").exists()
    output = run("createlab", "mylab")
    assert output.splitlines()[0] == "Created lab 'mylab' (owner local): http://127.0.0.1:8000/labs/mylab/"
    local = User.objects.get(username="local")
    assert Lab.objects.get(slug="mylab").owner == local
    assert local.groups.filter(name="trainers").exists()  # the demo's trainer, so the dashboard shows the lab


def test_the_printed_address_follows_exchsim_base_url(settings):
    settings.EXCHSIM_BASE_URL = "https://exchsim.example.com"
    assert "(owner local): https://exchsim.example.com/labs/mylab/" in run("createlab", "mylab")


def test_createlab_with_owner_names_that_owner(alice):
    assert "Created lab 'mine' (owner alice): " in run("createlab", "mine", "--owner", "alice")
    assert Lab.objects.get(slug="mine").owner == alice


def test_every_lab_making_command_says_whose_the_lab_is_and_its_address(tmp_path, alice, settings):
    # `demo` switches single-user mode on; an override through the settings fixture puts it back afterwards, so
    # later tests in this process see real sign-in.
    settings.EXCHSIM_SINGLE_USER = False
    run("createlab", "source", "--owner", "alice")
    assert run("copylab", "source", "copy").startswith(
        "Copied lab 'copy' (owner alice): http://127.0.0.1:8000/labs/copy/"
    )  # a copy is the source owner's unless --owner says otherwise
    path = tmp_path / "lab.json"
    path.write_text(run("dumplab", "source"))
    assert run("loadlab", str(path), "--slug", "loaded").startswith(
        "Loaded lab 'loaded' (owner local): http://127.0.0.1:8000/labs/loaded/"
    )
    generated = run(
        "generatelab", "big", "--servers", "1", "--connectors-per-server", "1", "--ranges-per-connector", "1"
    )
    assert generated.startswith("Generated lab 'big' (owner local): http://127.0.0.1:8000/labs/big/")
    started = run("scenario", "start", "stop-anonymous-spoofing", "--slug", "spoof")
    assert started.startswith("Started lab 'spoof' (owner local): http://127.0.0.1:8000/labs/spoof/")
    assert run("demo", "--no-serve", "--addrport", "127.0.0.1:8123").startswith(
        "Demo lab 'demo' (owner local): http://127.0.0.1:8123/labs/demo/"
    )
    owners = dict(Lab.objects.values_list("slug", "owner__username"))
    assert owners == {
        "source": "alice",
        "copy": "alice",
        "loaded": "local",
        "big": "local",
        "spoof": "local",
        "demo": "local",
    }


def test_copylab_of_an_ownerless_lab_gives_the_copy_to_the_local_trainer():
    source = labs.create_lab_from_template("exchange2016", slug="orphan")
    run("copylab", "orphan", "orphan-copy")
    assert Lab.objects.get(slug="orphan-copy").owner.username == "local"
    assert source.owner is None


# --- slugs ---------------------------------------------------------------------------------------------------------


def test_the_help_states_the_slug_rules():
    parser = load_command_class("connectors", "createlab").create_parser("manage.py", "createlab")
    text = " ".join(parser.format_help().split())
    assert "slug (letters, digits, hyphens and underscores, at most 64 characters)" in text
    assert "Without --owner the lab belongs to the local trainer 'local'" in text


@pytest.mark.parametrize("slug", ["Bad Name!", "relay/2007", "x" * 65, "café"])
def test_createlab_refuses_a_slug_outside_the_rules_and_makes_nothing(slug):
    with pytest.raises(CommandError) as refused:
        run("createlab", slug)
    assert str(refused.value) == (
        f"'{slug}' can't be a lab's slug: use only letters, digits, hyphens and underscores, at most 64 "
        "characters, e.g. relay-2007."
    )
    assert not Lab.objects.exists()


def test_every_command_that_takes_a_slug_applies_the_rules(tmp_path):
    run("createlab", "source")
    path = tmp_path / "lab.json"
    path.write_text(run("dumplab", "source"))
    for args in (
        ("copylab", "source", "Bad Name!"),
        ("loadlab", str(path), "--slug", "Bad Name!"),
        ("generatelab", "Bad Name!", "--servers", "1", "--connectors-per-server", "1", "--ranges-per-connector", "1"),
        ("scenario", "start", "stop-anonymous-spoofing", "--slug", "Bad Name!"),
    ):
        with pytest.raises(CommandError, match="can't be a lab's slug"):
            run(*args)
    assert list(Lab.objects.values_list("slug", flat=True)) == ["source"]


# --- one name per owner --------------------------------------------------------------------------------------------


def test_a_typed_name_the_owner_already_has_is_refused_whatever_its_case():
    run("createlab", "one", "--name", "Relay lab 2007")
    with pytest.raises(CommandError) as refused:
        run("createlab", "two", "--name", "relay LAB 2007")
    assert "You already have a lab called 'relay LAB 2007'. Choose another name" in str(refused.value)
    assert not Lab.objects.filter(slug="two").exists()


def test_another_owner_may_use_the_same_name(alice, bob):
    run("createlab", "one", "--name", "Relay lab 2007", "--owner", "alice")
    run("createlab", "two", "--name", "Relay lab 2007", "--owner", "bob")
    assert Lab.objects.filter(name="Relay lab 2007").count() == 2


def test_generated_names_get_the_first_free_number():
    source = labs.create_lab_from_template("exchange2007", slug="source", name="Relay lab 2007")
    first, second = labs.copy_lab(source), labs.copy_lab(source)
    assert (first.name, second.name) == ("Relay lab 2007 (copy)", "Relay lab 2007 (copy) (2)")
    loaded = labs.load_lab(labfile.dump_lab(source))
    assert loaded.name == "Relay lab 2007 (2)"  # the file's name, numbered: nobody typed it
    run("createlab", "relay-lab")  # the name defaults to the slug
    run("createlab", "Relay-Lab")
    assert Lab.objects.get(slug="Relay-Lab").name == "Relay-Lab (2)"


def test_scenario_labs_of_one_owner_are_numbered(alice):
    run("scenario", "start", "stop-anonymous-spoofing", "--slug", "one", "--owner", "alice")
    run("scenario", "start", "stop-anonymous-spoofing", "--slug", "two", "--owner", "alice")
    one, two = Lab.objects.get(slug="one").name, Lab.objects.get(slug="two").name
    assert two == f"{one} (2)"


def test_a_long_generated_name_stays_within_the_column():
    source = labs.create_lab_from_template("empty", slug="long", name="x" * 200)
    assert labs.copy_lab(source).name == "x" * 188 + " (copy)"
    assert labs.copy_lab(source).name == "x" * 188 + " (copy) (2)"


def test_rename_refuses_a_name_the_owner_has_and_keeps_the_old_one():
    labs.create_lab_from_template("empty", slug="a", name="Alpha")
    beta = labs.create_lab_from_template("empty", slug="b", name="Beta")
    with pytest.raises(labs.ExchangeError, match="You already have a lab called 'ALPHA'"):
        labs.rename_lab(beta, "ALPHA")
    beta.refresh_from_db()
    assert beta.name == "Beta"
    labs.rename_lab(beta, "beta")  # its own name in another case is fine
    assert Lab.objects.get(slug="b").name == "beta"


def test_the_database_refuses_a_second_lab_of_the_same_name_for_an_owner(alice):
    Lab.objects.create(slug="one", name="Relay lab", owner=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lab.objects.create(slug="two", name="RELAY LAB", owner=alice)


# --- the migration -------------------------------------------------------------------------------------------------


def _migration_nodes():
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    mine = next(
        key for key in graph.nodes if key[0] == "connectors" and key[1].endswith("_labsplan_baseline_unique_names")
    )
    before = next(parent for parent in graph.node_map[mine].parents if parent.key[0] == "connectors").key
    return before, mine, graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_the_migration_renames_clashing_names_before_adding_the_constraint():
    before, mine, leaves = _migration_nodes()
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps
        user = old.get_model("auth", "User").objects.create(username="carol")
        OldLab = old.get_model("connectors", "Lab")
        for slug, name in (("a", "Relay lab"), ("b", "relay LAB"), ("c", "Relay lab (2)"), ("d", "Relay lab")):
            OldLab.objects.create(slug=slug, name=name, owner=user)
        OldLab.objects.create(slug="e", name="Relay lab")  # nobody's: its own group
        executor = MigrationExecutor(connection)
        executor.migrate([mine])
        names = dict(
            executor.loader.project_state([mine])
            .apps.get_model("connectors", "Lab")
            .objects.values_list("slug", "name")
        )
        assert names == {
            "a": "Relay lab",
            "b": "relay LAB (2)",
            "c": "Relay lab (2) (2)",
            "d": "Relay lab (3)",
            "e": "Relay lab",
        }
    finally:
        MigrationExecutor(connection).migrate(leaves)
