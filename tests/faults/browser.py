"""A signed-in person over real HTTP, as a browser behind TLS would be, for the fault tests.

Production settings mark the session and CSRF cookies Secure, and the app sees HTTPS only
because the load balancer says so (X-Forwarded-Proto): Python's cookie jar would keep no Secure
cookie over plain HTTP, so this keeps its own, and sends the Origin and Referer that Django's
CSRF check asks of an HTTPS request. Every request has a timeout: nothing here waits for ever.
"""

from __future__ import annotations

import http.client
import re
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

TIMEOUT = 15  # seconds: well under gunicorn's 30, so a hung worker shows as a slow answer


@dataclass
class Answer:
    method: str
    path: str
    status: int  # 0: no answer (the connection failed or timed out)
    started: float  # time.monotonic()
    seconds: float
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""


class Browser:
    def __init__(self, port: int, *, via_proxy: bool = True):
        self.port = port
        self.cookies: dict[str, str] = {}
        # Straight to an app server: say what the load balancer would have said.
        self.extra = {} if via_proxy else {"X-Forwarded-Proto": "https"}

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, form: dict | None = None) -> Answer:
        headers = {"Host": f"127.0.0.1:{self.port}", **self.extra}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except OSError as error:
            return Answer(method, path, 0, started, time.monotonic() - started, error=repr(error))
        finally:
            connection.close()
        seconds = time.monotonic() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            self._keep(header)
        return Answer(method, path, response.status, started, seconds, text, dict(response.headers))

    def _keep(self, header: str) -> None:
        for name, morsel in SimpleCookie(header).items():
            if morsel.value == "" or morsel["max-age"] == "0":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, form: dict) -> Answer:
        return self.request("POST", path, {**form, "csrfmiddlewaretoken": self.csrf_token()})

    def csrf_token(self) -> str:
        return self.cookies.get("csrftoken", "")

    def sign_in(self, username: str, password: str) -> None:
        page = self.get("/accounts/login/")
        assert page.status == 200, (page.status, page.body[:300])
        answer = self.post("/accounts/login/", {"username": username, "password": password})
        assert answer.status == 302, (answer.status, answer.body[:500])
        assert "sessionid" in self.cookies


_VERSION = re.compile(r'name="note-version" value="(\d+)"')
_TARGET = re.compile(r'name="move-target" value="(\w+)"')


def action_state(page: str) -> tuple[int, list[str]]:
    """The version an action page was drawn at, and the moves it offers this person."""
    version = _VERSION.search(page)
    assert version, page[:2000]
    return int(version.group(1)), _TARGET.findall(page)


def token() -> str:
    return uuid.uuid4().hex
