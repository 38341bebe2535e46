"""A force lead manages the force's accounts on the site: invite, deactivate and reactivate,
change a role, send a link to choose a password; nobody else may, and nothing beyond that."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth.hashers import is_password_usable
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PASSWORD, make_inspector, make_user
from tests.test_security_headers import inline_code
from tests.test_security_never_500 import FINE, _statuses
from tracker.force_accounts import refusal, suggested_username
from tracker.models import User
from tracker.workflow import Role

PEOPLE = "/force/people/"
INVITE = "/force/people/invite/"
LINK = re.compile(r"https?://\S+/accounts/password/\S+/")
NEW_PASSWORD = "a-brand-new-long-passphrase"


@pytest.fixture
def lead(db, force):
    return make_user(
        username="lead", force=force, force_role=Role.LEAD, first_name="Lee", last_name="Lead"
    )


@pytest.fixture
def as_lead(client, lead):
    client.force_login(lead)
    return client


@pytest.fixture
def email_on(settings):
    settings.EMAIL_CONFIGURED = True
    return settings


@pytest.fixture
def email_off(settings):
    settings.EMAIL_CONFIGURED = False
    return settings


def person_url(person, change: str = "") -> str:
    return f"{PEOPLE}{person.pk}/" + (f"{change}/" if change else "")


def invite(client, **fields):
    data = {
        "first_name": "Jo",
        "last_name": "Smith",
        "email": "jo.smith@lancashire.police.uk",
        "username": "",
        "force_role": Role.STAFF,
        **fields,
    }
    return client.post(INVITE, data)


def set_password_through(client, link: str):
    """Open the link, choose a password; the response after the redirects."""
    form = client.get(link, follow=True)
    assert form.status_code == 200
    assert b"Choose your password" in form.content
    return client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )


def signed_in_as(client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id).username if user_id else None


# Who may -------------------------------------------------------------------------------------


def pages(person) -> list[tuple[str, str]]:
    return [
        ("get", PEOPLE),
        ("get", INVITE),
        ("post", INVITE),
        ("get", person_url(person)),
        *[("post", person_url(person, change)) for change in ("deactivate", "role", "reset")],
    ]


@pytest.mark.parametrize(
    ("method", "page", "data", "expected"),
    [
        ("get", "list", {}, 200),
        ("get", "invite", {}, 200),
        ("post", "invite", {}, 400),  # nothing typed: the form again, with its errors
        ("get", "", {}, 200),
        ("post", "deactivate", {}, 302),
        ("post", "role", {"role": Role.OBSERVER}, 302),
        ("post", "reset", {}, 302),
    ],
)
def test_a_lead_may_use_every_page_for_their_own_force(
    as_lead, staff, email_on, method, page, data, expected
):
    url = {"list": PEOPLE, "invite": INVITE}.get(page) or person_url(staff, page)
    assert getattr(as_lead, method)(url, data).status_code == expected


def test_a_lead_of_another_force_gets_404_for_this_forces_people(client, staff, other_force):
    other_lead = make_user(force=other_force, force_role=Role.LEAD)
    client.force_login(other_lead)
    for method, url in pages(staff):
        if url in (PEOPLE, INVITE):
            continue  # their own force's list and invitation
        assert getattr(client, method)(url).status_code == 404, (method, url)
    staff.refresh_from_db()
    assert staff.is_active


def test_another_forces_person_is_not_on_the_list(as_lead, outsider):
    assert outsider.username not in as_lead.get(PEOPLE).content.decode()


@pytest.mark.parametrize("who", ["staff", "observer", "inspector", "superuser", "inactive lead"])
def test_everyone_but_an_active_lead_is_refused_with_403(client, force, staff, who):
    user = {
        "staff": lambda: staff,
        "observer": lambda: make_user(force=force, force_role=Role.OBSERVER),
        "inspector": lambda: make_inspector(),
        "superuser": lambda: make_user(force=None, is_superuser=True, is_staff=True),
        "inactive lead": lambda: make_user(force=force, force_role=Role.LEAD, is_active=False),
    }[who]()
    target = make_user(force=force)
    if who == "inactive lead":
        # Signed out by deactivation: back to the sign-in page, as anyone signed out is.
        client.force_login(user)
        assert client.get(PEOPLE).status_code == 302
        return
    client.force_login(user)
    for method, url in pages(target):
        assert getattr(client, method)(url).status_code == 403, (who, method, url)
    target.refresh_from_db()
    assert target.is_active


def test_signed_out_visitors_are_sent_to_sign_in(client, staff):
    for method, url in pages(staff):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/?next=")


def test_only_leads_see_people_in_the_header(client, lead, staff):
    link = '<a class="nav-link" href="/force/people/"'
    client.force_login(staff)
    assert link not in client.get("/").content.decode()
    client.force_login(lead)
    assert link in client.get("/").content.decode()


def test_the_changes_are_post_only(as_lead, staff):
    assert as_lead.get(person_url(staff, "deactivate")).status_code == 405
    assert as_lead.post(person_url(staff, "promote")).status_code == 404


def test_the_changes_need_the_csrf_token(client, lead, staff):
    client = type(client)(enforce_csrf_checks=True)
    client.force_login(lead)
    assert client.post(person_url(staff, "deactivate")).status_code == 403
    staff.refresh_from_db()
    assert staff.is_active


def test_a_refused_page_is_logged(client, staff, security_log):
    client.force_login(staff)
    client.get(PEOPLE)
    assert "event=people_refused user=staff ip=127.0.0.1 path=/force/people/" in (
        security_log.lines()
    )


# The list -----------------------------------------------------------------------------------


def test_the_list_shows_each_accounts_details(as_lead, force, staff):
    make_user(username="gone", force=force, first_name="Gail", last_name="Gone", is_active=False)
    page = as_lead.get(PEOPLE).content.decode()
    assert "People of Lancashire Constabulary" in page
    assert "Sam Staff" in page and staff.email in page
    assert "Gail Gone" in page and "Deactivated" in page
    assert "Force lead" in page and "Force staff" in page
    assert "(you)" in page


def test_the_list_sorts_by_each_column_both_ways(as_lead, force):
    make_user(username="aaron", force=force, last_name="Zed")
    make_user(username="zoe", force=force, last_name="Able")
    by_name = as_lead.get(PEOPLE).content.decode()
    assert by_name.index("zoe") < by_name.index("aaron")
    by_username = as_lead.get(PEOPLE, {"sort": "username"}).content.decode()
    assert by_username.index(">aaron<") < by_username.index(">zoe<")
    reversed_ = as_lead.get(PEOPLE, {"sort": "-username"}).content.decode()
    assert reversed_.index(">zoe<") < reversed_.index(">aaron<")
    assert 'aria-sort="descending"' in reversed_
    for column in ("email", "role", "active", "last_login", "-last_login", "nonsense"):
        assert as_lead.get(PEOPLE, {"sort": column}).status_code == 200


def test_no_bad_query_value_is_a_500_on_the_list(as_lead, staff):
    # As tests/test_security_never_500.py does for the other lists; only leads open this one.
    statuses = _statuses(as_lead, PEOPLE, ["sort", "page"])
    assert {case: status for case, status in statuses.items() if status not in FINE} == {}


def test_the_pages_have_no_inline_script_or_style(client, as_lead, staff, email_off):
    # The Content-Security-Policy allows none (tests/test_security_headers.py).
    link_page = as_lead.post(person_url(staff, "reset"))
    set_password_page = type(client)().get(LINK.search(link_page.text).group(0), follow=True)
    for response in (
        as_lead.get(PEOPLE),
        as_lead.get(INVITE),
        as_lead.post(INVITE, {}),
        as_lead.get(person_url(staff)),
        link_page,
        set_password_page,
    ):
        assert response.status_code in (200, 400)
        assert inline_code(response) == []


def test_a_lead_alone_sees_the_empty_state(as_lead):
    page = as_lead.get(PEOPLE).content.decode()
    assert "You are the only person with an account for Lancashire Constabulary" in page
    assert "<table" not in page


@pytest.mark.parametrize("others", [3, 70], ids=["3-people", "70-people"])
def test_the_list_costs_the_same_queries_however_many_people(as_lead, force, others):
    for _ in range(others):
        make_user(force=force)
    as_lead.get(PEOPLE)  # the session in its steady state
    with CaptureQueriesContext(connection) as queries:
        response = as_lead.get(PEOPLE)
    assert response.status_code == 200
    # 1 the session, 2 the user with their force, 3 the count, 4 the page's accounts.
    assert len(queries) == 4, [q["sql"] for q in queries]
    assert ("Next" in response.content.decode()) == (others >= 50)


# Inviting ----------------------------------------------------------------------------------


def test_an_invitation_creates_an_account_and_emails_a_link_that_signs_them_in(
    client, as_lead, lead, force, email_on, mailoutbox, security_log
):
    response = invite(as_lead, force_role=Role.OBSERVER)
    assert response.status_code == 302
    assert response.url == PEOPLE
    person = User.objects.get(email="jo.smith@lancashire.police.uk")
    assert person.username == "jo.smith"
    assert (person.force, person.force_role, person.is_active) == (force, Role.OBSERVER, True)
    assert not is_password_usable(person.password)
    page = as_lead.get(PEOPLE).content.decode()
    assert "Invited Jo Smith (jo.smith): the e-mail is on its way" in page
    assert "Not yet (invited)" in page
    assert any(
        "event=account_invited user=lead" in line
        and "account=jo.smith force=lancashire role=observer sent=email" in line
        for line in security_log.lines()
    )

    [message] = mailoutbox
    assert message.to == ["jo.smith@lancashire.police.uk"]
    assert "Lee Lead has given you an account" in message.body
    assert "Your username is jo.smith" in message.body
    link = LINK.search(message.body).group(0)
    assert link.startswith(f"{settings.SITE_URL}/accounts/password/")  # PEEL_SITE_URL

    visitor = type(client)()
    done = set_password_through(visitor, link)
    assert done.redirect_chain[-1][0] == "/"
    assert "Your password is set, and you are signed in." in done.content.decode()
    assert signed_in_as(visitor) == "jo.smith"
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    # The link worked once.
    again = type(client)().get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_without_email_the_link_is_shown_to_the_lead_once_and_works(
    client, as_lead, email_off, mailoutbox
):
    response = invite(as_lead)
    assert response.status_code == 200
    page = response.content.decode()
    assert "E-mail is not set up on this site, so no e-mail was sent." in page
    assert "it is shown only this once" in page
    link = LINK.search(page).group(0)
    assert mailoutbox == []
    assert link not in as_lead.get(PEOPLE).content.decode()
    visitor = type(client)()
    set_password_through(visitor, link)
    assert signed_in_as(visitor) == "jo.smith"


def test_the_link_uses_site_url_when_it_is_set(as_lead, email_on, mailoutbox, settings):
    settings.SITE_URL = "https://peel.example.gov.uk/"
    invite(as_lead)
    assert "https://peel.example.gov.uk/accounts/password/" in mailoutbox[0].body


def test_an_email_that_cannot_be_sent_shows_the_link_instead(as_lead, email_on, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    page = invite(as_lead).content.decode()
    assert "The e-mail could not be sent, so no e-mail was sent." in page
    assert LINK.search(page)


def test_a_lead_cannot_make_anyone_an_inspector_superuser_or_staff_or_of_another_force(
    as_lead, force, other_force, email_on
):
    invite(
        as_lead,
        force_role="inspector",
        is_superuser="on",
        is_staff="on",
        force=other_force.pk,
        groups="1",
        inspects=other_force.pk,
    )
    assert not User.objects.filter(email="jo.smith@lancashire.police.uk").exists()
    invite(as_lead, is_superuser="on", is_staff="on", force=other_force.pk, inspects="1")
    person = User.objects.get(email="jo.smith@lancashire.police.uk")
    assert (person.is_superuser, person.is_staff, person.force) == (False, False, force)
    assert not person.groups.exists() and not person.inspects.exists()
    assert not person.is_inspector


def test_a_taken_username_or_email_is_refused_beside_the_field_keeping_what_was_typed(
    as_lead, force, email_on, mailoutbox
):
    make_user(username="JSmith", email="Jo.Smith@Lancashire.police.uk", force=force)
    response = invite(as_lead, username="jsmith", first_name="Joanne")
    assert response.status_code == 400
    page = response.content.decode()
    assert "This username is taken: choose another." in page
    assert "An account with this e-mail address already exists." in page
    assert 'value="Joanne"' in page and 'value="jsmith"' in page
    assert 'value="jo.smith@lancashire.police.uk"' in page
    assert User.objects.filter(first_name="Joanne").count() == 0
    assert mailoutbox == []


def test_a_username_in_another_force_is_taken_too(as_lead, other_force, email_on):
    make_user(username="jsmith", force=other_force)
    assert invite(as_lead, username="jsmith").status_code == 400


def test_the_suggested_username_is_the_emails_first_part_made_unique(db, force):
    assert suggested_username("Jo.Smith@lancashire.police.uk") == "jo.smith"
    make_user(username="jo.smith", force=force)
    make_user(username="JO.SMITH2", force=force)
    assert suggested_username("jo.smith@lancashire.police.uk") == "jo.smith3"
    assert suggested_username("o'neil (pa)@x.uk") == "oneilpa"


def test_a_missing_name_or_email_is_refused(as_lead):
    response = as_lead.post(INVITE, {"force_role": Role.STAFF})
    assert response.status_code == 400
    assert response.content.decode().count("This field is required.") >= 3


# Deactivating and reactivating ---------------------------------------------------------------


def test_a_deactivated_person_can_no_longer_sign_in(client, as_lead, staff, security_log):
    staff_client = type(client)()
    staff_client.force_login(staff)
    response = as_lead.post(person_url(staff, "deactivate"))
    assert response.status_code == 302
    page = as_lead.get(response.url).content.decode()
    assert "Deactivated Sam Staff&#x27;s account: they can no longer sign in." in page
    staff.refresh_from_db()
    assert not staff.is_active
    assert staff_client.get("/").status_code == 302  # their open session has ended
    sign_in = type(client)().post("/accounts/login/", {"username": "staff", "password": PASSWORD})
    assert sign_in.status_code == 200 and "_auth_user_id" not in sign_in.client.session
    assert any(
        "event=account_deactivated user=lead" in line and "account=staff force=lancashire" in line
        for line in security_log.lines()
    )


def test_a_reactivated_person_can_sign_in_again(as_lead, client, force):
    person = make_user(username="back", force=force, is_active=False)
    as_lead.post(person_url(person, "reactivate"))
    person.refresh_from_db()
    assert person.is_active
    assert type(client)().login(username="back", password=PASSWORD)


def test_a_lead_cannot_deactivate_or_change_the_role_of_their_own_account(as_lead, lead):
    response = as_lead.post(person_url(lead, "deactivate"))
    assert response.status_code == 400
    assert "You cannot deactivate your own account." in response.content.decode()
    response = as_lead.post(person_url(lead, "role"), {"role": Role.STAFF})
    assert response.status_code == 400
    assert "You cannot change your own role" in response.content.decode()
    lead.refresh_from_db()
    assert (lead.is_active, lead.force_role) == (True, Role.LEAD)


def test_a_lead_may_deactivate_another_lead_while_one_remains(as_lead, force):
    second = make_user(force=force, force_role=Role.LEAD)
    assert as_lead.post(person_url(second, "deactivate")).status_code == 302
    second.refresh_from_db()
    assert not second.is_active


def test_the_forces_last_active_lead_is_never_deactivated_or_demoted(db, force, lead, staff):
    leads = {lead.pk}
    assert "the force's last active lead" in refusal(
        "deactivate", lead=staff, person=lead, leads=leads
    )
    assert "the force's last active lead" in refusal(
        "role", lead=staff, person=lead, leads=leads, role=Role.STAFF
    )
    second = make_user(force=force, force_role=Role.LEAD)
    assert refusal("deactivate", lead=second, person=lead, leads={lead.pk, second.pk}) == ""


def test_a_lead_who_lost_the_role_meanwhile_changes_nothing(as_lead, lead, staff):
    User.objects.filter(pk=lead.pk).update(force_role=Role.STAFF)  # by another lead, just now
    # The request's user was loaded as a lead; the change reads the leads again, under lock.
    assert as_lead.post(person_url(staff, "deactivate")).status_code == 403
    staff.refresh_from_db()
    assert staff.is_active


def test_an_account_with_the_admins_powers_is_left_to_the_admin(as_lead, force):
    odd = make_user(force=force, is_staff=True)
    page = as_lead.get(person_url(odd)).content.decode()
    assert "an inspector manages it in Admin" in page
    for change in ("deactivate", "reset"):
        assert as_lead.post(person_url(odd, change)).status_code == 400
    assert as_lead.post(person_url(odd, "role"), {"role": Role.LEAD}).status_code == 400
    odd.refresh_from_db()
    assert (odd.is_active, odd.force_role) == (True, Role.STAFF)


# Changing a role ---------------------------------------------------------------------------


def test_a_lead_changes_someones_role(as_lead, staff, security_log):
    response = as_lead.post(person_url(staff, "role"), {"role": Role.LEAD})
    assert response.status_code == 302
    assert "Sam Staff is now force lead." in as_lead.get(response.url).content.decode()
    staff.refresh_from_db()
    assert staff.force_role == Role.LEAD
    assert any(
        "event=account_role_changed user=lead" in line
        and "account=staff force=lancashire old=staff new=lead" in line
        for line in security_log.lines()
    )


@pytest.mark.parametrize("role", ["inspector", "superuser", ""])
def test_a_role_outside_the_forces_roles_is_refused(as_lead, staff, role):
    response = as_lead.post(person_url(staff, "role"), {"role": role})
    assert response.status_code == 400
    expected = "This field is required." if role == "" else "Select a valid choice"
    assert expected in response.content.decode()
    staff.refresh_from_db()
    assert (staff.force_role, staff.is_staff, staff.is_superuser) == (Role.STAFF, False, False)


# Sending a new link ------------------------------------------------------------------------


def test_a_lead_emails_someone_a_link_to_choose_a_new_password(
    client, as_lead, staff, email_on, mailoutbox, security_log
):
    response = as_lead.post(person_url(staff, "reset"))
    assert response.status_code == 302
    [message] = mailoutbox
    assert message.to == [staff.email]
    assert "Lee Lead, a lead of Lancashire Constabulary, sent you this link" in message.body
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)  # the old one works until the new is chosen
    visitor = type(client)()
    set_password_through(visitor, LINK.search(message.body).group(0))
    assert signed_in_as(visitor) == "staff"
    assert any(
        "event=account_reset_sent user=lead" in line and "sent=email" in line
        for line in security_log.lines()
    )


def test_without_email_the_new_link_is_shown_to_the_lead(as_lead, staff, email_off):
    page = as_lead.post(person_url(staff, "reset")).content.decode()
    assert "A new link for Sam Staff: pass on the link" in page
    assert LINK.search(page)


def test_no_link_for_a_deactivated_account_and_its_old_link_stops_working(
    client, as_lead, force, email_off
):
    person = make_user(force=force)
    link = LINK.search(as_lead.post(person_url(person, "reset")).content.decode()).group(0)
    as_lead.post(person_url(person, "deactivate"))
    assert as_lead.post(person_url(person, "reset")).status_code == 400
    again = type(client)().get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


# The admin keeps every account ----------------------------------------------------------------


def test_the_admins_user_form_has_the_role_and_the_inspectors_forces(client, staff, other_force):
    admin = make_user(force=None, is_superuser=True, is_staff=True)
    client.force_login(admin)
    page = client.get(f"/admin/tracker/user/{staff.pk}/change/").content.decode()
    assert 'name="force_role"' in page and 'name="inspects"' in page
    add = client.get("/admin/tracker/user/add/").content.decode()
    assert 'name="force_role"' in add


def test_the_admin_assigns_an_inspector_forces_but_not_to_force_staff(client, staff, other_force):
    admin = make_user(force=None, is_superuser=True, is_staff=True)
    inspector = make_inspector(username="assigned")
    client.force_login(admin)
    form = {
        "username": "assigned",
        "force_role": Role.STAFF,
        "inspects": [other_force.pk],
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": "2025-01-01",
        "date_joined_1": "09:00:00",
    }
    response = client.post(f"/admin/tracker/user/{inspector.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(inspector.inspects.all()) == [other_force]
    form["username"], form["force"] = "staff", staff.force_id
    response = client.post(f"/admin/tracker/user/{staff.pk}/change/", form)
    assert "Only an inspector (no force) inspects forces" in response.content.decode()
    assert not staff.inspects.exists()
