from django.contrib import admin
from django.urls import include, path

from tracker.views import SignOutView

urlpatterns = [
    # Signing out, of the site or of Admin, ends on the sign-in page, which says so.
    path("admin/logout/", SignOutView.as_view()),
    path("admin/", admin.site.urls),
    path("accounts/logout/", SignOutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("tracker.urls")),
]
