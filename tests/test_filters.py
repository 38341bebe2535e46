"""The action list's FilterSet, which the CSV export shares."""

from __future__ import annotations

import datetime

import pytest
from django.http import QueryDict
from django.test import RequestFactory
from django.utils import timezone

from tests.factories import make_action, make_inspection, make_question
from tracker.filters import ActionFilter
from tracker.models import Action, Grade, Status

TODAY = timezone.localdate()


def filtered(user, query: str = "") -> list[Action]:
    request = RequestFactory().get("/actions/", QueryDict(query))
    request.user = user
    f = ActionFilter(request.GET, queryset=Action.objects.visible_to(user), request=request)
    return list(f.qs)


def due(days: int) -> dict:
    date = TODAY + datetime.timedelta(days=days)
    return {"due_date": date, "original_due_date": date}


@pytest.fixture
def question(force):
    return make_question(inspection=make_inspection(force=force))


def test_no_filters_lists_every_visible_action_soonest_due_first(staff, force, other_force):
    late = make_action(force=force, **due(40))
    soon = make_action(force=force, **due(3))
    undated = make_action(force=force)
    make_action(force=other_force)
    assert filtered(staff) == [soon, late, undated]


def test_status_takes_several_values(staff, question):
    started = make_action(question=question, status=Status.IN_PROGRESS)
    submitted = make_action(question=question, status=Status.SUBMITTED)
    make_action(question=question)
    assert set(filtered(staff, "status=in_progress&status=submitted")) == {started, submitted}


def test_owner_me_unassigned_and_a_colleague(staff, colleague, question):
    mine = make_action(question=question, owner=staff)
    theirs = make_action(question=question, owner=colleague)
    nobodys = make_action(question=question)
    assert filtered(staff, "owner=me") == [mine]
    assert filtered(staff, "owner=unassigned") == [nobodys]
    assert filtered(staff, f"owner={colleague.pk}") == [theirs]


def test_an_owner_from_another_force_is_ignored_not_an_error(staff, outsider, question):
    make_action(question=question)
    assert len(filtered(staff, f"owner={outsider.pk}")) == 1


def test_report_and_question(staff, force):
    first = make_action(force=force)
    second = make_action(force=force)
    assert filtered(staff, f"inspection={first.question.inspection_id}") == [first]
    assert filtered(staff, f"question={second.question_id}") == [second]


def test_another_forces_report_or_question_does_not_filter(staff, force, other_force):
    mine = make_action(force=force)
    theirs = make_action(force=other_force)
    assert filtered(staff, f"inspection={theirs.question.inspection_id}") == [mine]
    assert filtered(staff, f"question={theirs.question_id}") == [mine]


def test_question_grade(staff, force):
    inadequate = make_action(question=make_question(grade=Grade.INADEQUATE))
    make_action(question=make_question(grade=Grade.GOOD))
    assert filtered(staff, "question_grade=inadequate") == [inadequate]


def test_overdue_means_past_due_and_open(staff, question):
    late = make_action(question=question, **due(-1))
    make_action(question=question, **due(-1), status=Status.SUPERSEDED)
    make_action(question=question, **due(5))
    assert filtered(staff, "overdue=1") == [late]
    assert len(filtered(staff, "overdue=0")) == 3


def test_blocked(staff, question):
    blocked = make_action(question=question, blocked_reason="National programme")
    make_action(question=question)
    assert filtered(staff, "blocked=1") == [blocked]


def test_due_before_and_after_include_the_day(staff, question):
    early = make_action(question=question, **due(1))
    middle = make_action(question=question, **due(10))
    make_action(question=question, **due(20))
    before = (TODAY + datetime.timedelta(days=10)).isoformat()
    after = (TODAY + datetime.timedelta(days=1)).isoformat()
    assert filtered(staff, f"due_before={before}") == [early, middle]
    assert filtered(staff, f"due_after={after}&due_before={before}") == [early, middle]


def test_search_finds_afi_text_case_insensitively(staff, question):
    hit = make_action(question=question, text="Improve the MASH referral process.")
    make_action(question=question, text="Something else entirely.")
    assert filtered(staff, "q=mash") == [hit]


def test_search_finds_note_text_once_however_many_notes_match(staff, question):
    hit = make_action(question=question, text="Improve supervision.", owner=staff)
    hit.add_note("Dip sample of 50 case files", by=staff)
    hit.add_note("Second dip sample of case files", by=staff)
    make_action(question=question)
    assert filtered(staff, "q=dip+sample") == [hit]


def test_search_does_not_reach_another_forces_notes(staff, outsider, other_force):
    theirs = make_action(force=other_force, owner=outsider)
    theirs.add_note("Secret operation Nightjar", by=outsider)
    assert filtered(staff, "q=nightjar") == []


