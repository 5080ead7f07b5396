"""Settings read from the environment. A malformed value stops start-up with ImproperlyConfigured naming the variable.

DATABASE_URL   default sqlite:///<project>/data/exchsim.sqlite3 (any dj-database-url URL; postgres:// uses psycopg 3)
SECRET_KEY     required unless DEBUG is on
DEBUG          true/false; default true for manage.py and tests, false under wsgi.py/asgi.py (gunicorn)
ALLOWED_HOSTS  comma-separated (default 127.0.0.1,localhost)
EXCHSIM_SINGLE_USER  true/false (default false; on for demo): sign every request in as the local trainer "local"
EXCHSIM_BASE_URL     where the dashboard is reached (default http://127.0.0.1:8000), for the URLs commands print
EXCHSIM_DEMO   true/false (manage.py sets it for `manage.py demo`): DEBUG off, plain HTTP on 127.0.0.1, single user
EXCHSIM_CONSOLE_MAX_BYTES / _MAX_SECONDS  the largest script the web console runs, and how long (1 MiB / 10 s)
EXCHSIM_CONSOLE_MAX_STEPS / _MAX_OUTPUT  steps and output characters of any console script (1,000,000 / 1 MiB)
EXCHSIM_CONSOLE_FILES_MAX_BYTES  files a web console session keeps per lab for scripts to read and write (1 MiB)
EXCHSIM_SIGNIN_ACCOUNT_LIMIT / _ADDRESS_LIMIT / _COOLOFF_MINUTES  sign-in lockout (default 5 / 50 / 15)
EXCHSIM_PROXY_COUNT  proxies in front that append to X-Forwarded-For (default 0: the client is REMOTE_ADDR)
EXCHSIM_LAB_FILE_MAX_BYTES  the largest lab file loadlab and the upload accept (default 16 MiB)
EXCHSIM_TRAFFIC_MAX_BYTES / _INLINE_BYTES  protocol logs one Traffic upload may hold (1 GiB), and up to how many
               bytes they are read before the page answers (1 MiB; larger uploads are read in the background);
               the same size decides whether a replay through a changed lab is worked out before the page answers
EXCHSIM_TRAFFIC_SPOOL  where uploaded protocol logs wait to be read (default <tmp>/exchsim-traffic)
EXCHSIM_IMPORT_MAX_BYTES / _INLINE_BYTES  the files one import (importconfig, the Import page) may hold (512 MiB),
               and up to how many bytes the page reads them before it answers (1 MiB; larger ones in the background)
EXCHSIM_IMPORT_MAX_UNPACKED_BYTES  the most one zip member or gzip file of an import unpacks to (2 GiB)
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / "data"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",")]
    if not all(items):
        raise ImproperlyConfigured(f"{name} must be a comma-separated list without empty entries, not {raw!r}.")
    return items


def env_int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {raw!r}.")
    return value


def env_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise ImproperlyConfigured(f"{name} must be a number of seconds between 0 and 3600, not {raw!r}.")
    return value


def env_database(name: str, default: str) -> dict:
    raw = os.environ.get(name) or default
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not a valid database URL ({error}): {raw!r}.") from None
    if not config.get("ENGINE") or not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {raw!r}.")
    return config


def env_base_url(name: str, default: str) -> str:
    raw = os.environ.get(name, default)
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ImproperlyConfigured(f"{name} must be an http:// or https:// address like {default}, not {raw!r}.")
    return raw.rstrip("/")


def _demo_secret_key() -> str:
    """The demo's own key, made once per machine and kept in data/ (never the development key: DEBUG is off)."""
    path = DATA_DIR / "demo-secret-key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# `manage.py demo` is the product as a newcomer meets it: exchsim's own error pages (DEBUG off), plain HTTP on
# 127.0.0.1, everyone signed in as the local trainer. DEBUG is for development only.
EXCHSIM_DEMO = env_bool("EXCHSIM_DEMO", False)
DEBUG = env_bool("DEBUG", not EXCHSIM_DEMO)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if EXCHSIM_DEMO:
        SECRET_KEY = _demo_secret_key()
    elif not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    else:
        SECRET_KEY = "django-insecure-exchsim-development-only"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
