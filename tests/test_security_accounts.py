"""Accounts and sessions: lockout, passwords, and when a session ends."""

from __future__ import annotations

import datetime
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import PASSWORD
from tracker.security import AUTH_AT, SEEN_AT

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
ADMIN_PASSWORD_CHANGE = "/admin/password_change/"
# Needs a signed-in user, renders without any of the staff pages (the admin ships its template).
SIGNED_IN_PAGE = "/accounts/password_change/"
HOME_IP, AWAY_IP = "203.0.113.7", "198.51.100.9"
LOCKED_MESSAGE = b"Too many failed sign-in attempts. Try again in 15 minutes."


def sign_in(client, username, password, *, url=LOGIN, ip=HOME_IP, **extra):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def fail_five_times(client, username, *, url=LOGIN, ip=HOME_IP):
    return [sign_in(client, username, "wrong-password", url=url, ip=ip) for _ in range(5)]


# Lockout ------------------------------------------------------------------------------------


def test_five_failures_lock_the_username_from_that_address_with_a_429(client, staff):
    responses = fail_five_times(client, "staff")
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    locked = sign_in(client, "staff", PASSWORD)
    assert locked.status_code == 429
    assert locked.content == LOCKED_MESSAGE
    assert "_auth_user_id" not in client.session


def test_the_lockout_message_does_not_say_whether_the_account_exists(client, staff):
    fail_five_times(client, "staff")
    fail_five_times(client, "nobody-by-this-name")
    real = sign_in(client, "staff", "wrong-password")
    made_up = sign_in(client, "nobody-by-this-name", "wrong-password")
    assert real.status_code == made_up.status_code == 429
    assert real.content == made_up.content == LOCKED_MESSAGE


def test_the_same_user_can_still_sign_in_from_another_address(client, staff):
    fail_five_times(client, "staff", ip=HOME_IP)
    response = sign_in(client, "staff", PASSWORD, ip=AWAY_IP)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_another_user_at_the_same_address_is_not_locked_out(client, staff, colleague):
    fail_five_times(client, "staff")
    assert sign_in(client, "colleague", PASSWORD).status_code == 302


def test_the_lock_ends_after_fifteen_minutes_not_never(client, staff):
    fail_five_times(client, "staff")
    assert sign_in(client, "staff", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=14))
    assert sign_in(client, "staff", PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - datetime.timedelta(minutes=15, seconds=1)
    )
    assert sign_in(client, "staff", PASSWORD).status_code == 302


def test_tries_during_a_lockout_do_not_extend_it(client, staff):
    fail_five_times(client, "staff")
    first_locked_at = AccessAttempt.objects.get().attempt_time
    for _ in range(3):
        assert sign_in(client, "staff", "wrong-password").status_code == 429
    attempt = AccessAttempt.objects.get()
    assert attempt.attempt_time == first_locked_at and attempt.failures_since_start == 5


def test_a_successful_sign_in_clears_earlier_failures(client, staff):
    for _ in range(4):
        sign_in(client, "staff", "wrong-password")
    assert sign_in(client, "staff", PASSWORD).status_code == 302
    client.logout()
    responses = [sign_in(client, "staff", "wrong-password") for _ in range(4)]
    assert all(r.status_code == 200 for r in responses)


def test_the_admin_sign_in_is_locked_out_too(client, inspector):
    responses = fail_five_times(client, "inspector", url=ADMIN_LOGIN)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert sign_in(client, "inspector", PASSWORD, url=ADMIN_LOGIN).status_code == 429
    # One lock for the account at that address, whichever page the failures came through.
    assert sign_in(client, "inspector", PASSWORD, url=LOGIN).status_code == 429


def test_failures_and_the_lockout_are_logged(client, staff, security_log):
    fail_five_times(client, "staff")
    lines = security_log.lines()
    assert sum(line.startswith("event=login_failed ") for line in lines) == 5
    assert f"event=lockout user=- ip={HOME_IP} username=staff" in lines


def test_a_successful_sign_in_is_logged(client, staff, security_log):
    sign_in(client, "staff", PASSWORD)
    assert f"event=login user=staff ip={HOME_IP}" in security_log.lines()


def test_authenticate_without_a_request_still_works_for_commands(staff):
    from django.contrib.auth import authenticate

    assert authenticate(username="staff", password=PASSWORD) == staff
    assert authenticate(username="staff", password="wrong") is None


def change_password(client, old, new="a-new-long-passphrase", *, url=SIGNED_IN_PAGE, ip=HOME_IP):
    return client.post(
        url,
        {"old_password": old, "new_password1": new, "new_password2": new},
        REMOTE_ADDR=ip,
    )


def test_wrong_old_passwords_on_the_password_change_page_lock_the_account(client, staff):
    client.force_login(staff)
    responses = [change_password(client, f"guess-{n}") for n in range(5)]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert responses[-1].content == LOCKED_MESSAGE
    assert "_auth_user_id" not in client.session  # signed out
    assert sign_in(client, "staff", PASSWORD).status_code == 429
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


def test_wrong_old_passwords_on_the_admins_password_change_page_lock_the_account_too(
    client, inspector
):
    client.force_login(inspector)
    responses = [change_password(client, f"guess-{n}", url=ADMIN_PASSWORD_CHANGE) for n in range(5)]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert sign_in(client, "inspector", PASSWORD, url=ADMIN_LOGIN).status_code == 429


