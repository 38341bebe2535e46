"""Accounts: signing in, changing a password, resetting a forgotten one by email, and choosing
which e-mails to get.

Django's own views, with three changes:

- A wrong old password on the password-change page counts as a failed sign-in, so the
  django-axes lockout that guards the sign-in page guards it too; once locked out, the user
  is signed out and refused like a sign-in.
- Password reset is offered only when `PASSWORD_RESET_ENABLED` (peel/settings.py says when);
  otherwise its pages answer 404 and the sign-in page does not link to them.
- Reset emails are limited per address and per client (`admit_reset_request()`). Over a
  limit the page answers exactly as usual, so it never tells whether an address has an
  account or has hit the limit, and no email is sent.

And one page of its own: setting a password from a link a force lead had sent (an invitation,
or a reset), with the same tokens as a reset (`set_password_link`, `email_set_password_link`).
It is always on, since without e-mail the lead passes the link on by hand, and it signs the
person in.
"""

from __future__ import annotations

import logging
import smtplib
from typing import TYPE_CHECKING

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import logout, user_login_failed
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tracker.models import PasswordResetRequest, User
from tracker.notify import DIGEST_DUE_DAYS, PREFERENCES
from tracker.security import client_ip, log_event

logger = logging.getLogger(__name__)

# Any fixed number: the PostgreSQL advisory lock that queues reset requests one at a time.
RESET_LOCK_KEY = 0x5E5E7


class LoginView(auth_views.LoginView):
    def get_context_data(self, **kwargs):
        return super().get_context_data(
            password_reset_enabled=settings.PASSWORD_RESET_ENABLED, **kwargs
        )


# Changing a password ------------------------------------------------------------------------


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form, where a wrong old password is a failed sign-in for django-axes."""

    def __init__(self, user, *args, request, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        try:
            return super().clean_old_password()
        except ValidationError:
            user_login_failed.send(
                sender=__name__,
                credentials={"username": self.user.get_username()},
                request=self.request,
            )
            raise


class AdminPasswordChangeForm(PasswordChangeForm):
    required_css_class = "required"  # as Django's admin form


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and AxesProxyHandler.is_locked(
            request, self._credentials(request)
        ):
            return self._locked_out(request)
        response = super().dispatch(request, *args, **kwargs)
        if getattr(request, "axes_locked_out", False):  # this guess was the last one allowed
            return self._locked_out(request)
        return response

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    @staticmethod
    def _credentials(request) -> dict:
        return {"username": request.user.get_username()}

    def _locked_out(self, request):
        credentials = self._credentials(request)
        logout(request)
        return get_lockout_response(request, None, credentials)


# Resetting a forgotten password -------------------------------------------------------------


if TYPE_CHECKING:  # what the mixin is mixed into, for the type checker
    from django.views.generic import TemplateView as _ResetPage
else:
    _ResetPage = object


class PasswordResetEnabledMixin(_ResetPage):
    def dispatch(self, request, *args, **kwargs):
        if not settings.PASSWORD_RESET_ENABLED:
            raise Http404("Password reset is not offered here.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(link_minutes=link_minutes(), **kwargs)


class PasswordResetView(PasswordResetEnabledMixin, auth_views.PasswordResetView):
    email_template_name = "registration/password_reset_email.txt"

    def form_valid(self, form):
        email = form.cleaned_data["email"].lower()
        over = admit_reset_request(email, client_ip(self.request) or "")
        if over:
            log_event("password_reset_limited", self.request, email=email, limit=over)
            return HttpResponseRedirect(self.get_success_url())
        log_event("password_reset_requested", self.request, email=email)
        self.extra_email_context = {"link_minutes": link_minutes()}
        return super().form_valid(form)


class PasswordResetDoneView(PasswordResetEnabledMixin, auth_views.PasswordResetDoneView):
    pass


class PasswordResetConfirmView(PasswordResetEnabledMixin, auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        log_event("password_reset", self.request, user=form.user.get_username())
        return super().form_valid(form)


class PasswordResetCompleteView(PasswordResetEnabledMixin, auth_views.PasswordResetCompleteView):
    pass


def link_minutes() -> int:
    """How long a reset link works, as its pages and email say it."""
    return settings.PASSWORD_RESET_TIMEOUT // 60


def admit_reset_request(email: str, client: str) -> str | None:
    """Record a request for a reset email; the limit it is over ("client", "address"), or None.

    One client may ask `PASSWORD_RESET_REQUESTS_PER_CLIENT` times, and one address be sent
    `PASSWORD_RESET_EMAILS_PER_ADDRESS` emails, per `PASSWORD_RESET_LIMIT_WINDOW`. Requests
    are counted and recorded one at a time (PostgreSQL: an advisory lock; SQLite: its
    transactions begin IMMEDIATE, holding the write lock), so simultaneous requests from
    several app processes cannot all slip under a limit. Rows older than the window are
    deleted as they stop counting.
    """
    since = timezone.now() - settings.PASSWORD_RESET_LIMIT_WINDOW
    client = client[: PasswordResetRequest._meta.get_field("client").max_length]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RESET_LOCK_KEY])
        PasswordResetRequest.objects.filter(requested_at__lt=since).delete()
        recent = PasswordResetRequest.objects.filter(requested_at__gte=since)
        if recent.filter(client=client).count() >= settings.PASSWORD_RESET_REQUESTS_PER_CLIENT:
            over = "client"
        elif (
            recent.filter(email=email, refused=False).count()
            >= settings.PASSWORD_RESET_EMAILS_PER_ADDRESS
        ):
            over = "address"
        else:
            over = None
        PasswordResetRequest.objects.create(email=email, client=client, refused=over is not None)
    return over


# Which e-mails a person gets ----------------------------------------------------------------


class EmailPreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = list(PREFERENCES.values())


@login_required
def email_preferences(request):
    """The signed-in person's choice of e-mails (tracker/notify.py sends them)."""
    form = EmailPreferencesForm(
        request.POST if request.method == "POST" else None, instance=request.user
    )
    if form.is_valid():
        form.save(commit=False).save(update_fields=form.Meta.fields)
        messages.success(request, "Your e-mail choices are saved.")
        return redirect("email-preferences")
    context = {"form": form, "digest_due_days": DIGEST_DUE_DAYS}
    return render(request, "registration/email_preferences.html", context)


