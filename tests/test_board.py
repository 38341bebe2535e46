"""The board pack: a force's actions as at a day, rebuilt from the audit trail; its page, PDF
and workbook; who may see it."""

from __future__ import annotations

import datetime
import io
import os
import shutil
import subprocess

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.factories import make_action, make_inspection, make_question, make_user
from tracker.board import board_pack, default_closed_since, month_points
from tracker.models import ActionEvent, Grade, Status
from tracker.workflow import Kind, Role, pcc_response_due

TODAY = timezone.localdate()
LABEL = {status: str(status.label) for status in Status}
PDFTOPPM = shutil.which("pdftoppm")
SOFFICE = shutil.which("soffice")


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def at(days: int, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(ago(days), datetime.time(hour)))


def happened(action, days: int, kind: str, old: str = "", new: str = "", reason="", by=None):
    """An event of the action's audit trail, `days` ago (the action itself is set by the test
    to what its events leave it as)."""
    ActionEvent.objects.create(
        action=action, kind=kind, old_value=old, new_value=new, reason=reason, by=by, at=at(days)
    )


def made(action, days: int):
    type(action).objects.filter(pk=action.pk).update(created_at=at(days, hour=9))
    happened(action, days, ActionEvent.Kind.IMPORTED, new=LABEL[Status.NOT_STARTED])
    return action


@pytest.fixture
def lead(force):
    return make_user(
        username="lead", force=force, force_role=Role.LEAD, first_name="Lee", last_name="Lead"
    )


@pytest.fixture
def story(force, staff, lead, inspector):
    """Four actions of one report, each with a history that moves across the last weeks."""
    report = make_inspection(force=force, year=2019, published=ago(120))
    q1 = make_question(inspection=report, number=1, grade=Grade.INADEQUATE)
    q2 = make_question(inspection=report, number=2, grade=Grade.GOOD)
    closed = made(make_action(question=q1, reference="AFI 1", text="Closed yesterday.",
                              owner=staff, status=Status.CLOSED, closed_at=at(1),
                              closed_by=inspector), 60)  # fmt: skip
    happened(closed, 50, "owner", "", "staff", by=lead)
    happened(closed, 40, "status", LABEL[Status.NOT_STARTED], LABEL[Status.IN_PROGRESS], by=staff)
    happened(closed, 10, "status", LABEL[Status.IN_PROGRESS], LABEL[Status.SUBMITTED], by=staff)
    happened(closed, 1, "status", LABEL[Status.SUBMITTED], LABEL[Status.CLOSED], "Done.", inspector)

    first, later = ago(20), ago(-30)
    slipped = made(make_action(question=q1, reference="AFI 2", text="Revised after.",
                               kind=Kind.AREA_FOR_IMPROVEMENT, owner=staff,
                               status=Status.IN_PROGRESS, due_date=later,
                               original_due_date=first), 55)  # fmt: skip
    happened(slipped, 50, "owner", "", "staff", by=lead)
    happened(slipped, 50, "due_date", "", first.isoformat(), by=lead)
    happened(slipped, 45, "status", LABEL[Status.NOT_STARTED], LABEL[Status.IN_PROGRESS], by=staff)
    happened(slipped, 3, "due_date", first.isoformat(), later.isoformat(),
             "Waiting for the College of Policing's guidance", lead)  # fmt: skip

    new = made(make_action(question=q2, reference="AFI 3", text="Made two days ago."), 2)

    blocked = made(make_action(question=q2, reference="AFI 4", text="Unblocked yesterday.",
                               kind=Kind.RECOMMENDATION), 30)  # fmt: skip
    happened(blocked, 20, "blocked", "", "Home Office: data-sharing agreement", by=staff)
    happened(blocked, 1, "blocked", "Home Office: data-sharing agreement", "", by=staff)
    return {"report": report, "closed": closed, "slipped": slipped, "new": new, "blocked": blocked}


def states(pack) -> dict[str, object]:
    return {state.reference: state for state in pack.actions}


# What the pack computes ---------------------------------------------------------------------


def test_an_action_closed_yesterday_is_pending_sign_off_in_last_weeks_pack(force, story):
    last_week = board_pack(force, as_at=ago(7))
    now = board_pack(force, as_at=TODAY)

    assert states(last_week)["AFI 1"].status == Status.SUBMITTED
    assert states(now)["AFI 1"].status == Status.CLOSED
    assert [s.reference for s in now.closed] == ["AFI 1"]
    assert now.closed[0].closed_on == ago(1)
    assert now.closed[0].closed_by == "inspector"
    assert last_week.closed == []


