"""A browser as the deployment tests need one: plain HTTP to loopback, as the app sees HTTPS.

TLS ends at the load balancer, so the app marks its cookies Secure and checks that a form was
posted from its own https origin. Python's cookie jars keep Secure cookies for https only;
this keeps every cookie the server sets and sends them back itself, and sends the Origin and
Referer a browser on the https site would. Spoken to an app server directly, it says what the
balancer would (X-Forwarded-Proto: https); through haproxy, haproxy says it.
"""

from __future__ import annotations

import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie

from tests.html_forms import Forms


@dataclass
class Response:
    status: int
    headers: Message
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return " ".join(self.body.decode("utf-8", errors="replace").split())

    @property
    def html(self) -> str:
        return self.body.decode("utf-8", errors="replace")

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
            if (form["action"] or urllib.parse.urlsplit(self.url).path).endswith(action_ends):
                return {name: value.removeprefix("\n") for name, value in form["fields"]}
        raise AssertionError(f"no form posting to …{action_ends} on {self.url}:\n{self.text}")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


@dataclass
class Browser:
    """Cookies (every one the servers set) and the headers a browser on https://host sends.

    `host` replaces the Host header (so two servers on two ports build the same links);
    `headers` go with every request. Each request is numbered (X-Peel-Request: 1, 2, …, which
    an app server's access log can show) and its response kept in `history`.
    """

    host: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 60
    history: list[Response] = field(default_factory=list)

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

    def _send(
        self, method: str, url: str, body: bytes | None = None, content_type: str = ""
    ) -> Response:
        parts = urllib.parse.urlsplit(url)
        host = self.host or parts.netloc
        request = urllib.request.Request(url, data=body, method=method)
        request.add_header("Host", host)
        request.add_header("X-Forwarded-Proto", "https")  # what the balancer says
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if method == "POST":
            request.add_header("Content-Type", content_type)
            request.add_header("Origin", f"https://{host}")
            request.add_header("Referer", f"https://{host}{parts.path}")
        for name, value in self.headers.items():
            request.add_header(name, value)
        request.add_header("X-Peel-Request", str(len(self.history) + 1))
        try:
            with _OPENER.open(request, timeout=self.timeout) as answer:
                response = Response(answer.status, answer.headers, answer.read(), url)
        except urllib.error.HTTPError as error:
            response = Response(error.code, error.headers, error.read(), url)
        self._keep_cookies(response.headers)
        self.history.append(response)
        return response

    def _keep_cookies(self, headers: Message) -> None:
        for line in headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(line)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
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
