"""Staff-facing pages. Each view starts from `visible_to(request.user)`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, HttpResponseServerError
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return HttpResponseServerError("database unavailable", content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@login_required
def dashboard(request):
    return HttpResponse("dashboard")


@login_required
def action_list(request):
    return HttpResponse("actions")


@login_required
def action_export(request):
    return HttpResponse("csv")


@login_required
def action_detail(request, pk):
    return HttpResponse("action")


@login_required
def inspection_detail(request, pk):
    return HttpResponse("inspection")
