"""PostgreSQL restarted under load: the site says so quickly, recovers by itself, and every
write anyone saw acknowledged is in the database exactly once.

A private cluster (never the machine's shared PostgreSQL), two gunicorn servers behind
haproxy, production settings. A load client of a few signed-in people, each on an action of
their own, reads the action page, adds evidence notes and moves the action between "in
progress" and "submitted for review" (the moves force staff make on their own action), for a
bounded time. Each write carries a token of its own (the note's text, the move's reason), so
afterwards every acknowledged write (the redirect after a POST) can be looked for by name.
A prober asks each app server directly for /healthz and a page, several times a second.

In the middle, PostgreSQL is stopped (`pg_ctl stop -m fast`) for a few seconds and started.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg2
import pytest

from tests.factories import production_password_hash
from tests.http_browser import Browser, Response
from tests.services import (
    PYTHON,
    ROOT,
    app_server,
    collect_static_once,
    deployment_environment,
    load_balancer,
    migrate,
    postgres_cluster,
    require_deployment,
    shared_static_root,
)

PEOPLE = 4
RUN_SECONDS = 20
OUTAGE_AT = 6  # seconds into the run
OUTAGE_SECONDS = 5
FAST = 3.0  # seconds: the most any answer may take while the database is down
RECOVERED_WITHIN = 5.0  # seconds after PostgreSQL is back: pages answer 200 again
MARK = "fault-run-"  # every write's token starts with it
TIMEOUT = 15  # seconds: well under gunicorn's 30, so a hung worker shows as a slow answer

SETUP = """
import json
from tests import factories

out = []
for n in range({people}):
    person = factories.make_user(username=f"load{{n}}", password_hash={password_hash!r})
    action = factories.make_action(owner=person)
    action.move_to("in_progress", by=person)
    action.add_note("Project plan agreed.", by=person)
    out.append({{"username": person.username, "action": action.pk}})
