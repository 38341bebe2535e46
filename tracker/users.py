"""Adding people: a force's staff, and inspectors.

`add_user` is what `manage.py add_user` calls. It checks everything before it writes, so a
refusal leaves nothing behind, and its messages are fit to show on one line.
"""

from __future__ import annotations

import difflib
import secrets

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify

from tracker.models import INSPECTORS_GROUP, Force, User


class UserNotAdded(Exception):
    """The user was not added; the message says why, in one line."""


def add_user(
    username: str,
    *,
    force_slug: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
) -> tuple[User, str | None]:
    """Add an active user: staff of the force `force_slug`, or an inspector when it is None.

    Without `password`, a random temporary one is set and returned (to be shown once);
    with it, it must pass the site's password rules, and None is returned in its place.
    """
    force = _force(force_slug) if force_slug is not None else None
    user = User(
        username=username,
        force=force,
        # Inspectors work in the admin; force staff never see it.
        is_staff=force is None,
        is_active=True,
        email=email,
        first_name=first_name,
        last_name=last_name,
    )
    _check(user)
    temporary = None
    if password is None:
        temporary = password = secrets.token_urlsafe(12)
    else:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise UserNotAdded("password refused: " + " ".join(error.messages)) from None
    user.set_password(password)
    with transaction.atomic():
        user.save()
        if force is None:
            user.groups.add(Group.objects.get(name=INSPECTORS_GROUP))
    return user, temporary


def _force(slug: str) -> Force:
    """The force with this slug; "West Yorkshire" is taken as its slug, west-yorkshire."""
    wanted = slugify(slug)
    try:
        return Force.objects.get(slug=wanted)
    except Force.DoesNotExist:
        pass
    slugs = Force.objects.values_list("slug", flat=True)
    if close := difflib.get_close_matches(wanted, slugs, n=3, cutoff=0.6):
        hint = f"did you mean {' or '.join(close)}?"
    else:
        hint = "a force's slug is its short name in lower case with hyphens: avon-and-somerset"
    raise UserNotAdded(f"no force has the slug {slug!r}; {hint}")


def _check(user: User) -> None:
    try:
        User.username_validator(user.username)
    except ValidationError:
        raise UserNotAdded(
            f"{user.username!r} is not a valid username: use letters, digits and @.+-_ only"
        ) from None
    if User.objects.filter(username__iexact=user.username).exists():
        raise UserNotAdded(f"a user named {user.username!r} already exists")
    if user.email:
        try:
            validate_email(user.email)
        except ValidationError:
            raise UserNotAdded(f"{user.email!r} is not an email address") from None
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:  # what is left: lengths, as the database would refuse them
        problems = (
            f"{field.replace('_', ' ')}: {' '.join(m)}" for field, m in error.message_dict.items()
        )
        raise UserNotAdded("; ".join(problems)) from None
