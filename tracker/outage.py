"""When the database is down: a 503 that needs no database, answered at once.

A PostgreSQL restart, a failover or a lost network path shows up in Django as an
`OperationalError` (cannot connect, connection lost) or an `InterfaceError` (a connection
already closed). Either one, wherever it is raised, is answered with `templates/503.html`:
"briefly unavailable, try again", `Retry-After`, never cached. The page is rendered without a
request context, so nothing in it can touch the database.

Two hooks, because an error can start in a view or in a middleware:

- `DatabaseUnavailableMiddleware.process_exception` answers for a view (the admin's included);
- `server_error`, the project's handler500, answers for the rest (a session or the signed-in
  user loaded by a middleware before any view runs, a session saved after it), and is Django's
  own 500 page for anything else.

A short `connect_timeout` (PEEL_DB_CONNECT_TIMEOUT, peel/settings.py) bounds how long a
worker waits for a database that does not answer; a connection that died with the database is
replaced on the next request (`CONN_HEALTH_CHECKS`). `/healthz` answers 503 too
(`tracker.views.healthz`), so a load balancer stops sending traffic until the database is back.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views import defaults

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
# Seconds a client is asked to wait before trying again: a restart takes a few.
RETRY_AFTER = 10


def is_database_outage(error: BaseException | None) -> bool:
    """Whether `error`, or an error it was raised from, says the database cannot be reached."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, DATABASE_ERRORS):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def unavailable(body: str | None = None, content_type: str = "text/html; charset=utf-8"):
    """503 Service Unavailable with Retry-After, never cached: the page, or `body` as given."""
    if body is None:
        body = loader.get_template("503.html").render()
    response = HttpResponse(body, status=503, content_type=content_type)
    response["Retry-After"] = str(RETRY_AFTER)
    add_never_cache_headers(response)
    return response


def _log(request, error: BaseException) -> None:
    logger.warning(
        "Database unavailable: %s %s answered 503 (%s: %s)",
        request.method,
        request.path,
        type(error).__name__,
        str(error).strip().splitlines()[0] if str(error).strip() else "",
    )


class DatabaseUnavailableMiddleware:
    """A view that could not reach the database answers 503, not 500 (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_outage(exception):
            return None
        _log(request, exception)
        return unavailable()


def server_error(request, template_name: str = defaults.ERROR_500_TEMPLATE_NAME):
    """handler500: 503 when the error that got here is the database's, Django's 500 otherwise."""
    error = sys.exc_info()[1]
    if is_database_outage(error):
        assert error is not None
        _log(request, error)
        return unavailable()
    return defaults.server_error(request, template_name)