def test_a_locked_out_user_cannot_change_their_password_even_with_the_right_one(client, staff):
    from django.test import Client

    signed_in_already = Client()
    signed_in_already.force_login(staff)
    fail_five_times(client, "staff")
    response = change_password(signed_in_already, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in signed_in_already.session
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


def test_password_change_guesses_and_sign_in_failures_share_one_count(client, staff):
    client.force_login(staff)
    for n in range(3):
        change_password(client, f"guess-{n}")
    client.logout()
    responses = fail_five_times(client, "staff")
    assert [r.status_code for r in responses] == [200, 429, 429, 429, 429]


def test_the_guessed_and_new_passwords_are_not_stored_with_the_failures(client, staff):
    client.force_login(staff)
    change_password(client, "my-guess-at-the-password", new="the-new-one-i-wanted")
    stored = AccessAttempt.objects.get(username="staff").post_data
    assert "my-guess-at-the-password" not in stored
    assert "the-new-one-i-wanted" not in stored


def test_a_wrong_old_password_is_logged_as_a_failed_sign_in(client, staff, security_log):
    client.force_login(staff)
    change_password(client, "a-wrong-guess")
    assert f"event=login_failed user=staff ip={HOME_IP} username=staff" in security_log.lines()


# Passwords ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "complaint"),
    [
        ("Tr0ub4dor&3x", None),
        ("Tr0ub4dor&3", "at least 12 characters"),
        ("qwertyqwerty", "too common"),
        ("startfinding", "too common"),
        ("730183940217", "entirely numeric"),
    ],
)
def test_passwords_need_twelve_characters_and_must_not_be_common(db, password, complaint):
    if complaint is None:
        validate_password(password)
        return
    with pytest.raises(ValidationError) as error:
        validate_password(password)
    assert complaint in " ".join(error.value.messages)


def test_changing_a_password_applies_the_validators(client, staff):
    client.force_login(staff)
    response = client.post(
        SIGNED_IN_PAGE,
        {"old_password": PASSWORD, "new_password1": "short-pw1", "new_password2": "short-pw1"},
    )
    assert response.status_code == 200
    assert b"at least 12 characters" in response.content
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


# Sessions -----------------------------------------------------------------------------------


def test_signing_in_gives_a_new_session_key(client, staff):
    before = client.session
    before["planted"] = "by an attacker who knows this key"
    before.save()
    client.cookies["sessionid"] = before.session_key
    assert sign_in(client, "staff", PASSWORD).status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before.session_key
    assert not Session.objects.filter(session_key=before.session_key).exists()


def test_signing_out_ends_the_session(client, staff):
    client.force_login(staff)
    key = client.session.session_key
    assert client.post("/accounts/logout/").status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(SIGNED_IN_PAGE).status_code == 302


def test_changing_the_password_ends_the_users_other_sessions(client, staff):
    from django.test import Client

    elsewhere = Client()
    elsewhere.force_login(staff)
    client.force_login(staff)
    response = client.post(
        SIGNED_IN_PAGE,
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get(SIGNED_IN_PAGE).status_code == 200  # this browser stays signed in
    assert elsewhere.get(SIGNED_IN_PAGE).status_code == 302  # the other is signed out


def test_a_password_reset_by_an_admin_ends_the_users_sessions(client, staff):
    client.force_login(staff)
    staff.set_password("reset-by-an-administrator")
    staff.save()
    response = client.get(SIGNED_IN_PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_deactivating_a_user_ends_their_sessions(client, staff):
    client.force_login(staff)
    assert client.get(SIGNED_IN_PAGE).status_code == 200
    staff.is_active = False
    staff.save()
    assert client.get(SIGNED_IN_PAGE).status_code == 302


def age_session(client, *, signed_in_ago: int, last_seen_ago: int) -> None:
    session = client.session
    now = int(time.time())
    session[AUTH_AT] = now - signed_in_ago
    session[SEEN_AT] = now - last_seen_ago
    session.save()


def test_a_session_survives_twenty_nine_minutes_idle(client, staff):
    client.force_login(staff)
    age_session(client, signed_in_ago=3600, last_seen_ago=29 * 60)
    assert client.get(SIGNED_IN_PAGE).status_code == 200
    assert int(time.time()) - client.session[SEEN_AT] < 5  # the clock restarted


def test_a_session_ends_after_thirty_minutes_idle(client, staff, security_log):
    client.force_login(staff)
    key = client.session.session_key
    age_session(client, signed_in_ago=3600, last_seen_ago=30 * 60)
    response = client.get(SIGNED_IN_PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Session.objects.filter(session_key=key).exists()
    assert "event=session_expired user=staff ip=127.0.0.1 reason=idle" in security_log.lines()


def test_a_busy_session_still_ends_eight_hours_after_sign_in(client, staff, security_log):
    client.force_login(staff)
    age_session(client, signed_in_ago=8 * 3600, last_seen_ago=10)
    assert client.get(SIGNED_IN_PAGE).status_code == 302
    assert "reason=absolute" in security_log.lines()[-2]


def test_the_timeouts_are_thirty_minutes_and_eight_hours_by_default(settings):
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    assert settings.SESSION_ABSOLUTE_TIMEOUT == 8 * 3600
    assert settings.SESSION_COOKIE_AGE <= settings.SESSION_ABSOLUTE_TIMEOUT


def test_a_shorter_idle_timeout_can_be_configured(client, staff, settings):
    settings.SESSION_IDLE_TIMEOUT = 120
    client.force_login(staff)
    age_session(client, signed_in_ago=130, last_seen_ago=121)
    assert client.get(SIGNED_IN_PAGE).status_code == 302


def test_signed_in_pages_are_never_cached(client, staff, inspector):
    client.force_login(staff)
    assert "no-store" in client.get(SIGNED_IN_PAGE)["Cache-Control"]
    client.force_login(inspector)
    assert "no-store" in client.get("/admin/")["Cache-Control"]
    assert "no-store" in client.get("/admin/tracker/action/")["Cache-Control"]