def test_a_due_date_revised_after_the_as_at_date_shows_the_earlier_date(force, story):
    last_week = states(board_pack(force, as_at=ago(7)))["AFI 2"]

    assert last_week.due_date == ago(20)
    assert last_week.revisions == []


def test_an_action_made_after_the_as_at_date_is_absent(force, story):
    assert "AFI 3" not in states(board_pack(force, as_at=ago(7)))
    assert "AFI 3" in states(board_pack(force, as_at=TODAY))


def test_a_pack_as_at_a_day_before_the_force_had_actions_is_empty(force, story):
    pack = board_pack(force, as_at=ago(365))

    assert pack.actions == []
    assert pack.counts["total"] == 0


def test_the_buckets_count_each_action_as_it_stood(force, story):
    last_week = board_pack(force, as_at=ago(7))
    now = board_pack(force, as_at=TODAY)

    # A week ago: AFI 1 submitted; AFI 2 in progress, overdue (due 20 days ago); AFI 4 not
    # started with no owner, blocked. AFI 3 did not exist.
    assert last_week.counts == {
        "awaiting_allocation": 1, "in_progress": 1, "pending_sign_off": 1, "closed": 0,
        "overdue": 1, "blocked": 1, "total": 3,
    }  # fmt: skip
    assert now.counts == {
        "awaiting_allocation": 2, "in_progress": 1, "pending_sign_off": 0, "closed": 1,
        "overdue": 0, "blocked": 0, "total": 4,
    }  # fmt: skip
    assert {r["key"]: r["count"] for r in last_week.rag} == {
        "red": 1, "amber": 0, "green": 2, "grey": 0,
    }  # fmt: skip


def test_counts_by_grade_are_worst_first_and_by_kind_name_each_kind(force, story):
    pack = board_pack(force, as_at=TODAY)

    assert [(row["label"], row["total"]) for row in pack.by_grade] == [
        ("Inadequate", 2),
        ("Good", 2),
    ]
    assert [(row["label"], row["total"]) for row in pack.by_kind] == [
        ("Area for improvement", 3),
        ("Recommendation", 1),
    ]


def test_the_slippage_list_gives_each_revision_with_its_reason_and_who(force, story):
    pack = board_pack(force, as_at=TODAY)

    [slipped] = pack.slipped
    assert slipped.reference == "AFI 2"
    assert slipped.original_due_date == ago(20)
    assert slipped.due_date == ago(-30)
    assert slipped.revisions == [
        {
            "on": ago(3),
            "old": ago(20),
            "new": ago(-30),
            "reason": "Waiting for the College of Policing's guidance",
            "by": "Lee Lead",
        }
    ]


def test_the_blocked_list_names_the_outside_body_while_it_was_blocked(force, story):
    last_week = board_pack(force, as_at=ago(7))

    [blocked] = last_week.blocked
    assert blocked.blocked_reason == "Home Office: data-sharing agreement"
    assert blocked.blocked_since == ago(20)
    assert board_pack(force, as_at=TODAY).blocked == []


def test_the_trend_counts_open_at_each_month_end_and_opened_and_closed_in_it(force, story):
    pack = board_pack(force, as_at=TODAY)

    assert len(pack.trend) == 12
    assert pack.trend[-1]["point"] == TODAY
    assert pack.trend[-1]["open"] == 3
    assert sum(p["opened"] for p in pack.trend) == 4
    assert sum(p["closed"] for p in pack.trend) == 1
    assert pack.trend[0]["open"] == 0


def test_a_pack_for_one_report_leaves_the_others_out(force, story):
    other = make_action(question=make_question(inspection=make_inspection(force=force, year=2018)))

    assert other.pk in {s.pk for s in board_pack(force, as_at=TODAY).actions}
    only = board_pack(force, as_at=TODAY, inspection=story["report"])
    assert {s.reference for s in only.actions} == {"AFI 1", "AFI 2", "AFI 3", "AFI 4"}


