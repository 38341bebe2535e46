from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tracker import accounts
from tracker.views import SignOutView

# Django's account URLs (django.contrib.auth.urls), with our own views where we change them.
account_urls = [
    path("login/", accounts.LoginView.as_view(), name="login"),
    # Signing out ends on the sign-in page, which says so.
    path("logout/", SignOutView.as_view(), name="logout"),
    path("password_change/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password_reset/done/",
        accounts.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("email/", accounts.email_preferences, name="email-preferences"),
    # A link a force lead sent (an invitation or a reset): always on, and it signs the person in.
    path("password/<uidb64>/<token>/", accounts.SetPasswordView.as_view(), name="password-set"),
    path(
        "reset/done/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

# A database that cannot be reached answers 503 wherever the error starts (tracker/outage.py);
# anything else is Django's own 500 page.
handler500 = "tracker.outage.server_error"

urlpatterns = [
    # Signing out, of the site or of Admin, ends on the sign-in page, which says so.
    path("admin/logout/", SignOutView.as_view()),
    path("admin/", admin.site.urls),
    path("accounts/", include(account_urls)),
    path("", include("tracker.urls")),
]
