"""Public, non-report pages."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from vulndesk.accounts.models import Team


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.only("name", "slug", "private_reporting_url", "security_address")
    return render(request, "core/home.html", {"teams": teams})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