def test_the_pcc_response_is_due_56_days_after_publication(force):
    overdue = make_inspection(force=force, year=2020, published=ago(100))
    make_inspection(force=force, year=2021, published=ago(100), pcc_response_on=ago(20))
    make_inspection(force=force, year=2022, published=ago(10))
    make_inspection(force=force, year=2023, published=ago(-5))  # not yet published
    make_inspection(force=force, year=2017, programme="", published=ago(200))  # its own audit

    pack = board_pack(force, as_at=TODAY)

    assert pcc_response_due(overdue.published) == ago(44)
    assert [p["state"] for p in pack.pcc] == ["overdue", "responded", "due"]
    assert board_pack(force, as_at=ago(30)).pcc[1]["state"] == "overdue"  # not yet responded


def test_closed_since_defaults_to_the_start_of_the_quarter_before():
    assert default_closed_since(datetime.date(2026, 5, 17)) == datetime.date(2026, 1, 1)
    assert default_closed_since(datetime.date(2026, 1, 1)) == datetime.date(2025, 10, 1)


def test_the_trend_has_twelve_month_ends_up_to_the_as_at_date():
    points = month_points(datetime.date(2026, 3, 15))
    assert points[0] == datetime.date(2025, 4, 30)
    assert points[-2:] == [datetime.date(2026, 2, 28), datetime.date(2026, 3, 15)]


def test_the_pack_asks_three_queries_however_many_actions(
    force, story, django_assert_max_num_queries
):
    question = make_question(inspection=story["report"])
    for n in range(30):
        action = made(make_action(question=question, reference=f"X {n}"), 5)
        happened(action, 4, "due_date", "", ago(3).isoformat())
        happened(action, 2, "due_date", ago(3).isoformat(), ago(-3).isoformat(), "Later")

    # The actions, their events, the force's reports.
    with django_assert_max_num_queries(3):
        pack = board_pack(force, as_at=TODAY)
    assert len(pack.slipped) == 31


# The page ---------------------------------------------------------------------------------


