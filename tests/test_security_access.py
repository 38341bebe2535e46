"""Who reaches the admin: inspectors, not force staff, however an account is misconfigured."""

from __future__ import annotations

from django.contrib.auth.models import Group

from tests.factories import make_action, make_user
from tracker.models import INSPECTORS_GROUP


def test_force_staff_are_sent_away_from_the_admin(client, staff, other_force):
    theirs = make_action(force=other_force, text="Kent's own area for improvement")
    client.force_login(staff)
    response = client.get(f"/admin/tracker/action/{theirs.pk}/change/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_a_force_user_given_staff_status_and_the_inspectors_group_sees_no_other_force(
    client, force, other_force
):
    theirs = make_action(force=other_force, text="Kent's own area for improvement")
    misconfigured = make_user(force=force, is_staff=True)
    misconfigured.groups.add(Group.objects.get(name=INSPECTORS_GROUP))
    client.force_login(misconfigured)
    assert "Kent's own area" not in client.get("/admin/tracker/action/").content.decode()
    assert client.get(f"/admin/tracker/action/{theirs.pk}/change/").status_code != 200
