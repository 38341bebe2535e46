"""A force lead manages the force's accounts, on the site (`/force/people/`).

Who may: an active force lead, for their own force only. Anyone else gets 403 (inspectors and
superusers manage accounts in the admin); another force's account is a 404, as everywhere.

What a lead may do, each a POST, logged (`log_event`) and confirmed with a message:

- invite someone (name, e-mail, username, role): an active account of the lead's force with no
  usable password, and a link to choose one (`tracker.accounts.set_password_link`: a reset
  token). The link is e-mailed, or, when the site cannot send e-mail, shown to the lead once
  to pass on by hand;
- deactivate or reactivate an account; change its role (staff, lead, observer); send it a new
  link to choose a password.

The limits (`refusal`): not their own account's status or role; never leaving the force
without an active lead; never an account with the admin's powers (`is_staff`, superuser),
which inspectors manage. The forms hold only these fields: a lead cannot make anyone an
inspector or a superuser, give staff status, or move anyone to another force.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F, OrderBy
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker.accounts import email_set_password_link, link_minutes, set_password_link
from tracker.models import User, leads_of
from tracker.security import log_event
from tracker.views import get_visible_or_404
from tracker.workflow import FORCE_ROLES, Role

PAGE_SIZE = 50
ROLE_CHOICES = [(role.value, role.label) for role in FORCE_ROLES]

# The list's sorts: the `sort` parameter (reversed with a leading "-") and its ordering; people
# who never signed in come last either way.
SORTS = {
    "name": ["last_name", "first_name", "username"],
    "username": ["username"],
    "email": ["email", "username"],
    "role": ["force_role", "last_name", "username"],
    "active": ["-is_active", "last_name", "username"],
    "last_login": ["-last_login", "username"],
}


def _ordering(sort: str) -> list[OrderBy]:
    reverse = sort.startswith("-")
    terms = []
    for term in SORTS[sort.removeprefix("-")]:
        field = F(term.removeprefix("-"))
        descending = term.startswith("-") != reverse
        terms.append(field.desc(nulls_last=True) if descending else field.asc(nulls_last=True))
    return terms


COLUMNS = {
    "name": "Name",
    "username": "Username",
    "email": "E-mail",
    "role": "Role",
    "active": "Active",
    "last_login": "Last sign-in",
}


NAME_CELL_ON_A_PHONE = ("username", "email", "active")


def _check_lead(request) -> None:
    if not request.user.is_lead:
        log_event("people_refused", request, path=request.path)
        raise PermissionDenied("Managing a force's accounts is for its force leads.")


def _members(request):
    """The lead's force's accounts."""
    return User.objects.filter(force_id=request.user.force_id)


def _get_member_or_404(request, pk: int) -> User:
    return get_visible_or_404(request, _members(request), pk, "user")


# The rules -----------------------------------------------------------------------------------


def refusal(change: str, *, lead: User, person: User, leads: set[int], role: str = "") -> str:
    """Why `lead` may not make `change` to `person` ("" if they may). `leads` are the ids of
    the force's active leads, read under lock, so that two leads acting at once cannot both
    leave the force without one."""
    name = person.display_name
    if person.is_staff or person.is_superuser:
        return f"{name}'s account has the admin's powers: an inspector manages it."
    last_lead = f"{name} is the force's last active lead: make someone else a lead first."
    others = leads - {person.pk}
    if change == "deactivate":
        if person.pk == lead.pk:
            return "You cannot deactivate your own account."
        if not person.is_active:
            return f"{name}'s account is already deactivated."
        if not others:
            return last_lead
    elif change == "reactivate" and person.is_active:
        return f"{name}'s account is already active."
    elif change == "role":
        if person.pk == lead.pk:
            return "You cannot change your own role: ask another lead, or an inspector."
        if role == person.force_role:
            return f"{name} is already {person.get_force_role_display().lower()}."
        if role != Role.LEAD and not others:
            return last_lead
    elif change == "reset" and not person.is_active:
        return f"{name}'s account is deactivated: reactivate it first."
    return ""


# The list -----------------------------------------------------------------------------------


@login_required
@require_GET
def people_list(request):
    _check_lead(request)
    sort = request.GET.get("sort", "name")
    if sort.removeprefix("-") not in SORTS:
        sort = "name"
    paginator = Paginator(_members(request).order_by(*_ordering(sort)), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "tracker/people_list.html",
        {
            "page": page,
            "headers": _headers(request, sort),
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        },
    )


def _headers(request, current: str) -> list[dict]:
    """The list's column headers: each sorts by its column, and reverses a sort already by it."""
    headers = []
    for key, label in COLUMNS.items():
        # Most recent sign-in first; the others A to Z (active before deactivated).
        first, second = (
            ("descending", "ascending") if key == "last_login" else ("ascending", "descending")
        )
        aria_sort, target = {key: (first, f"-{key}"), f"-{key}": (second, key)}.get(
            current, ("", key)
        )
        params = request.GET.copy()
        params["sort"] = target
        params.pop("page", None)
        headers.append(
            {
                "label": label,
                "href": f"?{params.urlencode()}",
                "aria_sort": aria_sort,
                "arrow": {"ascending": "▲", "descending": "▼"}.get(aria_sort, ""),
                # On a phone the name's cell shows the username, e-mail and "Deactivated".
                "classes": "d-none d-md-table-cell" if key in NAME_CELL_ON_A_PHONE else "",
            }
        )
    return headers


# Inviting ----------------------------------------------------------------------------------


