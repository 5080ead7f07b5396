"""Settings read the environment strictly: a bad value names its variable; production passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from exchsim.settings import env_bool, env_database, env_list

ROOT = Path(__file__).resolve().parents[2]
# Variables the subprocess must not inherit: ours, and the browser tests' async switch (check --deploy flags it).
_SETTINGS_VARIABLES = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"} | {
    name for name in os.environ if name.startswith("EXCHSIM_")
}
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7!kq2-production-only-" + "k" * 40,
    "ALLOWED_HOSTS": "exchsim.example.com",
}


def run_django(*args, **env):
    """Run manage.py in a clean environment (plus `env`), so module-level settings parsing is exercised."""
    base = {key: value for key, value in os.environ.items() if key not in _SETTINGS_VARIABLES}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True
    )


def test_it_parses_booleans(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert env_bool("FLAG") is True
    monkeypatch.setenv("FLAG", "off")
    assert env_bool("FLAG", True) is False
    monkeypatch.delenv("FLAG")
    assert env_bool("FLAG", True) is True


def test_it_rejects_a_bad_boolean_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be true or false"):
        env_bool("DEBUG")


def test_it_rejects_empty_allowed_hosts_entries(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "example.com,,other.example")
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        env_list("ALLOWED_HOSTS", [])


def test_it_splits_allowed_hosts(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "example.com, exchsim.example")
    assert env_list("ALLOWED_HOSTS", []) == ["example.com", "exchsim.example"]


def test_it_rejects_a_bad_database_url_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "nosuchdb://whatever")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env_database("DATABASE_URL", "sqlite:///x.sqlite3")


def test_it_reads_a_postgres_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/exchsim")
    config = env_database("DATABASE_URL", "sqlite:///x.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "exchsim"


def test_it_defaults_to_sqlite_under_the_data_folder():
    from django.conf import settings

    if os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL is set for this run")
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


def test_it_requires_a_secret_key_when_debug_is_off():
    result = run_django("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_it_names_the_variable_when_debug_is_malformed():
    result = run_django("check", DEBUG="sometimes")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_production_settings_pass_check_deploy():
    result = run_django(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_session_cookies_are_httponly_secure_and_samesite():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SECURE)"
    )
    result = run_django("shell", "-c", code, **PRODUCTION)
    assert result.stdout.strip().splitlines()[-1].split() == ["True", "True", "Lax", "True"], result.stderr


def test_the_sign_in_cookie_carries_its_flags(client, bob, multi_user):
    client.post("/signin/", {"username": "bob", "password": "bob-pass-1"})
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


@pytest.mark.parametrize("variable", ["EXCHSIM_SIGNIN_ACCOUNT_LIMIT", "EXCHSIM_SIGNIN_COOLOFF_MINUTES"])
def test_it_names_a_malformed_lockout_setting(variable):
    result = run_django("check", **{variable: "lots"})
    assert result.returncode != 0
    assert f"{variable} must be a whole number" in result.stderr
