"""Loading every format (tracker/reports/load.py, `load_document`) and what the actions keep.

Real text comes from tests/fixtures/reports (HMICFRS, Open Government Licence v3.0). Nothing past
a 2021+ report's opening could be read, so where a test needs a body (areas, grades, findings) its
text is the real opening followed by lines labelled SYNTHETIC, as in tests/test_readers.py.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import json
import re
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import get_force, make_action, make_inspection, make_question, make_user
from tests.reports import CAUSE_OF_CONCERN_2021, PEEL_2021_ON, SAMPLE, kent_2021_body
from tracker import exports
from tracker.models import (
    Action,
    ActionEvent,
    Grade,
    Inspection,
    Kind,
    Question,
    ReportFormat,
    Status,
)
from tracker.reports.errors import AlreadyImported, ReportError, ReportImportError
from tracker.reports.imports import import_report
from tracker.reports.load import Link, earlier_candidates, load_document, load_report, similarity
from tracker.reports.parse import parse_report
from tracker.reports.read import read_report
from tracker.reports.shape import Area, Finding, FindingKind, ReportDocument
from tracker.workflow import Role, TransitionError, check_discharge, deadline_due_date


def real(name: str) -> str:
    return (PEEL_2021_ON / f"{name}.txt").read_text(encoding="utf-8")


LETTER = real("devon-and-cornwall-2024-cause-of-concern-closure-letter")
KENT_2021 = real("kent-peel-2021-22-opening")
KENT_2023 = real("kent-peel-2023-25-opening")
REGISTER = real("register-devon-and-cornwall-recommendation-6989")


# SYNTHETIC: a 2021/22 body after the real opening: two graded areas (attested labels and
# tiers), numbered areas for improvement, a cause of concern with the attested lead-in.
BODY_2021 = kent_2021_body(
    "Investigating crime",
    "Adequate",
    "Area for improvement 1",
    "The force should make sure that investigations are allocated to appropriately skilled staff.",
    "Area for improvement 2: The force should improve its supervision of investigations.",
    *CAUSE_OF_CONCERN_2021,
)


def load(text: str, *, published: datetime.date | None = None, **kwargs):
    document = read_report(text)
    if published is not None:  # as the preview lets the person importing give it
        document = dataclasses.replace(document, published=published)
    kwargs.setdefault("by", None)
    kwargs.setdefault("via", ActionEvent.Via.IMPORT)
    return load_document(document, source_text=text, **kwargs)


# --- Each format, from the real fixtures -------------------------------------------------


def test_the_real_letter_loads_its_causes_of_concern_recommendation_and_closures(db):
    result = load(LETTER)

    inspection = result.inspection
    assert (inspection.format, inspection.published) == (
        ReportFormat.CAUSE_OF_CONCERN_LETTER,
        datetime.date(2024, 9, 27),
    )
    assert inspection.pillar == "" and inspection.year == 2024
    assert str(inspection) == "Devon and Cornwall Police PEEL cause-of-concern letter 2024-09-27"
    assert inspection.title == "Devon and Cornwall Police: closure of cause of concern letter"
    cause, recommendation, older = Action.objects.order_by("pk")
    assert (cause.kind, cause.question.label) == (Kind.CAUSE_OF_CONCERN, "Responding to the public")
    assert cause.question.label_recognised
    # The letter closes it: recorded as discharged, in its audit trail.
    assert cause.status == Status.CLOSED and cause.is_discharged
    assert "closed (26 September 2024 (this letter))" in cause.discharge_reason
    assert cause.events.filter(kind=ActionEvent.Kind.DISCHARGED).count() == 1
    # Its recommendation: the parent, the words, and the due date three months after publication
    assert recommendation.parent == cause
    assert recommendation.kind == Kind.RECOMMENDATION
    assert (recommendation.deadline_text, recommendation.deadline_months) == (
        "Within three months",
        3,
    )
    assert (
        recommendation.due_date == recommendation.original_due_date == datetime.date(2024, 12, 27)
    )
    assert recommendation.text.endswith("so that it a")  # cut off in the text: kept as it is
    assert older.is_discharged and older.question.label == "the management of sexual offenders"
    assert not older.question.label_recognised
    # The reader's warnings travel, and the loader's own are added.
    messages = [w.message for w in result.warnings]
    assert any("1 found" in m for m in messages)
    assert any("cut off" in m for m in messages)
    assert any("not recognised" in m for m in messages)
    assert result.summary.startswith(
        "Imported Devon and Cornwall Police PEEL cause-of-concern letter 2024-09-27: 0 areas, "
        "2 causes of concern, 1 recommendation ("
    )


@pytest.mark.parametrize(
    ("text", "format", "cycle", "year"),
    [
        (KENT_2021, ReportFormat.PEEL_2021_22, "2021/22", 2021),
        (KENT_2023, ReportFormat.PEEL_2023_25, "2023–25", 2023),
    ],
)
def test_a_real_2021_on_opening_is_a_report_of_its_cycle_with_its_warnings(
    db, text, format, cycle, year
):
    result = load(text)

    inspection = result.inspection
    assert (inspection.format, inspection.cycle, inspection.year) == (format, cycle, year)
    assert str(inspection) == f"Kent Police PEEL {cycle}"
    assert inspection.source_text == text
    assert not Action.objects.exists()
    assert any("no area grades found" in w.message for w in result.warnings)
    assert any("cut off" in w.message for w in result.warnings)
    assert "no findings" in result.summary


def test_the_real_register_page_needs_a_force_and_keeps_a_completed_recommendation_open(db):
    with pytest.raises(ReportImportError, match="does not name a force"):
        load(REGISTER)

    result = import_report(REGISTER, force="Devon and Cornwall")

    (recommendation,) = Action.objects.all()
    assert recommendation.kind == Kind.RECOMMENDATION and recommendation.parent is None
    assert recommendation.deadline_text == "Within six months"
    # No publication date: the words are kept and no due date is made up.
    assert recommendation.due_date is None
    assert recommendation.status == Status.NOT_STARTED
    messages = [w.message for w in result.warnings]
    assert any("is complete (27th April 2018)" in m for m in messages)
    assert any("no publication date" in m for m in messages)
    assert recommendation.question.label == "Findings outside a graded area"


# --- 2021+ bodies (SYNTHETIC) -------------------------------------------------------------


def test_areas_are_questions_with_labels_and_five_tier_grades(db):
    load(BODY_2021)

    inspection = Inspection.objects.get()
    areas = list(inspection.questions.order_by("number"))
    assert [(q.number, q.label, q.grade, q.label_recognised) for q in areas] == [
        (1, "Investigating crime", Grade.ADEQUATE, True),
        (2, "Responding to the public", Grade.INADEQUATE, True),
    ]
    assert str(areas[0]) == "Area 1. Investigating crime"
    afis = Action.objects.filter(kind=Kind.AREA_FOR_IMPROVEMENT).order_by("position")
    assert [(a.question.number, a.position) for a in afis] == [(1, 1), (1, 2)]


def test_recommendations_are_due_months_after_publication_and_have_their_parent(db):
    load(BODY_2021, published=datetime.date(2022, 11, 30))

    cause = Action.objects.get(kind=Kind.CAUSE_OF_CONCERN)
    recommendations = list(cause.recommendations.order_by("pk"))
    assert len(recommendations) == 2
    # 30 November + 3 months: there is no 30 February, so its last day.
    assert {r.due_date for r in recommendations} == {datetime.date(2023, 2, 28)}
    assert {r.original_due_date for r in recommendations} == {datetime.date(2023, 2, 28)}
    assert {r.question_id for r in recommendations} == {cause.question_id}
    assert Inspection.objects.get().published == datetime.date(2022, 11, 30)


def test_without_a_publication_date_the_deadline_is_words_only(db):
    result = load(BODY_2021)

    assert set(
        Action.objects.filter(kind=Kind.RECOMMENDATION).values_list("due_date", flat=True)
    ) == {None}
    assert any("no publication date" in w.message for w in result.warnings)


@pytest.mark.parametrize(
    ("published", "months", "due"),
    [
        (datetime.date(2024, 9, 27), 3, datetime.date(2024, 12, 27)),
        (datetime.date(2024, 1, 31), 1, datetime.date(2024, 2, 29)),
        (datetime.date(2023, 10, 15), 6, datetime.date(2024, 4, 15)),
        (datetime.date(2023, 12, 1), 12, datetime.date(2024, 12, 1)),
        (None, 3, None),
        (datetime.date(2023, 12, 1), None, None),
    ],
)
def test_deadline_due_dates(published, months, due):
    assert deadline_due_date(published, months) == due


def test_an_unknown_area_label_is_kept_as_written_and_flagged(db):
    # SYNTHETIC
    result = load(
        KENT_2023
        + ".\nTackling violence against women and girls\nInadequate\n"
        + "Area for improvement 1: The force should improve how it safeguards women and girls."
    )

    area = Question.objects.get()
    assert (area.label, area.label_recognised, area.grade) == (
        "Tackling violence against women and girls",
        False,
        Grade.INADEQUATE,
    )
    assert any("not recognised" in w.message and w.text == area.label for w in result.warnings)


def test_kinds_of_finding_become_actions_of_that_kind_and_practice_is_not_one(db):
    # SYNTHETIC pasted findings around the attested headings.
    result = import_report(
        "Accelerated cause of concern\nThe force is not protecting vulnerable people.\n"
        "Area of concern: responding to the public\nThe force answers 101 calls too slowly.\n"
        "Promising practice\n• The force runs a triage desk.\n",
        force="Kent",
    )

    assert sorted(Action.objects.values_list("kind", flat=True)) == [
        Kind.ACCELERATED_CAUSE_OF_CONCERN,
        Kind.AREA_OF_CONCERN,
    ]
    assert result.inspection.format == ReportFormat.OTHER


# --- Identity, duplicates, replacing, all or nothing --------------------------------------


def test_a_report_of_a_cycle_is_imported_once_per_force(db):
    load(KENT_2023)
    with pytest.raises(AlreadyImported) as refused:
        load(KENT_2023)
    assert refused.value.report == Inspection.objects.get()
    # Another force's report of the same cycle is another report.
    load(KENT_2023, force="Lancashire")
    assert Inspection.objects.count() == 2


def test_a_letter_is_identified_by_force_date_and_title(db):
    load(LETTER)
    with pytest.raises(AlreadyImported):
        load(LETTER)
    later = LETTER.replace("Published on: 27 September 2024", "Published on: 4 October 2024")
    load(later)
    assert Inspection.objects.filter(format=ReportFormat.CAUSE_OF_CONCERN_LETTER).count() == 2


def test_replacing_keeps_unchanged_findings_and_supersedes_those_that_left(db, other_force):
    staff = make_user(force=other_force)
    lead = make_user(force=other_force, force_role="lead")
    load(BODY_2021, published=datetime.date(2022, 11, 30))
    kept = Action.objects.get(text__startswith="The force should improve its supervision")
    kept.assign(staff, by=lead)
    changed = BODY_2021.replace(
        "appropriately skilled staff.", "appropriately skilled and supervised staff."
    )

    result = load(changed, replace=True)

    assert not result.created
    kept.refresh_from_db()
    assert kept.owner == staff and kept.status == Status.NOT_STARTED
    old = Action.objects.get(text__endswith="appropriately skilled staff.")
    assert old.status == Status.SUPERSEDED
    assert Action.objects.filter(text__endswith="skilled and supervised staff.").exists()
    assert "1 finding(s) superseded" in result.summary


def test_a_bad_link_writes_nothing(db):
    with pytest.raises(ReportImportError, match="no action 999999"):
        load(BODY_2021, links={"1": Link(earlier=999999, relation="carried-over")})
    assert not Inspection.objects.exists() and not Action.objects.exists()


def test_a_failure_half_way_writes_nothing(db, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Action, "record_discharge", fail)
    with pytest.raises(RuntimeError):
        load(LETTER)
    assert not Inspection.objects.exists() and not ActionEvent.objects.exists()


def test_an_unknown_format_is_refused_with_a_clear_message(db):
    with pytest.raises(ReportImportError, match="Unknown format 'peel-1999'"):
        load_document(
            ReportDocument(format="peel-1999", force="Kent"),  # type: ignore[arg-type]
            by=None,
            via=ActionEvent.Via.IMPORT,
        )
    with pytest.raises(ReportError, match="unknown format 'peel-1999'"):
        import_report(KENT_2023, format="peel-1999")
    assert not Inspection.objects.exists()


@pytest.mark.parametrize(
    ("finding", "message"),
    [
        (Finding(id=1, kind=FindingKind.RECOMMENDATION, text="x", parent=7), "parent \\(7\\)"),
        (Finding(id=1, kind=FindingKind.RECOMMENDATION, text="  "), "has no text"),
    ],
)
def test_a_document_that_does_not_hold_together_is_refused(db, finding, message):
    document = ReportDocument(format=ReportFormat.OTHER, force="Kent", findings=(finding,))
    with pytest.raises(ReportImportError, match=message):
        load_document(document, by=None, via=ActionEvent.Via.IMPORT)
    assert not Inspection.objects.exists()


def test_an_area_with_a_grade_that_is_not_a_tier_is_refused(db):
    document = ReportDocument(
        format=ReportFormat.PEEL_2023_25,
        force="Kent",
        areas=(Area(label="Investigating crime", grade="Splendid"),),
    )
    with pytest.raises(ReportImportError, match="'Splendid'"):
        load_document(document, by=None, via=ActionEvent.Via.IMPORT)


def test_a_pillar_page_loads_exactly_as_load_report_does(db):
    text = SAMPLE.read_text(encoding="utf-8")
    by_document = load(text)
    summary = by_document.summary
    actions = list(Action.objects.values_list("question__number", "position", "kind", "text"))
    by_report = load_report(parse_report(text), source_text=text, force="Kent")

    assert summary == (
        "Imported Lancashire Constabulary PEEL 2016 Effectiveness: 5 questions, "
        "7 areas for improvement"
    )
    assert by_report.summary == summary.replace("Lancashire Constabulary", "Kent Police")
    assert actions == list(
        Action.objects.filter(force__short_name="Kent").values_list(
            "question__number", "position", "kind", "text"
        )
    )
    assert by_document.inspection.format == ReportFormat.PEEL_2014_2019


# --- Links across cycles ------------------------------------------------------------------


@pytest.fixture
def earlier_afi(db):
    """An open area for improvement of an earlier Kent report (a 2014–2019 page's)."""
    return make_action(
        question=make_question(inspection=make_inspection(force=get_force("Kent"), year=2018)),
        text="The force should improve the time it takes to answer non-emergency calls.",
        status=Status.IN_PROGRESS,
    )


def test_a_cause_of_concern_escalates_an_earlier_area_for_improvement_and_supersedes_it(
    db, earlier_afi, inspector
):
    document = read_report(BODY_2021)
    cause = document.findings_of(FindingKind.CAUSE_OF_CONCERN)[0]

    load(BODY_2021, by=inspector, links={str(cause.id): Link(earlier_afi.pk, "escalated", True)})

    new = Action.objects.get(kind=Kind.CAUSE_OF_CONCERN)
    assert (new.continues, new.continues_how) == (earlier_afi, Action.Relation.ESCALATED)
    earlier_afi.refresh_from_db()
    assert earlier_afi.status == Status.SUPERSEDED
    event = earlier_afi.events.get(kind=ActionEvent.Kind.STATUS)
    assert event.reason == f"Escalated into action {new.pk} (PEEL 2021/22)."
    assert event.by == inspector


def test_an_area_for_improvement_is_carried_over_without_superseding(db, earlier_afi):
    document = read_report(BODY_2021)
    afi = document.findings_of(FindingKind.AREA_FOR_IMPROVEMENT)[0]

    load(BODY_2021, links={afi.id: Link(earlier_afi.pk, "carried-over", supersede=False)})

    new = Action.objects.get(continues=earlier_afi)
    assert new.continues_how == Action.Relation.CARRIED_OVER
    earlier_afi.refresh_from_db()
    assert earlier_afi.status == Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("relation", "kind", "message"),
    [
        ("escalated", FindingKind.AREA_FOR_IMPROVEMENT, "escalation goes from an area"),
        ("promoted", FindingKind.CAUSE_OF_CONCERN, "Unknown link 'promoted'"),
    ],
)
def test_a_link_the_rulebook_refuses_is_an_import_error(db, earlier_afi, relation, kind, message):
    document = read_report(BODY_2021)
    finding = document.findings_of(kind)[0]
    with pytest.raises(ReportImportError, match=message):
        load(BODY_2021, links={str(finding.id): Link(earlier_afi.pk, relation, True)})
    assert not Inspection.objects.filter(format=ReportFormat.PEEL_2021_22).exists()