# Setting a password from a force lead's link ------------------------------------------------


def set_password_link(request, user: User) -> str:
    """The absolute link at which `user` sets a password: a reset token, on `SITE_URL` when the
    settings name the site's address, else on the address this request came to."""
    path = reverse(
        "password-set",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    site = getattr(settings, "SITE_URL", "")
    return site.rstrip("/") + path if site else request.build_absolute_uri(path)


def email_set_password_link(user: User, link: str, *, by: User, invited: bool) -> str | None:
    """E-mail `user` the link `by` (their force lead) sent: an invitation or a reset.

    None when it was sent; otherwise why not, for the lead, who then passes the link on.
    """
    if not settings.EMAIL_CONFIGURED:
        return "E-mail is not set up on this site"
    if not user.email:
        return f"{user.display_name} has no e-mail address"
    context = {"user": user, "by": by, "link": link, "link_minutes": link_minutes()}
    name = "invite" if invited else "reset_by_lead"
    try:
        send_mail(
            render_to_string(f"registration/{name}_subject.txt", context).strip(),
            render_to_string(f"registration/{name}_email.txt", context),
            None,
            [user.email],
        )
    except (smtplib.SMTPException, OSError):
        logger.exception("The set-password e-mail to %s could not be sent", user.get_username())
        return "The e-mail could not be sent"
    return None


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Where someone a force lead invited, or sent a reset, chooses a password; then signed in.

    Always on (the link may have come by hand); a deactivated account's link does not work.
    """

    template_name = "registration/set_password.html"
    post_reset_login = True
    post_reset_login_backend = "tracker.security.UserBackend"
    success_url = reverse_lazy("dashboard")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def get_context_data(self, **kwargs):
        return super().get_context_data(link_minutes=link_minutes(), **kwargs)

    def form_valid(self, form):
        log_event("password_set", self.request, user=form.user.get_username())
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set, and you are signed in.")
        return response
