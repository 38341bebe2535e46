"""A due date in the past is accepted only when the user confirms it (issue 11, point 16)."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

from tracker.models import Action

TODAY = timezone.localdate()
LAST_MONTH = TODAY - datetime.timedelta(days=30)


def post_due_date(client, action, **fields):
    data = {f"due-{name}": value for name, value in fields.items()}
    data["due-version"] = action.version
    return client.post(f"/actions/{action.pk}/due/", data)


def test_a_past_due_date_is_refused_and_kept_in_the_form(client, staff, action):
    client.force_login(staff)
    response = post_due_date(client, action, due_date=LAST_MONTH.isoformat())
    assert response.status_code == 400
    page = response.content.decode()
    assert f"{LAST_MONTH.day} {LAST_MONTH:%b %Y} is in the past. Tick the box to confirm" in page
    assert 'id="id_due-due_date_error"' in page
    assert f'value="{LAST_MONTH.isoformat()}"' in page
    assert 'name="due-confirm_past"' in page
    action.refresh_from_db()
    assert action.due_date is None and not action.events.exists()


def test_a_past_due_date_is_saved_once_confirmed(client, staff, action):
    client.force_login(staff)
    response = post_due_date(client, action, due_date=LAST_MONTH.isoformat(), confirm_past="on")
    assert response.status_code == 302
    assert Action.objects.get(pk=action.pk).due_date == LAST_MONTH


def test_today_and_later_need_no_confirmation_and_the_box_is_not_offered(client, staff, action):
    client.force_login(staff)
    assert 'name="due-confirm_past"' not in client.get(f"/actions/{action.pk}/").content.decode()
    assert post_due_date(client, action, due_date=TODAY.isoformat()).status_code == 302
    assert Action.objects.get(pk=action.pk).due_date == TODAY


def admin_post(client, action, **fields):
    page = client.get(f"/admin/tracker/action/{action.pk}/change/")
    hidden = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.content.decode())
    )
    data = {**hidden, "status": action.status, "owner": "", "blocked_reason": "", **fields}
    return client.post(f"/admin/tracker/action/{action.pk}/change/", data)


def test_the_admin_refuses_a_past_due_date_unless_confirmed(client, inspector, action):
    client.force_login(inspector)
    refused = admin_post(client, action, due_date=LAST_MONTH.isoformat())
    assert refused.status_code == 200
    assert "is in the past. Tick the box to confirm" in refused.content.decode()
    assert Action.objects.get(pk=action.pk).due_date is None

    confirmed = admin_post(client, action, due_date=LAST_MONTH.isoformat(), confirm_past="on")
    assert confirmed.status_code == 302
    assert Action.objects.get(pk=action.pk).due_date == LAST_MONTH
