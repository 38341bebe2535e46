"""Small hand-written factories: each makes one valid object, keyword arguments override."""

from __future__ import annotations

import itertools

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import Group

from tracker.models import (
    INSPECTORS_GROUP,
    Action,
    Force,
    Grade,
    Inspection,
    Pillar,
    Question,
    User,
)

_serial = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def get_force(short_name: str = "Lancashire") -> Force:
    return Force.objects.get(short_name=short_name)


def production_password_hash(password: str = PASSWORD) -> str:
    """`password` hashed as production settings hash it (PBKDF2), for a user who signs in on a
    real app server: it does not accept the suite's fast hasher. Slow: make it once."""
    hasher = PBKDF2PasswordHasher()
    return hasher.encode(password, hasher.salt())


def make_user(**kwargs) -> User:
    """`password` (PASSWORD by default) is hashed by the suite's hasher; `password_hash`, one
    already made (`production_password_hash()`), is kept as it is."""
    n = next(_serial)
    kwargs.setdefault("username", f"user{n}")
    kwargs.setdefault("email", f"user{n}@example.police.uk")
    if "force" not in kwargs:
        kwargs["force"] = get_force()
    password = kwargs.pop("password", PASSWORD)
    password_hash = kwargs.pop("password_hash", None)
    user = User(**kwargs)
    if password_hash:
        user.password = password_hash
    else:
        user.set_password(password)
    user.save()
    return user


def make_inspector(**kwargs) -> User:
    kwargs.setdefault("username", f"inspector{next(_serial)}")
    kwargs.setdefault("is_staff", True)
    user = make_user(force=None, **kwargs)
    user.groups.add(Group.objects.get(name=INSPECTORS_GROUP))
    return user


def make_inspection(**kwargs) -> Inspection:
    kwargs.setdefault("force", get_force())
    kwargs.setdefault("year", 2000 + next(_serial) % 100)
    kwargs.setdefault("pillar", Pillar.EFFECTIVENESS)
    kwargs.setdefault("title", "How effective is the force at keeping people safe?")
    kwargs.setdefault("grade", Grade.GOOD)
    return Inspection.objects.create(**kwargs)


def make_question(**kwargs) -> Question:
    if "inspection" not in kwargs:
        kwargs["inspection"] = make_inspection()
    kwargs.setdefault("number", kwargs["inspection"].questions.count() + 1)
    kwargs.setdefault("text", "How effective is the force at preventing crime?")
    kwargs.setdefault("grade", Grade.REQUIRES_IMPROVEMENT)
    return Question.objects.create(**kwargs)


def make_action(**kwargs) -> Action:
    if "question" not in kwargs:
        inspection_kwargs = {"force": kwargs.pop("force")} if "force" in kwargs else {}
        kwargs["question"] = make_question(inspection=make_inspection(**inspection_kwargs))
    question = kwargs["question"]
    kwargs.setdefault("force", question.inspection.force)
    kwargs.setdefault("position", question.actions.count() + 1)
    kwargs.setdefault("text", "The force should ensure that crime is allocated to skilled staff.")
    return Action.objects.create(**kwargs)
