"""Locust users for bench/run.py's load phase: force staff signed in, reading and writing.

bench/run.py writes, to the JSON file named by PEEL_BENCH_USERS, one signed-in session per
member of staff (made as the test client's force_login makes it), the actions of their force
they read and the actions they own that they change, then runs `locust --headless` against
haproxy in front of two gunicorn servers with production settings. Each simulated user is a
different member of staff and waits between pages as a person clicking through the tracker
would (the plan's `wait`, in seconds).

Reads: the dashboard, the action list, a search of it and an action page of their force.
Writes, on actions they own, through the action page's real forms: GET the page (the CSRF
token, the `version` the form carries, the status moves it offers; named "note: page" or
"move: page"), POST ("note", "move"), and follow the redirect as a browser does ("note:
redirect", "move: redirect": the action page again). The writes: an evidence note; a status
move that is always open to the owner from where the action stands (In progress -> Submitted
for review, which the action's notes allow, and Submitted -> In progress, "Return to in
progress", with a reason). Each write carries a token of its own (in the note's text, in the
move's reason), so the run can find every acknowledged write in the database afterwards, once
and only once.

Production settings make the cookies Secure, and the app sees HTTPS (haproxy says so in
X-Forwarded-Proto): the session and CSRF cookies are sent in a Cookie header written here,
with Origin and Referer for the CSRF check, never through a cookie jar (which would keep a
Secure cookie off a plain-HTTP connection).

A failure: any response but the expected one (a 5xx, a 4xx other than a 409, the sign-in
page, which a signed-out user is redirected to), or no answer within TIMEOUT seconds. A 409
to a write is the optimistic lock refusing a change made on an old version: a correct
outcome, counted apart (`conflicts`), not a failure and not an acknowledged write. What was
acknowledged is written, when locust stops, to the JSON file named by PEEL_BENCH_ACKS.
"""

from __future__ import annotations

import collections
import http.cookiejar
import itertools
import json
import os
import random
import re

from locust import HttpUser, between, events

TIMEOUT = 30
with open(os.environ["PEEL_BENCH_USERS"], encoding="utf-8") as file:
    PLAN = json.load(file)
ACCOUNTS = itertools.cycle(enumerate(PLAN["users"]))
SEARCH = PLAN["search"]

# What the users saw, for bench/run.py to hold against the database.
ACKS: dict = {
    "notes": [],  # tokens of notes whose POST was answered by the redirect
    "moves": [],  # tokens of status moves likewise
    "conflicts": collections.Counter(),  # 409s, by form
    "served_by": collections.Counter(),  # X-Served-By: which app server answered
    "unexpected": [],  # what made a write impossible to attempt (a page without its form)
}

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = {form: re.compile(rf'name="{form}-version" value="(\d+)"') for form in ("note", "move")}
TARGETS = re.compile(r'name="move-target" value="([a-z_]+)"')


class NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Keep nothing in the jar: the Cookie header is written by hand (see above)."""

    def set_ok(self, cookie, request):
        return False


class ForceStaff(HttpUser):
    wait_time = between(*PLAN["wait"])

    def on_start(self):
        self.index, account = next(ACCOUNTS)
        self.session = account["session"]
        self.read_ids = account["read_ids"]
        self.write_ids = account["write_ids"]
        self.csrf = ""
        self.writes = itertools.count(1)
        self.client.cookies.set_policy(NoCookies())

    def headers(self, referer: str = "") -> dict[str, str]:
        cookie = f"{PLAN['cookie']}={self.session}"
        if self.csrf:
            cookie += f"; {PLAN['csrf_cookie']}={self.csrf}"
        headers = {"Cookie": cookie}
        if referer:
            # As a browser sends them with a form: the page's own origin (HTTPS, per haproxy).
            origin = "https://" + self.host.split("://", 1)[1].rstrip("/")
            headers.update(Origin=origin, Referer=origin + referer)
        return headers

    def seen(self, response) -> None:
        ACKS["served_by"][response.headers.get("X-Served-By", "?")] += 1
        token = response.cookies.get(PLAN["csrf_cookie"])
        if token:
            self.csrf = token

    def page(self, url: str, name: str) -> str | None:
        """GET a page: its HTML, or None (and a failure) for anything but a 200."""
        with self.client.get(
            url,
            name=name,
            headers=self.headers(),
            allow_redirects=False,
            timeout=TIMEOUT,
            catch_response=True,
        ) as response:
            if response.status_code == 0:
                return None  # no answer (a timeout, a refused connection): locust failed it
            self.seen(response)
            if response.status_code in (301, 302) and "/accounts/login/" in response.headers.get(
                "Location", ""
            ):
                response.failure("signed out: redirected to the sign-in page")
                return None
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {url}")
                return None
            return response.text

    def write(self, form: str, data: dict[str, str]) -> str | None:
        """GET one of the user's actions, POST `form` on it as multipart (as the page's forms
        are sent), follow the redirect: "acknowledged", "conflict", or None (a failure)."""
        pk = random.choice(self.write_ids)
        url = f"/actions/{pk}/"
        html = self.page(url, f"{form}: page")
        if html is None:
            return None
        csrf, version = CSRF_INPUT.search(html), VERSION[form].search(html)
        if not csrf or not version:
            ACKS["unexpected"].append(f"{url}: no {form} form")
            return None
        fields = {"csrfmiddlewaretoken": csrf.group(1), f"{form}-version": version.group(1)}
        if form == "move":
            offered = TARGETS.findall(html)
            target = next((s for s in ("submitted", "in_progress") if s in offered), None)
            if target is None:
                ACKS["unexpected"].append(f"{url}: no move offered of {offered}")
                return None
            data = {**data, "move-target": target}
        fields.update(data)
        with self.client.post(
            f"{url}{form}/",
            name=form,
            files={key: (None, value) for key, value in fields.items()},
            headers=self.headers(referer=url),
            allow_redirects=False,
            timeout=TIMEOUT,
            catch_response=True,
        ) as response:
            if response.status_code == 0:
                return None
            self.seen(response)
            if response.status_code == 302 and response.headers.get("Location") == url:
                response.success()
                outcome = "acknowledged"
            elif response.status_code == 409:
                response.success()
                ACKS["conflicts"][form] += 1
                return "conflict"
            else:
                response.failure(f"{form}: {response.status_code}, not the redirect")
                return None
        self.page(url, f"{form}: redirect")  # as a browser follows it
        return outcome

    def token(self) -> str:
        return f"[load {PLAN['run']} {self.index}.{next(self.writes)}]"

    def dashboard(self):
        self.page("/", "dashboard")

    def actions_list(self):
        self.page("/actions/", "actions_list")

    def actions_search(self):
        self.page(f"/actions/?q={SEARCH}", "actions_search")

    def action_detail(self):
        self.page(f"/actions/{random.choice(self.read_ids)}/", "action_detail")

    def add_note(self):
        token = self.token()
        body = f"Load test note {token}: the new process ran for a week without a missed case."
        if self.write("note", {"note-kind": "progress", "note-body": body}) == "acknowledged":
            ACKS["notes"].append(token)

    def move_status(self):
        token = self.token()
        reason = f"Load test move {token}"
        if self.write("move", {"move-reason": reason}) == "acknowledged":
            ACKS["moves"].append(token)


# The mix: how often each task is picked, relative to the others (the plan's, from LOAD_MIX
# in bench/run.py; a weight of 0 leaves a task out). Locust picks uniformly from this list,
# each task in it as many times as its weight (its metaclass does the same with a dict, but
# only for one given in the class body).
ForceStaff.tasks = [
    getattr(ForceStaff, name) for name, weight in PLAN["mix"].items() for _ in range(weight)
]


@events.quitting.add_listener
def write_acknowledged(environment, **kwargs):
    with open(os.environ["PEEL_BENCH_ACKS"], "w", encoding="utf-8") as out:
        json.dump(ACKS, out)
