"""Security plumbing: the security-event log, session lifetimes, and sign-in lockout glue.

`log_event()` writes one line per security event to the `peel.security` logger:

    event=login_failed user=- ip=203.0.113.7 username="bob\\nevent=login"

Every value is escaped (control characters, ANSI escapes, Unicode line and bidi controls),
so a hostile username or filter value cannot forge a second line or hide text in a terminal.

A query string with a NUL byte is answered 400 (RefuseNulBytesMiddleware): PostgreSQL cannot
store one in a string, and psycopg2 refuses it with an error, which would be a 500.

Sessions end after `SESSION_IDLE_TIMEOUT` seconds without a request and, however busy,
`SESSION_ABSOLUTE_TIMEOUT` seconds after sign-in (SessionTimeoutMiddleware). Signed-in
pages are never stored by a browser or proxy cache (NoStoreForSignedInMiddleware).
"""

from __future__ import annotations

import ipaddress
import logging
import time

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.backends import ModelBackend
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger("peel.security")

# Session keys (Unix seconds): when this user signed in, and the last request we noted.
AUTH_AT = "peel_auth_at"
SEEN_AT = "peel_seen_at"
# Note activity at most once a minute, so a page view does not always write the session.
SEEN_RESOLUTION = 60
# Longer values are cut, so one request cannot write a megabyte into the log.
MAX_VALUE_LENGTH = 200

_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\", '"': '\\"'}
# Bidi embeddings, overrides and isolates, marks, and the Unicode line/paragraph separators:
# invisible characters that reorder or break what an operator reads in a log.
_INVISIBLE = {
    0x061C,
    0x200E,
    0x200F,
    0x2028,
    0x2029,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
}


def _escape_char(char: str) -> str:
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    code = ord(char)
    if code < 0x20 or 0x7F <= code < 0xA0:
        return f"\\x{code:02x}"
    if code in _INVISIBLE:
        return f"\\u{code:04x}"
    return char


def escape(value: object) -> str:
    """One log-safe token: escaped, and quoted when it holds a space, quote or '='."""
    if value is None:
        return "-"
    text = str(value)
    cut = ""
    if len(text) > MAX_VALUE_LENGTH:
        text, cut = text[:MAX_VALUE_LENGTH], f"...(+{len(text) - MAX_VALUE_LENGTH} chars)"
    text = "".join(_escape_char(char) for char in text) + cut
    if text == "" or any(char in text for char in ' "=\\'):
        return f'"{text}"'
    return text


def client_ip(request) -> str | None:
    """The client's address; behind N trusted proxies, the Nth from the right of X-Forwarded-For.

    Proxies append the address they received from, so only the right-most N entries were
    written by our proxies; anything to their left is whatever the client chose to send.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies and _is_ip(forwarded[-proxies]):
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _user_of(request) -> object:
    user = getattr(request, "user", None)
    return user.get_username() if user is not None and user.is_authenticated else None


def log_event(event: str, request=None, **fields) -> None:
    """Log one security event as one line: `event=... user=... ip=... key=value ...`.

    `user` and `ip` come from the request; pass `user=` to name someone else (a command's
    user, say). Values may be anything with a str(); None is written as `-`.
    """
    line = {
        "event": event,
        "user": _user_of(request) if request is not None else None,
        "ip": client_ip(request) if request is not None else None,
        **fields,
    }
    logger.info(" ".join(f"{key}={escape(value)}" for key, value in line.items()))


def axes_username(request, credentials) -> str | None:
    """The username django-axes records and locks: as typed, cut to the longest one possible.

    The sign-in form does not limit what is typed, and django-axes stores it in a column of
    255 characters, which PostgreSQL would refuse with an error (a 500) instead of a lockout.
    """
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "POST", {}).get("username")
    if username is None:
        return None
    return str(username)[: get_user_model()._meta.get_field("username").max_length]


def axes_client_str(username, ip_address, user_agent, path_info, request) -> str:
    """How django-axes names a client in its own log lines (escaped like ours)."""
    if isinstance(path_info, list | tuple):
        path_info = path_info[0] if path_info else ""
    return f"username={escape(username)} ip={escape(ip_address)} path={escape(path_info)}"


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for sign-ins that come with a request.

    Every sign-in page (ours and the admin's) passes the request. Only code on the server,
    such as a management command, calls authenticate() without one, and there is no client
    address to lock out, so the check steps aside instead of refusing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class UserBackend(ModelBackend):
    """Django's username and password check; the signed-in user comes with their force.

    Every page's header names the user's force: loading both in one query saves a query on
    every request.
    """

    def get_user(self, user_id):
        try:
            user = get_user_model()._default_manager.select_related("force").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


# Signal receivers, connected in TrackerConfig.ready() ---------------------------------------


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    if request is None:
        return
    if hasattr(request, "session"):
        now = int(time.time())
        request.session[AUTH_AT] = now
        request.session[SEEN_AT] = now
    log_event("login", request, user=user.get_username())


def on_user_logged_out(sender, request, user, **kwargs) -> None:
    if request is not None:
        log_event("logout", request, user=user.get_username() if user else None)


def on_user_login_failed(sender, credentials, request=None, **kwargs) -> None:
    log_event("login_failed", request, username=credentials.get("username"))


def on_user_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    log_event("lockout", request, username=username)


# Middleware ---------------------------------------------------------------------------------


class SessionTimeoutMiddleware:
    """Sign a user out after an idle spell or a maximum session age, whichever comes first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        session = request.session
        now = int(time.time())
        started = session.get(AUTH_AT)
        if started is None:  # a session from before this middleware: start counting now
            session[AUTH_AT] = session[SEEN_AT] = now
            return
        seen = session.get(SEEN_AT, started)
        if now - started >= settings.SESSION_ABSOLUTE_TIMEOUT:
            reason, text = "absolute", "Your session reached its maximum length"
        elif now - seen >= settings.SESSION_IDLE_TIMEOUT:
            reason, text = "idle", "You were inactive for too long"
        else:
            if now - seen >= SEEN_RESOLUTION:
                session[SEEN_AT] = now
            return
        log_event("session_expired", request, reason=reason)
        logout(request)
        messages.info(request, f"{text}, so you were signed out. Please sign in again.")


class NoStoreForSignedInMiddleware:
    """`Cache-Control: no-store` on every response to a signed-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class RefuseNulBytesMiddleware:
    """Answer 400 to a query string holding a NUL byte, on every page and the admin alike.

    No link the site makes holds one, and PostgreSQL cannot compare a string that does: every
    list filter, the admin's included, would otherwise answer 500. Form fields need no help:
    Django's form fields refuse a NUL byte themselves, with an error beside the field.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _holds_nul(request.GET):
            reason = (
                "The address holds a control character (a NUL byte) that no link on this "
                "site contains. Check the link you followed."
            )
            return render(request, "400.html", {"reason": reason}, status=400)
        return self.get_response(request)


def _holds_nul(query) -> bool:
    return any("\x00" in key or "\x00" in "".join(values) for key, values in query.lists())
