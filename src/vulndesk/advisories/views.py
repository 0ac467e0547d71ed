"""The CVSS calculator: pick metric values, see the vector, score and severity.

Works without JavaScript (the form submits with GET and the server scores it); a few
lines of script re-submit on each change so the score updates as you choose. On a
report (``cvss/<KEY>/``) a team member can save the vector as the report's severity.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from vulndesk.advisories.calculator import METRICS, choices_from_vector, vector_from_choices
from vulndesk.advisories.severity import cvss_parse, severity_from_score
from vulndesk.core.errors import ApplicationError, NotFound
from vulndesk.reports.models import Report


def _score(request: HttpRequest, default_vector: str) -> dict[str, Any]:
    params = request.GET
    version = params.get("version") or ""
    error = ""
    vector = ""
    result = None
    if params.get("vector"):
        vector = params["vector"].strip()
    elif version in METRICS and any(m.key in params for m in METRICS[version]):
        try:
            vector = vector_from_choices(version, params)
        except ApplicationError as exc:
            error = exc.message
    else:
        vector = default_vector
    if vector:
        try:
            result = cvss_parse(vector)
        except ApplicationError as exc:
            error = exc.message
    if result is not None:
        version, chosen = choices_from_vector(result.vector)
    else:
        version = version if version in METRICS else "3.1"
        chosen = {m.key: params.get(m.key, "") for m in METRICS[version]}
    return {
        "version": version,
        "versions": list(METRICS),
        "metrics": [
            {"key": m.key, "name": m.name, "choices": m.choices, "chosen": chosen.get(m.key, "")}
            for m in METRICS[version]
        ],
        "vector": result.vector if result else vector,
        "score": result.base_score if result else None,
        "severity": severity_from_score(result.base_score) if result and result.base_score else "",
        "error": error,
    }


def _member_report(request: HttpRequest, key: str) -> Report:
    from vulndesk.accounts.permissions import is_team_member
    from vulndesk.reports.selectors import report_get

    try:
        report = report_get(key, user=request.user)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if not is_team_member(request.user, report.team):  # type: ignore[arg-type]
        raise Http404(f"There is no report {key}.")
    return report


@login_required
@require_http_methods(["GET"])
def calculator(request: HttpRequest) -> HttpResponse:
    context = _score(request, "")
    if request.GET.get("format") == "json":
        return JsonResponse({k: context[k] for k in ("vector", "score", "severity", "error")})
    return render(request, "advisories/cvss.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def report_calculator(request: HttpRequest, key: str) -> HttpResponse:
    from vulndesk.reports.services import report_set_severity

    report = _member_report(request, key)
    if request.method == "POST":
        try:
            report_set_severity(
                report,
                actor=request.user,  # type: ignore[arg-type]
                cvss_vector=request.POST.get("vector", ""),
                severity=request.POST.get("severity", ""),
                reason=request.POST.get("reason", ""),
            )
        except ApplicationError as exc:
            context = _score(request, request.POST.get("vector", ""))
            context.update(report=report, save_error=exc.message)
            return render(request, "advisories/cvss.html", context, status=400)
        return redirect("advisories-report-cvss", key=report.key)
    context = _score(request, report.cvss_vector)
    if request.GET.get("format") == "json":
        return JsonResponse({k: context[k] for k in ("vector", "score", "severity", "error")})
    context["report"] = report
    return render(request, "advisories/cvss.html", context)
