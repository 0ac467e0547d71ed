"""/api/v1/reports: the case and every workflow action, each one call to reports.services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from vulndesk.accounts.models import Team, User
from vulndesk.accounts.services import user_find
from vulndesk.api.auth import ACT, READ, Caller
from vulndesk.api.errors import ERROR_CODES, Problem
from vulndesk.api.schemas import (
    AcceptIn,
    AdvisoryIn,
    AssignIn,
    CollaboratorIn,
    CollaboratorOut,
    CommentIn,
    CommentOut,
    CreditIn,
    CveIn,
    EventOut,
    FixPlanIn,
    In,
    MergeIn,
    NoteIn,
    PullRequestIn,
    ReasonIn,
    ReportCreateIn,
    ReportOut,
    ReportPageOut,
    SeverityIn,
    TellReporterIn,
    TriageIn,
)
from vulndesk.api.selectors import page, token_report_get, token_report_list
from vulndesk.core.errors import NotFound, PermissionDenied
from vulndesk.reports import permissions as perms
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, Source
from vulndesk.reports.selectors import report_detail, report_summary

router = Router(tags=["reports"])

OUT = {200: ReportOut, ERROR_CODES: Problem}


def caller(request: HttpRequest) -> Caller:
    auth = request.auth  # type: ignore[attr-defined]
    assert isinstance(auth, Caller)
    return auth


def actor(request: HttpRequest) -> User:
    user = caller(request).user
    assert user is not None  # READ/ACT/ADMIN never let anonymous callers through
    return user


def load(request: HttpRequest, key: str) -> Report:
    c = caller(request)
    return token_report_get(key, user=actor(request), token=c.token)


def detail(request: HttpRequest, report: Report) -> dict[str, Any]:
    report.refresh_from_db()
    return report_detail(report, user=actor(request))


class ListFilters(In):
    team: str | None = Field(None, max_length=50, description="Team slug.")
    state: str | None = Field(None, max_length=20)
    severity: str | None = Field(None, max_length=20)
    project: str | None = Field(None, max_length=50, description="Project slug.")
    coordinator: str | None = Field(None, max_length=254, description="Username or email.")
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)


@router.get("/reports", response={200: ReportPageOut, ERROR_CODES: Problem}, auth=READ)
def list_reports(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    """The reports you may see, newest first, with cursor pagination."""
    c = caller(request)
    qs = token_report_list(
        user=actor(request),
        token=c.token,
        team_slug=filters.team,
        state=filters.state,
        severity=filters.severity,
        project_slug=filters.project,
        coordinator=filters.coordinator,
    )
    items, next_cursor = page(qs, cursor=filters.cursor, limit=filters.limit)
    user = actor(request)
    return {"items": [report_summary(r, viewer=user) for r in items], "next_cursor": next_cursor}


@router.post("/reports", response={201: ReportOut, ERROR_CODES: Problem}, auth=ACT)
def create_report(request: HttpRequest, data: ReportCreateIn) -> Status[dict[str, Any]]:
    """File a report: your own, or (team admin) one drafted on a reporter's behalf."""
    user = actor(request)
    team = Team.objects.filter(slug=data.team).first()
    token = caller(request).token
    if team is None or (token and token.team_id not in (None, team.pk)):
        raise NotFound(f"There is no team {data.team!r}.")
    project = None
    if data.project:
        project = team.projects.filter(slug=data.project).first()
        if project is None:
            raise NotFound(f"{team.name} has no project {data.project!r}.")
    own = not data.reporter_email or data.reporter_email.strip().lower() == user.email.lower()
    report = rs.report_create(
        team=team,
        reporter_email=user.email if own else str(data.reporter_email),
        reporter_name=data.reporter_name or (user.display_name if own else ""),
        title=data.title,
        body=data.body,
        project=project,
        source=Source.API if own else Source.DRAFTED,
        actor=user,
    )
    return Status(201, report_detail(report, user=user))


@router.get("/reports/{key}", response=OUT, auth=READ)
def show_report(request: HttpRequest, key: str) -> dict[str, Any]:
    """One report: what you may see of it (a reporter gets no internal notes)."""
    return report_detail(load(request, key), user=actor(request))