def test_another_forces_action_cannot_be_continued(db, force):
    theirs = make_action(force=force)
    document = read_report(BODY_2021)
    with pytest.raises(ReportImportError, match="its own force"):
        load(BODY_2021, links={"1": Link(theirs.pk, "carried-over", False)})
    assert document.force == "Kent Police"


def test_earlier_candidates_are_the_forces_open_actions_like_each_finding_in_one_query(
    db, earlier_afi, django_assert_num_queries, other_force, force
):
    make_action(force=force, text=earlier_afi.text)  # another force's
    closed = make_action(
        question=earlier_afi.question, text=earlier_afi.text, status=Status.SUPERSEDED
    )
    document = read_report(BODY_2021)

    with django_assert_num_queries(2):  # the report this document is; the force's open actions
        candidates = earlier_candidates(document, other_force)

    cause = document.findings_of(FindingKind.CAUSE_OF_CONCERN)[0]
    assert candidates[str(cause.id)] == [earlier_afi]
    assert closed not in candidates[str(cause.id)]
    assert set(candidates) == {str(f.id) for f in document.findings}
    assert similarity("improve calls", "entirely unrelated words") == 0.0


# --- Discharging a cause of concern -------------------------------------------------------


@pytest.fixture
def cause(db, other_force):
    load(BODY_2021, published=datetime.date(2022, 11, 30))
    return Action.objects.get(kind=Kind.CAUSE_OF_CONCERN)


