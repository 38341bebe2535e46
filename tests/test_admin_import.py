"""The admin's "Import a report": preview, then confirm, as a browser would send each step."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import get_force
from tests.html_forms import preview_of, submit
from tests.reports import SAMPLE
from tests.test_import_limits import padded, rows
from tracker.models import Action, Inspection, Status

IMPORT = "/admin/tracker/inspection/import/"
MB = 1024 * 1024


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("page.txt", text.encode("utf-8"), content_type="text/plain")


def sample() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def cumbria_page() -> str:
    return sample().replace("Lancashire PEEL 2016", "Cumbria PEEL 2016", 1)


# Preview and confirm accept the same pages -------------------------------------------------------


def test_a_page_just_under_the_size_limit_previews_and_its_confirm_is_accepted(client, inspector):
    client.force_login(inspector)
    # Short lines with curly quotes: what a browser posts back is far larger than the page.
    page = padded(2 * MB - 1024, line="The force’s “plan” is good.")
    preview = client.post(IMPORT, {"file": upload(page)})
    assert b"Check what will be created" in preview_of(client, preview)[1].content

    confirm = submit(client, preview)
    assert confirm.status_code == 302
    assert Action.objects.count() == 7


def test_a_page_refused_at_confirm_is_refused_at_preview_already(client, inspector):
    client.force_login(inspector)
    before = rows()
    page = padded(int(2.5 * MB))
    for step in ({"file": upload(page)}, {"text": page}):
        response = client.post(IMPORT, step)
        assert response.status_code == 400
        assert "The page is 2.5 MB; the largest accepted is 2 MB." in response.content.decode()
        assert b"Check what will be created" not in response.content
    assert rows() == before


# The force the page names ------------------------------------------------------------------------


def test_picking_another_force_than_the_page_names_is_an_error(client, inspector):
    client.force_login(inspector)
    response = client.post(IMPORT, {"file": upload(cumbria_page()), "force": "Lancashire"})
    page = response.content.decode()
    assert "The page names Cumbria Constabulary, not Lancashire Constabulary." in page
    assert "Import this page for Lancashire Constabulary although it names Cumbria" in page
    assert "Check what will be created" not in page
    # The uploaded page comes back as text, so that the inspector need not choose it again.
    assert "Cumbria PEEL 2016" in page
    assert not Inspection.objects.exists()


def test_a_page_naming_no_known_force_imports_only_for_a_force_picked_and_confirmed(
    client, inspector
):
    client.force_login(inspector)
    atlantis = sample().replace("Lancashire PEEL 2016", "Atlantis PEEL 2016", 1)
    unpicked = client.post(IMPORT, {"text": atlantis}).content.decode()
    assert "Unknown force &#x27;Atlantis&#x27;" in unpicked
    picked = client.post(IMPORT, {"text": atlantis, "force": "Kent"}).content.decode()
    assert "Unknown force" not in picked
    assert "The page names Atlantis, which is not one of the 43 forces." in picked
    confirmed = client.post(IMPORT, {"text": atlantis, "force": "Kent", "force_confirmed": "on"})
    submit(client, confirmed)
    assert Inspection.objects.get().force == get_force("Kent")


def test_a_page_imports_for_the_force_it_names_when_none_is_picked(client, inspector):
    client.force_login(inspector)
    preview = client.post(IMPORT, {"text": cumbria_page()})
    assert b"It will be imported for <strong>Cumbria Constabulary</strong>" in (
        preview_of(client, preview)[1].content
    )
    submit(client, preview)
    assert Inspection.objects.get().force == get_force("Cumbria")


def test_picking_the_force_the_page_names_needs_no_confirmation(client, inspector):
    client.force_login(inspector)
    preview = client.post(IMPORT, {"text": cumbria_page(), "force": "Cumbria"})
    page = preview_of(client, preview)[1].content.decode()
    assert "Check what will be created" in page
    assert "The page names" not in page


def test_a_confirmed_mismatch_imports_for_the_force_picked(client, inspector):
    client.force_login(inspector)
    preview = client.post(
        IMPORT, {"text": cumbria_page(), "force": "Lancashire", "force_confirmed": "on"}
    )
    page = preview_of(client, preview)[1].content.decode()
    assert "It will be imported for <strong>Lancashire Constabulary</strong>" in page
    assert "The page names Cumbria Constabulary; it will be imported for Lancashire" in page
    assert submit(client, preview).status_code == 302
    assert Inspection.objects.get().force == get_force("Lancashire")


# A report already imported ----------------------------------------------------------------------


def test_confirming_a_report_already_there_offers_to_replace_it(client, inspector):
    client.force_login(inspector)
    submit(client, client.post(IMPORT, {"text": sample()}))
    done = Action.objects.get(question__number=3)
    Action.objects.filter(pk=done.pk).update(status=Status.IN_PROGRESS)

    preview = client.post(IMPORT, {"text": sample()})
    again = submit(client, preview)

    assert again.status_code == 409
    page = again.content.decode()
    assert "Lancashire Constabulary PEEL 2016 Effectiveness is already imported" in page
    assert 'value="replace"' in page
    assert 'value="confirm"' not in page
    assert Inspection.objects.count() == 1 and Action.objects.count() == 7

    replaced = submit(client, preview, button="replace")
    assert replaced.status_code == 302
    assert "Replaced Lancashire Constabulary PEEL 2016 Effectiveness" in str(
        list(client.get(replaced["Location"]).context["messages"])
    )
    assert Inspection.objects.count() == 1 and Action.objects.count() == 7
    done.refresh_from_db()
    assert done.status == Status.IN_PROGRESS


# After the import ---------------------------------------------------------------------------------


def test_after_confirming_the_inspector_lands_on_the_reports_actions(client, inspector):
    client.force_login(inspector)
    response = submit(client, client.post(IMPORT, {"text": sample()}))
    report = Inspection.objects.get()
    assert response["Location"] == (
        f"/admin/tracker/action/?force__id__exact={report.force_id}&inspection={report.pk}"
    )
    actions = client.get(response["Location"])
    assert [action.pk for action in actions.context["cl"].result_list] == list(
        Action.objects.filter(question__inspection=report).values_list("pk", flat=True)
    )


def test_the_import_form_is_laid_out_as_the_admins_own_forms(client, inspector):
    client.force_login(inspector)
    page = client.get(IMPORT).content.decode()
    assert "admin/css/forms.css" in page
    assert '<fieldset class="module aligned ">' in page
    assert 'class="form-row field-text"' in page
    assert "at most 2 MB" in page
