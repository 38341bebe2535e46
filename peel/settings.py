"""Settings for PEEL Action Tracker.

Every setting that differs between a laptop and production is read from the environment
here, and nowhere else. The defaults run a fresh checkout on SQLite; production needs at
least DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL (see README.md).
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default=""):
    """The variable's value; an empty one counts as unset."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

# With DEBUG off and no key, Django refuses to sign anything (sessions, CSRF) the moment a
# key is needed, while commands that need none (import_report, migrate) still run.
SECRET_KEY = env("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "tracker",
    "tracker.admin_site.InspectorsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Django's widget templates, for the TemplatesSetting form renderer below.
    "django.forms",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    # {% partialdef %}: a page's fragments (a list row, a timeline entry) named in the page.
    "template_partials.apps.SimpleAppConfig",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A view that cannot reach the database answers 503 (tracker/outage.py; handler500 answers
    # for the middleware below it). Near the top: its process_exception runs after the others'.
    "tracker.outage.DatabaseUnavailableMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tracker.security.RefuseNulBytesMiddleware",
    "tracker.security.SessionTimeoutMiddleware",
    "tracker.security.NoStoreForSignedInMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "peel.urls"
WSGI_APPLICATION = "peel.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Compiled templates are cached (as Django does by default); the partials loader
            # finds "page.html#fragment".
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
            "builtins": ["template_partials.templatetags.partials"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tracker.context_processors.navigation",
            ],
        },
    },
]

# Widgets render through TEMPLATES (cached, as pages are), so templates/django/forms/ can
# replace Django's widget templates: a select's options and an input's attributes are written
# inline there, and every input type goes straight to input.html (tracker/renderers.py).
FORM_RENDERER = "tracker.renderers.FormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE makes two writers queue
    # (up to the timeout) instead of failing with "database is locked" mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if env_bool("PEEL_PGBOUNCER"):
        # DATABASE_URL is PgBouncer in transaction mode (docs/deploy.md): each transaction may
        # run on another server connection, so no cursor may outlive one (Django's server-side
        # cursors, QuerySet.iterator() on PostgreSQL, are WITH HOLD cursors that do), and a
        # startup parameter is not passed on: `jit = off` is set on the database instead
        # (ALTER DATABASE ... SET jit = off).
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        # No JIT compilation: this app's queries are short, and the export's (50,000 rows,
        # three correlated subqueries) costs enough to be compiled, which took 3.7 s of its
        # 3.9 s and held back its first row as long (docs/performance.md). PEEL_PG_JIT=on
        # gives it back.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
            f"-c jit={'on' if env_bool('PEEL_PG_JIT') else 'off'}"
        )
    # Seconds to wait for a connection (libpq's connect_timeout; it counts 2 at the least): a
    # database that does not answer makes pages answer 503 within this, not hang a worker
    # until gunicorn's timeout (tracker/outage.py).
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        env("PEEL_DB_CONNECT_TIMEOUT", "3")
    )

