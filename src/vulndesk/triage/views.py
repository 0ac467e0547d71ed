"""Triage pages: the ranked inbox with deadlines, one report's advice and actions, metrics.

Thin: find the team or report the person may see (404 otherwise), call one service or
selector, render. Team members only; outcomes are further limited by the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from vulndesk.accounts.models import Team, User
from vulndesk.accounts.permissions import is_team_admin, is_team_member
from vulndesk.core.errors import ApplicationError, NotFound
from vulndesk.core.errors import PermissionDenied as Refused
from vulndesk.reports.models import Report
from vulndesk.reports.selectors import report_get
from vulndesk.triage import charts, selectors, services
from vulndesk.triage.metrics import metrics_csv, team_metrics


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required guarantees it
    return user


def _team(request: HttpRequest, slug: str) -> Team:
    team = Team.objects.filter(slug=slug).first()
    if team is None or not is_team_member(_user(request), team):
        raise Http404("No such team.")
    return team


def _report(request: HttpRequest, team: Team, key: str) -> Report:
    try:
        report = report_get(key, user=_user(request))
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if report.team_id != team.pk:
        raise Http404("No such report.")
    return report


@login_required
@require_GET
def inbox(request: HttpRequest, slug: str) -> HttpResponse:
    team = _team(request, slug)
    user = _user(request)
    return render(
        request,
        "triage/inbox.html",
        {
            "team": team,
            "rows": selectors.triage_inbox(team, user=user),
            "deadlines": selectors.open_deadlines(team, user=user),
            "is_admin": is_team_admin(user, team),
        },
    )


ACTIONS = ("outcome", "merge", "flag")


@login_required
@require_http_methods(["GET", "POST"])
def report_page(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    team = _team(request, slug)
    report = _report(request, team, key)
    user = _user(request)
    error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "outcome":
                services.triage_outcome(
                    report,
                    actor=user,
                    outcome=request.POST.get("outcome", ""),
                    note=request.POST.get("note", ""),
                    duplicate_of=request.POST.get("duplicate_of", ""),
                )
            elif action == "merge":
                services.report_merge_into(
                    report, actor=user, into=request.POST.get("into", ""), note=""
                )
            elif action == "flag":
                services.reporter_flag(
                    team,
                    actor=user,
                    email=report.reporter.email,
                    reason=request.POST.get("reason", ""),
                )
            else:
                error = f"Unknown action {action!r}; use one of {', '.join(ACTIONS)}."
                status = 400
        except Refused as exc:
            error, status = exc.message, 403
        except ApplicationError as exc:
            error, status = exc.message, 400
        if not error:
            return redirect("triage:report", slug=team.slug, key=report.key)
        report.refresh_from_db()
    context: dict[str, Any] = selectors.report_triage_view(report, user=user)
    context.update({"team": team, "error": error, "is_admin": is_team_admin(user, team)})
    return render(request, "triage/report.html", context, status=status)


@login_required
@require_GET
def metrics_page(request: HttpRequest, slug: str) -> HttpResponse:
    team = _team(request, slug)
    data = team_metrics(team)
    durations = data["durations"]
    context = {
        "team": team,
        "m": data,
        "charts": [
            charts.stacked_months("Reports per month by outcome", data["per_month"]),
            charts.bar_chart(
                "Median days to …", {p: d["median_days"] for p, d in durations.items()}, unit=" d"
            ),
            charts.bar_chart(
                "90th percentile days to …",
                {p: d["p90_days"] for p, d in durations.items()},
                unit=" d",
            ),
            charts.bar_chart("Open reports by age", data["open_by_age"]),
            charts.bar_chart("Open reports per coordinator", data["load"]),
            charts.bar_chart("Advisories per year", data["advisories_per_year"]),
            charts.bar_chart("Advisories per project", data["advisories_per_project"]),
            charts.bar_chart("Reports by severity", data["by_severity"]),
        ],
    }
    return render(request, "triage/metrics.html", context)


@login_required
@require_GET
def metrics_export(request: HttpRequest, slug: str) -> HttpResponse:
    team = _team(request, slug)
    response = HttpResponse(metrics_csv(team_metrics(team)), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{team.slug}-metrics.csv"'
    return response
