"""`manage.py add_user`: giving a force's staff and inspectors their accounts."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import get_force, make_action, make_user
from tracker.models import INSPECTORS_GROUP, User

ROOT = Path(__file__).resolve().parent.parent


def add(*args, stdin: str | None = None, monkeypatch=None) -> str:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("add_user", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def temporary_password(out: str) -> str:
    return out.strip().rsplit("temporary password: ", 1)[1]


def test_it_adds_force_staff_who_can_sign_in_and_see_only_their_force(client, db):
    ours = make_action(force=get_force("Kent"))
    theirs = make_action(text="Lancashire should review its own call handling.")

    out = add(
        "jsmith",
        "--force",
        "kent",
        "--email",
        "j.smith@kent.police.uk",
        "--first-name",
        "Jo",
        "--last-name",
        "Smith",
    )

    assert out.startswith("Added jsmith, staff of Kent Police; temporary password: ")
    user = User.objects.get(username="jsmith")
    assert user.is_active and not user.is_staff and not user.is_superuser
    assert user.force.slug == "kent" and not user.groups.exists()
    assert (user.email, user.get_full_name()) == ("j.smith@kent.police.uk", "Jo Smith")
    response = client.post(
        "/accounts/login/", {"username": "jsmith", "password": temporary_password(out)}
    )
    assert response.status_code == 302
    page = client.get("/actions/").content.decode()
    assert ours.text in page and theirs.text not in page
    assert client.get(theirs.get_absolute_url()).status_code == 404


def test_it_adds_an_inspector_in_the_inspectors_group_with_no_force(client, db):
    action = make_action()

    out = add("inspector2", "--inspector")

    assert out.startswith("Added inspector2, an inspector (every force, /admin/); temporary")
    user = User.objects.get(username="inspector2")
    assert user.force is None and user.is_staff and user.is_inspector
    assert list(user.groups.values_list("name", flat=True)) == [INSPECTORS_GROUP]
    client.post("/admin/login/", {"username": "inspector2", "password": temporary_password(out)})
    assert client.get("/admin/tracker/action/").status_code == 200
    assert client.get(action.get_absolute_url()).status_code == 200


def test_each_temporary_password_is_new_and_shown_once(db):
    first = temporary_password(add("one", "--force", "kent"))
    second = temporary_password(add("two", "--force", "kent"))
    assert first != second and len(first) >= 16
    assert User.objects.get(username="one").check_password(first)


def test_password_stdin_sets_the_password_given(db, monkeypatch):
    out = add(
        "jsmith",
        "--force",
        "kent",
        "--password-stdin",
        stdin="a long passphrase of words\n",
        monkeypatch=monkeypatch,
    )
    assert out.strip() == "Added jsmith, staff of Kent Police; password from stdin"
    assert User.objects.get(username="jsmith").check_password("a long passphrase of words")


def test_a_weak_password_from_stdin_is_refused_and_nobody_is_added(db, monkeypatch):
    with pytest.raises(CommandError, match="^password refused: .*too short"):
        add("jsmith", "--force", "kent", "--password-stdin", stdin="abc\n", monkeypatch=monkeypatch)
    assert not User.objects.filter(username="jsmith").exists()


def test_an_unknown_force_is_refused_with_close_matches(db):
    with pytest.raises(
        CommandError, match=r"^no force has the slug 'lancs'; did you mean lancashire\?$"
    ):
        add("jsmith", "--force", "lancs")
    assert not User.objects.filter(username="jsmith").exists()


def test_a_force_named_as_people_write_it_is_found_by_its_slug(db):
    assert add("jsmith", "--force", "West Yorkshire").startswith(
        "Added jsmith, staff of West Yorkshire Police;"
    )


def test_a_force_slug_nothing_like_any_force_says_what_a_slug_is(db):
    with pytest.raises(CommandError, match="slug is its short name in lower case"):
        add("jsmith", "--force", "zzzzzz")


def test_an_existing_username_is_refused_whatever_its_case(db):
    make_user(username="jsmith")
    with pytest.raises(CommandError, match="^a user named 'JSmith' already exists$"):
        add("JSmith", "--inspector")
    assert User.objects.filter(username__iexact="jsmith").count() == 1


def test_a_bad_username_or_email_is_refused(db):
    with pytest.raises(CommandError, match="is not a valid username"):
        add("j smith", "--force", "kent")
    with pytest.raises(CommandError, match="is not an email address"):
        add("jsmith", "--force", "kent", "--email", "not-an-address")
    assert not User.objects.exists()


def test_names_longer_than_the_database_holds_are_refused(db):
    with pytest.raises(CommandError, match="^first name: Ensure this value has at most 150"):
        add("jsmith", "--force", "kent", "--first-name", "J" * 151)
    assert not User.objects.exists()


@pytest.mark.parametrize("roles", [["--inspector", "--force", "kent"], []])
def test_both_or_neither_role_is_refused(db, roles):
    with pytest.raises(
        CommandError, match=r"^give either --force SLUG \(force staff\) or --inspector"
    ):
        add("jsmith", *roles)
    assert not User.objects.exists()


def test_from_the_shell_a_refusal_is_one_line_on_stderr_and_exit_1():
    result = subprocess.run(
        [sys.executable, "manage.py", "add_user", "jsmith"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "CommandError: give either --force SLUG (force staff) or --inspector, not both"
    ]