class InviteForm(forms.ModelForm):
    """A new account of the lead's force: only these fields, whatever else is posted."""

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "username", "force_role"]
        labels = {"email": "E-mail address", "force_role": "Role"}
        help_texts = {
            "username": "What they sign in with. Leave it empty to use the part of their "
            "e-mail address before the @.",
            "force_role": "Staff update the actions they own; a lead also assigns, assures and "
            "manages the force's accounts; an observer (PCC/OPCC) reads and exports.",
        }
        widgets = {"force_role": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email"):
            self.fields[name].required = True
        self.fields["username"].required = False

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError("An account with this e-mail address already exists.")
        return email

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if username and User.objects.filter(username__iexact=username).exists():
            raise ValidationError("This username is taken: choose another.")
        return username

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("username") and "username" not in self.errors and data.get("email"):
            data["username"] = suggested_username(data["email"])
        return data


def suggested_username(email: str) -> str:
    """The part of `email` before the @, in the characters a username may hold, lower case;
    with a number after it when that is taken ("j.smith2")."""
    base = re.sub(r"[^\w.+-]", "", email.partition("@")[0].lower(), flags=re.ASCII)[:140] or "user"
    taken = {
        name.lower()
        for name in User.objects.filter(username__istartswith=base).values_list(
            "username", flat=True
        )
    }
    number = 1
    candidate = base
    while candidate in taken:
        number += 1
        candidate = f"{base}{number}"
    return candidate


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def person_invite(request):
    _check_lead(request)
    if request.method != "POST":
        return _render_invite(request, InviteForm(initial={"force_role": Role.STAFF}))
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _render_invite(request, form, status=400)
    person = form.save(commit=False)
    person.force = request.user.force
    person.is_active = True
    person.set_unusable_password()
    person.save()
    return _deliver(request, person, invited=True)


def _render_invite(request, form: InviteForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "email_configured": settings.EMAIL_CONFIGURED,
        "link_minutes": link_minutes(),
    }
    return render(request, "tracker/person_invite.html", context, status=status)


def _deliver(request, person: User, *, invited: bool) -> HttpResponse:
    """E-mail `person` a link to choose a password; if it cannot go, show it to the lead once."""
    link = set_password_link(request, person)
    not_sent = email_set_password_link(person, link, by=request.user, invited=invited)
    log_event(
        "account_invited" if invited else CHANGES["reset"],
        request,
        account=person.get_username(),
        force=request.user.force.slug,
        role=person.force_role,
        sent="by hand" if not_sent else "email",
    )
    if not not_sent:
        if invited:
            what = f"Invited {person.display_name} ({person.get_username()})"
        else:
            what = f"Sent {person.display_name} a link to choose a new password"
        messages.success(request, f"{what}: the e-mail is on its way to {person.email}.")
        return redirect("people-list") if invited else redirect("person-detail", pk=person.pk)
    return render(
        request,
        "tracker/person_link.html",
        {
            "person": person,
            "link": link,
            "not_sent": not_sent,
            "invited": invited,
            "link_minutes": link_minutes(),
        },
    )


# One person's page and its changes ---------------------------------------------------------


# Each change a lead may make on a person's page, and the event it logs.
CHANGES = {
    "deactivate": "account_deactivated",
    "reactivate": "account_reactivated",
    "role": "account_role_changed",
    "reset": "account_reset_sent",
}


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role in the force", choices=ROLE_CHOICES)


@login_required
@require_GET
def person_detail(request, pk: int):
    _check_lead(request)
    person = _get_member_or_404(request, pk)
    return _render_person(request, person)


def _render_person(request, person: User, role_form=None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "tracker/person_detail.html",
        {
            "person": person,
            "role_form": role_form or RoleForm(initial={"role": person.force_role}),
            "is_self": person.pk == request.user.pk,
            "admin_managed": person.is_staff or person.is_superuser,
        },
        status=status,
    )


@login_required
@require_POST
def person_update(request, pk: int, change: str):
    _check_lead(request)
    if change not in CHANGES:
        raise Http404("No such change.")
    person = _get_member_or_404(request, pk)
    form = RoleForm(request.POST) if change == "role" else None
    if form is not None and not form.is_valid():
        return _render_person(request, person, form, status=400)
    role = form.cleaned_data["role"] if form is not None else ""
    with transaction.atomic():
        locked = leads_of(request.user.force_id).select_for_update()
        leads = set(locked.values_list("pk", flat=True))
        if request.user.pk not in leads:  # another lead changed them meanwhile
            raise PermissionDenied("You are no longer a lead of this force.")
        person = _members(request).select_for_update().get(pk=pk)
        refused = refusal(change, lead=request.user, person=person, leads=leads, role=role)
        if not refused and change != "reset":
            old = _apply(person, change, role)
    if refused:
        log_event("account_change_refused", request, account=person.username, change=change)
        messages.error(request, refused)
        return _render_person(request, person, form, status=400)
    if change == "reset":
        return _deliver(request, person, invited=False)
    log_event(
        CHANGES[change],
        request,
        account=person.username,
        force=request.user.force.slug,
        **({"old": old, "new": role} if change == "role" else {}),
    )
    messages.success(request, _done(person, change))
    return redirect("person-detail", pk=person.pk)


def _apply(person: User, change: str, role: str) -> str:
    """Make the change; the role it had before (for the log)."""
    old = person.force_role
    if change == "role":
        person.force_role = role
        person.save(update_fields=["force_role"])
    else:
        person.is_active = change == "reactivate"
        person.save(update_fields=["is_active"])
    return old


def _done(person: User, change: str) -> str:
    name = person.display_name
    if change == "role":
        return f"{name} is now {person.get_force_role_display().lower()}."
    if change == "deactivate":
        return f"Deactivated {name}'s account: they can no longer sign in."
    return f"Reactivated {name}'s account: they can sign in again."