print("PEOPLE=" + json.dumps(out))
"""

_VERSION = re.compile(r'name="note-version" value="(\d+)"')
_TARGET = re.compile(r'name="move-target" value="(\w+)"')


def action_state(page: str) -> tuple[int, list[str]]:
    """The version an action page was drawn at, and the moves it offers this person."""
    version = _VERSION.search(page)
    assert version, page[:2000]
    return int(version.group(1)), _TARGET.findall(page)


@dataclass
class Timeline:
    start: float = 0.0
    stopping: float = 0.0  # pg_ctl stop called
    stopped: float = 0.0  # pg_ctl stop returned: the database is down
    starting: float = 0.0  # pg_ctl start called
    started: float = 0.0  # pg_ctl start returned: the database accepts connections
    end: float = 0.0

    def down(self, answer: Response) -> bool:
        """Whether the request was made, and answered, while the database was down."""
        return self.stopped <= answer.started and answer.started + answer.seconds <= self.starting


@dataclass
class Person:
    username: str
    action: int
    browser: Browser
    site: str  # haproxy's address
    answers: list[Response] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)  # tokens of writes answered 302
    refused: list[str] = field(default_factory=list)  # tokens of writes answered otherwise
    refusals: dict[str, Response] = field(default_factory=dict)


def work(person: Person, until: float) -> None:
    """Read the action, then write to it, until `until`: what one person does all day."""
    page = f"{person.site}/actions/{person.action}/"
    n = 0
    while time.monotonic() < until:
        answer = person.browser.get(page)
        person.answers.append(answer)
        if answer.status != 200:
            time.sleep(0.2)  # a person waits a moment, then tries again
            continue
        version, moves = action_state(answer.html)
        name = MARK + uuid.uuid4().hex
        n += 1
        if n % 2:
            form = {"note-version": version, "note-kind": "progress", "note-body": name}
            where = f"{page}note/"
        else:
            target = "submitted" if "submitted" in moves else "in_progress"
            assert target in moves, moves
            form = {"move-version": version, "move-target": target, "move-reason": name}
            where = f"{page}move/"
        form["csrfmiddlewaretoken"] = person.browser.csrf_token
        answer = person.browser.post(where, form)
        person.answers.append(answer)
        if answer.status == 302:
            person.acknowledged.append(name)
        else:
            person.refused.append(name)
            person.refusals[name] = answer
            if answer.status != 503:
                raise AssertionError(f"{where}: {answer.status} {answer.error}{answer.text[:800]}")


def probe(site: str, cookies: dict[str, str], answers: list[Response], until: float) -> None:
    """Straight to one app server, 4 times a second: /healthz as a load balancer asks for it
    (no cookie), and the dashboard as a signed-in person asks for it."""
    balancer = Browser(timeout=TIMEOUT)
    person = Browser(cookies=dict(cookies), timeout=TIMEOUT)
    while time.monotonic() < until:
        answers.append(balancer.get(site + "/healthz"))
        answers.append(person.get(site + "/"))
        time.sleep(0.25)


def writes_found(url: str) -> dict[str, int]:
    """How many times each token is in the database: in a note's text or an event's reason."""
    with psycopg2.connect(url, connect_timeout=5) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT body FROM tracker_evidencenote WHERE body LIKE %s "
            "UNION ALL SELECT reason FROM tracker_actionevent WHERE reason LIKE %s",
            [MARK + "%", MARK + "%"],
        )
        found: dict[str, int] = {}
        for (name,) in cursor.fetchall():
            found[name] = found.get(name, 0) + 1
    return found


def note_bodies(url: str) -> set[str]:
    with psycopg2.connect(url, connect_timeout=5) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT body FROM tracker_evidencenote WHERE body LIKE %s", [MARK + "%"])
        return {body for (body,) in cursor.fetchall()}


def counts(url: str) -> tuple[int, int]:
    with psycopg2.connect(url, connect_timeout=5) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM tracker_evidencenote),"
            " (SELECT count(*) FROM tracker_actionevent)"
        )
        notes, events = cursor.fetchone()
    return notes, events


@pytest.mark.deploy
def test_postgresql_restarted_under_load(folder):
    require_deployment()
    phases: dict[str, float] = {}
    clock = time.monotonic()

    def phase(name: str) -> None:
        nonlocal clock
        phases[name] = time.monotonic() - clock
        clock = time.monotonic()

    with postgres_cluster(folder) as cluster:
        phase("initdb")
        cluster.create_database("peel")
        url = cluster.url("peel")
        environment = deployment_environment(
            url,
            folder,
            PEEL_DB_CONNECT_TIMEOUT="2",
            DJANGO_STATIC_ROOT=str(shared_static_root()),
        )
        collect_static_once(environment)
        phase("collectstatic")
        migrate(environment)
        phase("migrate")
        made = subprocess.run(
            [
                PYTHON,
                "manage.py",
                "shell",
                "-c",
                SETUP.format(people=PEOPLE, password_hash=production_password_hash()),
            ],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        [line] = [line for line in made.stdout.splitlines() if line.startswith("PEOPLE=")]
        phase("people")
        with ThreadPoolExecutor(3) as pool:  # each waits for its workers: all at once
            servers = list(
                pool.map(
                    lambda name: app_server(name, environment, folder, workers=2, timeout=30),
                    ["app1", "app2"],
                )
            )
            # One worker that no one asks while the database is down: its persistent
            # connection dies with PostgreSQL, and must be replaced at its next request.
            idle_server = pool.submit(
                app_server, "idle", environment, folder, workers=1, timeout=30
            ).result()
        balancer = load_balancer(servers, folder)
        phase("servers")

        def signed_in(entry: dict) -> Person:
            browser = Browser(timeout=TIMEOUT)
            browser.sign_in(balancer.url, entry["username"])
            return Person(entry["username"], entry["action"], browser, balancer.url)

        with ThreadPoolExecutor(PEOPLE) as pool:
            people = list(pool.map(signed_in, json.loads(line.removeprefix("PEOPLE="))))
        probers = []
        for server in servers:
            probers.append((server.url, []))
        phase("sign in")
        idle = Browser(cookies=dict(people[0].browser.cookies), timeout=TIMEOUT)
        # Its worker now holds a connection (CONN_MAX_AGE).
        assert idle.get(idle_server.url + "/").status == 200
        notes_before, events_before = counts(url)

        when = Timeline(start=time.monotonic())
        until = when.start + RUN_SECONDS
        threads = [threading.Thread(target=work, args=(p, until), daemon=True) for p in people]
        threads += [
            threading.Thread(
                target=probe, args=(site, people[0].browser.cookies, answers, until), daemon=True
            )
            for site, answers in probers
        ]
        try:
            for thread in threads:
                thread.start()
            time.sleep(OUTAGE_AT)
            when.stopping = time.monotonic()
            cluster.stop("fast")
            when.stopped = time.monotonic()
            time.sleep(OUTAGE_SECONDS)
            when.starting = time.monotonic()
            cluster.start()
            when.started = time.monotonic()
            after_restart = idle.get(idle_server.url + "/")
        finally:
            if not when.started:  # whatever failed, the cluster runs again for the checks
                cluster.start()
            for thread in threads:
                thread.join(RUN_SECONDS + 30)
        when.end = time.monotonic()
        phase("run")
        assert not any(thread.is_alive() for thread in threads), "a client never finished"
        notes_after, events_after = counts(url)
        found = writes_found(url)
        notes_found = note_bodies(url)
        for server in [*servers, idle_server]:
            server.stop()
        balancer.stop()
        phase("stop")
    print("\n" + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items()))

    answers = [a for p in people for a in p.answers]
    probed = [a for _, direct in probers for a in direct]
    everything = answers + probed

    # Nothing but 200, the redirect after a write, and 503; every request answered.
    assert {a.status for a in everything} <= {200, 302, 503}, sorted(
        {(a.status, a.path, a.error) for a in everything if a.status not in (200, 302, 503)}
    )

    # While the database was down: 503 everywhere, fast, and the page says what happened.
    down = [a for a in everything if when.down(a)]
    assert len([a for a in probed if when.down(a)]) >= 8, "the prober saw too little"
    assert all(a.status == 503 for a in down), sorted({(a.status, a.path) for a in down})
    for answer in (a for a in probed if when.down(a)):
        assert answer.headers.get("Retry-After") == "10"
        assert "no-store" in answer.headers.get("Cache-Control", "")
        if answer.path == "/healthz":
            assert answer.html == "database unavailable"
        else:
            assert "Service briefly unavailable" in answer.text
    during = [a for a in everything if a.started + a.seconds >= when.stopping]
    during = [a for a in during if a.started <= when.started]
    slowest = max(a.seconds for a in during)
    assert slowest < FAST, f"an answer took {slowest:.2f} s while the database was down"

    # Back by itself: /healthz and pages answer 200 again soon after PostgreSQL is up, and no
    # request after that fails (a connection that died with the database was replaced).
    def first_ok(path_answers: list[Response]) -> float:
        later = [a for a in path_answers if a.started >= when.started and a.status == 200]
        assert later, "never answered 200 again"
        return min(a.started + a.seconds for a in later) - when.started

    healthy_in = max(first_ok([a for a in direct if a.path == "/healthz"]) for _, direct in probers)
    pages_in = first_ok([a for a in answers if a.method == "GET"])
    assert healthy_in < RECOVERED_WITHIN, f"/healthz 200 only {healthy_in:.1f} s after"
    assert pages_in < RECOVERED_WITHIN, f"pages 200 only {pages_in:.1f} s after"
    # The idle worker's first request after the restart: its dead connection was checked and
    # replaced (CONN_HEALTH_CHECKS), not used and failed.
    assert after_restart.status == 200, (after_restart.status, after_restart.text[:300])
    settled = when.started + RECOVERED_WITHIN
    after = [a for a in everything if a.started >= settled]
    assert after and all(a.status in (200, 302) for a in after), sorted(
        {(a.status, a.path) for a in after if a.status not in (200, 302)}
    )

    # Every acknowledged write is in the database exactly once; none is there twice; whatever
    # else is there is a write whose answer was a 503 (committed as the connection dropped).
    acknowledged = [name for p in people for name in p.acknowledged]
    refused = [name for p in people for name in p.refused]
    assert len(set(acknowledged)) == len(acknowledged)
    missing = [name for name in acknowledged if found.get(name, 0) != 1]
    assert not missing, f"{len(missing)} acknowledged writes not found exactly once"
    assert all(count == 1 for count in found.values()), "a write is in the database twice"
    unacknowledged = sorted(set(found) - set(acknowledged))
    assert set(unacknowledged) <= set(refused)
    # Such a write was in flight as the database went down (its commit done, the answer lost
    # with the connection): the 503 page asks the person to check before saving it again.
    refusals = {name: answer for p in people for name, answer in p.refusals.items()}
    for name in unacknowledged:
        answer = refusals[name]
        assert answer.started <= when.stopped and answer.started + answer.seconds >= when.stopping
    # The counts agree: one event per write found, one note per note found, nothing else.
    assert events_after - events_before == len(found)
    assert notes_after - notes_before == len(notes_found)

    refused_down = sum(1 for a in answers if a.method == "POST" and a.status == 503)
    unavailable = [a for a in answers if a.status == 503]
    from_the_app = sum(1 for a in unavailable if "Service briefly unavailable" in a.text)
    print(
        f"PostgreSQL down {when.starting - when.stopped:.1f} s (stop took"
        f" {when.stopped - when.stopping:.2f} s, start {when.started - when.starting:.2f} s);"
        f" {len(everything)} requests, {len(down)} while down, slowest answer around the"
        f" outage {slowest * 1000:.0f} ms; /healthz 200 again {healthy_in:.2f} s and pages"
        f" {pages_in:.2f} s after start; an idle worker's first page after it"
        f" {after_restart.status} in {after_restart.seconds * 1000:.0f} ms; through haproxy"
        f" {len(unavailable)} answers 503,"
        f" {from_the_app} the app's page, {len(unavailable) - from_the_app} haproxy's own"
        f" (every server down); writes acknowledged {len(acknowledged)}, refused"
        f" (503) {refused_down}, found {len(found)} (acknowledged found exactly once:"
        f" {len(acknowledged) - len(missing)}; refused but committed: {len(unacknowledged)});"
        f" notes +{notes_after - notes_before}, events +{events_after - events_before}"
    )