def test_sort_by_question_grade_puts_inadequate_first(staff, force):
    good = make_action(question=make_question(grade=Grade.GOOD))
    inadequate = make_action(question=make_question(grade=Grade.INADEQUATE))
    ri = make_action(question=make_question(grade=Grade.REQUIRES_IMPROVEMENT))
    assert filtered(staff, "sort=grade") == [inadequate, ri, good]
    assert filtered(staff, "sort=-grade") == [good, ri, inadequate]


def test_sort_by_status_follows_the_workflow(staff, question):
    submitted = make_action(question=question, status=Status.SUBMITTED)
    fresh = make_action(question=question)
    started = make_action(question=question, status=Status.IN_PROGRESS)
    assert filtered(staff, "sort=status") == [fresh, started, submitted]


def test_sort_by_due_date_keeps_undated_last_both_ways(staff, question):
    undated = make_action(question=question)
    soon = make_action(question=question, **due(1))
    late = make_action(question=question, **due(9))
    assert filtered(staff, "sort=due") == [soon, late, undated]
    assert filtered(staff, "sort=-due") == [late, soon, undated]


def test_sort_by_last_update_newest_first(staff, question):
    older = make_action(question=question, owner=staff)
    newer = make_action(question=question)
    older.add_note("Touch", by=staff)
    assert filtered(staff, "sort=updated") == [older, newer]
    assert filtered(staff, "sort=-updated") == [newer, older]


def test_an_unknown_sort_falls_back_to_due_date(staff, question):
    undated = make_action(question=question)
    soon = make_action(question=question, **due(1))
    assert filtered(staff, "sort=;drop table") == [soon, undated]


def test_the_force_filter_is_for_inspectors_only(staff, inspector, force, other_force):
    mine = make_action(force=force)
    theirs = make_action(force=other_force)
    assert filtered(inspector, f"force={other_force.slug}") == [theirs]
    assert filtered(staff, f"force={other_force.slug}") == [mine]


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "owner=999999",
        "owner=-1",
        "inspection=abc",
        "inspection=99999999999999999999999",
        "question=1.5",
        "question_grade=terrible",
        "overdue=maybe",
        "due_before=31/02/2026",
        "due_after=2026-02-30",
        "sort=" + "x" * 500,
        "force=atlantis",
        "q=" + "%00",
    ],
)
def test_bad_values_are_ignored_not_errors(staff, inspector, question, query):
    make_action(question=question)
    assert len(filtered(staff, query)) == 1
    assert len(filtered(inspector, query)) == 1


def test_question_choices_name_the_force_for_inspectors_only(staff, inspector, force):
    report = make_inspection(force=force, year=2016)
    make_question(inspection=report, text="Why?")
    for user, expected in (
        (staff, "2016 Effectiveness Q1: Why?"),
        (inspector, "Lancashire 2016 Effectiveness Q1: Why?"),
    ):
        request = RequestFactory().get(f"/actions/?force={force.slug}&inspection={report.pk}")
        request.user = user
        f = ActionFilter(request.GET, queryset=Action.objects.visible_to(user), request=request)
        labels = [label for value, label in f.form.fields["question"].choices if value]
        assert labels == [expected]


def offered(user, query: str, field: str) -> list[int]:
    request = RequestFactory().get(f"/actions/?{query}")
    request.user = user
    f = ActionFilter(request.GET, queryset=Action.objects.visible_to(user), request=request)
    return [int(str(value)) for value, _ in f.form.fields[field].choices if value]


def test_questions_are_offered_for_the_chosen_report_only(staff, force):
    first = make_action(force=force)
    second = make_action(force=force)
    assert offered(staff, "", "question") == []
    assert offered(staff, f"inspection={first.question.inspection_id}", "question") == [
        first.question_id
    ]
    # A question in a shared link stays offered (and filters) without its report.
    assert offered(staff, f"question={second.question_id}", "question") == [second.question_id]
    # Staff are offered every report of their force.
    assert set(offered(staff, "", "inspection")) == {
        first.question.inspection_id,
        second.question.inspection_id,
    }


def test_inspectors_are_offered_reports_once_a_force_is_chosen(inspector, force, other_force):
    mine = make_action(force=force)
    theirs = make_action(force=other_force)
    assert offered(inspector, "", "inspection") == []
    assert offered(inspector, f"force={force.slug}", "inspection") == [mine.question.inspection_id]
    # A report in a shared link stays offered and filters without its force.
    report = theirs.question.inspection_id
    assert offered(inspector, f"inspection={report}", "inspection") == [report]
    assert filtered(inspector, f"inspection={report}") == [theirs]
    assert filtered(inspector, f"question={theirs.question_id}") == [theirs]