# The action tally is the database's own bookkeeping, not data to dump or load (tracker/routers.py).
DATABASE_ROUTERS = ["tracker.routers.DerivedDataRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tracker.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sign-in lockout (django-axes): 5 failures for one username from one address lock that pair
# for 15 minutes; the same person elsewhere, and everyone else, can still sign in.
AUTHENTICATION_BACKENDS = [
    "tracker.security.LockoutBackend",
    "tracker.security.UserBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Failures while locked out neither count nor extend the lock: it ends 15 minutes after the 5th.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_COOLOFF_MESSAGE = "Too many failed sign-in attempts. Try again in 15 minutes."
AXES_CLIENT_IP_CALLABLE = "tracker.security.client_ip"
AXES_CLIENT_STR_CALLABLE = "tracker.security.axes_client_str"
AXES_USERNAME_CALLABLE = "tracker.security.axes_username"
# django-axes keeps each failure's form fields, these masked (its own list, and the
# password-change page's passwords).
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "old_password",
    "new_password1",
    "new_password2",
]
# How many proxies (load balancer, TLS terminator) append to X-Forwarded-For in front of us;
# 0 trusts only the socket's address.
TRUSTED_PROXY_COUNT = int(env("DJANGO_TRUSTED_PROXY_COUNT", "0"))

# Sessions end after 30 minutes without a request and 8 hours after sign-in at the latest
# (tracker.security.SessionTimeoutMiddleware), and when the browser closes.
SESSION_IDLE_TIMEOUT = int(env("DJANGO_SESSION_IDLE_TIMEOUT", str(30 * 60)))
SESSION_ABSOLUTE_TIMEOUT = int(env("DJANGO_SESSION_ABSOLUTE_TIMEOUT", str(8 * 3600)))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Evidence files: a local folder (MEDIA_ROOT) unless PEEL_EVIDENCE_STORAGE=s3, which keeps them
# in an S3-compatible bucket that every app server shares (docs/deploy.md). Short timeouts
# and two attempts: a store that is down refuses a note with files within seconds, whole.
EVIDENCE_STORAGE = env("PEEL_EVIDENCE_STORAGE", "local")
if EVIDENCE_STORAGE == "s3":
    from botocore.config import Config as S3Config

    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("PEEL_S3_BUCKET"),
            "endpoint_url": env("PEEL_S3_ENDPOINT_URL") or None,
            "region_name": env("PEEL_S3_REGION") or None,
            "location": env("PEEL_S3_PREFIX", ""),
            # Private objects, never overwritten, never served by URL: the download view reads
            # them and checks who is asking first.
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            "addressing_style": env("PEEL_S3_ADDRESSING_STYLE", "path"),
            "client_config": S3Config(
                connect_timeout=float(env("PEEL_S3_CONNECT_TIMEOUT", "2")),
                read_timeout=float(env("PEEL_S3_READ_TIMEOUT", "10")),
                retries={"max_attempts": 2, "mode": "standard"},
            ),
        },
    }
    if not env("PEEL_S3_BUCKET"):
        raise ImproperlyConfigured("PEEL_EVIDENCE_STORAGE=s3 needs PEEL_S3_BUCKET.")
elif EVIDENCE_STORAGE != "local":
    raise ImproperlyConfigured(
        f"PEEL_EVIDENCE_STORAGE is {EVIDENCE_STORAGE!r}: it may be local (the default) or s3."
    )
