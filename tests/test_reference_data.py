"""Transactional tests flush the database; the reference data must come back after them."""

from __future__ import annotations

import pytest

from tracker.models import Force


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_sees_the_forces():
    assert Force.objects.count() == 43


def test_a_plain_test_after_a_transactional_one_still_sees_forces_and_inspectors(db):
    from django.contrib.auth.models import Group

    assert Force.objects.count() == 43
    assert (
        Group.objects.get(name="Inspectors").permissions.filter(codename="change_action").exists()
    )