def discharge_rule(**overrides):
    rule = {
        "kind": Kind.CAUSE_OF_CONCERN,
        "status": Status.IN_PROGRESS,
        "role": Role.INSPECTOR,
        "discharged": False,
        "recommendations": 2,
        "recommendations_open": 0,
        "reason": "",
    }
    return check_discharge(**{**rule, **overrides})


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"kind": Kind.AREA_FOR_IMPROVEMENT}, "kind", "Only a cause of concern"),
        ({"role": None}, "status", "Only inspectors"),
        ({"discharged": True}, "status", "already discharged"),
        ({"status": Status.SUPERSEDED}, "status", "only an open one"),
        ({"recommendations_open": 1}, "reason", "1 of its 2 recommendations are open"),
        ({"recommendations": 0}, "reason", "it has no recommendations"),
    ],
)
def test_the_discharge_rule_refuses_naming_the_field(overrides, field, message):
    with pytest.raises(TransitionError, match=message) as refused:
        discharge_rule(**overrides)
    assert refused.value.field == field


def test_the_discharge_rule_allows_done_recommendations_or_a_reason():
    discharge_rule()
    discharge_rule(recommendations_open=2, reason="HMICFRS closed it by letter.")
    discharge_rule(kind=Kind.AREA_OF_CONCERN, recommendations=0, reason="Closed by letter.")


