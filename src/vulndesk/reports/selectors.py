"""Reads: finding reports a person may see, and their plain-data form (CLI --json, API)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from vulndesk.accounts.models import Team, User
from vulndesk.core.errors import NotFound
from vulndesk.reports import permissions as perms
from vulndesk.reports.models import Comment, Report


def report_get(key: str, *, user: User | None) -> Report:
    """The report with ``key`` if ``user`` may see it; otherwise "not found" either way."""
    report = (
        Report.objects.select_related("team", "reporter", "coordinator", "project")
        .filter(key=key.strip().upper())
        .first()
    )
    if report is None or not perms.can_view_report(user, report):
        raise NotFound(f"There is no report {key}.")
    return report


def report_list(
    *,
    user: User | None,
    team: Team | None = None,
    state: str | None = None,
    coordinator: User | None = None,
    severity: str | None = None,
    project_slug: str | None = None,
) -> QuerySet[Report]:
    qs = perms.visible_reports(user).select_related("team", "reporter", "coordinator", "project")
    if team is not None:
        qs = qs.filter(team=team)
    if state:
        qs = qs.filter(state=state)
    if coordinator is not None:
        qs = qs.filter(coordinator=coordinator)
    if severity:
        qs = qs.filter(severity=severity)
    if project_slug:
        qs = qs.filter(project__slug=project_slug)
    return qs.order_by("-created_at", "-id")


def _dt(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


MILESTONE_FIELDS = [
    "created_at",
    "triaged_at",
    "coordinator_assigned_at",
    "decided_at",
    "cve_assigned_at",
    "severity_set_at",
    "reporter_told_at",
    "credit_asked_at",
    "credit_answered_at",
    "fix_started_at",
    "private_fix_approved_at",
    "fixed_at",
    "published_at",
    "cve_published_at",
    "closed_at",
]


def report_summary(report: Report, *, viewer: User | bool | None = True) -> dict[str, Any]:
    """``viewer``: the person the summary is for (hides what they may not see, such as
    the CVE ID a reporter has not been told yet); True for callers that already did."""
    data: dict[str, Any] = {
        "key": report.key,
        "state": report.state,
        "team": report.team.slug,
        "title": report.title,
        "project": report.project.slug if report.project else None,
        "coordinator": report.coordinator.username if report.coordinator else None,
        "cve_id": report.cve_id or None,
        "severity": report.severity or None,
        "fix_approach": report.fix_approach or None,
        "created_at": _dt(report.created_at),
    }
    if viewer is not True:
        from vulndesk.cna.permissions import visible_cve_id  # who may see an unpublished ID

        data["cve_id"] = visible_cve_id(report, viewer or None)
    return data


def report_detail(report: Report, *, user: User | None) -> dict[str, Any]:
    """Everything ``user`` may see of ``report``; a reporter gets no internal notes."""
    internal = perms.can_view_internal(user, report)
    data = report_summary(report, viewer=user)
    data.update(
        {
            "source": report.source,
            "reporter": {"email": report.reporter.email, "name": report.reporter.name},
            "body": report.body,
            "cvss_vector": report.cvss_vector or None,
            "fix_provider": report.fix_provider or None,
            "advisory": {
                "title": report.advisory_title,
                "description": report.advisory_description,
                "affected_versions": report.affected_versions,
                "affected_components": report.affected_components,
                "whole_project": report.affects_whole_project,
                "mitigations": report.mitigations,
            },
            "credit": {
                "wanted": report.credit_wanted,
                "name": report.credit_name,
                "type": report.credit_type,
            },
            "fix_prs": [
                {
                    "url": pr.url,
                    "branch": pr.branch,
                    "labels": pr.labels,
                    "merged": pr.merged_at is not None,
                    "merged_at": _dt(pr.merged_at),
                    "merge_commit": pr.merge_commit or None,
                }
                for pr in report.fix_prs.all()
            ],
            "milestones": {name: _dt(getattr(report, name)) for name in MILESTONE_FIELDS},
            "close_reason": report.close_reason or None,
        }
    )
    comments = report.comments.select_related("author")
    events = report.timeline.all()
    if not internal:
        comments = comments.filter(visibility=Comment.Visibility.SHARED)
        events = events.filter(shared=True)
    else:
        data["collaborators"] = [c.user.email for c in report.collaborators.select_related("user")]
    data["comments"] = [
        {
            "at": _dt(c.created_at),
            "author": c.author.username if c.author else c.author_email,
            "visibility": c.visibility,
            "body": c.body,
        }
        for c in comments
    ]
    data["timeline"] = [
        {
            "at": _dt(e.at),
            "actor": e.actor_label,
            "action": e.action,
            "before": e.before,
            "after": e.after,
            # State-change notes may hold internal reasoning; the reporter sees the move only.
            "note": e.note if internal else "",
        }
        for e in events
    ]
    return data
