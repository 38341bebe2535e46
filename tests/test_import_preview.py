"""The import preview (tracker/preview.py) through its two entrances: the app's page for force
staff with the permission, and the admin's wizard for inspectors.

Reports are real text (tests/reports.py): the Devon and Cornwall cause-of-concern letter (a cause
of concern, its recommendation "within three months", a cause of concern closed) and the
Lancashire 2016 Effectiveness page (seven areas for improvement).
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError

from tests.factories import get_force, make_action, make_user
from tests.html_forms import form_data
from tests.reports import PEEL_2021_ON, SAMPLE
from tests.test_pdf import blank_pdf
from tracker.models import Action, ActionEvent, Inspection, Status
from tracker.preview import SESSION_KEY, warnings_by_row

START = "/inspections/import/"
ADMIN = "/admin/tracker/inspection/import/"
LETTER = PEEL_2021_ON / "devon-and-cornwall-2024-cause-of-concern-closure-letter.txt"


def letter() -> str:
    return LETTER.read_text(encoding="utf-8")


def letter_split_by_a_page_break() -> str:
    """The letter as a PDF of it reads when a page break falls inside its recommendation and
    the rest is printed as a list item of its own at the top of the next page."""
    return letter().replace(
        "• improve its processes for answering non-emergency",
        "• improve its processes for answering\n  • non-emergency",
    )


def upload(text: str, name: str = "report.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


def rows() -> tuple[int, int, int]:
    return Inspection.objects.count(), Action.objects.count(), ActionEvent.objects.count()


def may_import(user):
    user.user_permissions.add(Permission.objects.get(codename="import_report"))
    return user


@pytest.fixture
def devon(db):
    return get_force("Devon and Cornwall")


@pytest.fixture
def importer(devon):
    """Devon and Cornwall staff with the permission to import their force's reports."""
    return may_import(make_user(username="importer", force=devon))