def test_an_inspector_discharges_once_its_recommendations_are_done(cause, inspector):
    with pytest.raises(TransitionError, match="2 of its 2 recommendations are open"):
        cause.discharge(by=inspector)
    for recommendation in cause.recommendations.all():
        recommendation.move_to(Status.SUPERSEDED, by=inspector, reason="Done another way.")

    cause.discharge(by=inspector, via=ActionEvent.Via.ADMIN)

    cause.refresh_from_db()
    assert cause.status == Status.CLOSED and cause.discharged_by == inspector
    assert cause.discharge_reason == "All 2 of its recommendations are done."
    event = cause.events.get(kind=ActionEvent.Kind.DISCHARGED)
    assert (event.by, event.via, event.new_value) == (inspector, "admin", "Discharged")


def test_force_staff_may_not_discharge_and_reopening_undoes_it(cause, inspector, other_force):
    staff = make_user(force=other_force)
    with pytest.raises(TransitionError, match="Only inspectors"):
        cause.discharge("We think it is done.", by=staff)

    cause.discharge("HMICFRS closed it by letter.", by=inspector)
    cause.move_to(Status.IN_PROGRESS, by=inspector, reason="Not closed after all.")

    cause.refresh_from_db()
    assert not cause.is_discharged and cause.discharge_reason == ""


