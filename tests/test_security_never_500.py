"""Every list page and every admin changelist answers bad query values with a 400 or a page,
never a 500: ids beyond the 64-bit range, NUL bytes (which PostgreSQL cannot store in a
string) and a page number past any list in every parameter each page reads, and searches
of 50,000 characters or 500 words.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from tests import factories

BEYOND_BIGINT = "9" * 20
# Sent in every parameter, one at a time.
BAD_VALUES = {
    "a 20-digit id": BEYOND_BIGINT,
    "a negative 20-digit id": "-" + BEYOND_BIGINT,
    "a NUL byte": "a\x00b",
}
# Sent in the search (`q`) as well: SQLite refuses a LIKE pattern of 50,000 bytes, and an
# expression as deep as the admin makes of 500 words in several fields.
BAD_SEARCHES = {"50,000 characters": "x" * 50_000, "500 words": "x " * 500}
FINE = {200, 302, 400}

# The site's list pages (tracker/urls.py) and the parameters each reads (ActionFilter in
# tracker/filters.py, and `page`). Add a new list page here; new changelists come by themselves.
ACTION_LIST_PARAMETERS = [
    *("q", "status", "owner", "force", "inspection", "question", "question_grade"),
    *("overdue", "blocked", "due_after", "due_before", "sort", "page"),
]
SITE_PAGES = {
    "dashboard": ["force"],
    "action-list": ACTION_LIST_PARAMETERS,
    "action-export": ACTION_LIST_PARAMETERS,
    "inspection-list": ["force", "page"],
}
# Every changelist the admin has, as the site registers them.
CHANGELISTS = sorted(model._meta.label_lower for model in admin.site._registry)
# What every changelist reads besides its filters: search, ordering, page, and an id.
CHANGELIST_PARAMETERS = ["q", "o", "p", "id__exact", "pk"]


@pytest.fixture
def populated(db, force):
    """One of everything, so that filters offer choices and lists have rows; the inspector is
    a superuser, who sees every changelist (auth's and django-axes' too)."""
    inspector = factories.make_inspector(username="boss", is_superuser=True)
    staff = factories.make_user(username="officer", force=force)
    action = factories.make_action(force=force, owner=staff)
    action.add_note("Training delivered to 40 staff.", by=staff)
    return {"inspector": inspector, "staff": staff}


def _statuses(client: Client, url: str, parameters: list[str]) -> dict[str, int]:
    """The status each bad value gets in each parameter, and a page past any list."""
    answers = {}
    for parameter in parameters:
        values = {**BAD_VALUES, **(BAD_SEARCHES if parameter == "q" else {})}
        for label, value in values.items():
            answers[f"{parameter}={label}"] = client.get(url, {parameter: value}).status_code
    response = client.get(url, {"page": BEYOND_BIGINT, "p": BEYOND_BIGINT})
    answers["a page number past any list"] = response.status_code
    return answers


def _changelist_parameters(model_label: str, user) -> list[str]:
    """Every parameter the changelist's filters read, asked of the filters themselves."""
    model_admin = next(
        model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.label_lower == model_label
    )
    request = RequestFactory().get("/")
    request.user = user
    changelist = model_admin.get_changelist_instance(request)
    filters = [p for spec in changelist.filter_specs for p in spec.expected_parameters()]
    return [*filters, *CHANGELIST_PARAMETERS]


@pytest.mark.parametrize(
    "page",
    [*(("site", name, role) for name in SITE_PAGES for role in ("staff", "inspector"))]
    + [("admin", label, "inspector") for label in CHANGELISTS],
    ids=lambda page: "-".join(page),
)
def test_no_bad_query_value_is_a_500_on_any_list(populated, page):
    where, name, role = page
    client = Client(raise_request_exception=False)
    client.force_login(populated[role])
    if where == "site":
        url, parameters = reverse(name), SITE_PAGES[name]
    else:
        app_label, model_name = name.split(".")
        url = reverse(f"admin:{app_label}_{model_name}_changelist")
        parameters = _changelist_parameters(name, populated[role])
    statuses = _statuses(client, url, parameters)
    assert {case: status for case, status in statuses.items() if status not in FINE} == {}


@pytest.mark.parametrize(
    "url",
    ["/actions/?force=a%00b", "/admin/tracker/action/?status__exact=a%00b", "/?force=%00"],
)
def test_a_nul_byte_in_the_address_is_the_sites_bad_request_page(client, inspector, url):
    client.force_login(inspector)
    response = client.get(url)
    assert response.status_code == 400
    assert "Bad request" in response.text and "Back to the dashboard" in response.text


def test_a_report_filter_beyond_bigint_in_the_admin_lists_nothing(client, inspector, action):
    client.force_login(inspector)
    response = client.get(f"/admin/tracker/action/?force__id__exact={BEYOND_BIGINT}")
    assert response.status_code == 200
    assert "0 actions" in response.text


def test_an_admin_search_over_1000_characters_is_a_400_that_says_so(client, inspector):
    client.force_login(inspector)
    response = client.get("/admin/tracker/action/", {"q": "x" * 50_000})
    assert response.status_code == 400
    assert "A search may be at most 1,000 characters long; this one is 50,000." in response.text


def test_an_admin_autocomplete_over_1000_characters_is_a_400(client, inspector):
    client.force_login(inspector)
    params = {"app_label": "tracker", "model_name": "user", "field_name": "force"}
    response = client.get("/admin/autocomplete/", {**params, "term": "x" * 50_000})
    assert response.status_code == 400


def test_an_admin_search_of_1000_characters_still_searches(client, inspector, action):
    client.force_login(inspector)
    words = " ".join(["crime"] * 166)  # 995 characters
    response = client.get("/admin/tracker/action/", {"q": words})
    assert response.status_code == 200
    assert "1 action" in response.text


@pytest.mark.parametrize("chosen", ["a\x00b", "banana", BEYOND_BIGINT, "-1"])
def test_a_bulk_action_on_rows_that_are_not_ids_is_a_400(client, inspector, action, chosen):
    client.force_login(inspector)
    data = {"action": "export_selected_csv", "_selected_action": [str(action.pk), chosen]}
    response = client.post("/admin/tracker/action/", data)
    assert response.status_code == 400
    assert "The rows chosen for this action are not rows of the list." in response.text


def test_a_bulk_action_on_real_rows_still_runs(client, inspector, action):
    client.force_login(inspector)
    data = {"action": "export_selected_csv", "_selected_action": [str(action.pk)]}
    response = client.post("/admin/tracker/action/", data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("status", ["banana", "a\x00b", ""])
def test_an_unknown_status_in_the_admin_is_an_error_beside_the_field(
    client, inspector, action, status
):
    client.force_login(inspector)
    data = {"status": status, "version": str(action.version), "reason": "x"}
    response = client.post(f"/admin/tracker/action/{action.pk}/change/", data)
    assert response.status_code == 200
    assert "errornote" in response.text
    action.refresh_from_db()
    assert action.status == "not_started"
