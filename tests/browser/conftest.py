"""Browser tests: Playwright for Python driving Debian's Chromium against the live server.

The fixtures here (`chromium`, `tab`) launch the system's Chromium themselves, under names
pytest-playwright does not know: its `page`/`browser` fixtures parametrize a session-wide
`browser_name`, which makes pytest regroup the tests and run these live-server tests (which
empty the database) in the middle of the others, and keep Playwright's event loop running
for the rest of the session.

They are skipped, with the reason in pytest's summary, when /usr/bin/chromium (or the path
in PEEL_CHROMIUM) is missing, unless PEEL_REQUIRE_BROWSER=1 (CI), which turns a missing
browser into a failure.
Playwright never downloads a browser here: it launches the system's Chromium.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import sync_playwright

from tests import factories
from tracker.models import Grade, Pillar, Status

CHROMIUM = Path(os.environ.get("PEEL_CHROMIUM", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe.min.js"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=en-GB",
]
EXPECTED_STATUS = re.compile(r"Failed to load resource: .* status of (400|403|404|409|507)")


@pytest.fixture(scope="session", autouse=True)
def chromium_present():
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}"
        if os.environ.get("PEEL_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason} (PEEL_REQUIRE_BROWSER=1: the browser tests must run)")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, driven by Playwright, for the tests of one module.

    Playwright's sync API keeps an event loop marked as running in this thread. Django then
    (1) refuses ORM calls, unless DJANGO_ALLOW_ASYNC_UNSAFE is set: the loop is Playwright's,
    not a request's, so it is set while the browser runs, and only then; and (2) keeps a
    second set of database connections, as it does for async code, which are closed here
    before Playwright stops.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
            )
            yield browser
            browser.close()
            connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def tab(chromium):
    """A page in a fresh browser context (its own cookies), 1280 pixels wide."""
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        timezone_id="Europe/London",
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def console_errors(tab):
    """Errors the page logs: a CSP violation, a missing asset, a script error.

    The 400, 403, 404, 409 and 507 answers the app gives on purpose (a refused form, a change
    the user may not make, a page that is not there, files that could not be stored) are
    logged by the browser too; those are left out unless an asset failed.
    """
    errors: list[str] = []

    def on_console(msg):
        if msg.type != "error":
            return
        url = msg.location.get("url", "")
        if EXPECTED_STATUS.search(msg.text) and "/static/" not in url:
            return
        errors.append(f"{tab.url}: {msg.text} ({url})")

    tab.on("console", on_console)
    tab.on("pageerror", lambda exc: errors.append(f"{tab.url}: {exc}"))
    # axe is injected by the browser before any page script, so the CSP does not apply to it.
    tab.add_init_script(path=str(AXE_SCRIPT))
    return errors


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[str]:
    """Serious and critical WCAG 2.x A/AA violations on the current page, as readable lines."""
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                              "wcag22aa", "best-practice"]},
            resultTypes: ["violations"],
        })"""
    )
    return [
        f"{v['impact']}: {v['id']} — {v['help']} — "
        + json.dumps([node["target"] for node in v["nodes"]][:5])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def check_page(page, name: str) -> None:
    """Save a screenshot of the page and fail on any serious or critical axe violation."""
    screenshot(page, name)
    assert axe_violations(page) == [], name


REPORT = {
    "title": "How effective is the force at keeping people safe and reducing crime?",
    "questions": [
        (
            "How effective is the force at preventing crime, tackling anti-social behaviour "
            "and keeping people safe?",
            Grade.GOOD,
            [
                "The constabulary needs to ensure that there is a robust and structured process "
                "for problem solving and identifying what has been successful so that effective "
                "activity can be replicated in other areas.",
            ],
        ),
        (
            "How effective is the force at investigating crime and reducing re-offending?",
            Grade.GOOD,
            [
                "The constabulary should ensure that crime is consistently allocated to "
                "appropriately skilled investigators to ensure that victims always receive an "
                "effective service from the constabulary.",
                "The constabulary should ensure that all crimes reported to the constabulary are "
                "effectively managed and supervised, with all reasonable lines of enquiry fully "
                "exploited at the earliest opportunity.",
                "The constabulary should improve its ability to retrieve digital evidence from "
                "mobile phones, computers and other electronic devices quickly enough to ensure "
                "that investigations are not delayed.",
                "The constabulary should ensure that checks are routinely conducted to verify the "
                "identity, nationality and overseas convictions of arrested foreign nationals.",
            ],
        ),
        (
            "How effective is the force at protecting those who are vulnerable from harm, and "
            "supporting victims?",
            Grade.GOOD,
            [
                "The constabulary must ensure that those staff answering calls from the public "
                "consistently identify all aspects of vulnerability when responding to calls to "
                "correctly inform deployment decisions.",
            ],
        ),
        (
            "How effective is the force at tackling serious and organised crime?",
            Grade.GOOD,
            [
                "The constabulary should enhance its approach to the ‘lifetime management’ of "
                "organised criminals to minimise the risk they pose to local communities.",
            ],
        ),
        ("How effective are the force’s specialist capabilities?", Grade.UNGRADED, []),
    ],
}


@pytest.fixture
def lancashire(force):
    """The Lancashire PEEL 2016 Effectiveness report, its users, and actions in varied states."""
    staff = factories.make_user(username="staff", force=force, first_name="Sam", last_name="Okafor")
    colleague = factories.make_user(
        username="colleague", force=force, first_name="Priya", last_name="Shah"
    )
    lead = factories.make_user(
        username="lead", force=force, force_role="lead", first_name="Jo", last_name="Reid"
    )
    inspector = factories.make_inspector(
        username="inspector", first_name="Alex", last_name="Morgan"
    )
    inspection = factories.make_inspection(
        force=force,
        year=2016,
        pillar=Pillar.EFFECTIVENESS,
        title=REPORT["title"],
        grade=Grade.GOOD,
        last_updated=datetime.date(2017, 3, 2),
        source_url="https://www.justiceinspectorates.gov.uk/hmicfrs/peel-assessments/",
        summary="Lancashire Constabulary is good at keeping people safe and reducing crime.",
    )
    actions = []
    for number, (text, grade, afis) in enumerate(REPORT["questions"], start=1):
        question = factories.make_question(
            inspection=inspection,
            number=number,
            text=text,
            grade=grade,
            narrative="The inspectors' findings for this question, as published.\n\n"
            "A second paragraph of the narrative.",
        )
        actions += [factories.make_action(question=question, text=afi) for afi in afis]

    today = timezone.localdate()
    first, second, third, fourth, fifth, sixth, _ = actions
    # The force lead gives owners; each owner works on their own action.
    first.assign(staff, by=lead)
    first.set_due_date(today + datetime.timedelta(days=20), by=staff)
    second.assign(colleague, by=lead)
    second.move_to(Status.IN_PROGRESS, by=colleague)
    second.set_due_date(today - datetime.timedelta(days=14), by=colleague)
    second.add_note(
        "Allocation policy rewritten; training for 30 investigators booked.", by=colleague
    )
    third.assign(staff, by=lead)
    third.move_to(Status.IN_PROGRESS, by=staff)
    third.add_note("Supervision checklist now in the crime system.", by=staff)
    third.move_to(Status.SUBMITTED, by=staff)
    fourth.set_blocked("Waiting on the national digital forensics programme.", by=lead)
    fifth.assign(staff, by=lead)
    fifth.move_to(Status.IN_PROGRESS, by=staff)
    fifth.add_note("Foreign national checks added to the custody template.", by=staff)
    fifth.add_note("Dip sample: 96% of foreign nationals checked.", by=staff, kind="impact")
    fifth.move_to(Status.SUBMITTED, by=staff)
    fifth.move_to(Status.ASSURED, by=lead, reason="The dip sample shows it embedded.")
    fifth.move_to(Status.CLOSED, by=inspector, reason="Impact evidenced by the dip sample.")
    sixth.set_due_date(today + datetime.timedelta(days=90), by=lead)
    return {
        "inspection": inspection,
        "actions": actions,
        "staff": staff,
        "lead": lead,
        "inspector": inspector,
        "password": factories.PASSWORD,
    }
