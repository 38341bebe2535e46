"""The security-event log: one line per event, nothing a hostile value can forge or hide."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import RequestFactory

from tests.factories import PASSWORD, make_action
from tests.html_forms import submit
from tests.reports import SAMPLE
from tracker.security import escape, log_event


@pytest.mark.parametrize(
    ("value", "logged"),
    [
        ("plain", "plain"),
        ("two words", '"two words"'),
        ("", '""'),
        (None, "-"),
        (42, "42"),
        ("a\nevent=login user=admin", '"a\\nevent=login user=admin"'),
        ("cr\rlf", '"cr\\rlf"'),
        ("tab\there", '"tab\\there"'),
        ("\x1b[2J\x1b[31mred", '"\\x1b[2J\\x1b[31mred"'),
        ("nul\x00bell\x07del\x7f", '"nul\\x00bell\\x07del\\x7f"'),
        ("c1\x85\x9b", '"c1\\x85\\x9b"'),
        ("evil\u202etxt.exe", '"evil\\u202etxt.exe"'),
        ("iso\u2066late\u2069", '"iso\\u2066late\\u2069"'),
        ("line\u2028sep", '"line\\u2028sep"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("Zoë Ørsted", '"Zoë Ørsted"'),
    ],
)
def test_values_are_escaped_onto_one_line(value, logged):
    assert escape(value) == logged
    assert "\n" not in escape(value) and "\r" not in escape(value)


def test_a_long_value_is_cut_so_one_request_cannot_flood_the_log():
    assert escape("x" * 10_000) == '"' + "x" * 200 + '...(+9800 chars)"'


def test_an_event_is_one_line_with_who_and_where(security_log, staff):
    request = RequestFactory().get("/actions/", REMOTE_ADDR="192.0.2.1")
    request.user = staff
    log_event("export", request, rows=12, filters="status=open&q=a b")
    assert security_log.lines() == [
        'event=export user=staff ip=192.0.2.1 rows=12 filters="status=open&q=a b"'
    ]


def test_without_a_request_user_and_ip_are_dashes_unless_given(security_log):
    log_event("import", actions=7)
    log_event("import", user="inspector", actions=7)
    assert security_log.lines() == [
        "event=import user=- ip=- actions=7",
        "event=import user=inspector ip=- actions=7",
    ]


def test_the_client_address_behind_trusted_proxies_is_the_one_they_saw(settings, security_log):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.50"
    )
    log_event("probe", request)
    settings.TRUSTED_PROXY_COUNT = 0
    log_event("probe", request)
    assert security_log.lines() == [
        "event=probe user=- ip=203.0.113.50",  # the client cannot choose its address...
        "event=probe user=- ip=10.0.0.5",  # ...and without a proxy, the header is ignored
    ]


def test_a_forged_forwarded_address_is_not_trusted(settings, security_log):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="<script>")
    log_event("probe", request)
    assert security_log.lines() == ["event=probe user=- ip=10.0.0.5"]


def test_a_hostile_username_at_sign_in_is_logged_escaped_not_served_a_500(
    client, staff, security_log
):
    hostile = "staff\r\nevent=login user=admin ip=10.0.0.1\x1b[8m\u202e"
    response = client.post("/accounts/login/", {"username": hostile, "password": "x"})
    assert response.status_code == 200
    [line] = security_log.lines()
    assert line == (
        'event=login_failed user=- ip=127.0.0.1 username="staff\\r\\nevent=login user=admin '
        'ip=10.0.0.1\\x1b[8m\\u202e"'
    )


def test_sign_in_and_sign_out_are_logged(client, staff, security_log):
    client.post("/accounts/login/", {"username": "staff", "password": PASSWORD})
    client.post("/accounts/logout/")
    assert security_log.lines() == [
        "event=login user=staff ip=127.0.0.1",
        "event=logout user=staff ip=127.0.0.1",
    ]


def test_the_import_command_is_logged(db, security_log):
    call_command("import_report", str(SAMPLE), stdout=StringIO())
    assert security_log.lines() == [
        'event=import user=- ip=- report="Lancashire Constabulary PEEL 2016 Effectiveness" '
        "created=True actions=7 via=import"
    ]


def test_the_admin_import_is_logged_with_the_inspector(client, inspector, security_log):
    client.force_login(inspector)
    security_log.clear()
    text = SAMPLE.read_text(encoding="utf-8")
    response = submit(client, client.post("/admin/tracker/inspection/import/", {"text": text}))
    assert response.status_code == 302
    assert security_log.lines() == [
        'event=import user=inspector ip=- report="Lancashire Constabulary PEEL 2016 '
        'Effectiveness" created=True actions=7 via=admin'
    ]


# Requests for another force's objects, and exports ------------------------------------------


def test_another_forces_action_is_a_404_and_logged(client, staff, other_force, security_log):
    theirs = make_action(force=other_force)
    client.force_login(staff)
    security_log.clear()
    assert client.get(f"/actions/{theirs.pk}/").status_code == 404
    assert client.post(f"/actions/{theirs.pk}/note/", {"note-body": "x"}).status_code == 404
    line = f"event=other_force_404 user=staff ip=127.0.0.1 model=action id={theirs.pk}"
    assert security_log.lines() == [line, line]


def test_another_forces_report_is_a_404_and_logged(client, staff, other_force, security_log):
    theirs = make_action(force=other_force).question.inspection
    client.force_login(staff)
    security_log.clear()
    assert client.get(f"/inspections/{theirs.pk}/").status_code == 404
    assert security_log.lines() == [
        f"event=other_force_404 user=staff ip=127.0.0.1 model=inspection id={theirs.pk}"
    ]


def test_a_404_for_an_id_that_does_not_exist_is_not_logged(client, staff, security_log):
    client.force_login(staff)
    security_log.clear()
    assert client.get("/actions/999999/").status_code == 404
    assert client.get("/inspections/999999/").status_code == 404
    assert client.get(f"/actions/{2**63}/").status_code == 404
    assert security_log.lines() == []


def test_the_logged_404_is_the_same_page_as_a_plain_one(client, staff, other_force):
    theirs = make_action(force=other_force)
    client.force_login(staff)
    logged = client.get(f"/actions/{theirs.pk}/")
    plain = client.get("/actions/999999/")
    assert logged.status_code == plain.status_code == 404
    # The CSRF token in the sign-out form is masked afresh on every page.
    token = re.compile(r'name="csrfmiddlewaretoken" value="\w+"')
    assert token.sub("", logged.content.decode()) == token.sub("", plain.content.decode())


def test_an_export_is_logged_with_its_filters_and_rows(client, staff, force, security_log):
    for _ in range(3):
        make_action(force=force)
    client.force_login(staff)
    security_log.clear()
    response = client.get("/actions/export.csv?status=not_started&q=crime")
    b"".join(response.streaming_content)
    assert security_log.lines() == [
        'event=export user=staff ip=127.0.0.1 filters="status=not_started&q=crime" rows=3'
    ]


def test_an_export_cut_short_is_logged_without_a_row_count(client, staff, force, security_log):
    make_action(force=force)
    client.force_login(staff)
    security_log.clear()
    response = client.get("/actions/export.csv")
    next(iter(response.streaming_content))
    response.close()  # the client went away after the first piece
    assert security_log.lines() == ['event=export user=staff ip=127.0.0.1 filters="" rows=-']


def test_the_admin_export_is_logged_with_its_rows(client, inspector, force, security_log):
    actions = [make_action(force=force) for _ in range(2)]
    client.force_login(inspector)
    security_log.clear()
    response = client.post(
        "/admin/tracker/action/",
        {"action": "export_selected_csv", "_selected_action": [a.pk for a in actions]},
    )
    assert response.status_code == 200
    assert security_log.lines() == ["event=export user=inspector ip=127.0.0.1 via=admin rows=2"]
