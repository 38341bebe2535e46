"""An inspector's screens at a laptop's width (1366 × 768): nothing hidden, nothing clipped,
the navigation on one line. Screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import (
    AXE_SCRIPT,
    REPORT,
    SCREENSHOTS,
    axe_violations,
    check_page,
    screenshot,
)
from tests.browser.test_journeys import sign_in
from tracker.models import Status, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}

# Every column header and cell of the admin's action list: whether it lies inside the window,
# beside (not under) the filter panel, and shows its whole text.
CELLS_JS = """() => {
    const filter = document.querySelector("#changelist-filter").getBoundingClientRect();
    const cells = [...document.querySelectorAll("#result_list th, #result_list td")];
    return cells.map((cell) => {
        const box = cell.getBoundingClientRect();
        const beside = box.right <= filter.left + 0.5 || box.left >= filter.right - 0.5
            || box.bottom <= filter.top + 0.5 || box.top >= filter.bottom - 0.5;
        const clipped = [cell, ...cell.querySelectorAll("*")].some((el) =>
            el.scrollWidth > el.clientWidth + 0.5 && getComputedStyle(el).overflow !== "visible"
        );
        return {
            text: cell.innerText.trim(),
            inside: box.left >= 0 && box.right <= document.documentElement.clientWidth + 0.5,
            beside: beside,
            clipped: clipped || cell.scrollWidth > cell.clientWidth + 0.5,
        };
    });
}"""

# The visible items of a navigation bar, and whether they make one line: each item's text is
# one line ("Change / password" on two is not), and some vertical band crosses every item.
LINES_JS = """(selector) => {
    const bar = document.querySelector(selector);
    const items = [...bar.querySelectorAll("a, button, .navbar-text, #site-name, #user-tools")]
        .filter((el) => el.getClientRects().length > 0);
    const lines = (el) => {
        const range = document.createRange();
        range.selectNodeContents(el);
        const rects = [...range.getClientRects()]
            .filter((r) => r.width > 1 && r.height > 1)
            .sort((a, b) => a.top - b.top);
        let count = 0;
        let bottom = -Infinity;
        for (const r of rects) {
            if (r.top >= bottom - 1) count += 1;  // below everything so far: a new line
            bottom = Math.max(bottom, r.bottom);
        }
        return count;
    };
    const boxes = items.map((el) => el.getBoundingClientRect());
    const overlaps = [];
    items.forEach((a, i) => items.slice(i + 1).forEach((b, j) => {
        const [p, q] = [boxes[i], boxes[i + 1 + j]];
        const apart = p.right <= q.left + 0.5 || q.right <= p.left + 0.5;
        if (!apart && !a.contains(b) && !b.contains(a)) {
            overlaps.push([a.innerText.trim(), b.innerText.trim()]);
        }
    }));
    return {
        overlaps: overlaps,
        texts: items.map((el) => el.innerText.trim()),
        wrapped: items.filter((el) => lines(el) > 1).map((el) => el.innerText.trim()),
        oneBand: Math.max(...boxes.map((b) => b.top)) < Math.min(...boxes.map((b) => b.bottom)),
        inside: boxes.every((b) => b.right <= document.documentElement.clientWidth),
    };
}"""


@pytest.fixture
def laptop(chromium):
    context = chromium.new_context(viewport=LAPTOP, locale="en-GB", timezone_id="Europe/London")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.add_init_script(path=str(AXE_SCRIPT))
    yield page
    context.close()


@pytest.fixture
def busy_list(lancashire):
    """The Lancashire report's actions, and one of a force with a long name, owned by someone
    with a long username."""
    hampshire = factories.get_force("Hampshire")
    owner = factories.make_user(username="christopher.featherstonehaugh", force=hampshire)
    lead = factories.make_user(username="hampshire-lead", force=hampshire, force_role="lead")
    far = factories.make_action(force=hampshire, text=REPORT["questions"][0][2][0])
    far.assign(owner, by=lead)
    far.move_to(Status.IN_PROGRESS, by=owner)
    return lancashire


def test_the_admin_action_list_shows_every_column_at_1366_pixels(laptop, live_server, busy_list):
    sign_in(laptop, live_server.url, "inspector", busy_list["password"])
    laptop.goto(f"{live_server.url}/admin/tracker/action/")
    expect(laptop.locator("#result_list")).to_be_visible()
    screenshot(laptop, "30-admin-action-list-1366")

    # A sorted column's header starts with its sort priority ("1", "2") on a line of its own.
    headers = [
        h.strip().splitlines()[-1].strip().upper()
        for h in laptop.locator("#result_list thead th").all_inner_texts()
        if h.strip()
    ]
    assert headers == [
        *("ID", "FORCE", "REPORT", "Q", "FINDING"),
        *("OWNER", "STATUS", "DUE DATE", "OVERDUE"),
    ]
    cells = laptop.evaluate(CELLS_JS)
    assert [c for c in cells if not c["inside"]] == []
    assert [c for c in cells if not c["beside"]] == []
    assert [c for c in cells if c["clipped"]] == []
    texts = [c["text"] for c in cells]
    assert "Not started" in texts and "christopher.featherstonehaugh" in texts
    assert axe_violations(laptop) == []


def test_the_inspectors_navigation_fits_one_line_at_1366_pixels(laptop, live_server, lancashire):
    sign_in(laptop, live_server.url, "inspector", lancashire["password"])
    name = laptop.locator("nav.navbar .site-user .navbar-text")
    expect(name).to_have_text("Alex Morgan")
    assert name.evaluate("(el) => el.scrollWidth <= el.clientWidth")  # shown in full

    User.objects.filter(username="inspector").update(
        first_name="Alexandra", last_name="Montgomery-Whitfield"
    )
    laptop.reload()
    site = laptop.evaluate(LINES_JS, "nav.navbar")
    for item in ("Dashboard", "Actions", "Reports", "Admin", "Account", "Sign out"):
        assert item in site["texts"], site
    assert site["wrapped"] == [] and site["overlaps"] == [], site
    assert site["oneBand"] and site["inside"], site
    # A long name gives way; it is there in full for whoever points at it.
    expect(name).to_have_attribute("title", "Alexandra Montgomery-Whitfield")
    check_page(laptop, "31-inspector-navigation-1366")

    laptop.goto(f"{live_server.url}/admin/tracker/action/")
    header = laptop.evaluate(LINES_JS, "#header")
    assert header["wrapped"] == [] and header["overlaps"] == [], header
    assert header["oneBand"] and header["inside"], header
    laptop.screenshot(path=str(SCREENSHOTS / "32-admin-header-1366.png"))


def test_below_1200_pixels_the_menu_folds_behind_a_button(chromium, live_server, lancashire):
    context = chromium.new_context(viewport={"width": 1100, "height": 768})
    page = context.new_page()
    sign_in(page, live_server.url, "inspector", lancashire["password"])
    site = page.evaluate(LINES_JS, "nav.navbar")
    assert site["wrapped"] == [] and site["overlaps"] == [] and site["inside"], site
    page.get_by_role("button", name="Show the menu").click()
    page.wait_for_selector("#site-nav.collapse.show")  # opened, its animation over
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "33-inspector-navigation-1100")
    context.close()