def test_the_admin_discharges_through_the_rulebook(client, cause, inspector):
    client.force_login(inspector)
    url = f"/admin/tracker/action/{cause.pk}/change/"
    page = client.get(url)
    assert b'name="discharge"' in page.content
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    form = {
        **hidden,
        "status": cause.status,
        "owner": "",
        "due_date": "",
        "blocked_reason": "",
        "reason": "",
        "discharge": "on",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert "2 of its 2 recommendations are open" in refused.content.decode()

    client.post(url, {**form, "reason": "HMICFRS closed it by letter."})

    cause.refresh_from_db()
    assert cause.is_discharged and cause.discharged_by == inspector


def test_the_admin_offers_no_discharge_on_an_area_for_improvement(client, inspector, action):
    client.force_login(inspector)
    page = client.get(f"/admin/tracker/action/{action.pk}/change/")
    assert b'name="discharge"' not in page.content


# --- Pages, the list and the CSV ----------------------------------------------------------


def test_the_action_pages_show_kind_parent_deadline_recommendations_and_links(
    client, cause, earlier_afi, inspector
):
    recommendation = cause.recommendations.order_by("pk").first()
    Action.objects.filter(pk=cause.pk).update(
        continues=earlier_afi, continues_how=Action.Relation.ESCALATED
    )
    client.force_login(inspector)

    page = client.get(recommendation.get_absolute_url()).content.decode()
    assert '<span class="badge badge-kind badge-kind-recommendation">Recommendation</span>' in page
    assert f'Recommendation of <a href="/actions/{cause.pk}/">action {cause.pk}</a>' in page
    assert "Within three months of publication (30 November 2022)" in page
    assert "28 February 2023" in page

    page = client.get(cause.get_absolute_url()).content.decode()
    assert "Its recommendations" in page and f"Action {recommendation.pk}" in page
    assert f'Continues <a href="/actions/{earlier_afi.pk}/">action {earlier_afi.pk}</a>' in page
    assert "escalated from an area for improvement to a cause of concern" in page
    assert "Not yet: an inspector discharges it" in page
    assert "Area 2" in page

    page = client.get(earlier_afi.get_absolute_url()).content.decode()
    assert f'Continued by <a href="/actions/{cause.pk}/">action {cause.pk}</a>' in page


def test_a_discharged_cause_of_concern_says_so_on_its_page(client, inspector):
    load(LETTER)
    cause = Action.objects.filter(kind=Kind.CAUSE_OF_CONCERN).first()
    client.force_login(inspector)
    page = client.get(cause.get_absolute_url()).content.decode()
    assert '<span class="badge badge-discharged">Discharged</span>' in page
    assert "<strong>Discharged.</strong>" in page
    assert "discharged it (it was Not started)" in page


def test_the_list_filters_by_kind_and_shows_it_in_the_row(client, cause, inspector):
    client.force_login(inspector)
    page = client.get("/actions/", {"kind": "recommendation"}).content.decode()
    ids = {a.pk for a in Action.objects.filter(kind=Kind.RECOMMENDATION)}
    for pk in ids:
        assert f'<a href="/actions/{pk}/">' in page
    assert f'<a href="/actions/{cause.pk}/">The force needs' not in page
    assert "badge-kind-recommendation" in page
    assert f'· for <a href="/actions/{cause.pk}/"' in page
    assert "Within three months" in page
    assert 'name="kind"' in page
    bad = client.get("/actions/", {"kind": "nonsense"})
    assert bad.status_code == 200


def test_the_csv_says_kind_parent_and_deadline(cause):
    body = "".join(exports.python_chunks(Action.objects.order_by("pk"), "", datetime.date.today()))
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    by_id = {int(row["action_id"]): row for row in rows}
    recommendation = cause.recommendations.order_by("pk").first()
    assert by_id[recommendation.pk]["kind"] == "Recommendation"
    assert by_id[recommendation.pk]["parent_action_id"] == str(cause.pk)
    assert by_id[recommendation.pk]["deadline"] == "Within three months"
    assert by_id[recommendation.pk]["inspection"] == "PEEL 2021/22"
    assert by_id[recommendation.pk]["pillar"] == ""
    assert by_id[cause.pk]["parent_action_id"] == "" and by_id[cause.pk]["deadline"] == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_and_the_csv_module_agree_on_every_format(db, force):
    load(BODY_2021, published=datetime.date(2022, 11, 30))
    load(LETTER)
    import_report(REGISTER, force="Devon and Cornwall")
    undated = load(LETTER.replace("Published on: 27 September 2024\n", ""), force="Kent")
    assert undated.inspection.published == datetime.date(2024, 9, 26)  # its "Sent on" date
    Inspection.objects.filter(pk=undated.inspection.pk).update(published=None, year=None)
    make_action(force=force)
    queryset = Action.objects.order_by("pk")
    today = datetime.date(2026, 3, 15)

    by_python = "".join(exports.python_chunks(queryset, "https://x.example/", today))
    by_copy = "".join(exports.copy_chunks(queryset, "https://x.example/", today))

    assert by_copy == by_python
    assert ",PEEL cause-of-concern letter," in by_python  # the one with no date
    assert ",PEEL cause-of-concern letter 2024-09-27," in by_python


# --- The command ---------------------------------------------------------------------------


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_report", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_loads_a_letter_and_lists_its_warnings(db):
    path = PEEL_2021_ON / "devon-and-cornwall-2024-cause-of-concern-closure-letter.txt"
    out, err = run(path)
    assert out.startswith("Imported Devon and Cornwall Police PEEL cause-of-concern letter")
    assert "3 warnings: check them" in out
    assert err.count("warning: ") == 3
    assert Action.objects.count() == 3


def test_the_command_dry_run_json_has_kinds_parents_and_deadlines(db):
    path = PEEL_2021_ON / "devon-and-cornwall-2024-cause-of-concern-closure-letter.txt"
    document = json.loads(run(path, "--dry-run", "--json")[0])
    assert document["format"] == "cause-of-concern-letter"
    assert document["published"] == "2024-09-27"
    assert [(f["kind"], f["parent"]) for f in document["findings"]] == [
        ("cause-of-concern", None),
        ("recommendation", 1),
        ("cause-of-concern", None),
    ]
    assert document["findings"][1]["deadline"] == {"text": "Within three months", "months": 3}
    assert not Inspection.objects.exists()


def test_the_command_insists_on_a_format(db):
    path = PEEL_2021_ON / "kent-peel-2023-25-opening.txt"
    out, _ = run(path, "--format", "peel-2025-27")
    assert out.startswith("Imported Kent Police PEEL 2025–27")


# --- Who may import -----------------------------------------------------------------------


def test_the_import_permission_is_for_force_staff_of_their_own_force(db, force, other_force):
    staff = make_user(force=force)
    assert not staff.may_import_for(force)
    staff.user_permissions.add(Permission.objects.get(codename="import_report"))
    staff = type(staff).objects.get(pk=staff.pk)  # permissions are cached on the user
    assert staff.may_import_for(force)
    assert not staff.may_import_for(other_force)
    inspector = make_user(force=None, is_superuser=True)
    assert inspector.may_import_for(other_force)


# --- The migration ------------------------------------------------------------------------

MIGRATION = ("tracker", "0016_peel_2021_on")


@pytest.mark.django_db(transaction=True)
def test_the_migration_applies_backwards_and_forwards_keeping_pillar_pages():
    executor = MigrationExecutor(connection)
    previous = [p.key for p in executor.loader.graph.node_map[MIGRATION].parents]
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(previous)
        apps = MigrationExecutor(connection).loader.project_state(previous).apps
        Force = apps.get_model("tracker", "Force")
        OldInspection = apps.get_model("tracker", "Inspection")
        OldInspection.objects.create(
            force=Force.objects.get(short_name="Kent"), year=2017, pillar="efficiency"
        )
        MigrationExecutor(connection).migrate([MIGRATION])
        # Read as the migration left it (later migrations add columns today's model reads).
        applied = MigrationExecutor(connection).loader.project_state([MIGRATION]).apps
        migrated = applied.get_model("tracker", "Inspection").objects.get()
        assert migrated.format == ReportFormat.PEEL_2014_2019 and migrated.published is None
        # The audit trail is still append-only on SQLite, whose table was rebuilt (the later
        # migrations applied too: the models are today's).
        MigrationExecutor(connection).migrate(leaves)
        report = Inspection.objects.get()
        assert str(report) == "Kent Police PEEL 2017 Efficiency"
        action = make_action(question=make_question(inspection=report))
        event = ActionEvent.objects.create(action=action, kind=ActionEvent.Kind.IMPORTED)
        with pytest.raises(Exception, match="append-only"):
            ActionEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    finally:
        MigrationExecutor(connection).migrate(leaves)


def test_the_stored_formats_are_the_readers_formats():
    from tracker.reports.shape import ReportFormat as ReadFormat

    assert [f.value for f in ReadFormat] == ReportFormat.values


def test_a_document_edited_in_a_preview_may_name_its_format_and_kinds_as_strings(db):
    document = ReportDocument(
        format="other",  # type: ignore[arg-type]
        force="Kent",
        title="",
        findings=(
            Finding(id=1, kind="cause-of-concern", text="Calls are answered too slowly."),  # type: ignore[arg-type]
            Finding(id=2, kind="recommendation", text="Answer them sooner.", parent=1),  # type: ignore[arg-type]
        ),
    )

    result = load_document(document, by=None, via=ActionEvent.Via.IMPORT)

    assert result.inspection.programme == "HMICFRS"
    assert str(result.inspection) == "Kent Police HMICFRS inspection"
    child = Action.objects.get(kind=Kind.RECOMMENDATION)
    assert child.parent.kind == Kind.CAUSE_OF_CONCERN


def test_the_report_page_shows_areas_and_kinds(client, cause, inspector):
    client.force_login(inspector)
    page = client.get(cause.question.inspection.get_absolute_url()).content.decode()
    assert '<h1 class="h2">PEEL 2021/22</h1>' in page
    assert "Area 2" in page and "Published" in page
    assert (
        '<span class="badge badge-kind badge-kind-cause_of_concern">Cause of concern</span>' in page
    )
    assert "(Within three months)" in page