def start(client, text: str, url: str = START):
    """Post a report to an entrance; the preview's address."""
    response = client.post(url, {"file": upload(text)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def press(client, url: str, button: str, **changes):
    """Post the preview's form as a browser does, with `changes` typed in, pressing `button`."""
    page = client.get(url).content.decode()
    data = form_data(page)
    data.update({name.replace("_", "-"): value for name, value in changes.items()})
    data["do"] = button
    return client.post(url, data)


def texts_on(page: str) -> list[str]:
    return re.findall(r'<textarea name="text-\d+"[^>]*>\n?([^<]*)</textarea>', page)


# Who may use it ---------------------------------------------------------------------------------


def test_force_staff_without_the_permission_are_refused(client, staff):
    client.force_login(staff)

    assert client.get(START).status_code == 403
    assert client.post(START, {"text": letter()}).status_code == 403
    assert client.get(f"{START}abc/").status_code == 403
    assert "Import a report" not in client.get("/inspections/").content.decode()


def test_an_inspector_imports_in_the_admin_not_in_the_app(client, inspector):
    client.force_login(inspector)

    assert client.get(START).status_code == 403
    assert client.get(ADMIN).status_code == 200


def test_staff_with_the_permission_see_the_way_in_and_import_for_their_own_force_only(
    client, importer
):
    client.force_login(importer)
    assert 'href="/inspections/import/"' in client.get("/inspections/").content.decode()
    assert 'href="/inspections/import/"' in client.get("/").content.decode()

    kent_page = SAMPLE.read_text(encoding="utf-8").replace("Lancashire PEEL", "Kent PEEL", 1)
    refused = client.post(START, {"file": upload(kent_page)})

    assert refused.status_code == 400
    assert (
        "This report is about Kent Police; you can import reports for Devon and Cornwall Police "
        "only." in refused.content.decode()
    )
    assert SESSION_KEY not in client.session or not client.session[SESSION_KEY]


def test_the_force_is_theirs_not_chosen(client, importer):
    client.force_login(importer)

    page = client.get(START).content.decode()

    assert 'name="force"' not in page
    assert "Import a report for Devon and Cornwall Police" in page


def test_a_preview_of_one_entrance_is_not_open_at_the_other(client, importer, inspector):
    client.force_login(importer)
    url = start(client, letter())
    token = url.rstrip("/").rsplit("/", 1)[1]
    client.force_login(inspector)  # a new session: the preview was the importer's

    assert client.get(f"{ADMIN}{token}/").status_code == 302


# The preview: nothing written until confirmed -------------------------------------------------


def test_the_preview_shows_each_finding_with_its_kind_parent_and_deadline(client, importer):
    client.force_login(importer)
    before = rows()

    page = client.get(start(client, letter())).content.decode()

    assert texts_on(page)[:2] == [
        "The force needs to improve the time it takes to answer non-emergency calls",
        "improve its processes for answering non-emergency calls so that it a",
    ]
    data = form_data(page)
    assert (data["kind-1"], data["kind-2"], data["kind-3"]) == (
        "cause-of-concern",
        "recommendation",
        "cause-of-concern",
    )
    assert (data["parent-2"], data["deadline-2"]) == ("1", "Within three months")
    assert "3 months" in page
    assert '<th scope="col">Deadline</th>' in page
    assert rows() == before


def test_the_readers_warnings_are_at_the_top_and_beside_their_row(client, importer):
    client.force_login(importer)

    page = client.get(start(client, letter())).content.decode()

    top = page.index("What the reader was unsure of")
    table = page.index('id="finding-1"')
    assert top < table
    assert '<a href="#finding-1">Finding 1</a>: the text says this has 2 recommendations' in page
    row_1 = page[table : page.index('id="finding-2"')]
    assert "The text says this has 2 recommendations; 1 found" in row_1


def test_merging_two_lines_a_page_break_split_then_confirming(client, importer, devon):
    client.force_login(importer)
    url = start(client, letter_split_by_a_page_break())
    assert texts_on(client.get(url).content.decode())[1:3] == [
        "improve its processes for answering",
        "non-emergency calls so that it a",
    ]

    merged = press(client, url, "merge:2")

    assert merged.status_code == 302 and merged["Location"] == f"{url}#finding-2"
    page = client.get(url).content.decode()
    assert (
        texts_on(page)[1] == "improve its processes for answering non-emergency calls so that it a"
    )
    assert rows() == (0, 0, 0)

    done = press(client, url, "confirm")

    report = Inspection.objects.get()
    assert done.status_code == 302 and done["Location"] == report.get_absolute_url()
    assert report.force == devon
    message = str(list(client.get(done["Location"]).context["messages"])[0])
    assert message == f"Imported {report}: 2 causes of concern, 1 recommendation."
    recommendation = Action.objects.get(kind=Action.Kind.RECOMMENDATION)
    assert recommendation.text.endswith("answering non-emergency calls so that it a")
    assert (recommendation.deadline_text, recommendation.deadline_months) == (
        "Within three months",
        3,
    )
    assert client.session[SESSION_KEY] == {}  # the preview is gone once imported


def test_split_delete_add_and_the_fields_are_all_applied_before_confirm(client, importer):
    client.force_login(importer)
    url = start(client, letter())

    press(
        client,
        url,
        "split:2",
        text_2="improve its processes for answering non-emergency calls\nso that it a",
    )
    press(client, url, "delete:3")
    press(
        client,
        url,
        "add",
        new_kind="recommendation",
        new_text="synthetic: a recommendation the reader missed",
        new_parent="1",
        new_deadline="Within six months",
    )
    page = client.get(url).content.decode()

    assert texts_on(page) == [
        "The force needs to improve the time it takes to answer non-emergency calls",
        "improve its processes for answering non-emergency calls",
        "so that it a",
        "synthetic: a recommendation the reader missed",
    ]
    data = form_data(page)
    assert (data["parent-5"], data["deadline-5"]) == ("1", "Within six months")
    assert rows() == (0, 0, 0)


def test_a_bad_edit_keeps_what_was_typed_and_says_why_beside_the_field(client, importer):
    client.force_login(importer)
    url = start(client, letter())

    response = press(
        client,
        url,
        "save",
        text_1="",
        text_2="reworded by hand",
        deadline_2="Within six months",
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "reworded by hand" in page
    assert 'value="Within six months"' in page
    assert '<div class="invalid-feedback d-block errorlist" id="id_text-1-error">' in page
    assert 'aria-describedby="id_text-1-error"' in page
    assert "A finding needs its text." in page
    # Nothing was kept from the refused post: the preview is as it was.
    assert texts_on(client.get(url).content.decode())[1].startswith("improve its processes")


def test_split_with_no_new_line_says_how_to_split(client, importer):
    client.force_login(importer)
    url = start(client, letter())

    response = press(client, url, "split:1")

    assert response.status_code == 400
    assert "Start a new line where the finding should be split" in response.content.decode()


def test_a_form_from_a_page_older_than_the_preview_is_not_applied(client, importer):
    client.force_login(importer)
    url = start(client, letter())
    old = form_data(client.get(url).content.decode())
    press(client, url, "delete:3")

    old["do"] = "delete:1"
    response = client.post(url, old)

    assert response.status_code == 409
    assert "changed in another tab" in response.content.decode()
    assert len(texts_on(client.get(url).content.decode())) == 2


@pytest.mark.parametrize(
    "button", ["merge:abc", "merge:99", "split:", "delete:0", "frobnicate", "merge:3"]
)
def test_a_button_that_names_nothing_is_never_a_500(client, importer, button):
    client.force_login(importer)
    url = start(client, letter())

    response = press(client, url, button)

    assert response.status_code in (302, 400)
    assert rows() == (0, 0, 0)


def test_a_preview_that_has_ended_sends_back_to_the_start(client, importer):
    client.force_login(importer)

    response = client.get(f"{START}no-such-preview/")

    assert response.status_code == 302 and response["Location"] == START


# Bad uploads -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, name, message",
    [
        (
            b"Minutes of the meeting\n\nWe talked about the weather.",
            "notes.txt",
            "this does not look like a page of any known format",
        ),
        (blank_pdf(), "scan.pdf", "no text layer"),
        (blank_pdf(user_password="secret", algorithm="RC4-128"), "locked.pdf", "encrypted"),
        (b"%PDF-1.7\nnot really a pdf", "broken.pdf", "damaged"),
        (b"\x00\x01binary", "photo.jpg", "the file is not text"),
    ],
)
def test_a_bad_upload_shows_the_readers_message_and_keeps_nothing(
    client, importer, data, name, message
):
    client.force_login(importer)

    response = client.post(START, {"file": SimpleUploadedFile(name, data)})

    assert response.status_code == 400
    page = response.content.decode()
    assert "This report cannot be read:" in page and message in page
    assert not client.session.get(SESSION_KEY)
    assert rows() == (0, 0, 0)


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(client, importer, settings):
    settings.IMPORT_MAX_BYTES = 1024
    client.force_login(importer)

    response = client.post(START, {"file": upload(letter())})

    assert response.status_code == 400
    assert "The page is 2 KB; the largest accepted is 1 KB." in response.content.decode()
    assert not client.session.get(SESSION_KEY)


def test_nothing_uploaded_or_pasted_is_asked_for(client, importer):
    client.force_login(importer)

    response = client.post(START, {"text": "  "})

    assert "Upload the report as a file or paste its text." in response.content.decode()


# Confirming: one transaction ------------------------------------------------------------------


def test_a_failure_part_way_through_the_load_leaves_nothing(client, importer, monkeypatch):
    client.force_login(importer)
    url = start(client, letter())
    real_create = Action.objects.create
    made = []

    def create_then_fail(**fields):
        if made:
            raise DatabaseError("the database went away")
        made.append(real_create(**fields))
        return made[-1]

    monkeypatch.setattr(Action.objects, "create", create_then_fail)

    response = press(client, url, "confirm")

    assert made  # the first action was written, inside the transaction
    assert response.status_code == 400
    assert "Nothing was imported" in response.content.decode()
    assert rows() == (0, 0, 0)
    assert texts_on(client.get(url).content.decode())  # the preview is still there


def test_a_report_already_imported_is_not_replaced_by_force_staff(client, importer):
    client.force_login(importer)
    press(client, start(client, letter()), "confirm")
    before = rows()

    again = press(client, start(client, letter()), "confirm")

    assert again.status_code == 409
    page = again.content.decode()
    assert "is already imported" in page and "Ask an inspector to replace it" in page
    assert "Replace the existing report" not in page
    assert rows() == before


# Cross-cycle links ------------------------------------------------------------------------------


def test_a_finding_may_continue_an_earlier_action_and_supersede_it(client, importer, devon):
    # An open area for improvement of an earlier Devon and Cornwall report, in the words the
    # letter's cause of concern uses (synthetic: the earlier report's text is not a fixture).
    earlier = make_action(
        force=devon, text="The force needs to improve the time it takes to answer calls."
    )
    client.force_login(importer)
    url = start(client, letter())
    page = client.get(url).content.decode()
    assert "Earlier cycle" in page
    assert f'<option value="{earlier.pk}">#{earlier.pk}: The force needs to improve' in page
    assert 'name="earlier-2"' not in page  # nothing alike for the recommendation

    press(client, url, "save", earlier_1=str(earlier.pk), relation_1="escalated", supersede_1="on")
    kept = form_data(client.get(url).content.decode())
    assert (kept["earlier-1"], kept["relation-1"], kept["supersede-1"]) == (
        str(earlier.pk),
        "escalated",
        "on",
    )
    done = press(client, url, "confirm")

    assert done.status_code == 302
    cause = Action.objects.get(kind=Action.Kind.CAUSE_OF_CONCERN, text__startswith="The force")
    assert (cause.continues, cause.continues_how) == (earlier, "escalated")
    earlier.refresh_from_db()
    assert earlier.status == Status.SUPERSEDED


def test_a_link_the_rules_refuse_is_said_and_nothing_is_written(client, importer, devon):
    earlier = make_action(
        force=devon, text="The force needs to improve the time it takes to answer calls."
    )
    Action.objects.filter(pk=earlier.pk).update(kind=Action.Kind.RECOMMENDATION)
    client.force_login(importer)
    url = start(client, letter())
    before = rows()

    # A recommendation cannot be escalated into a cause of concern.
    response = press(client, url, "confirm", earlier_1=str(earlier.pk), relation_1="escalated")

    assert response.status_code == 400
    assert "cannot be linked" in response.content.decode()
    assert "Nothing was imported." in response.content.decode()
    assert rows() == before


# The admin's entrance ---------------------------------------------------------------------------


def test_an_inspector_previews_edits_and_confirms_a_page_in_the_admin(client, inspector):
    client.force_login(inspector)
    url = start(client, SAMPLE.read_text(encoding="utf-8"), ADMIN)
    assert url.startswith(ADMIN)
    page = client.get(url).content.decode()
    assert "Check what will be created" in page
    # A 2014–2019 page holds areas for improvement only: the kind offers nothing else.
    assert (
        re.findall(r'<select name="kind-1"[^>]*>(.*?)</select>', page, re.S)[0].count("<option")
        == 1
    )

    press(client, url, "delete:7")
    done = press(client, url, "confirm")

    report = Inspection.objects.get()
    assert done["Location"] == (
        f"/admin/tracker/action/?force__id__exact={report.force_id}&inspection={report.pk}"
    )
    assert Action.objects.count() == 6
    assert ActionEvent.objects.filter(via=ActionEvent.Via.ADMIN).count() == 6


def test_the_admin_offers_to_replace_a_report_already_imported(client, inspector):
    client.force_login(inspector)
    press(client, start(client, SAMPLE.read_text(encoding="utf-8"), ADMIN), "confirm")

    url = start(client, SAMPLE.read_text(encoding="utf-8"), ADMIN)
    again = press(client, url, "confirm")
    assert again.status_code == 409
    assert 'value="replace"' in again.content.decode()

    replaced = press(client, url, "replace")

    assert replaced.status_code == 302
    assert Inspection.objects.count() == 1 and Action.objects.count() == 7


def test_the_admin_imports_a_letter_for_the_force_it_names(client, inspector, devon):
    client.force_login(inspector)

    press(client, start(client, letter(), ADMIN), "confirm")

    assert Inspection.objects.get().force == devon
    assert sorted(Action.objects.values_list("kind", flat=True)) == [
        Action.Kind.CAUSE_OF_CONCERN,
        Action.Kind.CAUSE_OF_CONCERN,
        Action.Kind.RECOMMENDATION,
    ]


# Warnings beside their rows (pure) --------------------------------------------------------------


def test_warnings_go_beside_the_row_they_quote_and_pdf_furniture_apart():
    from tracker.reports.read import read_report
    from tracker.reports.shape import ReadWarning

    document = read_report(letter_split_by_a_page_break())
    furniture = ReadWarning("removed as a PDF artefact (page number)", None, "Page 5 of 6")
    unrelated = ReadWarning("the text does not name its PEEL cycle", None, "")
    document = replace(document, warnings=(*document.warnings, furniture, unrelated))

    by_row, general, pdf = warnings_by_row(document)

    assert [w.message for w in by_row[3]] == [
        "the letter ends mid-sentence: it looks cut off here, and whatever came after it is "
        "not in the text"
    ]
    assert set(by_row) == {3}
    assert general == [unrelated] and pdf == [furniture]
