"""Who may see and do what with a report: the one place these rules live.

- team admin: sees every report of the team; triages `new`, assigns anyone, every decision.
- team member: sees every report of the team; coordinates, decides on the reports they
  coordinate, writes advisories, links fix PRs.
- collaborator: sees only the reports they are invited to (with internal notes);
  comments internally.
- reporter: sees only their own reports, without internal notes; comments (shared),
  answers the credit question.
- anyone else: nothing (404).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from vulndesk.accounts.models import Membership, User
from vulndesk.accounts.permissions import is_team_admin, is_team_member
from vulndesk.core.errors import NotFound, PermissionDenied
from vulndesk.reports.models import Report


def is_collaborator(user: User | None, report: Report) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return report.collaborators.filter(user=user).exists()


def is_reporter(user: User | None, report: Report) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return report.reporter.user_id == user.pk


def can_view_report(user: User | None, report: Report) -> bool:
    return (
        is_team_member(user, report.team)
        or is_collaborator(user, report)
        or is_reporter(user, report)
    )


def can_view_internal(user: User | None, report: Report) -> bool:
    """Internal comments and the full timeline: the team and invited collaborators."""
    return is_team_member(user, report.team) or is_collaborator(user, report)


def visible_reports(user: User | None) -> QuerySet[Report]:
    """Every report ``user`` may see; used by every list so nothing leaks by omission."""
    if user is None or not user.is_authenticated:
        return Report.objects.none()
    team_ids = Membership.objects.filter(user=user).values("team_id")
    return Report.objects.filter(
        Q(team_id__in=team_ids) | Q(collaborators__user=user) | Q(reporter__user=user)
    ).distinct()


def require_view(user: User | None, report: Report) -> None:
    """Invisible reports are "not found", never "forbidden"."""
    if not can_view_report(user, report):
        raise NotFound(f"There is no report {report.key}.")


def require_team_member(user: User | None, report: Report) -> None:
    require_view(user, report)
    if not is_team_member(user, report.team):
        raise PermissionDenied(f"Only members of {report.team.name} may do this.")


def require_admin(user: User | None, report: Report) -> None:
    require_view(user, report)
    if not is_team_admin(user, report.team):
        raise PermissionDenied(f"Only an admin of {report.team.name} may do this.")


def require_coordinator_or_admin(user: User | None, report: Report) -> None:
    """Decisions: the report's coordinator, or an admin of its team."""
    require_team_member(user, report)
    if is_team_admin(user, report.team):
        return
    if report.coordinator_id is None:
        raise PermissionDenied(
            f"{report.key} has no coordinator yet; an admin must assign one before any decision."
        )
    if user is None or report.coordinator_id != user.pk:
        raise PermissionDenied(
            f"Only the coordinator of {report.key} ({report.coordinator}) or a team admin "
            "may do this."
        )