def test_force_staff_see_their_forces_pack(signed_in, story):
    response = signed_in.get("/board/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Lancashire Constabulary: board pack" in page
    assert "Waiting for the College of Policing" in page
    assert "Lee Lead" in page
    assert '<svg viewBox="0 0' in page
    assert "Board pack</a>" in page  # the header's link


@pytest.mark.parametrize("role", [Role.LEAD, Role.OBSERVER])
def test_leads_and_observers_see_their_forces_pack(client, force, story, role):
    client.force_login(make_user(force=force, force_role=role))

    assert client.get("/board/").context["pack"].force == force


def test_force_staff_cannot_ask_for_another_forces_pack(signed_in, other_force, force, story):
    response = signed_in.get("/board/?force=kent")

    assert response.context["pack"].force == force


def test_a_report_of_another_force_is_refused(signed_in, other_force, story):
    kent = make_inspection(force=other_force, year=2019)

    response = signed_in.get(f"/board/?report={kent.pk}")

    assert response.status_code == 400
    assert response.context["pack"] is None


def test_an_inspector_chooses_a_force(client, inspector, story):
    client.force_login(inspector)

    assert client.get("/board/").context["pack"] is None
    response = client.get("/board/?force=lancashire")
    assert response.context["pack"].force.slug == "lancashire"


def test_an_inspector_of_other_forces_cannot_see_this_one(client, inspector, other_force, story):
    inspector.inspects.add(other_force)
    client.force_login(inspector)

    assert client.get("/board/?force=lancashire").status_code == 400
    assert client.get("/board.pdf?force=lancashire").status_code == 400
    assert client.get("/board/?force=kent").status_code == 200


def test_someone_with_no_force_who_is_not_an_inspector_is_refused(client, story):
    client.force_login(make_user(force=None))

    assert client.get("/board/").status_code == 403
    assert client.get("/board.xlsx").status_code == 403


def test_signing_in_is_needed(client):
    assert client.get("/board/").status_code == 302


def test_a_day_still_to_come_is_refused(signed_in, story):
    response = signed_in.get(f"/board/?as_at={ago(-1).isoformat()}")

    assert response.status_code == 400
    assert "still to come" in response.content.decode()


def test_the_page_asks_a_fixed_number_of_queries(
    signed_in, force, story, django_assert_max_num_queries
):
    # Session, user, the pack's three, the base template's; the same with more actions.
    with django_assert_max_num_queries(8) as few:
        signed_in.get(f"/board/?as_at={ago(7).isoformat()}")
    question = make_question(inspection=story["report"])
    for n in range(20):
        made(make_action(question=question, reference=f"Y {n}"), 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        signed_in.get(f"/board/?as_at={ago(7).isoformat()}")


# The PDF ----------------------------------------------------------------------------------


def pdf_of(client, query="") -> bytes:
    response = client.get(f"/board.pdf{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_every_page_of_the_pdf_names_the_force_and_the_date(signed_in, force, story):
    question = make_question(inspection=story["report"])
    for n in range(60):  # enough slippage for several pages
        action = made(make_action(question=question, reference=f"Z {n}"), 20)
        happened(action, 10, "due_date", "", ago(5).isoformat())
        happened(action, 5, "due_date", ago(5).isoformat(), ago(-60).isoformat(), "Reason " * 9)

    content = pdf_of(signed_in, f"?as_at={ago(2).isoformat()}")

    pages = PdfReader(io.BytesIO(content)).pages
    assert len(pages) > 1
    for page in pages:
        text = page.extract_text()
        assert "Lancashire Constabulary" in text
        assert f"As at {ago(2).day}" in text


@pytest.mark.skipif(
    not PDFTOPPM and not os.environ.get("PEEL_REQUIRE_POPPLER"),
    reason="pdftoppm (poppler-utils) is not installed",
)
def test_the_pdf_renders_to_a4_pages(signed_in, story, tmp_path):
    (tmp_path / "pack.pdf").write_bytes(pdf_of(signed_in))

    subprocess.run(
        [PDFTOPPM or "pdftoppm", "-png", "-r", "50", str(tmp_path / "pack.pdf"),
         str(tmp_path / "page")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip

    pngs = sorted(tmp_path.glob("page-*.png"))
    assert pngs
    # A4 at 50 dpi: 8.27 × 11.69 in.
    header = pngs[0].read_bytes()[16:24]
    width, height = int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")
    assert (width, height) == (414, 585)


# The workbook -----------------------------------------------------------------------------


def xlsx_of(client, query="") -> bytes:
    response = client.get(f"/board.xlsx{query}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="board-pack-lanc')
    return response.content


def test_the_workbook_has_a_typed_frozen_filtered_sheet_per_section(signed_in, story):
    workbook = load_workbook(io.BytesIO(xlsx_of(signed_in)))

    assert workbook.sheetnames == ["Summary", "By grade", "By kind", "Slippage", "Blocked",
                                   "Closed since", "PCC responses", "Trend"]  # fmt: skip
    for sheet in workbook:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == sheet.dimensions
        assert "Lancashire Constabulary" in sheet.oddHeader.center.text
    summary = workbook["Summary"]
    assert [c.value for c in summary["A"]][:5] == [
        "Measure", "Awaiting allocation", "In progress", "Pending sign-off", "Closed",
    ]  # fmt: skip
    assert summary["B2"].value == 2 and summary["B2"].data_type == "n"
    slippage = workbook["Slippage"]
    row = [c.value for c in slippage[2]]
    assert row[1] == "AFI 2"
    assert row[7] == datetime.datetime.combine(ago(20), datetime.time())  # a date cell
    assert slippage.cell(2, 8).is_date
    assert row[-2:] == ["Waiting for the College of Policing's guidance", "Lee Lead"]
    assert slippage.column_dimensions["C"].width == 60


@pytest.mark.skipif(
    not SOFFICE and not os.environ.get("PEEL_REQUIRE_LIBREOFFICE"),
    reason="LibreOffice (soffice) is not installed",
)
def test_libreoffice_converts_the_workbook(signed_in, story, tmp_path):
    (tmp_path / "pack.xlsx").write_bytes(xlsx_of(signed_in))

    subprocess.run(
        [SOFFICE or "soffice", "--headless", "--convert-to", "csv", "--outdir", str(tmp_path),
         str(tmp_path / "pack.xlsx")],
        check=True, capture_output=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip

    csv = (tmp_path / "pack.csv").read_text(encoding="utf-8")
    assert csv.splitlines()[:3] == ["Measure,Actions", "Awaiting allocation,2", "In progress,1"]


def test_a_force_with_no_actions_still_gets_a_pack(client, inspector, force):
    client.force_login(inspector)

    assert client.get("/board.xlsx?force=lancashire").status_code == 200
    assert client.get("/board.pdf?force=lancashire").status_code == 200
