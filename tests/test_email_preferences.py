"""Each signed-in person chooses which e-mails they get, on /accounts/email/."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.text import capfirst

from tests.factories import make_user
from tracker.models import User

PAGE = "/accounts/email/"
FIELDS = [
    "email_on_assigned",
    "email_on_returned",
    "email_on_submitted",
    "email_on_assured",
    "email_digest",
]


def test_it_requires_sign_in(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_header_links_to_it(signed_in):
    page = signed_in.get("/").content.decode()
    assert f'<a class="nav-link" href="{PAGE}">Account</a>' in page


def test_it_offers_five_labelled_checkboxes_ticked_by_default(signed_in, staff):
    response = signed_in.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<a class="nav-link" href="/accounts/email/" aria-current="page">' in page
    for field in FIELDS:
        label = User._meta.get_field(field).verbose_name
        assert f'type="checkbox" name="{field}"' in page
        assert f'<label for="id_{field}" class="form-check-label">' in page
        assert escape(capfirst(label)) in page
    assert page.count("checked") == 5
    assert f"e-mails you at <strong>{staff.email}</strong>" in page
    assert "<legend" in page


def test_unticking_saves_only_the_choices(signed_in, staff):
    User.objects.filter(pk=staff.pk).update(first_name="Changed elsewhere")
    response = signed_in.post(PAGE, {"email_on_returned": "on", "email_digest": "on"})
    assert response.status_code == 302 and response["Location"] == PAGE
    staff.refresh_from_db()
    assert [getattr(staff, field) for field in FIELDS] == [False, True, False, False, True]
    assert staff.first_name == "Changed elsewhere"
    page = signed_in.get(PAGE).content.decode()
    assert "Your e-mail choices are saved." in page
    assert page.count("checked") == 2


def test_someone_without_an_address_is_told_nothing_is_sent(client, force):
    person = make_user(force=force, email="")
    client.force_login(person)
    assert b"Your account has no e-mail address" in client.get(PAGE).content