EXCHSIM_SINGLE_USER = env_bool("EXCHSIM_SINGLE_USER", EXCHSIM_DEMO)
EXCHSIM_BASE_URL = env_base_url("EXCHSIM_BASE_URL", "http://127.0.0.1:8000")
# The 100-server benchmark lab is a 12 MB file; a 50 MB one took 1.24 GB to load. Request bodies other than a file
# stay at Django's 2.5 MB, and an upload above that is spooled to disk, not held in memory.
EXCHSIM_LAB_FILE_MAX_BYTES = env_int("EXCHSIM_LAB_FILE_MAX_BYTES", 16 * 1024 * 1024)
# Protocol logs uploaded on the Traffic page: a week of one server's logs is a few hundred MB; they are spooled to
# disk and reduced to a traffic profile, never held whole (connectors/traffic.py).
EXCHSIM_TRAFFIC_MAX_BYTES = env_int("EXCHSIM_TRAFFIC_MAX_BYTES", 1024 * 1024 * 1024)
EXCHSIM_TRAFFIC_INLINE_BYTES = env_int("EXCHSIM_TRAFFIC_INLINE_BYTES", 1024 * 1024, minimum=0)
EXCHSIM_TRAFFIC_SPOOL = os.environ.get("EXCHSIM_TRAFFIC_SPOOL", "")
EXCHSIM_IMPORT_MAX_BYTES = env_int("EXCHSIM_IMPORT_MAX_BYTES", 512 * 1024 * 1024)
EXCHSIM_IMPORT_MAX_UNPACKED_BYTES = env_int("EXCHSIM_IMPORT_MAX_UNPACKED_BYTES", 2 * 1024**3)
EXCHSIM_IMPORT_INLINE_BYTES = env_int("EXCHSIM_IMPORT_INLINE_BYTES", 1024 * 1024, minimum=0)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "connectors.uploads.LabFileSizeLimit",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Writers of one lab take turns (connectors/store.py); one waits at most this long for the lab's write lock, then the
# request is answered 503 "busy, try again" instead of waiting on.
EXCHSIM_LOCK_TIMEOUT = env_seconds("EXCHSIM_LOCK_TIMEOUT", 10.0)

# One web console script holds a worker and the lab's lock while it runs: it may be this large (a 10,000-line
# Add-ADPermission script is about 1 MB) and run this long (below the 30 s worker timeout), else nothing is applied.
# `manage.py ems` has no limit: it runs in its own process, not a worker others wait for.
EXCHSIM_CONSOLE_MAX_BYTES = env_int("EXCHSIM_CONSOLE_MAX_BYTES", 1024 * 1024)
EXCHSIM_CONSOLE_MAX_SECONDS = env_seconds("EXCHSIM_CONSOLE_MAX_SECONDS", 10.0)
# Every console script (web and manage.py ems) stops, applying nothing, after this many steps (statements in loops and
# script blocks, iterations, script-block runs: a `while ($true) {}` can't hang) or this many characters of output
# and written files.
EXCHSIM_CONSOLE_MAX_STEPS = env_int("EXCHSIM_CONSOLE_MAX_STEPS", 1_000_000, minimum=1)
EXCHSIM_CONSOLE_MAX_OUTPUT = env_int("EXCHSIM_CONSOLE_MAX_OUTPUT", 1024 * 1024, minimum=1)
# The files a web console user uploads for scripts to read (Import-Csv, Get-Content) and those scripts write
# (Export-Csv, Out-File) are kept in the session, per lab, up to this many bytes together.
EXCHSIM_CONSOLE_FILES_MAX_BYTES = env_int("EXCHSIM_CONSOLE_FILES_MAX_BYTES", 1024 * 1024, minimum=0)

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{DATA_DIR / 'exchsim.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Transactions take the write lock when they begin (so a read-modify-write can't be overtaken), wait for it as
    # long as the lock timeout, and readers don't wait for writers (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": EXCHSIM_LOCK_TIMEOUT,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        **DATABASES["default"].get("OPTIONS", {}),
    }
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", f"-c lock_timeout={int(EXCHSIM_LOCK_TIMEOUT * 1000)}"
    )