def _action(
    path: str, body: type[Schema] | None, summary: str
) -> Callable[[Callable[[Report, User, Any], Any]], Callable[..., Any]]:
    """Register POST /reports/{key}/<path>: load, call the service, answer the new detail."""

    def register(fn: Callable[[Report, User, Any], Any]) -> Callable[..., Any]:
        if body is None:

            def view_plain(request: HttpRequest, key: str) -> dict[str, Any]:
                report = load(request, key)
                fn(report, actor(request), None)
                return detail(request, report)

            view: Callable[..., Any] = view_plain
        else:

            def view_body(request: HttpRequest, key: str, data: Any) -> dict[str, Any]:
                report = load(request, key)
                fn(report, actor(request), data)
                return detail(request, report)

            view_body.__annotations__["data"] = body
            view = view_body
        view.__name__ = fn.__name__
        view.__doc__ = fn.__doc__
        router.post(
            f"/reports/{{key}}/{path}",
            response=OUT,
            auth=ACT,
            summary=summary,
            operation_id=fn.__name__,
        )(view)
        return fn

    return register


@_action("triage", TriageIn, "Triage a new report (admin)")
def triage_report(report: Report, user: User, data: TriageIn) -> None:
    """Plausible moves it to triage; spam and misdirected close it."""
    rs.report_triage(report, actor=user, outcome=data.outcome, note=data.note)


@_action("assign", AssignIn, "Assign or hand over the coordinator")
def assign_report(report: Report, user: User, data: AssignIn) -> None:
    """A hand-over needs a reason; only team members coordinate."""
    perms.require_team_member(user, report)  # before looking anyone up: no user probing
    rs.report_assign(
        report, actor=user, coordinator=user_find(data.coordinator), reason=data.reason
    )


@_action("accept", AcceptIn, "Accept: it is a vulnerability")
def accept_report(report: Report, user: User, data: AcceptIn) -> None:
    """The coordinator (or an admin) accepts; a CVE ID may come with it."""
    rs.report_accept(report, actor=user, cve_id=data.cve_id, note=data.note)


@_action("reject", ReasonIn, "Reject: not a vulnerability")
def reject_report(report: Report, user: User, data: ReasonIn) -> None:
    """The reporter is told with the rejection template and may come back with evidence."""
    rs.report_reject(report, actor=user, reason=data.reason)


@_action("reopen", ReasonIn, "Reopen a rejected report with new evidence")
def reopen_report(report: Report, user: User, data: ReasonIn) -> None:
    """Back to triage."""
    rs.report_reopen(report, actor=user, reason=data.reason)


@_action("withdraw", ReasonIn, "Withdraw an open report")
def withdraw_report(report: Report, user: User, data: ReasonIn) -> None:
    """Closes it for good."""
    rs.report_withdraw(report, actor=user, reason=data.reason)


@_action("cve", CveIn, "Set the CVE ID")
def set_cve(report: Report, user: User, data: CveIn) -> None:
    """Once accepted; refused once the reporter was told another ID."""
    rs.report_set_cve(report, actor=user, cve_id=data.cve_id)


@_action("severity", SeverityIn, "Set the severity (optionally from a CVSS vector)")
def set_severity(report: Report, user: User, data: SeverityIn) -> None:
    """Overriding the vector's band needs a reason."""
    rs.report_set_severity(
        report,
        actor=user,
        severity=data.severity,
        cvss_vector=data.cvss_vector,
        reason=data.reason,
    )


@_action("fix-plan", FixPlanIn, "Set the fix approach and provider")
def set_fix_plan(report: Report, user: User, data: FixPlanIn) -> None:
    """High and Critical need a private fix."""
    rs.report_set_fix(
        report,
        actor=user,
        approach=data.approach,
        provider=data.provider,
        private_fix_url=data.private_fix_url,
    )


@_action("approve-fix", NoteIn, "Approve the private fix")
def approve_fix(report: Report, user: User, data: NoteIn) -> None:
    """After this a public PR may be linked."""
    rs.report_approve_private_fix(report, actor=user, note=data.note)


@_action("advisory", AdvisoryIn, "Edit the advisory")
def edit_advisory(report: Report, user: User, data: AdvisoryIn) -> None:
    """Fields left out (or null) stay as they are."""
    rs.report_set_advisory(report, actor=user, **data.model_dump(exclude_none=True))


@_action("tell-reporter", TellReporterIn, "Tell the reporter: accepted, CVE ID, severity")
def tell_reporter(report: Report, user: User, data: TellReporterIn) -> None:
    """Uses the acceptance template unless a body is given; asks about credit."""
    rs.report_tell_reporter(report, actor=user, body=data.body)


