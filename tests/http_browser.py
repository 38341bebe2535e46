"""A browser for the tests that talk to real servers (gunicorn, haproxy) over plain HTTP on
loopback while the app sees HTTPS: tests/deploy/ and tests/faults/.

TLS ends at the load balancer, so the app marks its cookies Secure and checks that a form was
posted from its own https origin. Python's cookie jars keep Secure cookies for https only;
this keeps every cookie the server sets and sends them back itself, and sends the Origin and
Referer a browser on the https site would. It also says what the balancer would
(X-Forwarded-Proto: https), for an app server spoken to directly; haproxy sets it anyway.

Every request is timed, bounded by a timeout, and answered: a connection that fails or times
out is a response of status 0 with the error, not an exception, so a load run can count it.
"""

from __future__ import annotations

import http.client
import secrets
import time
import urllib.parse
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie

from tests.factories import PASSWORD
from tests.html_forms import Forms

LOGIN = "/accounts/login/"


@dataclass
class Response:
    method: str
    url: str
    status: int  # 0: no answer (the connection failed or timed out; see `error`)
    started: float  # time.monotonic()
    seconds: float
    headers: Message = field(default_factory=Message)
    body: bytes = b""
    error: str = ""

    @property
    def path(self) -> str:
        return urllib.parse.urlsplit(self.url).path

    @property
    def html(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def text(self) -> str:
        """The body with its white space collapsed, to look for a sentence in."""
        return " ".join(self.html.split())

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    @property
    def served_by(self) -> str:
        """The app server haproxy sent the request to (its X-Served-By)."""
        return self.headers.get("X-Served-By", "")

    def form(self, action_ends: str) -> dict[str, str]:
        """The fields of the page's form whose action ends with `action_ends`, as shown."""
        parser = Forms()
        parser.feed(self.html)
        for form in parser.forms:
            # A form without an action posts to the page's own address.
            if (form["action"] or self.path).endswith(action_ends):
                return {name: value.removeprefix("\n") for name, value in form["fields"]}
        raise AssertionError(f"no form posting to …{action_ends} on {self.url}:\n{self.text}")


@dataclass
class Browser:
    """Cookies (every one the servers set) and the headers a browser on https://host sends.

    URLs are whole (`server.url + "/actions/"`), so one browser can go from server to server.
    `host` replaces the Host header (so two servers on two ports build the same links). Each
    request is numbered (X-Peel-Request: 1, 2, …, which an app server's access log can show)
    and its response kept in `history`. Redirects are not followed unless asked (`follow`).
    """

    host: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 60  # seconds, for connecting and for each read
    history: list[Response] = field(default_factory=list)

    @property
    def csrf_token(self) -> str:
        """The CSRF cookie's token, for a post made without the page's form."""
        return self.cookies.get("csrftoken", "")

    def get(self, url: str) -> Response:
        return self._send("GET", url)

    def post(
        self,
        url: str,
        fields: dict[str, str],
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Response:
        """A form post: urlencoded, or multipart when it carries files (name, bytes, type)."""
        if files:
            body, content_type = _multipart(fields, files)
        else:
            body = urllib.parse.urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        return self._send("POST", url, body, content_type)

    def follow(self, response: Response) -> Response:
        """GET the page a redirect points to (on the server that answered it)."""
        assert response.status in (301, 302, 303), (response.status, response.text[:2000])
        return self.get(urllib.parse.urljoin(response.url, response.location))

    def sign_in(self, site: str, username: str, password: str = PASSWORD) -> Response:
        """The sign-in form, filled in and posted (its CSRF token with it); the redirect."""
        page = self.get(site + LOGIN)
        assert page.status == 200, (page.status, page.error, page.text[:2000])
        fields = page.form(LOGIN)
        fields.update(username=username, password=password)
        done = self.post(site + LOGIN, fields)
        assert done.status == 302, (done.status, done.error, done.text[:3000])
        assert not done.location.startswith(LOGIN)
        assert "sessionid" in self.cookies
        return done

    def _send(
        self, method: str, url: str, body: bytes | None = None, content_type: str = ""
    ) -> Response:
        parts = urllib.parse.urlsplit(url)
        host = self.host or parts.netloc
        headers = {"Host": host, "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Content-Type"] = content_type
            headers["Origin"] = f"https://{host}"
            headers["Referer"] = f"https://{host}{parts.path}"
        headers["X-Peel-Request"] = str(len(self.history) + 1)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        started = time.monotonic()
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
        try:
            connection.request(method, target, body=body, headers=headers)
            answer = connection.getresponse()
            response = Response(
                method, url, answer.status, started, 0, answer.headers, answer.read()
            )
        except (OSError, http.client.HTTPException) as error:
            response = Response(method, url, 0, started, 0, error=repr(error))
        finally:
            connection.close()
        response.seconds = time.monotonic() - started
        self._keep_cookies(response.headers)
        self.history.append(response)
        return response

    def _keep_cookies(self, headers: Message) -> None:
        for line in headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(line).items():
                if not morsel.value or morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)  # the server deleted it
                else:
                    self.cookies[name] = morsel.value


def _multipart(
    fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]
) -> tuple[bytes, str]:
    boundary = "----peel" + secrets.token_hex(12)
    lines: list[bytes] = []
    for name, value in fields.items():
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"'.encode(),
            b"",
            value.encode(),
        ]
    for name, (filename, data, content_type) in files.items():
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'.encode(),
            f"Content-Type: {content_type}".encode(),
            b"",
            data,
        ]
    lines += [f"--{boundary}--".encode(), b""]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"
