"""The action list page: filters in the URL, sorting, pagination, counts, the export link."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from tests.factories import make_action, make_inspection, make_question
from tracker.models import Action, Grade, Status

TODAY = timezone.localdate()


@pytest.fixture
def question(force):
    return make_question(inspection=make_inspection(force=force))


def many(question, n: int) -> list[Action]:
    return [
        make_action(
            question=question,
            text=f"Area for improvement number {i:03d}",
            due_date=TODAY + datetime.timedelta(days=i),
            original_due_date=TODAY + datetime.timedelta(days=i),
        )
        for i in range(n)
    ]


def row_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<a href="/actions/(\d+)/">', response.content.decode())]


def test_it_lists_only_the_users_forces_actions(signed_in, force, other_force):
    mine = make_action(force=force, text="Ours to do")
    make_action(force=other_force, text="Theirs to do")
    response = signed_in.get("/actions/")
    assert response.status_code == 200
    assert row_ids(response) == [mine.pk]
    assert "Theirs to do" not in response.content.decode()


def test_it_says_how_many_actions_match(signed_in, question):
    many(question, 3)
    assert "3 actions" in signed_in.get("/actions/").content.decode()
    page = signed_in.get("/actions/?q=nothing-matches").content.decode()
    assert "No actions match these filters." in page
    assert "Clear the filters" in page


def test_an_empty_force_sees_a_helpful_empty_state(signed_in):
    page = signed_in.get("/actions/").content.decode()
    assert "No actions yet." in page


def test_it_shows_fifty_a_page_with_numbered_pages(signed_in, question):
    actions = many(question, 120)
    first = signed_in.get("/actions/")
    assert row_ids(first) == [a.pk for a in actions[:50]]
    page = first.content.decode()
    assert "120 actions, showing 1–50" in page
    assert '<nav aria-label="Pages of actions">' in page
    assert 'aria-current="page"><span class="visually-hidden">Page </span>1</a>' in page
    third = signed_in.get("/actions/?page=3")
    assert row_ids(third) == [a.pk for a in actions[100:]]


@pytest.mark.parametrize(
    ("number", "expected"),
    [("0", 1), ("-4", 1), ("abc", 1), ("", 1), ("99", 3), ("9" * 40, 3), ("2.5", 1)],
)
def test_page_numbers_are_clamped_never_an_error(signed_in, question, number, expected):
    many(question, 120)
    response = signed_in.get(f"/actions/?page={number}")
    assert response.status_code == 200
    assert response.context["page"].number == expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [("1", 1), ("2", 2), ("0", 1), ("abc", 1), ("3", 2), ("99", 2), ("9" * 40, 2)],
)
def test_a_search_counts_and_pages_as_the_plain_list_does(signed_in, question, number, expected):
    # A search within one force gets its count from the query of its page (COUNT(*) OVER ())
    actions = many(question, 70)
    make_action(question=question, text="Nothing like the others")
    response = signed_in.get(f"/actions/?q=number&page={number}")
    assert response.status_code == 200
    assert response.context["page"].number == expected
    page = response.content.decode()
    if expected == 1:
        assert "70 actions, showing 1–50" in page
        assert row_ids(response) == [a.pk for a in actions[:50]]
    else:
        assert "70 actions, showing 51–70" in page
        assert row_ids(response) == [a.pk for a in actions[50:]]


def test_a_search_that_finds_nothing_says_so(signed_in, question):
    many(question, 3)
    response = signed_in.get("/actions/?q=nowhere&page=4")
    assert response.context["page"].number == 1
    assert "No actions match these filters." in response.content.decode()


def test_an_inspectors_search_counts_within_a_force_and_across_all(
    client, inspector, force, other_force
):
    ours = [make_action(force=force, text=f"Audit the custody suite {i}") for i in range(3)]
    theirs = make_action(force=other_force, text="Audit the control room")
    client.force_login(inspector)
    across = client.get("/actions/?q=audit")
    assert "4 actions" in across.content.decode()
    assert set(row_ids(across)) == {a.pk for a in ours} | {theirs.pk}
    within = client.get(f"/actions/?q=audit&force={force.slug}")
    assert "3 actions" in within.content.decode()
    assert set(row_ids(within)) == {a.pk for a in ours}


def test_pages_keep_the_filters(signed_in, question):
    many(question, 60)
    page = signed_in.get("/actions/?status=not_started&q=area").content.decode()
    assert 'href="?status=not_started&amp;q=area&amp;page=2"' in page


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "owner=banana",
        "inspection=99999999999999999999999",
        "question=-1",
        "due_before=not-a-date",
        "due_after=2026-13-45",
        "overdue=%FF",
        "sort=../../etc",
        "page=NaN",
        "q=%27%3B--",
        "force=x&force=y",
    ],
)
def test_bad_filter_values_never_error_the_page(signed_in, question, query):
    make_action(question=question)
    response = signed_in.get(f"/actions/?{query}")
    assert response.status_code == 200


def test_a_bad_date_is_reported_next_to_its_field(signed_in, question):
    make_action(question=question)
    page = signed_in.get("/actions/?due_before=31-31-2026").content.decode()
    assert "Enter a valid date." in page
    assert 'id="id_due_before_error"' in page


def test_sorting_by_grade_puts_the_worst_first_and_marks_the_column(signed_in, force):
    good = make_action(question=make_question(grade=Grade.GOOD))
    inadequate = make_action(question=make_question(grade=Grade.INADEQUATE))
    response = signed_in.get("/actions/?sort=grade")
    assert row_ids(response) == [inadequate.pk, good.pk]
    page = response.content.decode()
    assert re.search(
        r'<th scope="col" aria-sort="ascending"><a class="sort-link" href="\?sort=-grade">Grade',
        page,
    )


def test_sort_links_keep_the_filters_and_drop_the_page(signed_in, question):
    make_action(question=question, status=Status.IN_PROGRESS)
    page = signed_in.get("/actions/?status=in_progress&page=1").content.decode()
    assert 'href="?status=in_progress&amp;sort=grade">Grade' in page
    assert 'href="?status=in_progress&amp;sort=-due">Due' in page


def test_the_default_sort_is_marked_on_the_due_column(signed_in, question):
    make_action(question=question)
    page = signed_in.get("/actions/").content.decode()
    assert re.search(r'aria-sort="ascending"><a class="sort-link" href="\?sort=-due">Due', page)


def test_each_row_shows_its_note_count_and_status(signed_in, staff, question):
    action = make_action(question=question, status=Status.IN_PROGRESS, owner=staff)
    action.add_note("One", by=staff)
    action.add_note("Two", by=staff)
    page = signed_in.get("/actions/").content.decode()
    assert '<td class="text-end">2</td>' in page
    assert 'badge-status-in_progress">In progress</span>' in page


def test_the_export_link_carries_the_current_filters(signed_in, question):
    make_action(question=question)
    page = signed_in.get("/actions/?status=submitted&overdue=1&page=1").content.decode()
    assert 'href="/actions/export.csv?status=submitted&amp;overdue=1"' in page


def test_staff_do_not_get_a_force_filter_but_inspectors_do(signed_in, client, inspector):
    assert 'name="force"' not in signed_in.get("/actions/").content.decode()
    client.force_login(inspector)
    assert 'name="force"' in client.get("/actions/").content.decode()


def test_an_inspector_sees_every_force_or_the_chosen_one(client, inspector, force, other_force):
    mine = make_action(force=force)
    theirs = make_action(force=other_force)
    client.force_login(inspector)
    assert set(row_ids(client.get("/actions/"))) == {mine.pk, theirs.pk}
    assert row_ids(client.get(f"/actions/?force={other_force.slug}")) == [theirs.pk]


def test_each_row_says_what_where_who_and_when(client, signed_in, inspector, force, question):
    blocked = make_action(
        question=question,
        text="Improve <triage> & call handling",
        blocked_reason="National programme",
        due_date=datetime.date(2027, 3, 1),
        original_due_date=datetime.date(2027, 3, 1),
    )
    page = signed_in.get("/actions/").content.decode()
    row = page[page.index(f"<td>{blocked.pk}</td>") : page.index("</tr>", page.index("afi-cell"))]
    assert (
        f'<a href="/actions/{blocked.pk}/">Improve &lt;triage&gt; &amp; call handling</a>'
        ' <span class="badge badge-blocked">Blocked</span>'
    ) in row
    inspection = question.inspection
    source = f"{inspection.programme} {inspection.year} {inspection.get_pillar_display()} · Q"
    assert f'<span class="afi-source">{source}{question.number}</span>' in row
    assert '<span class="text-body-secondary">Unassigned</span>' in row
    assert "1 Mar 2027<br>" in row
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[^"]+">\d{1,2} \w{3} \d{4}</time>', row)
    # An inspector sees which force each action belongs to.
    client.force_login(inspector)
    page = client.get("/actions/").content.decode()
    assert f'<span class="afi-source">{force.short_name} · {source}' in page


def test_assured_actions_are_a_status_of_the_filter_with_a_badge_of_their_own(signed_in, question):
    assured = make_action(question=question, status=Status.ASSURED)
    make_action(question=question, status=Status.SUBMITTED)
    response = signed_in.get("/actions/?status=assured")
    assert [row["pk"] for row in response.context["rows"]] == [assured.pk]
    page = response.content.decode()
    assert 'value="assured"' in page
    assert 'badge-status-assured">Assured — ready for the inspectorate</span>' in page


@pytest.fixture
def small_cap(monkeypatch):
    """Count no further than 60 rows, and a page ahead (issue 16's cap is 1,000 and five)."""
    monkeypatch.setattr("tracker.paging.CAP", 60)
    monkeypatch.setattr("tracker.paging.PAGES_AHEAD", 1)


def test_a_long_list_says_more_than_its_count_and_every_page_stays_reachable(
    signed_in, question, small_cap
):
    # Issue 16: the list counts no further than it needs ("More than 1,000 actions" at the
    # real cap), rather than every action the filters match.
    actions = many(question, 170)
    first = signed_in.get("/actions/")
    page = first.content.decode()
    assert "More than 100 actions, showing 1–50" in page
    assert row_ids(first) == [a.pk for a in actions[:50]]
    assert 'href="?page=3"' in page  # the first page beyond what was counted
    assert 'rel="next"' in page
    # Each page counts a page past itself, so Next leads on to the true last page.
    second = signed_in.get("/actions/?page=2")
    assert row_ids(second) == [a.pk for a in actions[50:100]]
    assert "More than 150 actions, showing 51–100" in second.content.decode()
    third = signed_in.get("/actions/?page=3")
    assert row_ids(third) == [a.pk for a in actions[100:150]]
    assert "170 actions, showing 101–150" in third.content.decode()
    last = signed_in.get("/actions/?page=4")
    assert row_ids(last) == [a.pk for a in actions[150:]]
    assert "170 actions, showing 151–170" in last.content.decode()
    assert 'rel="next"' not in last.content.decode()
    # Past the end: the last page, as before.
    assert signed_in.get("/actions/?page=99").context["page"].number == 4


def test_a_list_within_the_cap_says_exactly_how_many(signed_in, question, small_cap):
    many(question, 55)
    page = signed_in.get("/actions/").content.decode()
    assert "55 actions, showing 1–50" in page
    assert "More than" not in page