@_action("credit", CreditIn, "Record the reporter's credit answer")
def set_credit(report: Report, user: User, data: CreditIn) -> None:
    """By the reporter, or recorded by the team."""
    rs.report_set_credit(
        report, actor=user, wanted=data.wanted, name=data.name, credit_type=data.type
    )


@_action("prs", PullRequestIn, "Link a fix pull request")
def add_pr(report: Report, user: User, data: PullRequestIn) -> None:
    """It must carry the team's fix labels; private-fix reports need the approval first."""
    rs.report_add_pr(report, actor=user, url=data.url, branch=data.branch, labels=data.labels)


@_action("prs/merge", MergeIn, "Record that a fix PR was merged")
def merge_pr(report: Report, user: User, data: MergeIn) -> None:
    """When every fix PR is merged the report is fixed."""
    rs.report_merge_pr(report, actor=user, url=data.url, commit=data.commit)


@_action("publish", None, "Publish the advisory")
def publish_report(report: Report, user: User, data: None) -> None:
    """Every guard of the design must hold; a refusal (409) names what is missing."""
    rs.report_publish(report, actor=user)


# ------------------------------------------------------------------ comments, timeline


@router.get(
    "/reports/{key}/comments", response={200: list[CommentOut], ERROR_CODES: Problem}, auth=READ
)
def list_comments(request: HttpRequest, key: str) -> list[dict[str, Any]]:
    """A reporter sees the shared comments only."""
    comments: list[dict[str, Any]] = detail(request, load(request, key))["comments"]
    return comments


@router.post("/reports/{key}/comments", response={201: CommentOut, ERROR_CODES: Problem}, auth=ACT)
def add_comment(request: HttpRequest, key: str, data: CommentIn) -> Status[dict[str, Any]]:
    """Internal comments reach the team and collaborators; shared ones the reporter too."""
    report = load(request, key)
    comment = rs.comment_add(
        report, actor=actor(request), body=data.body, visibility=data.visibility
    )
    return Status(
        201,
        {
            "at": comment.created_at.isoformat(),
            "author": actor(request).username,
            "visibility": comment.visibility,
            "body": comment.body,
        },
    )


@router.get(
    "/reports/{key}/timeline", response={200: list[EventOut], ERROR_CODES: Problem}, auth=READ
)
def list_timeline(request: HttpRequest, key: str) -> list[dict[str, Any]]:
    """Every change, by whom and when; a reporter sees the shared events without notes."""
    events: list[dict[str, Any]] = detail(request, load(request, key))["timeline"]
    return events


# ------------------------------------------------------------------ collaborators


def _collaborators(report: Report) -> list[dict[str, Any]]:
    return [
        {
            "username": c.user.username,
            "email": c.user.email,
            "invited_by": c.invited_by.username if c.invited_by else None,
        }
        for c in report.collaborators.select_related("user", "invited_by").order_by("created_at")
    ]


@router.get(
    "/reports/{key}/collaborators",
    response={200: list[CollaboratorOut], ERROR_CODES: Problem},
    auth=READ,
)
def list_collaborators(request: HttpRequest, key: str) -> list[dict[str, Any]]:
    """The team and collaborators see who is invited; a reporter is refused."""
    report = load(request, key)
    if not perms.can_view_internal(actor(request), report):
        raise PermissionDenied("Only the team and invited collaborators see who is invited.")
    return _collaborators(report)


@router.post(
    "/reports/{key}/collaborators",
    response={201: list[CollaboratorOut], ERROR_CODES: Problem},
    auth=ACT,
)
def invite_collaborator(
    request: HttpRequest, key: str, data: CollaboratorIn
) -> Status[list[dict[str, Any]]]:
    """Invite someone outside the team (e.g. a core developer) to this report."""
    report = load(request, key)
    perms.require_coordinator_or_admin(actor(request), report)  # no user probing
    rs.collaborator_invite(report, actor=actor(request), user=user_find(data.user))
    return Status(201, _collaborators(report))


@router.delete(
    "/reports/{key}/collaborators/{user}",
    response={200: list[CollaboratorOut], ERROR_CODES: Problem},
    auth=ACT,
)
def remove_collaborator(request: HttpRequest, key: str, user: str) -> list[dict[str, Any]]:
    """Take an invitation back."""
    report = load(request, key)
    perms.require_coordinator_or_admin(actor(request), report)  # no user probing
    rs.collaborator_remove(report, actor=actor(request), user=user_find(user))
    return _collaborators(report)
