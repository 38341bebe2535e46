"""Settings for bench/run.py: production settings, reachable over plain HTTP on loopback.

Production settings send secure-only cookies and redirect to HTTPS, which a benchmark on
127.0.0.1 cannot follow; everything else (DEBUG off, templates, middleware) stays as deployed.
"""

import tempfile
from pathlib import Path

from peel.settings import *  # noqa: F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# `collectstatic` writes here before the run, as a deployment would (the manifest is needed).
STATIC_ROOT = Path(tempfile.gettempdir()) / "peel-bench-static"
