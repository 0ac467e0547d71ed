"""Reads of the report page: what the viewer may see of one report, and which actions
their role offers. Who may do what is decided by reports.permissions; the services
enforce it again on every POST."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vulndesk.accounts.models import User
from vulndesk.accounts.permissions import is_team_admin, is_team_member
from vulndesk.core.errors import NotFound
from vulndesk.core.markup import render_markdown
from vulndesk.reports import permissions as perms
from vulndesk.reports.checklist import Step, psrt_checklist
from vulndesk.reports.models import Comment, FixApproach, Report, State
from vulndesk.reports.selectors import report_get

DECIDED = (State.ACCEPTED, State.FIXING, State.FIXED)
ACTIVE = (State.NEW, State.TRIAGE, State.ACCEPTED, State.FIXING, State.FIXED)


def desk_report_get(key: str, *, user: User | None) -> Report:
    """The report for the desk page: its team and its invited collaborators only.

    A reporter sees their own report in the portal, not here; for everyone else the
    report does not exist (404, like a report of another team).
    """
    report = report_get(key, user=user)
    if not perms.can_view_internal(user, report):
        raise NotFound(f"There is no report {key}.")
    return report


@dataclass(frozen=True)
class Viewer:
    user: User
    team: bool  # a member (or admin) of the report's team
    admin: bool
    coordinator: bool
    collaborator: bool

    @property
    def decides(self) -> bool:
        """Decisions are the coordinator's or an admin's (reports.permissions)."""
        return self.admin or (self.team and self.coordinator)


def viewer_for(report: Report, user: User) -> Viewer:
    team = is_team_member(user, report.team)
    return Viewer(
        user=user,
        team=team,
        admin=team and is_team_admin(user, report.team),
        coordinator=report.coordinator_id == user.pk,
        collaborator=not team and perms.is_collaborator(user, report),
    )


def offered_actions(report: Report, viewer: Viewer) -> set[str]:
    """The forms shown to ``viewer``: what their role allows in the report's state.

    Only a courtesy (fewer dead buttons): each POST goes through the service, which
    decides again.
    """
    state = report.state
    team, decides = viewer.team, viewer.decides
    offered: set[str] = set()
    if state != State.SPAM:
        offered.add("comment")
    if not team:
        return offered
    if viewer.admin and state == State.NEW:
        offered.add("triage")
    if (state in ACTIVE or state == State.REJECTED) and (decides or report.coordinator_id is None):
        offered.add("assign")
    if decides and state == State.TRIAGE:
        offered |= {"accept", "reject"}
    if decides and state == State.REJECTED:
        offered.add("reopen")
    if state in ACTIVE and (viewer.admin if state == State.NEW else decides):
        offered.add("withdraw")
    if state in DECIDED:
        offered |= {"advisory", "credit"}
        if decides:
            offered |= {"cve", "severity", "fix", "tell"}
            if not report.cve_id:
                offered.add("cve-assign")
        if not report.cve_id:
            offered.add("cve-reserve")
    if (
        decides
        and state in (State.ACCEPTED, State.FIXING)
        and report.fix_approach == FixApproach.PRIVATE
        and report.private_fix_approved_at is None
    ):
        offered.add("approve-fix")
    if state in (State.FIXING, State.FIXED):
        offered |= {"pr-add", "pr-merge"}
    if decides and state == State.FIXED:
        offered.add("publish")
    if decides and state in ACTIVE:
        offered |= {"invite", "collaborator-remove"}
    return offered


def _change(before: dict[str, Any], after: dict[str, Any]) -> str:
    """``state: triage → accepted; severity: — → High`` for the timeline."""
    parts = []
    for name in list(dict.fromkeys([*before, *after])):
        old, new = before.get(name), after.get(name)
        if name in before:
            parts.append(f"{name}: {old if old not in (None, '') else '—'} → {new}")
        else:
            parts.append(f"{name}: {new}")
    return "; ".join(parts)


def _pending_invitations(report: Report) -> list[Any]:
    """Invitations mailed to addresses without an account, not yet accepted or expired."""
    from vulndesk.core import clock
    from vulndesk.desk.models import CollaboratorInvitation

    return list(
        CollaboratorInvitation.objects.filter(
            report=report, accepted_at=None, expires_at__gt=clock.now()
        ).only("email", "expires_at")
    )


TIMELINE_LATEST = 100


def report_page_data(
    report: Report, *, user: User, timeline_limit: int | None = TIMELINE_LATEST
) -> dict[str, Any]:
    """Everything the desk page shows of ``report`` to ``user`` (team or collaborator).

    The timeline: its latest ``timeline_limit`` events (None: all), oldest first.
    """
    viewer = viewer_for(report, user)
    from vulndesk.mail.models import Attachment

    comments = list(report.comments.select_related("author"))
    attachments = list(
        Attachment.objects.filter(report=report)
        .only("filename", "content_type", "size", "sha256")
        .order_by("id")
    )
    rows = report.timeline.order_by("-at", "-id").values(
        "at", "actor_label", "action", "before", "after", "note", "shared"
    )
    timeline_total = report.timeline.count()
    latest = list(rows if timeline_limit is None else rows[:timeline_limit])
    events = [
        {
            "at": event["at"],
            "actor": event["actor_label"],
            "action": event["action"],
            "change": _change(event["before"], event["after"]),
            "note": event["note"],
            "shared": event["shared"],
        }
        for event in reversed(latest)
    ]
    checklist: list[Step] = psrt_checklist(report) if report.is_open else []
    return {
        "report": report,
        "viewer": viewer,
        "rendered_body": render_markdown(report.body),
        "attachments": attachments,
        "comments": [
            {
                "comment": comment,
                "internal": comment.visibility == Comment.Visibility.INTERNAL,
                "author": (comment.author.display_name if comment.author else comment.author_email),
            }
            for comment in comments
        ],
        "timeline": events,
        "timeline_total": timeline_total,
        "timeline_hidden": timeline_total - len(events),
        "checklist": checklist,
        "collaborators": list(report.collaborators.select_related("user").order_by("created_at")),
        "pending_invitations": _pending_invitations(report) if viewer.team else [],
        "fix_prs": list(report.fix_prs.all()),
        "offered": offered_actions(report, viewer),
    }
