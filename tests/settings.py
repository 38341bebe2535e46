"""The test suite's settings: the project's own (peel/settings.py), and what tests change.

pytest-django loads this module (pyproject.toml); every difference from a production-like
run is stated here rather than inside peel/settings.py.
"""

from __future__ import annotations

from peel.settings import *  # noqa: F403
from peel.settings import SECRET_KEY, STORAGES

SECRET_KEY = SECRET_KEY or "insecure-key-for-the-test-suite-only"  # noqa: S105

# Hashing a password properly takes ~0.3 s by design; the suite makes hundreds of users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test client and the live server speak plain HTTP on loopback.
HTTPS_ONLY = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False

# Static files straight from the source folders, as under `runserver`: no collectstatic.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