# `runserver` serves static files straight from the source folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Evidence files are private: they live outside STATIC_ROOT, are never served by URL,
# and only reach a browser through the permission-checked download view.
MEDIA_ROOT = Path(env("MEDIA_ROOT", BASE_DIR / "media"))
# Readable by the app's own user and group only.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
# Django's two handlers, behind one that turns a file name too long for Django's parser into
# an error beside the field rather than a bare 400 (tracker/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "tracker.uploads.LongFileNameUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Evidence files (tracker/evidence.py has the allowed types): the largest file, in bytes, and
# the most files on one note. Django refuses a request with more than
# DATA_UPLOAD_MAX_NUMBER_FILES (100) files outright, with a 400.
EVIDENCE_MAX_FILE_SIZE = int(env("DJANGO_EVIDENCE_MAX_FILE_SIZE", str(20 * 1024 * 1024)))
EVIDENCE_MAX_FILES = 10
# Report import (manage.py import_report and the admin's "Import a report"): the largest page,
# in bytes (as saved, or as pasted with each line break counted once), and the most areas for
# improvement (or questions) in one report. A page over either is refused before anything is
# read into the database: a page of 150,000 areas held one transaction for 53 seconds.
IMPORT_MAX_BYTES = int(env("PEEL_IMPORT_MAX_BYTES", str(2 * 1024 * 1024)))
IMPORT_MAX_FINDINGS = int(env("PEEL_IMPORT_MAX_FINDINGS", "1000"))
# The admin import's confirm step posts the previewed page back as a form field, and a browser
# sends each line break as CR LF: room for the largest page made of line breaks alone, so that
# whatever previews can be confirmed. Django's default (2.5 MB) otherwise.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(2_621_440, 2 * IMPORT_MAX_BYTES + 64 * 1024)
# A spreadsheet of findings (manage.py import_findings, the site's and the admin's import):
# the largest file, in bytes, and the most rows of findings in one file. 10,000 rows import in
# a few seconds (docs/performance.md); a file over either is refused before anything is read.
FINDINGS_IMPORT_MAX_BYTES = int(env("PEEL_FINDINGS_IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
FINDINGS_IMPORT_MAX_ROWS = int(env("PEEL_FINDINGS_IMPORT_MAX_ROWS", "20000"))
# Where an uploaded spreadsheet waits between its preview and the confirm (private, like the
# evidence; tracker/spreadsheet/pages.py). Empty: MEDIA_ROOT/spreadsheet-imports.
FINDINGS_IMPORT_DIR = env("PEEL_FINDINGS_IMPORT_DIR", "")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Production hardening; `manage.py check --deploy` passes with DEBUG off.
SESSION_COOKIE_HTTPONLY = True
# `make run` speaks plain HTTP on loopback; everything else is HTTPS only (the test suite's
# settings, tests/settings.py, turn it off too).
HTTPS_ONLY = not DEBUG
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=HTTPS_ONLY)
# Load balancers probe the health check over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_TLS_PROXY") else None
)
SECURE_HSTS_SECONDS = 0 if DEBUG else int(env("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere (admin included): everything comes from our own origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "peel-tracker@localhost")
# Seconds to wait for the mail server: an e-mail sent at once is sent while the person who made
# the change waits for their page.
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "10"))
# Where people open the site: e-mail (tracker/notify.py) links to it with absolute URLs.
SITE_URL = env("PEEL_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Password reset by email (tracker/accounts.py) is offered only where email can reach
# people: EMAIL_HOST, or an EMAIL_BACKEND, set in the environment, and a backend that
# delivers (not console, file, memory or dummy). DJANGO_PASSWORD_RESET_ENABLED decides
# either way. When off, the reset pages answer 404 and the sign-in page does not offer it.
UNDELIVERED_EMAIL_BACKENDS = {
    f"django.core.mail.backends.{name}.EmailBackend"
    for name in ("console", "filebased", "locmem", "dummy")
}
EMAIL_CONFIGURED = bool(env("EMAIL_HOST") or env("EMAIL_BACKEND")) and (
    EMAIL_BACKEND not in UNDELIVERED_EMAIL_BACKENDS
)
PASSWORD_RESET_ENABLED = env_bool("DJANGO_PASSWORD_RESET_ENABLED", default=EMAIL_CONFIGURED)
# A reset link works for an hour (Django's default is three days).
PASSWORD_RESET_TIMEOUT = 60 * 60
# At most this many reset emails to one address, and requests from one client, in an
# hour; over a limit the page answers as usual and sends nothing. The counts live in the
# database, so every app process shares them.
PASSWORD_RESET_LIMIT_WINDOW = datetime.timedelta(hours=1)
PASSWORD_RESET_EMAILS_PER_ADDRESS = int(env("DJANGO_PASSWORD_RESET_EMAILS_PER_ADDRESS", "3"))
PASSWORD_RESET_REQUESTS_PER_CLIENT = int(env("DJANGO_PASSWORD_RESET_REQUESTS_PER_CLIENT", "10"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name} {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # One line per sign-in, lockout, cross-force 404, export and import (tracker.security).
        "peel.security": {"level": "INFO"},
        # django-axes narrates every sign-in at INFO; peel.security already records them.
        "axes": {"level": "WARNING"},
    },
}