INSTALLED_APPS = [
    "exchsim.apps.AdminConfig",  # the admin for staff only; everyone else signs in on exchsim's own page
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "connectors",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "connectors.middleware.SingleUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "connectors.middleware.BusyMiddleware",
    "connectors.middleware.MethodNotAllowedMiddleware",
    "connectors.middleware.PasswordChangeRequiredMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it turns a locked-out sign-in into our lockout page
]

ROOT_URLCONF = "exchsim.urls"
WSGI_APPLICATION = "exchsim.wsgi.application"
ASGI_APPLICATION = "exchsim.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "connectors:sign-in"
SESSION_COOKIE_HTTPONLY = True  # Django's defaults, stated: scripts can't read the session, other sites can't send it
SESSION_COOKIE_SAMESITE = "Lax"
LOGIN_REDIRECT_URL = "/"

# Sign-in throttling (django-axes): an account is locked after EXCHSIM_SIGNIN_ACCOUNT_LIMIT wrong passwords, an
# address after EXCHSIM_SIGNIN_ADDRESS_LIMIT (higher: a classroom signs in from behind one NAT address), each for
# EXCHSIM_SIGNIN_COOLOFF_MINUTES after the last failure; the right password is refused meanwhile.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
SIGNIN_ACCOUNT_LIMIT = env_int("EXCHSIM_SIGNIN_ACCOUNT_LIMIT", 5, minimum=1)
SIGNIN_ADDRESS_LIMIT = max(env_int("EXCHSIM_SIGNIN_ADDRESS_LIMIT", 50, minimum=1), SIGNIN_ACCOUNT_LIMIT)
SIGNIN_COOLOFF_MINUTES = env_int("EXCHSIM_SIGNIN_COOLOFF_MINUTES", 15, minimum=1)
PROXY_COUNT = env_int("EXCHSIM_PROXY_COUNT", 0, minimum=0)
AXES_HANDLER = "connectors.signin.AccountAndAddressHandler"
AXES_FAILURE_LIMIT = SIGNIN_ACCOUNT_LIMIT
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each counted on its own
AXES_COOLOFF_TIME = timedelta(minutes=SIGNIN_COOLOFF_MINUTES)
AXES_LOCKOUT_CALLABLE = "connectors.signin.lockout_response"
AXES_CLIENT_IP_CALLABLE = "connectors.signin.client_address"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_SENSITIVE_PARAMETERS = []  # the log names the account and address (axes always masks the password)

# Content-Security-Policy (django-csp): scripts and styles come from our static files only (htmx is vendored).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start when it's missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if not DEBUG and not EXCHSIM_DEMO:
    # Production: `manage.py check --deploy` passes with these (HTTPS behind a proxy that sets X-Forwarded-Proto).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}


def _env_count(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if not raw.strip().isdigit() or int(raw) < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least 1, not {raw!r}.")
    return int(raw)


# The live SMTP endpoint (manage.py smtpserve): messages kept per lab (oldest dropped first), bytes kept of each
# message (the rest is counted, not stored), and where the protocol logs go (one folder per lab below it).
EXCHSIM_SMTP_MAX_STORED_MESSAGES = _env_count("EXCHSIM_SMTP_MAX_STORED_MESSAGES", 500)
EXCHSIM_SMTP_MAX_STORED_BYTES = _env_count("EXCHSIM_SMTP_MAX_STORED_BYTES", 1024 * 1024)
EXCHSIM_SMTP_LOG_DIR = Path(os.environ.get("EXCHSIM_SMTP_LOG_DIR") or DATA_DIR / "smtp-logs")
