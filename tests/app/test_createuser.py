"""manage.py createuser: a trainee or trainer account from the command line, with a password printed once or read
from standard input; clear errors for a taken or malformed name."""

import io
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from connectors.access import is_trainer
from connectors.models import TemporaryPassword

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def run(*args, stdin: str | None = None, monkeypatch=None) -> str:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = StringIO()
    call_command("createuser", *args, stdout=out)
    return out.getvalue()


def test_it_makes_a_trainee_and_prints_a_generated_password_once():
    output = run("erin")
    password = re.search(r"One-time password .*: (\S+)$", output.strip()).group(1)
    assert output.startswith("Created trainee 'erin'.")
    assert output.count(password) == 1
    user = User.objects.get(username="erin")
    assert user.check_password(password)
    assert not is_trainer(user)
    assert not user.is_staff
    assert TemporaryPassword.objects.filter(user=user).exists()  # to be changed at the first sign-in


def test_generated_passwords_differ():
    first = run("erin").split()[-1]
    second = run("frank").split()[-1]
    assert first != second
    assert len(first) == len(second) == 14


def test_it_makes_a_trainer_with_a_password_from_stdin(monkeypatch):
    output = run("grace", "--trainer", "--password-stdin", stdin="grace-chose-this-1\n", monkeypatch=monkeypatch)
    assert output.strip() == "Created trainer 'grace'."
    user = User.objects.get(username="grace")
    assert user.check_password("grace-chose-this-1")
    assert is_trainer(user)
    assert not TemporaryPassword.objects.filter(user=user).exists()


def test_it_refuses_an_existing_user(bob):
    with pytest.raises(CommandError, match="There is already an account called 'bob'"):
        run("bob")
    with pytest.raises(CommandError, match="There is already an account called 'BOB'"):
        run("BOB")


@pytest.mark.parametrize("name", ["bad name", "semi;colon", "x" * 151, " "])
def test_it_refuses_a_bad_name(name):
    with pytest.raises(CommandError) as error:
        run(name)
    assert str(error.value)
    assert not User.objects.exists()


def test_it_refuses_a_weak_or_empty_password_from_stdin(monkeypatch):
    with pytest.raises(CommandError, match="too short"):
        run("heidi", "--password-stdin", stdin="abc\n", monkeypatch=monkeypatch)
    with pytest.raises(CommandError, match="No password on standard input"):
        run("heidi", "--password-stdin", stdin="", monkeypatch=monkeypatch)
    assert not User.objects.filter(username="heidi").exists()


def test_the_command_line_reports_an_error_without_a_traceback(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "createuser", "ivan"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "createuser", "ivan"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "CommandError: There is already an account called 'ivan'."


def test_a_name_taken_between_the_check_and_the_insert_is_a_clear_error(monkeypatch):
    from connectors import accounts

    monkeypatch.setattr(accounts, "check_username", lambda name: name)  # the check ran before the other insert
    User.objects.create_user("judy")
    with pytest.raises(CommandError, match="There is already an account called 'judy'"):
        run("judy")
    assert User.objects.filter(username="judy").count() == 1
