"""Locust users for bench/run.py's load phase: force staff signed in, reading their pages.

bench/run.py writes, to the JSON file named by PEEL_BENCH_USERS, one signed-in session per
user (made as the test client's force_login makes it) and each user's action ids, then runs
`locust --headless`. Each simulated user is a different member of staff (one per force) and
waits 1-2 s between pages, as a busy person clicking through the tracker would; with no wait
at all, eight users on two cores measure the queue in front of two gunicorn workers rather
than the pages. A page that answers with the sign-in form counts as a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import random

from locust import HttpUser, between, task

with open(os.environ["PEEL_BENCH_USERS"], encoding="utf-8") as file:
    PLAN = json.load(file)
ACCOUNTS = itertools.cycle(PLAN["users"])


class ForceStaff(HttpUser):
    wait_time = between(1, 2)

    def on_start(self):
        account = next(ACCOUNTS)
        self.action_ids = account["action_ids"]
        self.client.cookies.set(PLAN["cookie"], account["session"])

    def page(self, url: str, name: str) -> None:
        with self.client.get(url, name=name, catch_response=True) as response:
            if "/accounts/login/" in response.url:
                response.failure("signed out: answered with the sign-in page")

    @task(3)
    def actions_list(self):
        self.page("/actions/", "actions_list")

    @task(3)
    def action_detail(self):
        self.page(f"/actions/{random.choice(self.action_ids)}/", "action_detail")

    @task(1)
    def dashboard(self):
        self.page("/", "dashboard")
